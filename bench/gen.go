package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"convene/hub"
	"convene/store"
)

// scale is the size of the synthetic dataset.
type scale struct {
	Stakeholders, Commitments, Meetings, Outcomes, Events int
}

func (s scale) String() string {
	return fmt.Sprintf("%d stakeholders, %d commitments, %d meetings, %d outcomes, %d events",
		s.Stakeholders, s.Commitments, s.Meetings, s.Outcomes, s.Events)
}

// genStats is what generate reports.
type genStats struct {
	Events   int64
	Reports  int
	Duration time.Duration
}

// generate writes a synthetic dataset into a fresh embedded database under
// dataDir (the layout the server's --data-dir expects: dataDir/ferretdb,
// database "convene"). Every change goes through the hub's commands, so
// the events, history and snapshots are what the API would have produced.
//
// In the default "bulk" mode the commands run on a hub whose event log is
// kept in memory, and a writer inserts the events into the events
// collection behind them, in order, in batches through the store's
// AppendMany; the checkpoint goes through the store's SaveSnapshots. In "commands" mode every
// event is appended to the database as it is made, as a server would:
// about 2 ms an event on FerretDB, over three minutes at the default scale.
// Either way the caller then verifies that the server loads the data.
func generate(ctx context.Context, dataDir string, sc scale, seed uint64, mode string, progress func(string)) (genStats, error) {
	return generateOn(ctx, dataDir, "", sc, seed, mode, progress)
}

// generateOn is generate into the embedded FerretDB on the PostgreSQL
// database at pgURL, or on SQLite in dataDir when pgURL is empty.
func generateOn(ctx context.Context, dataDir, pgURL string, sc scale, seed uint64, mode string, progress func(string)) (genStats, error) {
	start := time.Now()
	if err := os.RemoveAll(dataDir); err != nil {
		return genStats{}, err
	}
	quiet := slog.New(slog.DiscardHandler)
	ec := store.EmbeddedConfig{Backend: store.BackendSQLite, Dir: filepath.Join(dataDir, "ferretdb"), Addr: "127.0.0.1:0", Logger: quiet}
	if pgURL != "" {
		ec = store.EmbeddedConfig{Backend: store.BackendPostgreSQL, PostgreSQLURL: pgURL, Addr: "127.0.0.1:0", Logger: quiet}
	}
	emb, err := store.StartEmbeddedConfig(ec)
	if err != nil {
		return genStats{}, err
	}
	defer emb.Stop()
	st, err := store.Connect(ctx, emb.URI, "convene")
	if err != nil {
		return genStats{}, err
	}
	defer st.Close(context.Background())
	if pgURL == "" { // as the binary's import does
		if err := st.IndexLookups(emb.DataDir()); err != nil {
			return genStats{}, err
		}
	}
	var log hub.EventLog = st
	var mem *memLog
	if mode == "bulk" {
		if mem, err = newMemLog(ctx, st); err != nil {
			return genStats{}, err
		}
		log = mem
	}
	// Snapshots are written once, when the hub closes: the write-behind
	// interval is set beyond the load's length.
	h, err := hub.Open(ctx, log, hub.Options{Logger: quiet, SnapshotInterval: 24 * time.Hour, PollInterval: time.Hour})
	if err != nil {
		return genStats{}, err
	}
	g := &generator{h: h, sc: sc, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), progress: progress}
	if err := g.run(ctx); err != nil {
		h.Close(context.Background())
		if mem != nil {
			mem.finish()
		}
		return genStats{}, err
	}
	t := time.Now()
	// The snapshots go in while the last events do (bulk mode): FerretDB
	// encodes documents on one core per connection.
	closeCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- h.Close(closeCtx) }()
	if mem != nil {
		if err := mem.finish(); err != nil {
			<-closed
			return genStats{}, fmt.Errorf("writing the event log: %w", err)
		}
		progress(fmt.Sprintf("events written to the log: %.1fs after the last command", time.Since(t).Seconds()))
	}
	if err := <-closed; err != nil {
		return genStats{}, fmt.Errorf("writing snapshots: %w", err)
	}
	if mem != nil && mem.saveErr != nil {
		return genStats{}, fmt.Errorf("writing snapshots: %w", mem.saveErr)
	}
	progress(fmt.Sprintf("snapshots written: %.1fs after the last command", time.Since(t).Seconds()))
	return genStats{Events: h.Model().Seq(), Reports: g.reports, Duration: time.Since(start)}, nil
}

