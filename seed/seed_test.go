package seed

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"convene/hub"
	"convene/store"
)

// demo parses and checks the embedded file.
func demo(t *testing.T) *file {
	t.Helper()
	f, err := parse(demoYAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.check(); err != nil {
		t.Fatal(err)
	}
	return f
}

// lastStatus is the status a commitment ends in: its last report's, or
// NOT_STARTED without reports.
func lastStatus(c *commitmentData) (hub.CommitmentStatus, int) {
	if len(c.Reports) == 0 {
		return hub.NotStarted, 0
	}
	r := c.Reports[len(c.Reports)-1]
	return hub.CommitmentStatus(r.Status), r.Progress
}

func TestDemoFileMeetsTheSpec(t *testing.T) {
	f := demo(t)
	if n := len(f.Stakeholders); n < 30 {
		t.Errorf("%d stakeholders, want at least 30", n)
	}
	sectors := map[hub.Sector]bool{}
	for _, s := range f.Stakeholders {
		sectors[hub.Sector(s.Sector)] = true
	}
	for _, s := range hub.AllSectors {
		if !sectors[s] {
			t.Errorf("no stakeholder in sector %s", s)
		}
	}
	if n := len(f.Commitments); n < 60 {
		t.Errorf("%d commitments, want at least 60", n)
	}
	statuses := map[hub.CommitmentStatus]bool{}
	for i := range f.Commitments {
		st, _ := lastStatus(&f.Commitments[i])
		statuses[st] = true
	}
	for _, s := range hub.AllCommitmentStatuses {
		if !statuses[s] {
			t.Errorf("no commitment ends %s", s)
		}
	}
	if n := len(f.Meetings); n < 10 {
		t.Errorf("%d meetings, want at least 10", n)
	}
	kinds := map[hub.OutcomeKind]bool{}
	outcomes := 0
	for _, m := range f.Meetings {
		for _, o := range m.Outcomes {
			kinds[hub.OutcomeKind(o.Kind)] = true
			outcomes++
		}
	}
	if outcomes < 40 {
		t.Errorf("%d outcomes, want at least 40", outcomes)
	}
	for _, k := range []hub.OutcomeKind{hub.Decision, hub.ActionItem, hub.Agreement, hub.Recommendation} {
		if !kinds[k] {
			t.Errorf("no outcome of kind %s", k)
		}
	}
}

func TestParseRejectsUnknownFields(t *testing.T) {
	_, err := parse([]byte("plan:\n  key: p\n  titel: typo\n"))
	if err == nil || !strings.Contains(err.Error(), "titel") {
		t.Fatalf("got %v, want an error naming the unknown field", err)
	}
}

func TestCheckNamesMissingKeys(t *testing.T) {
	f, err := parse(demoYAML)
	if err != nil {
		t.Fatal(err)
	}
	f.Commitments[0].Lead = "no-such-lead"
	f.Meetings[0].Outcomes[0].Commitments = []string{"no-such-commitment"}
	err = f.check()
	for _, want := range []string{`lead "no-such-lead" does not exist`, `commitment "no-such-commitment" does not exist`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to say %s", err, want)
		}
	}
}

