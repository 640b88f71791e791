package hub_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"convene/hub"
)

// The status rule, stated here independently of status.go: a row per
// current status, "x" under each status that may follow it.
var (
	commitmentRule = map[hub.CommitmentStatus]string{
		//                  NS OT AR DL CO CA
		hub.NotStarted: "x  x  x  x  x  x",
		hub.OnTrack:    ".  x  x  x  x  x",
		hub.AtRisk:     ".  x  x  x  x  x",
		hub.Delayed:    ".  x  x  x  x  x",
		hub.Completed:  ".  x  x  x  x  .",
		hub.Cancelled:  "x  x  x  x  .  .",
	}
	meetingRule = map[hub.MeetingStatus]string{
		//                      SC HE CA
		hub.Scheduled:       "x  x  x",
		hub.Held:            ".  x  .",
		hub.MeetingCanceled: "x  .  x",
	}
	outcomeRule = map[hub.OutcomeStatus]string{
		//                        OP IP DO DR
		hub.OutcomeOpen:       "x  x  x  x",
		hub.OutcomeInProgress: "x  x  x  x",
		hub.OutcomeDone:       "x  x  x  .",
		hub.OutcomeDropped:    "x  x  .  x",
	}
	commitmentStatuses = hub.AllCommitmentStatuses
	meetingStatuses    = []hub.MeetingStatus{hub.Scheduled, hub.Held, hub.MeetingCanceled}
	outcomeStatuses    = []hub.OutcomeStatus{hub.OutcomeOpen, hub.OutcomeInProgress, hub.OutcomeDone, hub.OutcomeDropped}
)

func allowed[S comparable](rule map[S]string, order []S, from, to S) bool {
	return strings.Fields(rule[from])[slices.Index(order, to)] == "x"
}

// notAllowed checks that err is one NOT_ALLOWED error at field naming
// every status that may follow from.
func notAllowed[S ~string](t *testing.T, err error, field string, next []S, from S) {
	t.Helper()
	var v *hub.ValidationError
	if !errors.As(err, &v) || len(v.Errors) != 1 || v.Errors[0].Code != hub.CodeNotAllowed || strings.Join(v.Errors[0].Field, ".") != field {
		t.Fatalf("want one NOT_ALLOWED error at %s, got %v", field, err)
	}
	for _, s := range next {
		if s != from && !strings.Contains(v.Errors[0].Message, string(s)) {
			t.Errorf("message %q does not name %s", v.Errors[0].Message, s)
		}
	}
}

