package hub

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// Reports is a commitment's progress reports and the verdicts on them, in
// log order, in a compact encoding that grows by appending, like History.
// They are a record of their own: a commitment's state holds only how many
// of each it has had (Commitment.ReportCount, VerificationCount), and an
// event only the report or verdict it adds, so neither grows with the
// commitment's past. At any version the state's counts name a prefix of
// the records: those its events had appended.
//
// Each record, one after another; a report without period actuals:
//
//	varint progress, str status, str note, str actor name, str role,
//	str stakeholder, str token, varint reported at (Unix ms)
//
// a report with period actuals: varint -1, the same, then uvarint count;
// per actual: str indicator, str period start, float actual, str note,
// uvarint count; per part: str dimension, str value, float actual
// (a float is its IEEE 754 bits as 8 bytes, little-endian);
//
// a verdict: varint -2, varint report number, str verdict, str note,
// uvarint count, per link str, the actor's four strings, varint at (Unix ms).
//
// A progress is never negative, so the first varint tells the three
// apart, and the records written before actuals and verdicts read as they
// were. TestReportsRoundTrip fails when a field is added to
// ProgressReport, PeriodActual, Disaggregation, Verification or Actor and
// not here.
type Reports []byte

// Record markers: what a record's first varint is when it is no plain report.
const (
	markReportWithActuals = -1
	markVerdict           = -2
)

// ErrReports reports progress reports whose bytes do not decode.
var ErrReports = errors.New("malformed progress reports")

// Append returns r with p added at the end; like History.Append, it never
// changes the bytes of r itself.
func (r Reports) Append(p ProgressReport) Reports {
	b := []byte(r)
	if len(p.Actuals) > 0 {
		b = binary.AppendVarint(b, markReportWithActuals)
	}
	b = binary.AppendVarint(b, int64(p.Progress))
	b = appendString(b, string(p.Status))
	b = appendString(b, p.Note)
	b = appendActor(b, p.ReportedBy)
	b = binary.AppendVarint(b, p.ReportedAt.UnixMilli())
	if len(p.Actuals) == 0 {
		return b
	}
	b = binary.AppendUvarint(b, uint64(len(p.Actuals)))
	for _, a := range p.Actuals {
		b = appendString(b, a.Indicator)
		b = appendString(b, string(a.PeriodStart))
		b = appendFloat(b, a.Actual)
		b = appendString(b, a.Note)
		b = binary.AppendUvarint(b, uint64(len(a.Breakdown)))
		for _, d := range a.Breakdown {
			b = appendString(b, string(d.Dimension))
			b = appendString(b, d.Value)
			b = appendFloat(b, d.Actual)
		}
	}
	return b
}

// AppendVerdict returns r with v added at the end.
func (r Reports) AppendVerdict(v Verification) Reports {
	b := binary.AppendVarint([]byte(r), markVerdict)
	b = binary.AppendVarint(b, int64(v.Report))
	b = appendString(b, string(v.Verdict))
	b = appendString(b, v.Note)
	b = binary.AppendUvarint(b, uint64(len(v.Evidence)))
	for _, l := range v.Evidence {
		b = appendString(b, l)
	}
	b = appendActor(b, v.By)
	return binary.AppendVarint(b, v.At.UnixMilli())
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
	reports, _, err := r.Upto(n, 0)
	return reports, err
}

// Upto decodes the records of a state that has had n reports and k
// verdicts: the shortest prefix holding both (all records when there are
// fewer).
func (r Reports) Upto(n, k int) ([]ProgressReport, []Verification, error) {
	reports, verdicts, _, err := r.Window(n, k, 0, math.MaxInt)
	return reports, verdicts, err
}

// report decodes one report, after its progress, as Reports.Append
// encodes it.
func (r *reader) report(progress int64, withActuals bool) ProgressReport {
	if progress < 0 {
		r.ok = false
	}
	p := ProgressReport{Progress: int(progress), Status: CommitmentStatus(r.str()), Note: r.str(), ReportedBy: r.actor()}
	p.ReportedAt = time.UnixMilli(r.varint()).UTC()
	if !withActuals {
		return p
	}
	n := r.count()
	if n == 0 {
		r.ok = false // such a report is written without the mark
	}
	for range n {
		a := PeriodActual{Indicator: r.str(), PeriodStart: Date(r.str()), Actual: r.float(), Note: r.str()}
		for range r.count() {
			a.Breakdown = append(a.Breakdown, Disaggregation{Dimension: Dimension(r.str()), Value: r.str(), Actual: r.float()})
		}
		p.Actuals = append(p.Actuals, a)
	}
	return p
}

// verdict decodes one verdict, after its mark.
func (r *reader) verdict() Verification {
	v := Verification{Report: int(r.varint()), Verdict: Verdict(r.str()), Note: r.str()}
	for range r.count() {
		v.Evidence = append(v.Evidence, r.str())
	}
	v.By = r.actor()
	v.At = time.UnixMilli(r.varint()).UTC()
	return v
}

// count reads a list's length, no more than the bytes left could hold.
func (r *reader) count() int {
	n := r.uvarint()
	if n > uint64(r.left()) {
		r.ok = false
		return 0
	}
	return int(n)
}

func appendFloat(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

func (r *reader) float() float64 {
	if !r.ok || r.left() < 8 {
		r.ok = false
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(r.raw[r.i:]))
	r.i += 8
	return f
}
