package export

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"convene/hub"
)

// Progress reports come back in as CSV with the export's columns
// (reportColumns), any subset in any order: a commitment (commitmentId or
// reference), progress and note are required; status and reportedAt are
// optional; the export's other columns are ignored. The whole file is
// checked first: every bad row and column is reported, each report is
// run through reportProgress's rules and the caller's rights on a fork of
// the hub; only then is it written, as one batch (hub.AppendBatch) that
// readers see whole or not at all, after a crash too.

// ImportOptions tune ImportProgressReports.
type ImportOptions struct {
	// DryRun checks everything, as a real import would, and writes nothing.
	DryRun bool
	// Progress, if set, is told how many of the reports are written, out of how many.
	Progress func(done, total int)
}

// ImportResult says what an import did or, in a dry run, would do.
type ImportResult struct {
	DryRun bool `json:"dryRun"`
	// Rows counts the file's rows of data (the header aside).
	Rows int `json:"rows"`
	// Written counts the reports written: the rows, unless the import was
	// a dry run or found errors (then nothing was written).
	Written  int             `json:"written"`
	Problems []ImportProblem `json:"problems"`
}

// ImportProblem is what is wrong with a row, at a column.
type ImportProblem struct {
	Row     int    `json:"row"`              // the file's row, the header being row 1
	Column  string `json:"column,omitempty"` // empty for the row as a whole
	Message string `json:"message"`
}

func (e ImportProblem) String() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d: %s: %s", e.Row, e.Column, e.Message)
}

// MaxImportRows bounds the rows of one import.
const MaxImportRows = 100_000

// maxImportAttempts bounds how often an import is rebuilt when other
// writes come between building it and writing it.
const maxImportAttempts = 3

// reportRow is one row of an import as read.
type reportRow struct {
	row                     int
	commitmentID, reference string
	idColumn                string // the column that names the commitment
	progress                bool   // the progress cell was given
	in                      hub.ReportProgressInput
}

// ImportProgressReports reads progress reports from CSV and records them
// as actor, all or nothing. Problems with the file are in the result's
// Problems (and nothing is written); the error is for failures of the
// hub's own.
func ImportProgressReports(ctx context.Context, h *hub.Hub, actor hub.Actor, r io.Reader, opts ImportOptions) (*ImportResult, error) {
	rows, errs, err := readReports(r)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{DryRun: opts.DryRun, Rows: len(rows), Problems: errs}
	bad := map[int]bool{}
	for _, e := range errs {
		bad[e.Row] = true
	}
	valid := rows[:0:0]
	for _, row := range rows {
		if !bad[row.row] {
			valid = append(valid, row)
		}
	}
	// A commitment's reports are recorded in time order; those without a
	// time are recorded now, after the others.
	sort.SliceStable(valid, func(i, j int) bool {
		a, b := valid[i].in.At, valid[j].in.At
		return !a.IsZero() && (b.IsZero() || a.Before(b))
	})
	for attempt := 1; ; attempt++ {
		fork, err := h.Fork(ctx)
		if err != nil {
			return nil, err
		}
		built, err := buildReports(ctx, fork, actor, valid)
		events := fork.Batch()
		fork.Close(ctx)
		if err != nil {
			return nil, err
		}
		res.Problems = append(slices.Clip(errs), built...)
		slices.SortStableFunc(res.Problems, func(a, b ImportProblem) int { return a.Row - b.Row })
		if len(res.Problems) > 0 || opts.DryRun || len(events) == 0 {
			return res, nil
		}
		var progress func(int)
		if opts.Progress != nil {
			progress = func(done int) { opts.Progress(done, len(events)) }
		}
		err = h.AppendBatch(ctx, events, progress)
		if (errors.Is(err, hub.ErrMoved) || errors.Is(err, hub.ErrBatchVoided)) && attempt < maxImportAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		res.Written = len(valid)
		return res, nil
	}
}

// readReports parses the file: its rows, and what is wrong with them cell
// by cell. The error is a failure to read, not a fault of the file's.
func readReports(r io.Reader) ([]*reportRow, []ImportProblem, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return nil, []ImportProblem{{Row: 1, Message: "the file is empty: it needs a header row with the columns of the progress-reports export"}}, nil
	case errors.As(err, &pe):
		return nil, []ImportProblem{{Row: 1, Message: "not CSV: " + err.Error()}}, nil
	case err != nil:
		return nil, nil, err
	}
	header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	cols, errs := readHeader(header)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	var rows []*reportRow
	for n := 2; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if errors.As(err, &pe) {
			return rows, append(errs, ImportProblem{Row: n, Message: "not CSV: " + err.Error() + "; the rest of the file was not read"}), nil
		}
		if err != nil {
			return nil, nil, err
		}
		if len(rows) == MaxImportRows {
			return rows, append(errs, ImportProblem{Row: n, Message: fmt.Sprintf("an import takes at most %d rows: split the file", MaxImportRows)}), nil
		}
		row := &reportRow{row: n}
		rows = append(rows, row)
		if len(rec) != len(header) {
			errs = append(errs, ImportProblem{Row: n, Message: fmt.Sprintf("%d cells, but the header has %d columns", len(rec), len(header))})
			continue
		}
		failed := map[string]bool{}
		for i, cell := range rec {
			if c := cols[i]; c.read != nil && cell != "" {
				if err := c.read(undefuse(cell), row); err != nil {
					errs = append(errs, ImportProblem{Row: n, Column: c.name, Message: err.Error()})
					failed[c.name] = true
				}
			}
		}
		errs = append(errs, row.check(failed)...)
	}
	if len(rows) == 0 {
		errs = append(errs, ImportProblem{Row: 2, Message: "the file has a header and no rows"})
	}
	return rows, errs, nil
}

