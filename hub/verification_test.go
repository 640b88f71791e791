package hub_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"convene/hub"
)

// verifyWorld is a commitment led by a government ministry, with a second
// ministry and an NGO taking part, and a business that does not; the
// ministry's editor has reported 30%.
type verifyWorld struct {
	h                                        *hub.Hub
	id                                       string
	lead, ministry, ngo, business, secretary hub.Actor
}

func newVerifyWorld(t *testing.T, log hub.EventLog) verifyWorld {
	t.Helper()
	h := openHub(t, log)
	ctx := context.Background()
	admin := hub.Actor{Name: "secretariat", Role: hub.ActorAdmin, TokenID: "tok-admin"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.CreatePlan(ctx, admin, hub.StrategicPlan{Meta: hub.Meta{ID: "p"}, Title: "Plan", PeriodStart: "2011-01-01", PeriodEnd: "2015-12-31"}, time.Time{}))
	must(h.CreatePillar(ctx, admin, hub.Pillar{Meta: hub.Meta{ID: "p1"}, PlanID: "p", Code: "1", Title: "Pillar"}, time.Time{}))
	must(h.CreateObjective(ctx, admin, hub.Objective{Meta: hub.Meta{ID: "o1"}, PillarID: "p1", Code: "1.1", Title: "Objective"}, time.Time{}))
	editor := func(name string, sector hub.Sector) hub.Actor {
		s, err := h.CreateStakeholder(ctx, admin, hub.CreateStakeholderInput{Name: name, Sector: sector})
		must(err)
		return hub.Actor{Name: name + " editor", Role: hub.ActorEditor, StakeholderID: s.ID, TokenID: "tok-" + s.ID}
	}
	w := verifyWorld{h: h, secretary: admin,
		lead: editor("Ministry A", hub.Government), ministry: editor("Ministry B", hub.Government),
		ngo: editor("NGO", hub.CivilSociety), business: editor("Business", hub.PrivateSector)}
	c, err := h.CreateCommitment(ctx, admin, hub.CreateCommitmentInput{ObjectiveID: "o1", LeadID: w.lead.StakeholderID, Title: "Verified work",
		StartDate: "2012-01-01", DueDate: "2014-01-01", Participants: []hub.Participant{
			{StakeholderID: w.ministry.StakeholderID, Role: hub.RoleImplementing}, {StakeholderID: w.ngo.StakeholderID, Role: hub.RoleSupporting}}})
	must(err)
	w.id = c.ID
	w.report(t, w.lead, 30)
	return w
}

func (w verifyWorld) report(t *testing.T, by hub.Actor, progress int) {
	t.Helper()
	s := hub.OnTrack
	if _, _, err := w.h.ReportProgress(context.Background(), by, hub.ReportProgressInput{CommitmentID: w.id, Progress: progress, Status: &s, Note: "work"}); err != nil {
		t.Fatal(err)
	}
}

func (w verifyWorld) verify(by hub.Actor, report int, v hub.Verdict) error {
	_, _, err := w.h.VerifyProgressReport(context.Background(), by, hub.VerifyReportInput{CommitmentID: w.id, Report: report, Verdict: v,
		Note: "checked against the register", Evidence: []string{"https://example.org/register.pdf"}})
	return err
}

func (w verifyWorld) state(t *testing.T) (hub.Verdict, int) {
	t.Helper()
	c := hub.Commitments.Get(w.h.Model(), w.id)
	return c.Verification, c.VerifiedProgress
}

func TestWhoMayVerifyAReport(t *testing.T) {
	st, _ := openStore(t)
	w := newVerifyWorld(t, st)
	viewer := hub.Actor{Name: "reader", Role: hub.ActorRole(hub.RoleViewer), TokenID: "tok-viewer"}
	for _, c := range []struct {
		who  string
		by   hub.Actor
		want string
	}{
		{"the reporter itself", w.lead, "its own report"},
		{"a participant of the reporter's sector", w.ministry, "another sector"},
		{"a stakeholder that takes no part", w.business, "takes part"},
		{"a viewer", viewer, "takes part"},
	} {
		var f *hub.ForbiddenError
		if err := w.verify(c.by, 1, hub.Verified); !errors.As(err, &f) || !strings.Contains(f.Reason, c.want) {
			t.Errorf("%s: %v, want FORBIDDEN saying %q", c.who, err, c.want)
		}
	}
	if v, p := w.state(t); v != "" || p != 0 {
		t.Fatalf("refused verdicts changed the commitment: %s %d", v, p)
	}
	if err := w.verify(w.ngo, 1, hub.Verified); err != nil {
		t.Fatalf("a participant of another sector: %v", err)
	}

	// The secretariat may verify, but not a report made with its own token.
	w.report(t, w.secretary, 40)
	var f *hub.ForbiddenError
	if err := w.verify(w.secretary, 2, hub.Verified); !errors.As(err, &f) {
		t.Fatalf("the secretariat verified its own report: %v", err)
	}
	other := hub.Actor{Name: "another admin", Role: hub.ActorAdmin, TokenID: "tok-admin-2"}
	if err := w.verify(other, 2, hub.Verified); err != nil {
		t.Fatalf("another admin token: %v", err)
	}
	// A report by the secretariat is judged against the lead's sector.
	if err := w.verify(w.ministry, 2, hub.Verified); !errors.As(err, &f) {
		t.Fatalf("a participant of the lead's sector verified the secretariat's report: %v", err)
	}
}

