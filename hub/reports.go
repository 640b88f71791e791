package hub

import (
	"encoding/binary"
	"errors"
	"time"
)

// Reports is a commitment's progress reports, oldest first, in a compact
// encoding that grows by appending, like History. They are a record of
// their own: a commitment's state holds only how many it has had
// (Commitment.ReportCount), and a ProgressReported event only the report
// it adds, so neither grows with the commitment's past.
//
// Each report, one after another:
//
//	varint progress, str status, str note, str actor name, str role,
//	str stakeholder, str token, varint reported at (Unix ms)
//
// TestReportsRoundTrip fails when a field is added to ProgressReport or
// Actor and not here.
type Reports []byte

// ErrReports reports progress reports whose bytes do not decode.
var ErrReports = errors.New("malformed progress reports")

// Append returns r with p added at the end; like History.Append, it never
// changes the bytes of r itself.
func (r Reports) Append(p ProgressReport) Reports {
	b := []byte(r)
	b = binary.AppendVarint(b, int64(p.Progress))
	b = appendString(b, string(p.Status))
	b = appendString(b, p.Note)
	b = appendActor(b, p.ReportedBy)
	return binary.AppendVarint(b, p.ReportedAt.UnixMilli())
}

// ReportsOf encodes reports.
func ReportsOf(reports []ProgressReport) Reports {
	var r Reports
	for _, p := range reports {
		r = r.Append(p)
	}
	return r
}

// First decodes the first n reports (all of them when there are fewer).
func (r Reports) First(n int) ([]ProgressReport, error) {
	var out []ProgressReport
	d := newReader(r)
	for len(out) < n && d.more() {
		p := d.report()
		if !d.ok {
			return nil, ErrReports
		}
		out = append(out, p)
	}
	if !d.ok {
		return nil, ErrReports
	}
	return out, nil
}

// report decodes one report as Reports.Append encodes it.
func (r *reader) report() ProgressReport {
	p := ProgressReport{Progress: int(r.varint()), Status: CommitmentStatus(r.str()), Note: r.str(), ReportedBy: r.actor()}
	p.ReportedAt = time.UnixMilli(r.varint()).UTC()
	return p
}
