package export

import (
	"strconv"
	"strings"

	"convene/hub"
)

// The indicator-periods export is one row per period of each indicator of
// the matching commitments. Its columns after the commitment's are named
// for the elements of IATI's results (version 2.03): result, indicator,
// baseline, period-start, period-end, target, actual; in JSON each is
// shaped like the element, its attributes as members (iso-date, value),
// a comment as text and each part of an actual as another actual with
// its dimension (name and value), as IATI disaggregates an actual.

// iatiNamed is a result or an indicator: its title, and the indicator's unit.
type iatiNamed struct {
	Title string `json:"title"`
	Unit  string `json:"unit,omitempty"`
}

func (n iatiNamed) CSV() string { return n.Title }

// iatiBaseline is an indicator's baseline.
type iatiBaseline struct {
	ISODate *hub.Date `json:"iso-date"`
	Value   float64   `json:"value"`
	Comment string    `json:"comment,omitempty"`
}

// CSV is "value (on iso-date)".
func (b iatiBaseline) CSV() string {
	s := number(b.Value)
	if b.ISODate != nil {
		s += " (on " + string(*b.ISODate) + ")"
	}
	return s
}

// iatiDate is a period's start or end.
type iatiDate struct {
	ISODate hub.Date `json:"iso-date"`
}

func (d iatiDate) CSV() string { return string(d.ISODate) }

// iatiValue is a target, or one actual.
type iatiValue struct {
	Value     float64         `json:"value"`
	Comment   string          `json:"comment,omitempty"`
	Dimension []iatiDimension `json:"dimension,omitempty"`
}

// iatiDimension is a part's dimension: name as IATI's own examples write
// it (sex, age, community), value as the API gives it.
type iatiDimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (v iatiValue) CSV() string { return number(v.Value) }

// iatiActuals are a period's actual (the first) and its parts.
type iatiActuals []iatiValue

// CSV is "total (name value: part; …)".
func (as iatiActuals) CSV() string {
	if len(as) == 0 {
		return ""
	}
	s := number(as[0].Value)
	parts := make([]string, 0, len(as)-1)
	for _, a := range as[1:] {
		d := a.Dimension[0]
		parts = append(parts, d.Name+" "+d.Value+": "+number(a.Value))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// dimensionNames are the IATI dimension names of the breakdown's.
var dimensionNames = map[hub.Dimension]string{hub.BySex: "sex", hub.ByAgeBand: "age", hub.ByCommunity: "community"}

// indicatorPeriod is one period with its indicator and commitment.
type indicatorPeriod struct {
	c   *hub.Commitment
	ind *hub.Indicator
	p   *hub.IndicatorPeriod
}

// indicatorPeriods takes the commitments filter: their indicators'
// periods in the commitments' order, each indicator's in start order
// (as the hub keeps them).
func (x *exporter) indicatorPeriods(p *params) (table, error) {
	f, err := commitmentFilter(p)
	if err != nil {
		return table{}, err
	}
	var rows []indicatorPeriod
	for _, c := range x.model.Commitments(f, hub.CommitmentOrder{Field: hub.OrderByReference}, x.today) {
		if x.model.Visible(x.viewer, c) == nil {
			continue
		}
		for i := range c.Indicators {
			ind := &c.Indicators[i]
			for j := range ind.Periods {
				rows = append(rows, indicatorPeriod{c, ind, &ind.Periods[j]})
			}
		}
	}
	return rowsTable(rows, []column[indicatorPeriod]{
		{"commitmentId", func(r indicatorPeriod) any { return globalID(hub.TypeCommitment, r.c.ID) }},
		{"reference", func(r indicatorPeriod) any { return r.c.ID }},
		{"result", func(r indicatorPeriod) any { return iatiNamed{Title: r.c.Title} }},
		{"indicator", func(r indicatorPeriod) any { return iatiNamed{Title: r.ind.Name, Unit: r.ind.Unit} }},
		{"baseline", func(r indicatorPeriod) any {
			b := iatiBaseline{Value: r.ind.Baseline, Comment: r.ind.BaselineNote}
			if r.ind.BaselineDate != "" {
				d := r.ind.BaselineDate
				b.ISODate = &d
			}
			return b
		}},
		{"period-start", func(r indicatorPeriod) any { return iatiDate{r.p.Start} }},
		{"period-end", func(r indicatorPeriod) any { return iatiDate{r.p.End} }},
		{"target", func(r indicatorPeriod) any { return iatiValue{Value: r.p.Target} }},
		{"actual", func(r indicatorPeriod) any {
			if r.p.Actual == nil {
				return nil
			}
			out := iatiActuals{{Value: *r.p.Actual, Comment: r.p.Note}}
			for _, d := range r.p.Breakdown {
				value := d.Value
				if d.Dimension == hub.ByCommunity {
					value = globalID(hub.TypeCommunity, d.Value)
				}
				out = append(out, iatiValue{Value: d.Actual, Dimension: []iatiDimension{{Name: dimensionNames[d.Dimension], Value: value}}})
			}
			return out
		}},
	}), nil
}