func TestVerdictsMoveVerifiedProgress(t *testing.T) {
	st, _ := openStore(t)
	w := newVerifyWorld(t, st)
	step := func(what string, err error, wantVerdict hub.Verdict, wantProgress int) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if v, p := w.state(t); v != wantVerdict || p != wantProgress {
			t.Fatalf("%s: verification %q, verified progress %d; want %q, %d", what, v, p, wantVerdict, wantProgress)
		}
	}
	step("report 1 verified", w.verify(w.ngo, 1, hub.Verified), hub.Verified, 30)
	w.report(t, w.lead, 60)
	step("report 2 awaits its verdict", nil, "", 30)
	step("report 2 disputed", w.verify(w.secretary, 2, hub.Disputed), hub.Disputed, 30)
	step("report 2 verified after all", w.verify(w.ngo, 2, hub.Verified), hub.Verified, 60)
	step("report 1 disputed later", w.verify(w.ngo, 1, hub.Disputed), hub.Verified, 60)
	step("report 2 disputed again", w.verify(w.secretary, 2, hub.Disputed), hub.Disputed, 0)

	step("report 1 verified again", w.verify(w.secretary, 1, hub.Verified), hub.Disputed, 30)
	stats := w.h.Model().Stats(hub.CommitmentFilter{}, w.h.Today())
	if stats.AverageProgress != 60 || stats.VerifiedProgress != 30 || stats.ByPillar[0].VerifiedProgress != 30 || stats.BySector[0].VerifiedProgress != 30 {
		t.Fatalf("stats: claimed %v, verified %v, pillar %+v, sector %+v", stats.AverageProgress, stats.VerifiedProgress, stats.ByPillar[0], stats.BySector[0])
	}

	c := hub.Commitments.Get(w.h.Model(), w.id)
	verdicts, err := w.h.Model().Verifications(c)
	if err != nil || len(verdicts) != 6 || hub.VerdictOn(verdicts, 1).Verdict != hub.Verified || hub.VerdictOn(verdicts, 2).Verdict != hub.Disputed ||
		hub.VerdictOn(verdicts, 2).By.TokenID != "tok-admin" || hub.VerdictOn(verdicts, 1).Evidence[0] != "https://example.org/register.pdf" {
		t.Fatalf("verdicts %+v, %v", verdicts, err)
	}
	changes, err := w.h.Model().History(hub.TypeCommitment, w.id)
	if err != nil {
		t.Fatal(err)
	}
	last := changes[len(changes)-1]
	fields := map[string]string{}
	for _, f := range last.Fields {
		fields[f.Field] = *f.After
	}
	if last.Kind != hub.KindReportVerified || last.Actor.TokenID != "tok-admin" || !strings.Contains(fields["verdict"], `"report":1,"verdict":"VERIFIED"`) || fields["verifiedProgress"] != "30" {
		t.Fatalf("the verdict's history entry %+v (%v)", last, fields)
	}

	// Reopened from the log, the hub holds the same verdicts and figures.
	again := openHub(t, st)
	c2 := hub.Commitments.Get(again.Model(), w.id)
	verdicts2, err := again.Model().Verifications(c2)
	if err != nil || c2.Verification != hub.Disputed || c2.VerifiedProgress != 30 || len(verdicts2) != 6 {
		t.Fatalf("reopened: %+v, %d verdicts, %v", c2, len(verdicts2), err)
	}
}

func TestBadVerdictsAreUserErrors(t *testing.T) {
	st, _ := openStore(t)
	w := newVerifyWorld(t, st)
	ctx := context.Background()
	for _, c := range []struct {
		in    hub.VerifyReportInput
		field string
		code  hub.ErrorCode
	}{
		{hub.VerifyReportInput{CommitmentID: w.id, Report: 2, Verdict: hub.Verified, Note: "n"}, "input.reportId", hub.CodeNotFound},
		{hub.VerifyReportInput{CommitmentID: w.id, Report: 0, Verdict: hub.Verified, Note: "n"}, "input.reportId", hub.CodeNotFound},
		{hub.VerifyReportInput{CommitmentID: "C-none", Report: 1, Verdict: hub.Verified, Note: "n"}, "input.reportId", hub.CodeNotFound},
		{hub.VerifyReportInput{CommitmentID: w.id, Report: 1, Verdict: "MAYBE", Note: "n"}, "input.verdict", hub.CodeInvalid},
		{hub.VerifyReportInput{CommitmentID: w.id, Report: 1, Verdict: hub.Disputed, Note: "  "}, "input.note", hub.CodeRequired},
		{hub.VerifyReportInput{CommitmentID: w.id, Report: 1, Verdict: hub.Disputed, Note: "n", Evidence: []string{"https://ok.example", "ftp://x/y"}}, "input.evidence.1", hub.CodeInvalid},
		{hub.VerifyReportInput{CommitmentID: w.id, Report: 1, Verdict: hub.Disputed, Note: "n", Evidence: []string{"/relative"}}, "input.evidence.0", hub.CodeInvalid},
		{hub.VerifyReportInput{CommitmentID: w.id, Report: 1, Verdict: hub.Disputed, Note: "n", Evidence: make([]string, hub.MaxEvidence+1)}, "input.evidence", hub.CodeInvalid},
	} {
		_, _, err := w.h.VerifyProgressReport(ctx, w.ngo, c.in)
		var v *hub.ValidationError
		if !errors.As(err, &v) || len(v.Errors) != 1 || strings.Join(v.Errors[0].Field, ".") != c.field || v.Errors[0].Code != c.code {
			t.Errorf("%+v: %v, want one %s at %s", c.in, err, c.code, c.field)
		}
	}
}