// openHub starts an embedded FerretDB and opens a hub on it.
func openHub(t *testing.T) (*hub.Hub, *store.Store) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	emb, err := store.StartEmbedded(t.TempDir(), "127.0.0.1:0", logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Connect(ctx, emb.URI, "seedtest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	h, err := hub.Open(ctx, st, hub.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return h, st
}

func TestLoad(t *testing.T) {
	f := demo(t)
	h, st := openHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := Load(ctx, h); err != nil {
		t.Fatal(err)
	}
	m := h.Model()
	today := h.Today()

	t.Run("counts", func(t *testing.T) {
		plans := m.Plans()
		if len(plans) != 1 || plans[0].ID != f.Plan.Key {
			t.Fatalf("plans = %v, want just %s", plans, f.Plan.Key)
		}
		pillars := m.PillarsOf(f.Plan.Key)
		if len(pillars) != 3 || len(pillars) != len(f.Plan.Pillars) {
			t.Errorf("%d pillars, want 3 and %d in the file", len(pillars), len(f.Plan.Pillars))
		}
		for _, p := range f.Plan.Pillars {
			if got := len(m.ObjectivesOf(p.Key)); got != len(p.Objectives) {
				t.Errorf("pillar %s: %d objectives, want %d", p.Key, got, len(p.Objectives))
			}
		}
		outcomes := 0
		for _, mt := range f.Meetings {
			outcomes += len(mt.Outcomes)
		}
		for _, c := range []struct {
			what      string
			got, want int
		}{
			{"communities", len(m.Communities()), len(f.Communities)},
			{"stakeholders", len(m.Stakeholders(hub.StakeholderFilter{})), len(f.Stakeholders)},
			{"commitments", len(m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, today)), len(f.Commitments)},
			{"meetings", len(m.Meetings(hub.MeetingFilter{})), len(f.Meetings)},
			{"outcomes", len(m.Outcomes(hub.OutcomeFilter{})), outcomes},
		} {
			if c.got != c.want {
				t.Errorf("%d %s, want %d", c.got, c.what, c.want)
			}
		}
		for _, s := range hub.AllSectors {
			if len(m.Stakeholders(hub.StakeholderFilter{Sectors: []hub.Sector{s}})) == 0 {
				t.Errorf("no stakeholder in sector %s", s)
			}
		}
		for _, s := range hub.AllCommitmentStatuses {
			if len(m.Commitments(hub.CommitmentFilter{Statuses: []hub.CommitmentStatus{s}}, hub.CommitmentOrder{}, today)) == 0 {
				t.Errorf("no commitment is %s", s)
			}
		}
	})

	t.Run("CPC-Belize", func(t *testing.T) {
		for _, c := range []struct{ key, search string }{
			{"cpc-assessment", "CPC-Belize initial assessment"},
			{"cpc-ypi", "Youth-Police Initiative"},
			{"cpc-tot", "Training of Trainers"},
			{"cpc-dialogues", "Youth-police dialogues"},
			{"cpc-referral", "referral network"},
		} {
			want := f.commitment[c.key]
			if want == nil {
				t.Errorf("no commitment %s in the file", c.key)
				continue
			}
			found := m.Commitments(hub.CommitmentFilter{Search: c.search}, hub.CommitmentOrder{}, today)
			var got *hub.Commitment
			for _, cm := range found {
				if cm.ID == want.Reference {
					got = cm
				}
			}
			if got == nil {
				t.Errorf("searching %q did not find %s (%s)", c.search, c.key, want.Reference)
				continue
			}
			if got.LeadID != "pfd" || got.ObjectiveID != "o2-1" {
				t.Errorf("%s: lead %s, objective %s; want pfd and o2-1", c.key, got.LeadID, got.ObjectiveID)
			}
		}
	})

	t.Run("status and progress follow the last report", func(t *testing.T) {
		for i := range f.Commitments {
			c := &f.Commitments[i]
			cm := hub.Commitments.Get(m, c.Reference)
			if cm == nil {
				t.Errorf("commitment %s (%s) is missing", c.Key, c.Reference)
				continue
			}
			status, progress := lastStatus(c)
			reports, err := m.ProgressReports(cm)
			if err != nil {
				t.Fatal(err)
			}
			if cm.Status != status || cm.Progress != progress || len(reports) != len(c.Reports) {
				t.Errorf("%s: %s at %d%% with %d reports, want %s at %d%% with %d",
					c.Reference, cm.Status, cm.Progress, len(reports), status, progress, len(c.Reports))
			}
			if n := len(c.Reports); n > 0 {
				last, got := c.Reports[n-1], reports[len(reports)-1]
				if got.ReportedBy.StakeholderID != last.By || !got.ReportedAt.Equal(last.at) {
					t.Errorf("%s: last report by %s at %v, want %s at %v", c.Reference, got.ReportedBy.StakeholderID, got.ReportedAt, last.By, last.at)
				}
			}
			for j, ind := range c.Indicators {
				gotLatest := cm.Indicators[j].LatestValue
				if (ind.Latest == nil) != (gotLatest == nil) || (ind.Latest != nil && *ind.Latest != *gotLatest) {
					t.Errorf("%s: indicator %q latest = %v, want %v", c.Reference, ind.Name, gotLatest, ind.Latest)
				}
			}
		}
	})

	t.Run("meetings and outcomes", func(t *testing.T) {
		for _, mt := range f.Meetings {
			got := hub.Meetings.Get(m, mt.Key)
			if got == nil {
				t.Errorf("meeting %s is missing", mt.Key)
				continue
			}
			if string(got.Status) != mt.Status {
				t.Errorf("meeting %s is %s, want %s", mt.Key, got.Status, mt.Status)
			}
			if (mt.Minutes != "") != (got.Minutes != nil) {
				t.Errorf("meeting %s: minutes recorded = %v, want %v", mt.Key, got.Minutes != nil, mt.Minutes != "")
			}
			for _, o := range mt.Outcomes {
				out := hub.Outcomes.Get(m, o.Key)
				if out == nil {
					t.Errorf("outcome %s is missing", o.Key)
					continue
				}
				if len(out.CommitmentIDs) != len(o.Commitments) {
					t.Errorf("outcome %s links %v, want %v", o.Key, out.CommitmentIDs, o.Commitments)
					continue
				}
				for i, k := range o.Commitments {
					if out.CommitmentIDs[i] != f.commitment[k].Reference {
						t.Errorf("outcome %s links %s, want %s's reference %s", o.Key, out.CommitmentIDs[i], k, f.commitment[k].Reference)
					}
				}
				if !out.RecordedAt.Equal(mt.endsAt) {
					t.Errorf("outcome %s recorded at %v, want the meeting's end %v", o.Key, out.RecordedAt, mt.endsAt)
				}
			}
		}
	})

	t.Run("entities carry historical times", func(t *testing.T) {
		plan := hub.Plans.Get(m, f.Plan.Key)
		if !plan.CreatedAt.Equal(f.planAt) {
			t.Errorf("plan created at %v, want %v", plan.CreatedAt, f.planAt)
		}
		// Nothing is stamped with the clock: every time comes from the data,
		// which ends in early 2016 (two commitments start after the plan).
		end := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, cm := range m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, today) {
			if cm.UpdatedAt.After(end) {
				t.Errorf("commitment %s updated at %v", cm.ID, cm.UpdatedAt)
			}
		}
		for _, mt := range m.Meetings(hub.MeetingFilter{}) {
			if mt.UpdatedAt.After(end) {
				t.Errorf("meeting %s updated at %v", mt.ID, mt.UpdatedAt)
			}
		}
		for _, s := range m.Stakeholders(hub.StakeholderFilter{}) {
			if !s.CreatedAt.Equal(f.planAt) {
				t.Errorf("stakeholder %s created at %v, want %v", s.ID, s.CreatedAt, f.planAt)
			}
		}
	})

	t.Run("a second load changes nothing", func(t *testing.T) {
		before := m.Seq()
		if err := Load(ctx, h); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("second Load: got %v, want ErrNotEmpty", err)
		}
		if after := m.Seq(); after != before {
			t.Fatalf("second Load moved the log from %d to %d", before, after)
		}
	})

	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// The data is in the database, not only in memory: a new hub on the
	// same store sees all of it, and still refuses to seed again.
	again, err := hub.Open(ctx, st, hub.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close(ctx)
	if got, want := again.Model().Seq(), m.Seq(); got != want {
		t.Errorf("reopened hub is at event %d, want %d", got, want)
	}
	if got := len(again.Model().Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, today)); got != len(f.Commitments) {
		t.Errorf("reopened hub has %d commitments, want %d", got, len(f.Commitments))
	}
	if err := Load(ctx, again); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("Load on the reopened hub: got %v, want ErrNotEmpty", err)
	}
}