// TestStatusTransitions drives a fresh object to each status and tries
// every next status through the commands that set one.
func TestStatusTransitions(t *testing.T) {
	st, _ := openStore(t)
	h := openHub(t, st)
	ctx := context.Background()
	admin := hub.Actor{Name: "test", Role: hub.ActorAdmin}
	at := time.Time{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.CreatePlan(ctx, admin, hub.StrategicPlan{Meta: hub.Meta{ID: "p"}, Title: "Plan", PeriodStart: "2011-01-01", PeriodEnd: "2015-12-31"}, at))
	must(h.CreatePillar(ctx, admin, hub.Pillar{Meta: hub.Meta{ID: "p1"}, PlanID: "p", Code: "1", Title: "Pillar"}, at))
	must(h.CreateObjective(ctx, admin, hub.Objective{Meta: hub.Meta{ID: "o1"}, PillarID: "p1", Code: "1.1", Title: "Objective"}, at))
	lead, err := h.CreateStakeholder(ctx, admin, hub.CreateStakeholderInput{Name: "Lead", Sector: hub.Government})
	must(err)

	progressFor := func(s hub.CommitmentStatus) int {
		switch s {
		case hub.NotStarted:
			return 0
		case hub.Completed:
			return 100
		}
		return 50
	}
	t.Run("commitments", func(t *testing.T) {
		for _, from := range commitmentStatuses {
			for _, to := range commitmentStatuses {
				t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
					c, err := h.CreateCommitment(ctx, admin, hub.CreateCommitmentInput{ObjectiveID: "o1", LeadID: lead.ID,
						Title: fmt.Sprintf("%s then %s", from, to), StartDate: "2012-01-01", DueDate: "2014-01-01"})
					must(err)
					if from != hub.NotStarted {
						s := from
						_, _, err := h.ReportProgress(ctx, admin, hub.ReportProgressInput{CommitmentID: c.ID, Progress: progressFor(from), Status: &s, Note: "to " + string(from)})
						must(err)
					}
					s := to
					_, _, err = h.ReportProgress(ctx, admin, hub.ReportProgressInput{CommitmentID: c.ID, Progress: progressFor(to), Status: &s, Note: "then " + string(to)})
					got := hub.Commitments.Get(h.Model(), c.ID).Status
					if allowed(commitmentRule, commitmentStatuses, from, to) {
						if err != nil || got != to {
							t.Fatalf("refused, or left at %s: %v", got, err)
						}
						return
					}
					notAllowed(t, err, "input.status", hub.CommitmentNext(from), from)
					if got != from {
						t.Fatalf("a refused report moved the status to %s", got)
					}
				})
			}
		}
	})

	// Without a status a report leaves it as it is: a completed commitment
	// is not reopened (the defect this rule fixes), a cancelled one takes
	// no report.
	t.Run("absent status means unchanged", func(t *testing.T) {
		for _, from := range commitmentStatuses {
			c, err := h.CreateCommitment(ctx, admin, hub.CreateCommitmentInput{ObjectiveID: "o1", LeadID: lead.ID,
				Title: "absent after " + string(from), StartDate: "2012-01-01", DueDate: "2014-01-01"})
			must(err)
			if from != hub.NotStarted {
				s := from
				_, _, err := h.ReportProgress(ctx, admin, hub.ReportProgressInput{CommitmentID: c.ID, Progress: progressFor(from), Status: &s, Note: "to " + string(from)})
				must(err)
			}
			_, _, err = h.ReportProgress(ctx, admin, hub.ReportProgressInput{CommitmentID: c.ID, Progress: progressFor(from), Note: "same status"})
			if got := hub.Commitments.Get(h.Model(), c.ID).Status; got != from {
				t.Errorf("%s: a report without a status moved it to %s", from, got)
			}
			if from == hub.Cancelled {
				notAllowed(t, err, "input.status", hub.CommitmentNext(from), from)
			} else if err != nil {
				t.Errorf("%s: a report keeping the status: %v", from, err)
			}
		}
		c, err := h.CreateCommitment(ctx, admin, hub.CreateCommitmentInput{ObjectiveID: "o1", LeadID: lead.ID,
			Title: "completed, then reported at 80", StartDate: "2012-01-01", DueDate: "2014-01-01"})
		must(err)
		done := hub.Completed
		_, _, err = h.ReportProgress(ctx, admin, hub.ReportProgressInput{CommitmentID: c.ID, Progress: 100, Status: &done, Note: "done"})
		must(err)
		_, _, err = h.ReportProgress(ctx, admin, hub.ReportProgressInput{CommitmentID: c.ID, Progress: 80, Note: "no status"})
		var v *hub.ValidationError
		if !errors.As(err, &v) || !strings.Contains(v.Error(), "ON_TRACK, AT_RISK or DELAYED") {
			t.Fatalf("a report at 80%% on a completed commitment without a status: %v", err)
		}
		if got := hub.Commitments.Get(h.Model(), c.ID); got.Status != hub.Completed || got.Progress != 100 {
			t.Fatalf("reopened: %s at %d%%", got.Status, got.Progress)
		}
	})

	t.Run("meetings", func(t *testing.T) {
		for _, from := range meetingStatuses {
			for _, to := range meetingStatuses {
				t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
					start := time.Date(2015, 9, 17, 14, 0, 0, 0, time.UTC)
					m, err := h.ScheduleMeeting(ctx, admin, hub.ScheduleMeetingInput{Title: fmt.Sprintf("%s then %s", from, to),
						StartsAt: start, EndsAt: start.Add(time.Hour), Location: "Belmopan", ConvenerID: lead.ID})
					must(err)
					if from != hub.Scheduled {
						s := from
						_, err := h.UpdateMeeting(ctx, admin, hub.UpdateMeetingInput{ID: m.ID, Status: &s})
						must(err)
					}
					s := to
					_, err = h.UpdateMeeting(ctx, admin, hub.UpdateMeetingInput{ID: m.ID, Status: &s})
					got := hub.Meetings.Get(h.Model(), m.ID).Status
					if allowed(meetingRule, meetingStatuses, from, to) {
						if err != nil || got != to {
							t.Fatalf("refused, or left at %s: %v", got, err)
						}
						return
					}
					notAllowed(t, err, "input.status", hub.MeetingNext(from), from)
					if got != from {
						t.Fatalf("a refused update moved the status to %s", got)
					}
				})
			}
		}
	})

	start := time.Date(2015, 9, 17, 14, 0, 0, 0, time.UTC)
	m, err := h.ScheduleMeeting(ctx, admin, hub.ScheduleMeetingInput{Title: "Outcomes",
		StartsAt: start, EndsAt: start.Add(time.Hour), Location: "Belmopan", ConvenerID: lead.ID})
	must(err)
	t.Run("outcomes", func(t *testing.T) {
		for _, from := range outcomeStatuses {
			for _, to := range outcomeStatuses {
				t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
					o, err := h.RecordOutcome(ctx, admin, hub.RecordOutcomeInput{MeetingID: m.ID, Kind: hub.Decision, Summary: fmt.Sprintf("%s then %s", from, to)})
					must(err)
					if from != hub.OutcomeOpen {
						_, err := h.UpdateOutcomeStatus(ctx, admin, hub.UpdateOutcomeStatusInput{ID: o.ID, Status: from})
						must(err)
					}
					_, err = h.UpdateOutcomeStatus(ctx, admin, hub.UpdateOutcomeStatusInput{ID: o.ID, Status: to})
					got := hub.Outcomes.Get(h.Model(), o.ID).Status
					if allowed(outcomeRule, outcomeStatuses, from, to) {
						if err != nil || got != to {
							t.Fatalf("refused, or left at %s: %v", got, err)
						}
						return
					}
					notAllowed(t, err, "input.status", hub.OutcomeNext(from), from)
					if got != from {
						t.Fatalf("a refused update moved the status to %s", got)
					}
				})
			}
		}
	})
}
