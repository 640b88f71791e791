package hub

// Window decodes the reports numbered from+1 to to (numbers start at 1)
// of a state that has had n reports and k verdicts, and the verdicts on
// those reports, in log order. A window short of all the reports reads the
// other records without decoding their text, and copies only the bytes
// from the window's first record to its last, so a page of a long report
// list costs the page. total is how many reports the state's prefix
// holds: n, unless the records are fewer.
func (r Reports) Window(n, k, from, to int) (reports []ProgressReport, verdicts []Verification, total int, err error) {
	in := func(report int) bool { return from < report && report <= to }
	if lo, hi := max(from, 0), min(to, n); hi > lo {
		reports = make([]ProgressReport, 0, hi-lo)
	}
	keep := func(p *ProgressReport, v *Verification, _, _ int) {
		if p != nil {
			reports = append(reports, *p)
		} else {
			verdicts = append(verdicts, *v)
		}
	}
	if from <= 0 && to >= n {
		total, err = newReader(r).scan(n, k, 0, in, keep)
		return reports, verdicts, total, err
	}
	start, end := len(r), 0
	total, err = (&reader{raw: r, ok: true, skim: true}).scan(n, k, 0, in, func(_ *ProgressReport, _ *Verification, at, to int) {
		start, end = min(start, at), max(end, to)
	})
	if err != nil || end == 0 {
		return nil, nil, total, err
	}
	d := &reader{raw: r[:end], s: string(r[start:end]), base: start, i: start, ok: true}
	if _, err := d.scan(n, k, from, in, keep); err != nil {
		return nil, nil, 0, err
	}
	return reports, verdicts, total, nil
}

// scan reads records until the state's n reports and k verdicts are read
// or the bytes end, counting reports on from the given total, and passes
// keep each report (numbered by the count) and verdict that in accepts,
// with where its record starts and ends. It returns the count of reports.
func (d *reader) scan(n, k, total int, in func(report int) bool, keep func(p *ProgressReport, v *Verification, at, end int)) (int, error) {
	judged := 0
	for (total < n || judged < k) && d.more() {
		at := d.i
		switch mark := d.varint(); mark {
		case markVerdict:
			judged++
			if v := d.verdict(); d.ok && in(v.Report) {
				keep(nil, &v, at, d.i)
			}
		case markReportWithActuals:
			total++
			if p := d.report(d.varint(), true); d.ok && in(total) {
				keep(&p, nil, at, d.i)
			}
		default:
			total++
			if p := d.report(mark, false); d.ok && in(total) {
				keep(&p, nil, at, d.i)
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