// memLog is the generator's event log in bulk mode: commands append to
// memory, and a writer inserts the events into the store's events
// collection in order, in batches, while the commands go on.
type memLog struct {
	store   *store.Store
	events  []*hub.Event
	batches chan []*hub.Event
	pending []*hub.Event
	done    chan error
	saveErr error
}

const eventBatch = 1000

func newMemLog(ctx context.Context, st *store.Store) (*memLog, error) {
	m := &memLog{store: st, batches: make(chan []*hub.Event, 1024), done: make(chan error, 1)}
	go func() { m.done <- m.write(ctx) }()
	return m, nil
}

func (m *memLog) Append(ctx context.Context, e *hub.Event) error {
	if e.Seq != int64(len(m.events))+1 {
		return fmt.Errorf("%w: seq %d", hub.ErrDuplicate, e.Seq)
	}
	m.events = append(m.events, e)
	m.pending = append(m.pending, e)
	if len(m.pending) == eventBatch {
		m.batches <- m.pending
		m.pending = nil
	}
	return nil
}

func (m *memLog) ReadAfter(ctx context.Context, seq int64) ([]*hub.Event, error) {
	return slices.Clone(m.events[min(int(seq), len(m.events)):]), nil
}

func (m *memLog) LoadSnapshots(ctx context.Context) ([]hub.Snapshot, int64, error) {
	return nil, 0, nil
}

func (m *memLog) SaveSnapshots(ctx context.Context, snaps []hub.Snapshot, from, to int64) error {
	m.saveErr = m.store.SaveSnapshots(ctx, snaps, from, to)
	return m.saveErr
}

// finish writes what is left and waits for the writer.
func (m *memLog) finish() error {
	if len(m.pending) > 0 {
		m.batches <- m.pending
		m.pending = nil
	}
	close(m.batches)
	return <-m.done
}

func (m *memLog) write(ctx context.Context) error {
	var err error
	for batch := range m.batches {
		if err == nil { // after a failure, drain
			err = m.store.AppendMany(ctx, batch)
		}
	}
	return err
}

type generator struct {
	h        *hub.Hub
	sc       scale
	rng      *rand.Rand
	progress func(string)

	objectives   []*hub.Objective
	communities  []string
	stakeholders []string
	commitments  []*hub.Commitment
	meetings     []*hub.Meeting
	reports      int
}

var actor = hub.SystemActor

// benchEpoch is when the synthetic plan starts.
var benchEpoch = time.Date(2020, 1, 6, 15, 0, 0, 0, time.UTC)

func (g *generator) day(d int) time.Time { return benchEpoch.AddDate(0, 0, d) }

func (g *generator) run(ctx context.Context) error {
	steps := []struct {
		what string
		fn   func(context.Context) error
	}{
		{"plan, pillars, objectives, communities", g.plan},
		{"stakeholders", g.stakeholdersStep},
		{"commitments", g.commitmentsStep},
		{"meetings", g.meetingsStep},
		{"outcomes and progress reports", g.activity},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("generating %s: %w", s.what, err)
		}
		g.progress(fmt.Sprintf("%s: %.1fs (log at %d events)", s.what, time.Since(t).Seconds(), g.h.Model().Seq()))
	}
	return nil
}

var pillarTitles = []string{"Prevention", "Enforcement", "Rehabilitation", "Coordination", "Justice", "Community", "Data", "Youth"}

