package export

import (
	"fmt"
	"strconv"
	"strings"

	"convene/hub"
	"convene/resolvers/gqltype"
)

// progressReport is a report with its commitment.
type progressReport struct {
	c *hub.Commitment
	r hub.ProgressReport
}

// reportColumn is a column of the progress reports: how the export writes
// it and, when read is set, how an import reads a cell of it back (cells
// are read only when not empty). Columns without read are the export's
// alone: an import ignores them (the title, and the reporter, who is
// whoever imports).
type reportColumn struct {
	column[progressReport]
	read func(cell string, r *reportRow) error
}

// reportColumns are the columns of /export/progress-reports and of
// /import/progress-reports.csv alike: a new column is a row here.
var reportColumns = []reportColumn{
	{column[progressReport]{"commitmentId", func(r progressReport) any { return globalID(hub.TypeCommitment, r.c.ID) }},
		func(cell string, r *reportRow) error {
			t, id, ok := parseGlobalID(cell)
			if !ok || t != hub.TypeCommitment {
				return fmt.Errorf("%q is not a commitment's global ID", cell)
			}
			r.commitmentID = id
			return nil
		}},
	{column[progressReport]{"reference", func(r progressReport) any { return r.c.ID }},
		func(cell string, r *reportRow) error { r.reference = cell; return nil }},
	{column[progressReport]{"title", func(r progressReport) any { return r.c.Title }}, nil},
	{column[progressReport]{"reportedAt", func(r progressReport) any { return r.r.ReportedAt }},
		func(cell string, r *reportRow) error {
			t, err := gqltype.ParseDateTime(cell)
			r.in.At = t
			return err
		}},
	{column[progressReport]{"progress", func(r progressReport) any { return r.r.Progress }},
		func(cell string, r *reportRow) error {
			n, err := strconv.Atoi(cell)
			if err != nil {
				return fmt.Errorf("%q is not a whole number from 0 to 100", cell)
			}
			r.in.Progress, r.progress = n, true
			return nil
		}},
	{column[progressReport]{"status", func(r progressReport) any { return string(r.r.Status) }},
		func(cell string, r *reportRow) error {
			for _, s := range hub.AllCommitmentStatuses {
				if strings.EqualFold(cell, string(s)) {
					r.in.Status = &s
					return nil
				}
			}
			return fmt.Errorf("%q is not a status: give one of %s, or leave it empty to keep the commitment's", cell, enumList(hub.AllCommitmentStatuses))
		}},
	{column[progressReport]{"note", func(r progressReport) any { return r.r.Note }},
		func(cell string, r *reportRow) error { r.in.Note = cell; return nil }},
	{column[progressReport]{"reportedBy", func(r progressReport) any { return optional(r.r.ReportedBy.Name) }}, nil},
	{column[progressReport]{"reportedByRole", func(r progressReport) any { return string(r.r.ReportedBy.Role) }}, nil},
	{column[progressReport]{"reportedByStakeholderId", func(r progressReport) any { return gid(hub.TypeStakeholder, r.r.ReportedBy.StakeholderID) }}, nil},
}

func enumList[T ~string](values []T) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}

// progressReports takes the commitments filter and from/to (reportedAt):
// each commitment's reports, newest first, as the API lists them.
func (x *exporter) progressReports(p *params) (table, error) {
	f, err := commitmentFilter(p)
	if err != nil {
		return table{}, err
	}
	from, to, err := period(p)
	if err != nil {
		return table{}, err
	}
	var rows []progressReport
	for _, c := range x.model.Commitments(f, hub.CommitmentOrder{Field: hub.OrderByReference}, x.today) {
		reports, err := x.model.ProgressReports(c)
		if err != nil {
			return table{}, err
		}
		for i := len(reports) - 1; i >= 0; i-- { // newest first, as the API
			if r := reports[i]; within(r.ReportedAt, from, to) {
				rows = append(rows, progressReport{c, r})
			}
		}
	}
	columns := make([]column[progressReport], len(reportColumns))
	for i, c := range reportColumns {
		columns[i] = c.column
	}
	return rowsTable(rows, columns), nil
}
