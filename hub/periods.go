package hub

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Limits of an indicator's periods and of an actual's breakdown.
const (
	MaxPeriods   = 40
	MaxBreakdown = 30
)

// Sexes an actual is broken down by.
var sexes = []string{"FEMALE", "MALE", "OTHER"}

var ageBand = regexp.MustCompile(`^(\d{1,3})(?:-(\d{1,3})|\+)$`)

// checkIndicatorDetails checks what an indicator has beyond its name and
// unit: the baseline's date and note, and its periods (each valid, none
// overlapping another; kept in start order, errors naming them as given),
// keeping the actuals of periods that keep their
// start when the input gives none. The periods' place inside the
// commitment's dates is checkPeriodDates'.
func (h *Hub) checkIndicatorDetails(c *checker, ind *Indicator, old *Indicator, at []string) {
	field := func(f ...string) []string { return append(slices.Clone(at), f...) }
	if ind.BaselineDate != "" {
		if _, err := ParseDate(string(ind.BaselineDate)); err != nil {
			c.add(CodeInvalid, err.Error(), field("baselineDate")...)
		}
	}
	ind.BaselineNote = c.optionalText(ind.BaselineNote, 1000, field("baselineNote")...)
	if len(ind.Periods) > MaxPeriods {
		c.add(CodeInvalid, fmt.Sprintf("at most %d periods", MaxPeriods), field("periods")...)
		return
	}
	periods := make([]IndicatorPeriod, len(ind.Periods))
	for j, p := range ind.Periods {
		pat := field("periods", strconv.Itoa(j))
		checkDateAt(c, p.Start, append(slices.Clone(pat), "start")...)
		checkDateAt(c, p.End, append(slices.Clone(pat), "end")...)
		if p.Start != "" && p.End != "" && p.End < p.Start {
			c.add(CodeInvalid, "must not be before start", append(pat, "end")...)
		}
		p.Note = c.optionalText(p.Note, 1000, append(pat, "note")...)
		if p.Actual == nil && old != nil {
			for _, o := range old.Periods {
				if o.Start == p.Start {
					p.Actual, p.Breakdown = o.Actual, o.Breakdown
				}
			}
		}
		if p.Actual != nil {
			p.Breakdown = h.checkBreakdown(c, p.Breakdown, *p.Actual, ind.Additive, append(pat, "breakdown")...)
		} else if len(p.Breakdown) > 0 {
			c.add(CodeInvalid, "a breakdown needs an actual", append(pat, "breakdown")...)
		}
		periods[j] = p
	}
	// No two periods overlap: in start order, each begins after the one before ends.
	order := make([]int, len(periods))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(string(periods[a].Start), string(periods[b].Start)) })
	for k := 1; k < len(order); k++ {
		prev, cur := periods[order[k-1]], periods[order[k]]
		if cur.Start != "" && cur.Start <= prev.End {
			c.add(CodeInvalid, fmt.Sprintf("overlaps the period %s to %s", prev.Start, prev.End), field("periods", strconv.Itoa(order[k]), "start")...)
		}
	}
	if len(periods) == 0 {
		periods = nil
	}
	slices.SortStableFunc(periods, func(a, b IndicatorPeriod) int { return strings.Compare(string(a.Start), string(b.Start)) })
	ind.Periods = periods
}

func checkDateAt(c *checker, d Date, field ...string) {
	if d == "" {
		c.add(CodeRequired, "is required", field...)
	} else if _, err := ParseDate(string(d)); err != nil {
		c.add(CodeInvalid, err.Error(), field...)
	}
}

// checkPeriodDates checks every period lies inside the commitment's dates.
func checkPeriodDates(c *checker, cm *Commitment) {
	for i, ind := range cm.Indicators {
		for j, p := range ind.Periods {
			at := []string{"indicators", strconv.Itoa(i), "periods", strconv.Itoa(j)}
			if p.Start != "" && cm.StartDate != "" && p.Start < cm.StartDate {
				c.add(CodeInvalid, fmt.Sprintf("must not be before the commitment's startDate %s", cm.StartDate), append(at, "start")...)
			}
			if p.End != "" && cm.DueDate != "" && p.End > cm.DueDate {
				c.add(CodeInvalid, fmt.Sprintf("must not be after the commitment's dueDate %s", cm.DueDate), append(at, "end")...)
			}
		}
	}
}