func (g *generator) plan(ctx context.Context) error {
	at := benchEpoch.AddDate(0, -1, 0)
	if err := g.h.CreatePlan(ctx, actor, hub.StrategicPlan{Meta: hub.Meta{ID: "bench-plan"}, Title: "Synthetic Strategic Plan",
		Description: "A synthetic plan generated by the benchmark harness.", PeriodStart: "2020-01-01", PeriodEnd: "2030-12-31"}, at); err != nil {
		return err
	}
	for p := 1; p <= 4; p++ {
		pid := fmt.Sprintf("pillar-%d", p)
		if err := g.h.CreatePillar(ctx, actor, hub.Pillar{Meta: hub.Meta{ID: pid}, PlanID: "bench-plan", Code: fmt.Sprint(p),
			Title: pillarTitles[p-1], Description: "Pillar " + fmt.Sprint(p) + " of the synthetic plan."}, at); err != nil {
			return err
		}
		for o := 1; o <= 5; o++ {
			ob := hub.Objective{Meta: hub.Meta{ID: fmt.Sprintf("objective-%d-%d", p, o)}, PillarID: pid, Code: fmt.Sprintf("%d.%d", p, o),
				Title: fmt.Sprintf("Objective %d.%d", p, o), Description: "An objective of the synthetic plan."}
			if err := g.h.CreateObjective(ctx, actor, ob, at); err != nil {
				return err
			}
			g.objectives = append(g.objectives, hub.Objectives.Get(g.h.Model(), ob.ID))
		}
	}
	for c := 1; c <= 30; c++ {
		id := fmt.Sprintf("community-%02d", c)
		if err := g.h.CreateCommunity(ctx, actor, hub.Community{Meta: hub.Meta{ID: id}, Name: fmt.Sprintf("Community %02d", c),
			Area: []string{"North", "South", "East", "West"}[c%4]}, at); err != nil {
			return err
		}
		g.communities = append(g.communities, id)
	}
	return nil
}

func (g *generator) stakeholdersStep(ctx context.Context) error {
	ministries := max(1, g.sc.Stakeholders/10)
	for i := 0; i < g.sc.Stakeholders; i++ {
		in := hub.CreateStakeholderInput{ID: fmt.Sprintf("sh-%04d", i), At: benchEpoch.AddDate(0, 0, -20+i%20)}
		switch r := g.rng.IntN(100); {
		case i < ministries:
			in.Sector, in.Name = hub.Government, fmt.Sprintf("Ministry %04d", i)
		case r < 35:
			in.Sector, in.Name = hub.Government, fmt.Sprintf("Department %04d", i)
			in.ParentID = fmt.Sprintf("sh-%04d", g.rng.IntN(ministries))
		case r < 70:
			in.Sector, in.Name = hub.CivilSociety, fmt.Sprintf("Civil Society Organisation %04d", i)
		case r < 90:
			in.Sector, in.Name = hub.PrivateSector, fmt.Sprintf("Company %04d Ltd", i)
		default:
			in.Sector, in.Name = hub.InternationalPartner, fmt.Sprintf("International Partner %04d", i)
		}
		in.Acronym = fmt.Sprintf("S%04d", i)
		in.Description = "A synthetic stakeholder taking part in the plan: " + in.Name + "."
		in.Website = fmt.Sprintf("https://example.org/s%04d", i)
		if _, err := g.h.CreateStakeholder(ctx, actor, in); err != nil {
			return err
		}
		g.stakeholders = append(g.stakeholders, in.ID)
	}
	return nil
}

var participantRoles = []hub.ParticipantRole{hub.RoleImplementing, hub.RoleFunding, hub.RoleSupporting}

