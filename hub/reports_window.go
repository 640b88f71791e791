package hub

// Window decodes the reports numbered from+1 to to (numbers start at 1)
// of a state that has had n reports and k verdicts, and the verdicts on
// those reports, in log order. A window short of all the reports reads the
// other records without decoding their text, and copies only the bytes
// from the window's first record to its last, so a page of a long report
// list costs the page. total is how many reports the state's prefix
// holds: n, unless the records are fewer.
func (r Reports) Window(n, k, from, to int) (reports []ProgressReport, verdicts []Verification, total int, err error) {
	w := window{from: from, to: to, keep: true}
	if lo, hi := max(from, 0), min(to, n); hi > lo {
		w.reports = make([]ProgressReport, 0, hi-lo)
	}
	if from <= 0 && to >= n {
		total, err = w.scan(newReader(r), n, k, 0)
		return w.reports, w.verdicts, total, err
	}
	skim := window{from: from, to: to, start: len(r)}
	if total, err = skim.scan(&reader{raw: r, ok: true, skim: true}, n, k, 0); err != nil || skim.end == 0 {
		return nil, nil, total, err
	}
	d := &reader{raw: r[:skim.end], s: string(r[skim.start:skim.end]), base: skim.start, i: skim.start, ok: true}
	if _, err := w.scan(d, n, k, from); err != nil {
		return nil, nil, 0, err
	}
	return w.reports, w.verdicts, total, nil
}

// window is what a scan of records collects: the reports numbered from+1
// to to and the verdicts on them when keep, and where their records start
// and end.
type window struct {
	from, to   int
	keep       bool
	reports    []ProgressReport
	verdicts   []Verification
	start, end int
}

func (w *window) in(report int) bool { return w.from < report && report <= w.to }

// record notes a record of the window, from at to the reader's position.
func (w *window) record(d *reader, at int) {
	w.start, w.end = min(w.start, at), max(w.end, d.i)
}

// scan reads records until the state's n reports and k verdicts are read
// or the bytes end, counting reports on from total, and returns the count.
func (w *window) scan(d *reader, n, k, total int) (int, error) {
	judged := 0
	for (total < n || judged < k) && d.more() {
		at := d.i
		switch mark := d.varint(); mark {
		case markVerdict:
			judged++
			if v := d.verdict(); d.ok && w.in(v.Report) {
				w.record(d, at)
				if w.keep {
					w.verdicts = append(w.verdicts, v)
				}
			}
		default:
			withActuals := mark == markReportWithActuals
			if withActuals {
				mark = d.varint()
			}
			total++
			if p := d.report(mark, withActuals); d.ok && w.in(total) {
				w.record(d, at)
				if w.keep {
					w.reports = append(w.reports, p)
				}
			}
		}
	}
	if !d.ok {
		return 0, ErrReports
	}
	return total, nil
}

// ReportsWindow is Reports.Window over c's records, as c's version counts
// them.
func (m *ReadModel) ReportsWindow(c *Commitment, from, to int) ([]ProgressReport, []Verification, int, error) {
	m.mu.RLock()
	r := m.reportsOf(c.ID) // appends never change these bytes
	m.mu.RUnlock()
	return r.Window(c.ReportCount, c.VerificationCount, from, to)
}
