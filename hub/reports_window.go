package hub

// Window decodes the reports numbered from+1 to to (numbers start at 1)
// of a state that has had n reports and k verdicts, and the verdicts on
// those reports, in log order. The records outside the window are read
// past, not kept, so a page of a long report list costs the page. total is
// how many reports the state's prefix holds: n, unless the records are
// fewer.
func (r Reports) Window(n, k, from, to int) (reports []ProgressReport, verdicts []Verification, total int, err error) {
	if lo, hi := max(from, 0), min(to, n); hi > lo {
		reports = make([]ProgressReport, 0, hi-lo)
	}
	d := newReader(r)
	judged := 0
	for (total < n || judged < k) && d.more() {
		switch mark := d.varint(); mark {
		case markVerdict:
			judged++
			if v := d.verdict(); from < v.Report && v.Report <= to {
				verdicts = append(verdicts, v)
			}
		case markReportWithActuals:
			total++
			if p := d.report(d.varint(), true); from < total && total <= to {
				reports = append(reports, p)
			}
		default:
			total++
			if p := d.report(mark, false); from < total && total <= to {
				reports = append(reports, p)
			}
		}
		if !d.ok {
			return nil, nil, 0, ErrReports
		}
	}
	if !d.ok {
		return nil, nil, 0, ErrReports
	}
	return reports, verdicts, total, nil
}

// ReportsWindow is Reports.Window over c's records, as c's version counts
// them.
func (m *ReadModel) ReportsWindow(c *Commitment, from, to int) ([]ProgressReport, []Verification, int, error) {
	m.mu.RLock()
	r := m.reportsOf(c.ID) // appends never change these bytes
	m.mu.RUnlock()
	return r.Window(c.ReportCount, c.VerificationCount, from, to)
}