func (g *generator) commitmentsStep(ctx context.Context) error {
	perObjective := map[string]int{}
	for i := 0; i < g.sc.Commitments; i++ {
		o := g.objectives[i%len(g.objectives)]
		perObjective[o.ID]++
		lead := g.stakeholders[g.rng.IntN(len(g.stakeholders))]
		var parts []hub.Participant
		seen := map[string]bool{lead: true}
		for range g.rng.IntN(4) {
			s := g.stakeholders[g.rng.IntN(len(g.stakeholders))]
			if !seen[s] {
				seen[s] = true
				parts = append(parts, hub.Participant{StakeholderID: s, Role: participantRoles[g.rng.IntN(len(participantRoles))]})
			}
		}
		startDay := g.rng.IntN(6 * 365)
		start := g.day(startDay)
		due := start.AddDate(0, 6+g.rng.IntN(42), 0)
		var comms []string
		for range g.rng.IntN(3) {
			comms = append(comms, g.communities[g.rng.IntN(len(g.communities))])
		}
		inds := []hub.Indicator{{Name: "People reached", Unit: "people", Baseline: 0, Target: float64(100 * (1 + g.rng.IntN(50)))}}
		if g.rng.IntN(2) == 0 {
			inds = append(inds, hub.Indicator{Name: "Sessions held", Unit: "sessions", Baseline: 0, Target: float64(5 + g.rng.IntN(40))})
		}
		c, err := g.h.CreateCommitment(ctx, actor, hub.CreateCommitmentInput{
			Reference:    fmt.Sprintf("C-%s-%03d", o.Code, perObjective[o.ID]),
			ObjectiveID:  o.ID,
			LeadID:       lead,
			Title:        fmt.Sprintf("Commitment %d towards objective %s", i+1, o.Code),
			Description:  "A synthetic commitment: deliver the agreed activities in the target communities and report on them.",
			Participants: parts,
			StartDate:    hub.DateOf(start),
			DueDate:      hub.DateOf(due),
			CommunityIDs: comms,
			Indicators:   inds,
			At:           start.Add(-time.Duration(1+g.rng.IntN(240)) * time.Hour),
		})
		if err != nil {
			return err
		}
		g.commitments = append(g.commitments, c)
		if (i+1)%2000 == 0 {
			g.progress(fmt.Sprintf("  %d commitments", i+1))
		}
	}
	return nil
}

func (g *generator) meetingsStep(ctx context.Context) error {
	for i := 0; i < g.sc.Meetings; i++ {
		starts := g.day(g.rng.IntN(6 * 365)).Add(time.Duration(g.rng.IntN(8)) * time.Hour)
		var parts []hub.MeetingParticipant
		seen := map[string]bool{}
		convener := g.stakeholders[g.rng.IntN(len(g.stakeholders))]
		seen[convener] = true
		for range 3 + g.rng.IntN(6) {
			s := g.stakeholders[g.rng.IntN(len(g.stakeholders))]
			if !seen[s] {
				seen[s] = true
				parts = append(parts, hub.MeetingParticipant{StakeholderID: s, Attendance: hub.Invited})
			}
		}
		m, err := g.h.ScheduleMeeting(ctx, actor, hub.ScheduleMeetingInput{
			ID:           fmt.Sprintf("meeting-%05d", i),
			Title:        fmt.Sprintf("Coordination meeting %d", i+1),
			Description:  "A synthetic coordination meeting.",
			StartsAt:     starts,
			EndsAt:       starts.Add(2 * time.Hour),
			Location:     fmt.Sprintf("Room %d", 1+g.rng.IntN(20)),
			ConvenerID:   convener,
			Participants: parts,
			Agenda:       []hub.AgendaItem{{Title: "Progress review", DurationMinutes: 45}, {Title: "Next steps", DurationMinutes: 30}},
			At:           starts.Add(-14 * 24 * time.Hour),
		})
		if err != nil {
			return err
		}
		g.meetings = append(g.meetings, m)
	}
	return nil
}

