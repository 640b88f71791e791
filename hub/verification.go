package hub

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// Verdict is what another stakeholder found of a progress report.
type Verdict string

// Verdicts.
const (
	Verified Verdict = "VERIFIED"
	Disputed Verdict = "DISPUTED"
)

// KindReportVerified is the kind of the event a verdict makes.
const KindReportVerified = "ProgressReportVerified"

// Limits of a verdict's evidence.
const (
	MaxEvidence    = 10
	maxEvidenceURL = 2000
)

// Verification is one verdict on one progress report of a commitment. A
// report may be judged more than once; its latest verdict stands.
type Verification struct {
	Report   int       `bson:"report" json:"report"` // the report's number in the commitment, from 1
	Verdict  Verdict   `bson:"verdict" json:"verdict"`
	Note     string    `bson:"note" json:"note"`
	Evidence []string  `bson:"evidence,omitempty" json:"evidence,omitempty"`
	By       Actor     `bson:"by" json:"-"` // the event's actor: history shows it there
	At       time.Time `bson:"at" json:"-"`
}

// VerifyReportInput is a verdict on the report numbered Report (from 1)
// of a commitment. At is set only by seed data.
type VerifyReportInput struct {
	CommitmentID string
	Report       int
	Verdict      Verdict
	Note         string
	Evidence     []string
	At           time.Time
}

// VerifyProgressReport records a verdict on a progress report: the
// commitment's verification (the latest verdict on its latest report) and
// verified progress (that of its newest report whose latest verdict is
// VERIFIED) follow. Its event's changes list the verdict as the field
// "verdict" beside those of the commitment's state that moved.
func (h *Hub) VerifyProgressReport(ctx context.Context, actor Actor, in VerifyReportInput) (*Commitment, *ProgressReport, error) {
	var report ProgressReport
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Commitments.Get(h.model, in.CommitmentID)
		if old == nil || in.Report < 1 || in.Report > old.ReportCount {
			c.exists(false, "progress report", "reportId")
			return nil, c.err()
		}
		reports, verdicts, err := h.model.ReportsAndVerdicts(old)
		if err != nil {
			return nil, err
		}
		report = reports[in.Report-1]
		if err := canVerifyReport(actor, old, &report, h.model.sectorOf); err != nil {
			return nil, err
		}
		v := Verification{Report: in.Report, Verdict: in.Verdict, By: actor}
		if in.Verdict != Verified && in.Verdict != Disputed {
			c.add(CodeInvalid, "must be VERIFIED or DISPUTED", "verdict")
		}
		v.Note = c.text(in.Note, 5000, "note")
		v.Evidence = checkEvidence(&c, in.Evidence)
		if err := c.err(); err != nil {
			return nil, err
		}
		cm := *old
		v.At = h.eventTime(in.At)
		verdicts = append(verdicts, v)
		cm.Verification = latestVerdict(verdicts, cm.ReportCount)
		cm.VerifiedProgress = verifiedProgress(reports, verdicts)
		cm.VerificationCount = old.VerificationCount + 1
		e := h.event(KindReportVerified, actor, v.At, old, &cm)
		e.Verification = &v
		e.Changes = append(e.Changes, verdictChange(v))
		return e, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return Commitments.Of(e.State), &report, nil
}

// verdictChange is the history's record of a verdict: a field of no
// state (redo and undo skip it), so that the history says which report
// was judged, how and why, even when the commitment's figures stay.
func verdictChange(v Verification) FieldChange {
	return FieldChange{Field: "verdict", After: jsonText(mustJSON(v))}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // domain types always marshal
	}
	return b
}

// checkEvidence checks the evidence links: absolute http(s) URLs.
func checkEvidence(c *checker, links []string) []string {
	if len(links) > MaxEvidence {
		c.add(CodeInvalid, "at most "+strconv.Itoa(MaxEvidence)+" evidence links", "evidence")
		return nil
	}
	out := make([]string, 0, len(links))
	for i, l := range links {
		u, err := url.Parse(l)
		switch {
		case len(l) > maxEvidenceURL:
			c.add(CodeInvalid, "must be at most "+strconv.Itoa(maxEvidenceURL)+" characters", "evidence", strconv.Itoa(i))
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			c.add(CodeInvalid, "must be an absolute http or https URL", "evidence", strconv.Itoa(i))
		}
		out = append(out, l)
	}
	return out
}

// latestVerdict is the verdict that stands on report n ("" when none).
func latestVerdict(verdicts []Verification, n int) Verdict {
	if v := VerdictOn(verdicts, n); v != nil {
		return v.Verdict
	}
	return ""
}

// VerdictOn returns the verdict that stands on report n, or nil.
func VerdictOn(verdicts []Verification, n int) *Verification {
	for i := len(verdicts) - 1; i >= 0; i-- {
		if verdicts[i].Report == n {
			return &verdicts[i]
		}
	}
	return nil
}

// verifiedProgress is the progress of the newest report whose standing
// verdict is VERIFIED, 0 when there is none.
func verifiedProgress(reports []ProgressReport, verdicts []Verification) int {
	for n := len(reports); n >= 1; n-- {
		if latestVerdict(verdicts, n) == Verified {
			return reports[n-1].Progress
		}
	}
	return 0
}

// sectorOf returns a stakeholder's sector ("" when unknown); it takes the
// read lock, so call it outside one.
func (m *ReadModel) sectorOf(id string) Sector {
	if s := Stakeholders.Get(m, id); s != nil {
		return s.Sector
	}
	return ""
}