// readHeader maps the header's columns to reportColumns.
func readHeader(header []string) ([]reportColumn, []ImportProblem) {
	var errs []ImportProblem
	cols := make([]reportColumn, len(header))
	seen := map[string]bool{}
	for i, name := range header {
		j := slices.IndexFunc(reportColumns, func(c reportColumn) bool { return c.name == name })
		switch {
		case j < 0:
			names := make([]string, len(reportColumns))
			for k, c := range reportColumns {
				names[k] = c.name
			}
			errs = append(errs, ImportProblem{Row: 1, Column: name, Message: "no such column: the columns are those of the progress-reports export: " + strings.Join(names, ", ")})
		case seen[name]:
			errs = append(errs, ImportProblem{Row: 1, Column: name, Message: "the column is there twice"})
		default:
			cols[i] = reportColumns[j]
		}
		seen[name] = true
	}
	for _, need := range []string{"progress", "note"} {
		if !seen[need] {
			errs = append(errs, ImportProblem{Row: 1, Column: need, Message: "the column is required"})
		}
	}
	if !seen["commitmentId"] && !seen["reference"] {
		errs = append(errs, ImportProblem{Row: 1, Column: "commitmentId", Message: "a commitmentId or a reference column is required"})
	}
	return cols, errs
}

// check finds what is missing from a row once its cells are read (failed
// names the columns whose cells could not be), and settles which
// commitment it names.
func (r *reportRow) check(failed map[string]bool) []ImportProblem {
	var errs []ImportProblem
	switch {
	case failed["commitmentId"] || failed["reference"]:
	case r.commitmentID == "" && r.reference == "":
		errs = append(errs, ImportProblem{Row: r.row, Column: "commitmentId", Message: "is required: give the commitment's commitmentId or reference"})
	case r.commitmentID != "" && r.reference != "" && r.commitmentID != r.reference:
		errs = append(errs, ImportProblem{Row: r.row, Column: "reference", Message: fmt.Sprintf("names %s, but commitmentId names %s", r.reference, r.commitmentID)})
	case r.commitmentID != "":
		r.in.CommitmentID, r.idColumn = r.commitmentID, "commitmentId"
	default:
		r.in.CommitmentID, r.idColumn = r.reference, "reference"
	}
	if !r.progress && !failed["progress"] {
		errs = append(errs, ImportProblem{Row: r.row, Column: "progress", Message: "is required"})
	}
	return errs
}

// undefuse takes off the quote the CSV export puts before text a
// spreadsheet would run as a formula.
func undefuse(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// buildReports records the rows on fork, in order, and returns what the
// rules refused.
func buildReports(ctx context.Context, fork *hub.Hub, actor hub.Actor, rows []*reportRow) ([]ImportProblem, error) {
	var errs []ImportProblem
	now := time.Now()
	for _, row := range rows {
		if at := row.in.At; !at.IsZero() {
			if at.After(now) {
				errs = append(errs, ImportProblem{Row: row.row, Column: "reportedAt", Message: "is in the future"})
				continue
			}
			if c := hub.Commitments.Get(fork.Model(), row.in.CommitmentID); c != nil && at.Before(c.UpdatedAt) {
				if at.Before(c.UpdatedAt.Truncate(time.Second)) {
					errs = append(errs, ImportProblem{Row: row.row, Column: "reportedAt", Message: fmt.Sprintf(
						"is before the commitment's last change (%s): a commitment's reports are recorded in time order", isoTime(c.UpdatedAt))})
					continue
				}
				row.in.At = c.UpdatedAt // the same second, as the export writes times
			}
		}
		_, _, err := fork.ReportProgress(ctx, actor, row.in)
		var ve *hub.ValidationError
		var fe *hub.ForbiddenError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			for _, f := range ve.Errors {
				var col string // the input's field: the field path is input.FIELD…
				if len(f.Field) > 1 {
					col = f.Field[1]
				}
				if col == "commitmentId" {
					col = row.idColumn
				}
				msg := f.Message
				if len(f.Field) > 2 { // a part of the cell: periodActuals.0.breakdown.1.value
					msg = strings.Join(f.Field[2:], ".") + ": " + msg
				}
				errs = append(errs, ImportProblem{Row: row.row, Column: col, Message: msg})
			}
		case errors.As(err, &fe):
			errs = append(errs, ImportProblem{Row: row.row, Column: row.idColumn, Message: "you may not report on this commitment: " + fe.Reason})
		default:
			return nil, err
		}
	}
	return errs, nil
}