// checkBreakdown checks an actual's parts: known dimensions and values,
// each (dimension, value) once, and, for an additive indicator, no
// dimension's parts adding up to more than the actual.
func (h *Hub) checkBreakdown(c *checker, parts []Disaggregation, total float64, additive bool, at ...string) []Disaggregation {
	if len(parts) > MaxBreakdown {
		c.add(CodeInvalid, fmt.Sprintf("at most %d parts", MaxBreakdown), at...)
		return nil
	}
	if len(parts) == 0 {
		return nil
	}
	out := make([]Disaggregation, len(parts))
	seen := map[Disaggregation]bool{}
	sums := map[Dimension]float64{}
	for k, d := range parts {
		pat := append(slices.Clone(at), strconv.Itoa(k))
		d.Value = strings.TrimSpace(d.Value)
		switch d.Dimension {
		case BySex:
			d.Value = strings.ToUpper(d.Value)
			if !slices.Contains(sexes, d.Value) {
				c.add(CodeInvalid, "a sex is FEMALE, MALE or OTHER", append(pat, "value")...)
			}
		case ByAgeBand:
			m := ageBand.FindStringSubmatch(d.Value)
			if m == nil {
				c.add(CodeInvalid, `an age band is written "15-24" or "65+"`, append(pat, "value")...)
			} else if lo, _ := strconv.Atoi(m[1]); m[2] != "" {
				if hi, _ := strconv.Atoi(m[2]); hi < lo {
					c.add(CodeInvalid, "an age band's upper age must not be below its lower one", append(pat, "value")...)
				}
			}
		case ByCommunity:
			c.exists(Communities.Get(h.model, d.Value) != nil, "community", append(pat, "value")...)
		default:
			c.add(CodeInvalid, "the dimension is SEX, AGE_BAND or COMMUNITY", append(pat, "dimension")...)
		}
		key := Disaggregation{Dimension: d.Dimension, Value: d.Value}
		if seen[key] {
			c.add(CodeInvalid, "this dimension and value are given twice", append(pat, "value")...)
		}
		seen[key] = true
		if additive && d.Actual < 0 {
			c.add(CodeInvalid, "a part of an additive indicator's actual must not be negative", append(pat, "actual")...)
		}
		sums[d.Dimension] += d.Actual
		out[k] = d
	}
	if additive {
		for _, dim := range AllDimensions {
			if sums[dim] > total+1e-9 {
				c.add(CodeInvalid, fmt.Sprintf("the %s breakdown adds up to %g, more than the actual %g", dim, sums[dim], total), at...)
			}
		}
	}
	return out
}

// applyActuals sets the period actuals a report gives on cm's indicators
// (copies: the old state's slices are shared) and returns them checked.
func (h *Hub) applyActuals(c *checker, cm *Commitment, actuals []PeriodActual) []PeriodActual {
	if len(actuals) == 0 {
		return nil
	}
	out := make([]PeriodActual, 0, len(actuals))
	seen := map[[2]string]bool{}
	for k, a := range actuals {
		at := []string{"periodActuals", strconv.Itoa(k)}
		i := slices.IndexFunc(cm.Indicators, func(ind Indicator) bool { return ind.Name == a.Indicator })
		if i < 0 {
			c.exists(false, "indicator on this commitment", append(at, "indicator")...)
			continue
		}
		ind := &cm.Indicators[i]
		j := slices.IndexFunc(ind.Periods, func(p IndicatorPeriod) bool { return p.Start == a.PeriodStart })
		if j < 0 {
			c.exists(false, "period of this indicator starting on this date", append(at, "periodStart")...)
			continue
		}
		if key := [2]string{a.Indicator, string(a.PeriodStart)}; seen[key] {
			c.add(CodeInvalid, "this period is reported twice", append(at, "periodStart")...)
		} else {
			seen[key] = true
		}
		a.Note = c.optionalText(a.Note, 1000, append(at, "note")...)
		a.Breakdown = h.checkBreakdown(c, a.Breakdown, a.Actual, ind.Additive, append(at, "breakdown")...)
		ind.Periods = slices.Clone(ind.Periods)
		p := &ind.Periods[j]
		value := a.Actual
		p.Actual, p.Breakdown = &value, a.Breakdown
		if a.Note != "" {
			p.Note = a.Note
		}
		out = append(out, a)
	}
	return out
}