var (
	outcomeKinds    = []hub.OutcomeKind{hub.Decision, hub.ActionItem, hub.Agreement, hub.Recommendation}
	outcomeStatuses = []hub.OutcomeStatus{hub.OutcomeOpen, hub.OutcomeInProgress, hub.OutcomeDone, hub.OutcomeDropped}
)

// activity records the outcomes and fills the rest of the event budget
// with progress reports, so that the log holds sc.Events events.
func (g *generator) activity(ctx context.Context) error {
	now := time.Now()
	// Commitments that have started get progress reports; each has a final
	// status drawn once: most stay open, some complete, a few are cancelled.
	budget := g.sc.Events - int(g.h.Model().Seq()) - g.sc.Outcomes
	perCommitment := make([]int, len(g.commitments))
	if budget > 0 && len(g.commitments) > 0 {
		for i := range budget {
			perCommitment[(i*7919)%len(g.commitments)]++
		}
	}
	for i := 0; i < g.sc.Outcomes; i++ {
		m := g.meetings[i%len(g.meetings)]
		in := hub.RecordOutcomeInput{
			ID:        fmt.Sprintf("outcome-%06d", i),
			MeetingID: m.ID,
			Kind:      outcomeKinds[g.rng.IntN(len(outcomeKinds))],
			Summary:   fmt.Sprintf("Outcome %d of %s", i+1, m.Title),
			Details:   "A synthetic outcome recorded by the benchmark harness.",
			OwnerID:   g.stakeholders[g.rng.IntN(len(g.stakeholders))],
			Status:    outcomeStatuses[g.rng.IntN(len(outcomeStatuses))],
			At:        m.EndsAt.Add(time.Duration(i%60) * time.Minute),
		}
		if g.rng.IntN(3) == 0 {
			d := hub.DateOf(m.EndsAt.AddDate(0, 2, 0))
			in.DueDate = &d
		}
		for range g.rng.IntN(3) {
			in.CommitmentIDs = append(in.CommitmentIDs, g.commitments[g.rng.IntN(len(g.commitments))].ID)
		}
		if _, err := g.h.RecordOutcome(ctx, actor, in); err != nil {
			return err
		}
		if (i+1)%5000 == 0 {
			g.progress(fmt.Sprintf("  %d outcomes", i+1))
		}
	}
	done := 0
	for i, c := range g.commitments {
		n := perCommitment[i]
		if n == 0 {
			continue
		}
		final := []hub.CommitmentStatus{hub.OnTrack, hub.OnTrack, hub.OnTrack, hub.AtRisk, hub.Delayed, hub.Completed, hub.Completed, hub.Cancelled}[g.rng.IntN(8)]
		finalProgress := 10 + g.rng.IntN(85)
		if final == hub.Completed {
			finalProgress = 100
		}
		start, _ := time.Parse(time.DateOnly, string(c.StartDate))
		end, _ := time.Parse(time.DateOnly, string(c.DueDate))
		if end.After(now) {
			end = now
		}
		span := max(end.Sub(start), time.Duration(n)*time.Hour)
		for k := 1; k <= n; k++ {
			in := hub.ReportProgressInput{
				CommitmentID: c.ID,
				Progress:     max(1, min(99, finalProgress*k/(n+1))),
				Note:         fmt.Sprintf("Report %d: activities delivered as planned in the period.", k),
				At:           start.Add(span * time.Duration(k) / time.Duration(n+1)).Truncate(time.Second),
			}
			if k == n {
				in.Progress = finalProgress
				status := final
				in.Status = &status
			} else {
				status := hub.OnTrack
				if g.rng.IntN(6) == 0 {
					status = hub.AtRisk
				}
				in.Status = &status
			}
			if _, _, err := g.h.ReportProgress(ctx, actor, in); err != nil {
				return fmt.Errorf("report %d on %s: %w", k, c.ID, err)
			}
			g.reports++
			if done++; done%10000 == 0 {
				g.progress(fmt.Sprintf("  %d progress reports", done))
			}
		}
	}
	return nil
}
