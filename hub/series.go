package hub

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Progress series: how a set of commitments' progress moved, period by
// period, read from the same timelines as time travel (asof.go): each
// period's figure is the commitments' progress as it stood at the
// period's end. Periods are calendar months, quarters or years in UTC.

// SeriesInterval is how long each period of a series spans.
type SeriesInterval string

// Series intervals.
const (
	Month   SeriesInterval = "MONTH"
	Quarter SeriesInterval = "QUARTER"
	Year    SeriesInterval = "YEAR"
)

// MaxSeriesPoints bounds a series: twenty years, month by month.
const MaxSeriesPoints = 240

// ProgressPoint is one period of a series.
type ProgressPoint struct {
	Start, End Date // the period's first and last days
	// Progress is the mean progress of the commitments recorded by the
	// period's end, as it stood then (0 when there are none).
	Progress    float64
	Commitments int // how many were recorded by the period's end
	Reports     int // progress reports made during the period
}

// period is a series' period as instants: [from, to) in Unix ms.
type period struct{ from, to int64 }

// ErrSeries is the error of a series asked with bad bounds: the client's
// mistake, worded for them.
var ErrSeries = errors.New("progressSeries")

// SeriesPeriods returns the periods of interval from the one holding from
// to the one holding to; ErrSeries when the dates or the number of
// periods are out of bounds.
func SeriesPeriods(interval SeriesInterval, from, to Date) ([]ProgressPoint, error) {
	start, err := time.Parse(time.DateOnly, string(from))
	if err != nil {
		return nil, fmt.Errorf("%w: from: %q is not a date in YYYY-MM-DD form", ErrSeries, from)
	}
	end, err := time.Parse(time.DateOnly, string(to))
	if err != nil {
		return nil, fmt.Errorf("%w: to: %q is not a date in YYYY-MM-DD form", ErrSeries, to)
	}
	if end.Before(start) {
		return nil, fmt.Errorf("%w: to (%s) is before from (%s)", ErrSeries, to, from)
	}
	var months int
	switch interval {
	case Month:
		months, start = 1, time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	case Quarter:
		months, start = 3, time.Date(start.Year(), (start.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	case Year:
		months, start = 12, time.Date(start.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	default:
		return nil, fmt.Errorf("%w: unknown interval %q: MONTH, QUARTER or YEAR", ErrSeries, interval)
	}
	n := ((end.Year()-start.Year())*12+int(end.Month())-int(start.Month()))/months + 1
	if n > MaxSeriesPoints {
		return nil, fmt.Errorf("%w: from %s to %s by %s is %d points, and a series has at most %d: take a longer interval or a shorter span",
			ErrSeries, from, to, interval, n, MaxSeriesPoints)
	}
	out := make([]ProgressPoint, n)
	for i := range out {
		s := start.AddDate(0, i*months, 0)
		out[i] = ProgressPoint{Start: dayOf(s), End: dayOf(s.AddDate(0, months, -1))}
	}
	return out, nil
}

// dayOf is DateOf without time's layout parser: a series writes two
// dates a period, and newSums reads them back with dayMillis.
func dayOf(t time.Time) Date {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return DateOf(t)
	}
	b := []byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return Date(b)
}

// dayMillis is the first instant of day d in UTC, in Unix ms, as
// time.Parse(time.DateOnly) reads it (the zero time for a bad date).
func dayMillis(d Date) int64 {
	num := func(s Date) (int, bool) {
		n := 0
		for i := range len(s) {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	if len(d) == 10 && d[4] == '-' && d[7] == '-' {
		y, okY := num(d[:4])
		m, okM := num(d[5:7])
		day, okD := num(d[8:])
		if okY && okM && okD && m >= 1 && m <= 12 && day >= 1 && day <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC).UnixMilli()
		}
	}
	t, _ := time.Parse(time.DateOnly, string(d))
	return t.UnixMilli()
}

// CommitmentIDs are the IDs of the commitments f selects, in no order:
// what a progress series sums (in any order) needs no sorted page.
func (m *ReadModel) CommitmentIDs(f CommitmentFilter, today Date) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var ids []string
	m.eachMatchingCommitment(f, today, func(r *commitmentRow) { ids = append(ids, r.c.ID) })
	return ids
}

// ProgressSeries fills the periods (from SeriesPeriods) with the figures of
// the commitments with these ids. On a view of the past, the figures stand
// at the view's instant at the latest.
func (m *ReadModel) ProgressSeries(ids []string, periods []ProgressPoint) ([]ProgressPoint, error) {
	if m.source != nil {
		return m.source.progressSeries(ids, periods, m.asOfTime.UnixMilli())
	}
	return m.progressSeries(ids, periods, 0)
}

// ProgressSeriesOf is ProgressSeries of the commitments f selects, overdue
// judged on today: on the hub's model, from the series groups when f
// names only objectives, pillars, plans and sectors (series_groups.go),
// else one walk over the rows the filter selects, each row's timeline at
// hand.
func (m *ReadModel) ProgressSeriesOf(f CommitmentFilter, today Date, periods []ProgressPoint) ([]ProgressPoint, error) {
	if m.source != nil {
		return m.ProgressSeries(m.CommitmentIDs(f, today), periods)
	}
	if err := m.ensureAsOf(); err != nil {
		return nil, err
	}
	s := newSums(periods)
	m.mu.RLock()
	if m.seriesFromGroups(f, s) {
		m.mu.RUnlock()
		return s.finish(), nil
	}
	byRow, rows, match := m.asOf.commitments, m.commitmentIndex.rows, m.commitmentMatcher(f, today)
	m.commitmentCandidates(f, today).each(func(i int32) {
		if int(i) < len(byRow) && byRow[i] != nil && match(&rows[i]) {
			byRow[i].series(s.periods, 0, s.out, s.adds, s.deltas)
		}
	})
	m.mu.RUnlock()
	return s.finish(), nil
}

// progressSeries is ProgressSeries on the hub's model: until (Unix ms,
// 0 for none) caps every period's end.
func (m *ReadModel) progressSeries(ids []string, points []ProgressPoint, until int64) ([]ProgressPoint, error) {
	if err := m.ensureAsOf(); err != nil {
		return nil, err
	}
	s := newSums(points)
	m.mu.RLock()
	lines := m.asOf.lines[Commitments.n]
	for _, id := range ids {
		if tl := lines[id]; tl != nil {
			tl.series(s.periods, until, s.out, s.adds, s.deltas)
		}
	}
	m.mu.RUnlock()
	return s.finish(), nil
}

// sums is a series being summed. Each commitment adds, to the period
// where it first stands, one commitment and its progress, and to each
// period where a later version first stands, that version's change of
// progress: running sums over the periods then give every period's
// figures.
type sums struct {
	out          []ProgressPoint
	periods      []period
	adds, deltas []int
}

func newSums(points []ProgressPoint) *sums {
	s := &sums{out: append([]ProgressPoint(nil), points...), periods: make([]period, len(points)),
		adds: make([]int, len(points)), deltas: make([]int, len(points))}
	for i, p := range points {
		s.periods[i] = period{dayMillis(p.Start), dayMillis(p.End) + 24*time.Hour.Milliseconds()}
	}
	return s
}

// finish returns the figures of every period.
func (s *sums) finish() []ProgressPoint {
	count, sum := 0, 0
	for i := range s.out {
		count, sum = count+s.adds[i], sum+s.deltas[i]
		if s.out[i].Commitments = count; count > 0 {
			s.out[i].Progress = float64(sum) / float64(count)
		}
	}
	return s.out
}

// series adds the commitment's figures to the periods: where each of its
// versions first stands at a period's end (the period's end, or until
// when that is earlier), one commitment for the first (adds) and its
// change of progress (deltas); and to out the reports made in each
// period. One walk over the versions.
func (tl *timeline) series(periods []period, until int64, out []ProgressPoint, adds, deltas []int) {
	i, prev := 0, -1 // the period where the current version first stands; the progress before it
	for _, pt := range tl.points {
		if until != 0 && pt.at > until {
			break // this version and every later one stand at no period's end
		}
		if i < len(periods) && periods[i].to <= pt.at {
			lo, hi := i+1, len(periods) // the first period ending at or after pt.at is in [lo, hi]
			for lo < hi {
				if mid := int(uint(lo+hi) >> 1); periods[mid].to <= pt.at {
					lo = mid + 1
				} else {
					hi = mid
				}
			}
			i = lo
		}
		if i == len(periods) {
			break
		}
		if prev < 0 {
			adds[i]++
			prev = 0
		}
		deltas[i] += int(pt.progress) - prev
		prev = int(pt.progress)
	}
	var reports int32
	for _, pt := range tl.points {
		if pt.reports <= reports {
			continue
		}
		reports = pt.reports
		if until != 0 && pt.at > until {
			break
		}
		i := sort.Search(len(periods), func(i int) bool { return periods[i].to > pt.own })
		if i < len(periods) && periods[i].from <= pt.own {
			out[i].Reports++
		}
	}
}
