package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	{column[progressReport]{"periodActuals", func(r progressReport) any { return actualsOf(r.r.Actuals) }},
		func(cell string, r *reportRow) error {
			actuals, err := readActuals(cell)
			r.in.PeriodActuals = actuals
			return err
		}},
	{column[progressReport]{"reportedBy", func(r progressReport) any { return optional(r.r.ReportedBy.Name) }}, nil},
	{column[progressReport]{"reportedByRole", func(r progressReport) any { return string(r.r.ReportedBy.Role) }}, nil},
	{column[progressReport]{"reportedByStakeholderId", func(r progressReport) any { return gid(hub.TypeStakeholder, r.r.ReportedBy.StakeholderID) }}, nil},
}

// periodActuals are a report's actuals as reportProgress takes them
// (its periodActuals, communities by global ID); in CSV, that JSON array.
type periodActuals []periodActual

type periodActual struct {
	Indicator   string       `json:"indicator"`
	PeriodStart hub.Date     `json:"periodStart"`
	Actual      float64      `json:"actual"`
	Note        string       `json:"note,omitempty"`
	Breakdown   []actualPart `json:"breakdown,omitempty"`
}

// actualPart is a part of an actual, as reportProgress takes it.
type actualPart struct {
	Dimension hub.Dimension `json:"dimension"`
	Value     string        `json:"value"`
	Actual    float64       `json:"actual"`
}

// CSV is the JSON array, or nothing for a report without actuals.
func (as periodActuals) CSV() string {
	if len(as) == 0 {
		return ""
	}
	b, _ := json.Marshal(as)
	return string(b)
}

func actualsOf(in []hub.PeriodActual) periodActuals {
	out := make(periodActuals, len(in))
	for i, a := range in {
		out[i] = periodActual{Indicator: a.Indicator, PeriodStart: a.PeriodStart, Actual: a.Actual, Note: a.Note}
		for _, d := range a.Breakdown {
			if d.Dimension == hub.ByCommunity {
				d.Value = globalID(hub.TypeCommunity, d.Value)
			}
			out[i].Breakdown = append(out[i].Breakdown, actualPart{d.Dimension, d.Value, d.Actual})
		}
	}
	return out
}

// readActuals reads a periodActuals cell; the hub checks what it says.
func readActuals(cell string) ([]hub.PeriodActual, error) {
	var in periodActuals
	dec := json.NewDecoder(strings.NewReader(cell))
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("there is more after the array")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		err = fmt.Errorf("%s is a JSON %s", te.Field, te.Value)
	} else if errors.As(err, &te) {
		err = fmt.Errorf("the cell is a JSON %s", te.Value)
	}
	if err != nil {
		return nil, fmt.Errorf(`is not a JSON array of reportProgress's periodActuals ([{"indicator": …, "periodStart": "YYYY-MM-DD", "actual": …, "note": …, "breakdown": [{"dimension": …, "value": …, "actual": …}]}]): %v`, err)
	}
	out := make([]hub.PeriodActual, len(in))
	for i, a := range in {
		out[i] = hub.PeriodActual{Indicator: a.Indicator, PeriodStart: a.PeriodStart, Actual: a.Actual, Note: a.Note}
		for _, d := range a.Breakdown {
			d.Dimension = hub.Dimension(strings.ToUpper(string(d.Dimension)))
			if d.Dimension == hub.ByCommunity {
				t, id, ok := parseGlobalID(d.Value)
				if !ok || t != hub.TypeCommunity {
					return nil, fmt.Errorf("%q is not a community's global ID (in the actual of %q from %s)", d.Value, a.Indicator, a.PeriodStart)
				}
				d.Value = id
			}
			out[i].Breakdown = append(out[i].Breakdown, hub.Disaggregation{Dimension: d.Dimension, Value: d.Value, Actual: d.Actual})
		}
	}
	return out, nil
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
