// Package seed loads Convene's demo data: RESTORE Belize's 2011–2015
// Strategic Plan for citizen security, its pillars and objectives, the
// Southside Belize City communities it targeted, the stakeholders that took
// part, their commitments and progress reports, and the coordination
// meetings and their outcomes. The stakeholders are real organisations, but
// the commitments, figures, meetings and outcomes are illustrative (see the
// header of restore-belize.yaml and FORMAT.md).
//
// Everything is written through the hub's commands, so the demo data obeys
// the same rules and produces the same events and history as data entered
// through the API. Entities carry times taken from the data, never the
// clock, so the demo looks historical.
package seed

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"convene/hub"
)

//go:embed restore-belize.yaml
var demoYAML []byte

// ErrNotEmpty is returned by Load when the hub already holds data.
var ErrNotEmpty = errors.New("seed: the hub already holds stakeholders or a plan; seeding never overwrites existing data")

// belize is Belize's offset from UTC; the country keeps no daylight saving.
var belize = time.FixedZone("CST", -6*60*60)

// Load writes the embedded demo data through the hub's commands. It
// refuses (returns ErrNotEmpty) when the hub already holds any stakeholder
// or plan: seeding never overwrites existing data.
//
// The whole file is parsed and its cross-references checked before the
// first command runs, so a broken file changes nothing.
func Load(ctx context.Context, h *hub.Hub) error {
	m := h.Model()
	if len(m.Plans()) > 0 || len(m.Stakeholders(hub.StakeholderFilter{})) > 0 {
		return ErrNotEmpty
	}
	f, err := parse(demoYAML)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if err := f.write(ctx, h); err != nil {
		return err
	}
	return writeReferrals(ctx, h, f.stakeholder)
}

// ------------------------------------------------------------------ format

// file is the seed file; see FORMAT.md. Dates and times are kept as text and
// parsed by check, so a malformed one is reported with the entity it is on.
type file struct {
	Plan         planData          `yaml:"plan"`
	Communities  []communityData   `yaml:"communities"`
	Stakeholders []stakeholderData `yaml:"stakeholders"`
	Commitments  []commitmentData  `yaml:"commitments"`
	Meetings     []meetingData     `yaml:"meetings"`

	// allocateReferences lets commitments leave out their reference
	// (an import): the hub allocates the next one under the objective.
	allocateReferences bool

	// Filled in by check.
	planAt      time.Time
	objectives  map[string]*objectiveData
	communities map[string]bool
	stakeholder map[string]*stakeholderData
	commitment  map[string]*commitmentData
}

type planData struct {
	Key         string       `yaml:"key"`
	Title       string       `yaml:"title"`
	Description string       `yaml:"description"`
	PeriodStart string       `yaml:"periodStart"`
	PeriodEnd   string       `yaml:"periodEnd"`
	Pillars     []pillarData `yaml:"pillars"`
}

type pillarData struct {
	Key         string          `yaml:"key"`
	Code        string          `yaml:"code"`
	Title       string          `yaml:"title"`
	Description string          `yaml:"description"`
	Objectives  []objectiveData `yaml:"objectives"`
}

type objectiveData struct {
	Key         string `yaml:"key"`
	Code        string `yaml:"code"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
}

type communityData struct {
	Key  string `yaml:"key"`
	Name string `yaml:"name"`
	Area string `yaml:"area"`
}

type stakeholderData struct {
	Key         string `yaml:"key"`
	Name        string `yaml:"name"`
	Acronym     string `yaml:"acronym"`
	Sector      string `yaml:"sector"`
	Description string `yaml:"description"`
	Website     string `yaml:"website"`
	Parent      string `yaml:"parent"`
}

type commitmentData struct {
	Key          string            `yaml:"key"`
	Reference    string            `yaml:"reference"`
	Title        string            `yaml:"title"`
	Description  string            `yaml:"description"`
	Objective    string            `yaml:"objective"`
	Lead         string            `yaml:"lead"`
	Participants []participantData `yaml:"participants"`
	StartDate    string            `yaml:"startDate"`
	DueDate      string            `yaml:"dueDate"`
	Communities  []string          `yaml:"communities"`
	Indicators   []indicatorData   `yaml:"indicators"`
	Reports      []reportData      `yaml:"reports"`

	createdAt time.Time // startDate at 09:00 Belize time; set by check
}

type participantData struct {
	Stakeholder string `yaml:"stakeholder"`
	Role        string `yaml:"role"`
}

type indicatorData struct {
	Name     string   `yaml:"name"`
	Unit     string   `yaml:"unit"`
	Baseline float64  `yaml:"baseline"`
	Target   float64  `yaml:"target"`
	Latest   *float64 `yaml:"latest"`
}

type reportData struct {
	At       string `yaml:"at"`
	Progress int    `yaml:"progress"`
	Status   string `yaml:"status"`
	Note     string `yaml:"note"`
	By       string `yaml:"by"`

	at time.Time // set by check
}

type meetingData struct {
	Key          string                   `yaml:"key"`
	Title        string                   `yaml:"title"`
	Description  string                   `yaml:"description"`
	StartsAt     string                   `yaml:"startsAt"`
	EndsAt       string                   `yaml:"endsAt"`
	Location     string                   `yaml:"location"`
	Convener     string                   `yaml:"convener"`
	Status       string                   `yaml:"status"`
	Minutes      string                   `yaml:"minutes"`
	Participants []meetingParticipantData `yaml:"participants"`
	Agenda       []agendaData             `yaml:"agenda"`
	Outcomes     []outcomeData            `yaml:"outcomes"`

	startsAt, endsAt time.Time // set by check
}

type meetingParticipantData struct {
	Stakeholder string `yaml:"stakeholder"`
	Attendance  string `yaml:"attendance"`
}

type agendaData struct {
	Title           string `yaml:"title"`
	DurationMinutes int    `yaml:"durationMinutes"`
}

type outcomeData struct {
	Key         string   `yaml:"key"`
	Kind        string   `yaml:"kind"`
	Summary     string   `yaml:"summary"`
	Details     string   `yaml:"details"`
	Owner       string   `yaml:"owner"`
	DueDate     string   `yaml:"dueDate"`
	Status      string   `yaml:"status"`
	Commitments []string `yaml:"commitments"`
}

// parse decodes the seed file strictly: an unknown or duplicated field is an
// error, so a typo in the data fails loudly instead of being dropped.
func parse(data []byte) (*file, error) {
	var f file
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("seed: parsing restore-belize.yaml: %w", err)
	}
	return &f, nil
}

// ------------------------------------------------------------------ checks

// check enforces FORMAT.md's rules, resolves dates and times, and builds the
// key indexes write uses. It reports every problem it finds, not only the first.
func (f *file) check() error {
	var problems Problems
	bad := func(path, format string, args ...any) {
		problems = append(problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}

	// Plan, pillars, objectives.
	p := &f.Plan
	if p.Key == "" {
		bad("plan.key", "plan: key is required")
	}
	start, errStart := hub.ParseDate(p.PeriodStart)
	if errStart != nil {
		bad("plan.periodStart", "plan %s: periodStart: %v", p.Key, errStart)
	}
	end, errEnd := hub.ParseDate(p.PeriodEnd)
	if errEnd != nil {
		bad("plan.periodEnd", "plan %s: periodEnd: %v", p.Key, errEnd)
	}
	if errStart == nil && errEnd == nil && end < start {
		bad("plan.periodEnd", "plan %s: periodEnd %s is before periodStart %s", p.Key, end, start)
	}
	if errStart == nil {
		f.planAt = atClock(start, 12, 0)
	}
	if len(p.Pillars) == 0 {
		bad("plan.pillars", "plan %s: has no pillars", p.Key)
	}
	pillarKeys := map[string]bool{}
	f.objectives = map[string]*objectiveData{}
	for i := range p.Pillars {
		pl := &p.Pillars[i]
		at := fmt.Sprintf("plan.pillars[%d]", i)
		if !unique(pillarKeys, pl.Key) {
			bad(at+".key", "pillar %q: key is blank or used twice", pl.Key)
		}
		for j := range pl.Objectives {
			o := &pl.Objectives[j]
			if o.Key == "" || f.objectives[o.Key] != nil {
				bad(fmt.Sprintf("%s.objectives[%d].key", at, j), "objective %q: key is blank or used twice", o.Key)
			}
			f.objectives[o.Key] = o
		}
	}

	// Communities.
	f.communities = map[string]bool{}
	for i, c := range f.Communities {
		if !unique(f.communities, c.Key) {
			bad(fmt.Sprintf("communities[%d].key", i), "community %q: key is blank or used twice", c.Key)
		}
	}

	// Stakeholders: a parent must come earlier in the list.
	f.stakeholder = map[string]*stakeholderData{}
	for i := range f.Stakeholders {
		s := &f.Stakeholders[i]
		at := fmt.Sprintf("stakeholders[%d]", i)
		if s.Key == "" || f.stakeholder[s.Key] != nil {
			bad(at+".key", "stakeholder %q: key is blank or used twice", s.Key)
		}
		if !slices.Contains(hub.AllSectors, hub.Sector(s.Sector)) {
			bad(at+".sector", "stakeholder %s: unknown sector %q", s.Key, s.Sector)
		}
		if s.Parent != "" && f.stakeholder[s.Parent] == nil {
			bad(at+".parent", "stakeholder %s: parent %q is not a stakeholder listed earlier", s.Key, s.Parent)
		}
		f.stakeholder[s.Key] = s
	}
	isStakeholder := func(key string) bool { return f.stakeholder[key] != nil }

	// Commitments.
	f.commitment = map[string]*commitmentData{}
	refs := map[string]bool{}
	roles := []hub.ParticipantRole{hub.RoleImplementing, hub.RoleFunding, hub.RoleSupporting}
	for i := range f.Commitments {
		c := &f.Commitments[i]
		what := "commitment " + c.Key
		at := fmt.Sprintf("commitments[%d]", i)
		if c.Key == "" || f.commitment[c.Key] != nil {
			bad(at+".key", "commitment %q: key is blank or used twice", c.Key)
		}
		f.commitment[c.Key] = c
		allocated := c.Reference == "" && f.allocateReferences
		if !allocated && !unique(refs, c.Reference) {
			bad(at+".reference", "%s: reference %q is blank or used twice", what, c.Reference)
		}
		if o := f.objectives[c.Objective]; o == nil {
			bad(at+".objective", "%s: objective %q does not exist", what, c.Objective)
		} else if !allocated && !validReference(c.Reference, o.Code) {
			bad(at+".reference", "%s: reference %q is not C-%s-NNN", what, c.Reference, o.Code)
		}
		if !isStakeholder(c.Lead) {
			bad(at+".lead", "%s: lead %q does not exist", what, c.Lead)
		}
		seen := map[string]bool{}
		for j, pt := range c.Participants {
			pat := fmt.Sprintf("%s.participants[%d]", at, j)
			switch {
			case !isStakeholder(pt.Stakeholder):
				bad(pat+".stakeholder", "%s: participant %q does not exist", what, pt.Stakeholder)
			case pt.Stakeholder == c.Lead:
				bad(pat+".stakeholder", "%s: the lead %s is repeated among the participants", what, c.Lead)
			case seen[pt.Stakeholder]:
				bad(pat+".stakeholder", "%s: participant %s is listed twice", what, pt.Stakeholder)
			}
			seen[pt.Stakeholder] = true
			if !slices.Contains(roles, hub.ParticipantRole(pt.Role)) {
				bad(pat+".role", "%s: participant %s has unknown role %q", what, pt.Stakeholder, pt.Role)
			}
		}
		for j, k := range c.Communities {
			if !f.communities[k] {
				bad(fmt.Sprintf("%s.communities[%d]", at, j), "%s: community %q does not exist", what, k)
			}
		}
		startDate, errStart := hub.ParseDate(c.StartDate)
		if errStart != nil {
			bad(at+".startDate", "%s: startDate: %v", what, errStart)
		} else {
			c.createdAt = atClock(startDate, 9, 0)
		}
		dueDate, errDue := hub.ParseDate(c.DueDate)
		if errDue != nil {
			bad(at+".dueDate", "%s: dueDate: %v", what, errDue)
		}
		if errStart == nil && errDue == nil && dueDate < startDate {
			bad(at+".dueDate", "%s: dueDate %s is before startDate %s", what, dueDate, startDate)
		}
		if len(c.Reports) == 0 {
			for j, ind := range c.Indicators {
				if ind.Latest != nil {
					bad(fmt.Sprintf("%s.indicators[%d].latest", at, j), "%s: indicator %q has a latest value but the commitment has no reports to carry it", what, ind.Name)
				}
			}
		}
		prev := c.createdAt
		for j := range c.Reports {
			r := &c.Reports[j]
			rwhat := fmt.Sprintf("%s: report %d", what, j+1)
			rat := fmt.Sprintf("%s.reports[%d]", at, j)
			at, err := time.Parse(time.RFC3339, r.At)
			if err != nil {
				bad(rat+".at", "%s: at %q is not an RFC 3339 time", rwhat, r.At)
			} else if !prev.IsZero() && !at.After(prev) {
				bad(rat+".at", "%s: at %s is not after the start date or the previous report", rwhat, r.At)
			}
			r.at, prev = at, at
			if r.Progress < 0 || r.Progress > 100 {
				bad(rat+".progress", "%s: progress %d is not between 0 and 100", rwhat, r.Progress)
			}
			st := hub.CommitmentStatus(r.Status)
			switch {
			case !slices.Contains(hub.AllCommitmentStatuses, st):
				bad(rat+".status", "%s: unknown status %q", rwhat, r.Status)
			case st == hub.Completed && r.Progress != 100:
				bad(rat+".progress", "%s: COMPLETED at %d%%, not 100%%", rwhat, r.Progress)
			case st == hub.NotStarted && r.Progress != 0:
				bad(rat+".progress", "%s: NOT_STARTED at %d%%, not 0%%", rwhat, r.Progress)
			}
			if !isStakeholder(r.By) {
				bad(rat+".by", "%s: reporter %q does not exist", rwhat, r.By)
			}
		}
	}

	// Meetings and outcomes.
	meetingKeys, outcomeKeys := map[string]bool{}, map[string]bool{}
	statuses := []hub.MeetingStatus{hub.Scheduled, hub.Held, hub.MeetingCanceled}
	attendances := []hub.Attendance{hub.Invited, hub.Attended, hub.Apologies}
	kinds := []hub.OutcomeKind{hub.Decision, hub.ActionItem, hub.Agreement, hub.Recommendation}
	outcomeStatuses := []hub.OutcomeStatus{hub.OutcomeOpen, hub.OutcomeInProgress, hub.OutcomeDone, hub.OutcomeDropped}
	for i := range f.Meetings {
		m := &f.Meetings[i]
		what := "meeting " + m.Key
		at := fmt.Sprintf("meetings[%d]", i)
		if !unique(meetingKeys, m.Key) {
			bad(at+".key", "meeting %q: key is blank or used twice", m.Key)
		}
		var err error
		if m.startsAt, err = time.Parse(time.RFC3339, m.StartsAt); err != nil {
			bad(at+".startsAt", "%s: startsAt %q is not an RFC 3339 time", what, m.StartsAt)
		}
		if m.endsAt, err = time.Parse(time.RFC3339, m.EndsAt); err != nil {
			bad(at+".endsAt", "%s: endsAt %q is not an RFC 3339 time", what, m.EndsAt)
		}
		if !m.endsAt.After(m.startsAt) {
			bad(at+".endsAt", "%s: endsAt is not after startsAt", what)
		}
		if !isStakeholder(m.Convener) {
			bad(at+".convener", "%s: convener %q does not exist", what, m.Convener)
		}
		status := hub.MeetingStatus(m.Status)
		if !slices.Contains(statuses, status) {
			bad(at+".status", "%s: unknown status %q", what, m.Status)
		}
		if m.Minutes != "" && status != hub.Held {
			bad(at+".minutes", "%s: minutes are only for HELD meetings", what)
		}
		if len(m.Outcomes) > 0 && status != hub.Held {
			bad(at+".outcomes", "%s: outcomes are only for HELD meetings", what)
		}
		for j, pt := range m.Participants {
			pat := fmt.Sprintf("%s.participants[%d]", at, j)
			if !isStakeholder(pt.Stakeholder) {
				bad(pat+".stakeholder", "%s: participant %q does not exist", what, pt.Stakeholder)
			}
			if pt.Attendance != "" && !slices.Contains(attendances, hub.Attendance(pt.Attendance)) {
				bad(pat+".attendance", "%s: participant %s has unknown attendance %q", what, pt.Stakeholder, pt.Attendance)
			}
		}
		for j, o := range m.Outcomes {
			owhat := "outcome " + o.Key
			oat := fmt.Sprintf("%s.outcomes[%d]", at, j)
			if !unique(outcomeKeys, o.Key) {
				bad(oat+".key", "outcome %q (meeting %s): key is blank or used twice", o.Key, m.Key)
			}
			if !slices.Contains(kinds, hub.OutcomeKind(o.Kind)) {
				bad(oat+".kind", "%s: unknown kind %q", owhat, o.Kind)
			}
			if !slices.Contains(outcomeStatuses, hub.OutcomeStatus(o.Status)) {
				bad(oat+".status", "%s: unknown status %q", owhat, o.Status)
			}
			if o.Owner != "" && !isStakeholder(o.Owner) {
				bad(oat+".owner", "%s: owner %q does not exist", owhat, o.Owner)
			}
			if o.DueDate != "" {
				if _, err := hub.ParseDate(o.DueDate); err != nil {
					bad(oat+".dueDate", "%s: dueDate: %v", owhat, err)
				}
			}
			for k2, k := range o.Commitments {
				if f.commitment[k] == nil {
					bad(fmt.Sprintf("%s.commitments[%d]", oat, k2), "%s: commitment %q does not exist", owhat, k)
				}
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return problems
}

// validReference reports whether ref is "C-<code>-NNN".
func validReference(ref, code string) bool {
	n, ok := strings.CutPrefix(ref, "C-"+code+"-")
	if !ok || len(n) != 3 {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// unique records key and reports whether it is non-blank and new.
func unique(seen map[string]bool, key string) bool {
	if key == "" || seen[key] {
		return false
	}
	seen[key] = true
	return true
}

// atClock is the date d at hh:mm Belize time.
func atClock(d hub.Date, hh, mm int) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, string(d), belize)
	return t.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

// ------------------------------------------------------------------ writing

// write runs the commands. It expects a checked file.
func (f *file) write(ctx context.Context, h *hub.Hub) error {
	actor := hub.SystemActor
	at := f.planAt
	p := f.Plan

	err := h.CreatePlan(ctx, actor, hub.StrategicPlan{
		Meta:        hub.Meta{ID: p.Key},
		Title:       p.Title,
		Description: p.Description,
		PeriodStart: hub.Date(p.PeriodStart),
		PeriodEnd:   hub.Date(p.PeriodEnd),
	}, at)
	if err != nil {
		return fmt.Errorf("seed: plan %s: %w", p.Key, err)
	}
	for _, pl := range p.Pillars {
		err := h.CreatePillar(ctx, actor, hub.Pillar{
			Meta: hub.Meta{ID: pl.Key}, PlanID: p.Key, Code: pl.Code, Title: pl.Title, Description: pl.Description,
		}, at)
		if err != nil {
			return fmt.Errorf("seed: pillar %s: %w", pl.Key, err)
		}
		for _, o := range pl.Objectives {
			err := h.CreateObjective(ctx, actor, hub.Objective{
				Meta: hub.Meta{ID: o.Key}, PillarID: pl.Key, Code: o.Code, Title: o.Title, Description: o.Description,
			}, at)
			if err != nil {
				return fmt.Errorf("seed: objective %s: %w", o.Key, err)
			}
		}
	}

	for _, c := range f.Communities {
		if err := h.CreateCommunity(ctx, actor, hub.Community{Meta: hub.Meta{ID: c.Key}, Name: c.Name, Area: c.Area}, at); err != nil {
			return fmt.Errorf("seed: community %s: %w", c.Key, err)
		}
	}

	for _, s := range f.Stakeholders {
		_, err := h.CreateStakeholder(ctx, actor, hub.CreateStakeholderInput{
			ID:          s.Key,
			Name:        s.Name,
			Acronym:     s.Acronym,
			Sector:      hub.Sector(s.Sector),
			Description: s.Description,
			Website:     s.Website,
			ParentID:    s.Parent,
			At:          at,
		})
		if err != nil {
			return fmt.Errorf("seed: stakeholder %s: %w", s.Key, err)
		}
	}

	for i := range f.Commitments {
		if err := f.writeCommitment(ctx, h, &f.Commitments[i]); err != nil {
			return err
		}
	}

	for i := range f.Meetings {
		if err := f.writeMeeting(ctx, h, &f.Meetings[i]); err != nil {
			return err
		}
	}
	return nil
}

func (f *file) writeCommitment(ctx context.Context, h *hub.Hub, c *commitmentData) error {
	participants := make([]hub.Participant, len(c.Participants))
	for i, p := range c.Participants {
		participants[i] = hub.Participant{StakeholderID: p.Stakeholder, Role: hub.ParticipantRole(p.Role)}
	}
	indicators := make([]hub.Indicator, len(c.Indicators))
	for i, ind := range c.Indicators {
		indicators[i] = hub.Indicator{Name: ind.Name, Unit: ind.Unit, Baseline: ind.Baseline, Target: ind.Target}
	}
	created, err := h.CreateCommitment(ctx, hub.SystemActor, hub.CreateCommitmentInput{
		Reference:    c.Reference,
		ObjectiveID:  c.Objective,
		LeadID:       c.Lead,
		Title:        c.Title,
		Description:  c.Description,
		Participants: participants,
		StartDate:    hub.Date(c.StartDate),
		DueDate:      hub.Date(c.DueDate),
		CommunityIDs: c.Communities,
		Indicators:   indicators,
		At:           c.createdAt,
	})
	if err != nil {
		return fmt.Errorf("seed: commitment %s (%s): %w", c.Key, c.Reference, err)
	}
	c.Reference = created.ID

	for i, r := range c.Reports {
		status := hub.CommitmentStatus(r.Status)
		in := hub.ReportProgressInput{
			CommitmentID: c.Reference,
			Progress:     r.Progress,
			Status:       &status,
			Note:         r.Note,
			At:           r.at,
		}
		if i == len(c.Reports)-1 {
			for _, ind := range c.Indicators {
				if ind.Latest != nil {
					in.IndicatorValues = append(in.IndicatorValues, hub.IndicatorValue{Name: ind.Name, Value: *ind.Latest})
				}
			}
		}
		reporter := f.stakeholder[r.By]
		by := hub.Actor{Name: reporter.Name, Role: hub.ActorEditor, StakeholderID: reporter.Key}
		if _, _, err := h.ReportProgress(ctx, by, in); err != nil {
			return fmt.Errorf("seed: commitment %s (%s): report %d: %w", c.Key, c.Reference, i+1, err)
		}
	}
	return nil
}

func (f *file) writeMeeting(ctx context.Context, h *hub.Hub, m *meetingData) error {
	actor := hub.SystemActor
	participants := make([]hub.MeetingParticipant, len(m.Participants))
	for i, p := range m.Participants {
		participants[i] = hub.MeetingParticipant{StakeholderID: p.Stakeholder, Attendance: hub.Attendance(p.Attendance)}
	}
	agenda := make([]hub.AgendaItem, len(m.Agenda))
	for i, a := range m.Agenda {
		agenda[i] = hub.AgendaItem{Title: a.Title, DurationMinutes: a.DurationMinutes}
	}
	_, err := h.ScheduleMeeting(ctx, actor, hub.ScheduleMeetingInput{
		ID:           m.Key,
		Title:        m.Title,
		Description:  m.Description,
		StartsAt:     m.startsAt,
		EndsAt:       m.endsAt,
		Location:     m.Location,
		ConvenerID:   m.Convener,
		Participants: participants,
		Agenda:       agenda,
		At:           m.startsAt.Add(-14 * 24 * time.Hour),
	})
	if err != nil {
		return fmt.Errorf("seed: meeting %s: %w", m.Key, err)
	}

	switch status := hub.MeetingStatus(m.Status); status {
	case hub.Held:
		in := hub.UpdateMeetingInput{ID: m.Key, Status: &status, At: m.endsAt}
		if m.Minutes != "" {
			minutes := m.Minutes
			in.Minutes = &minutes
		}
		if _, err := h.UpdateMeeting(ctx, actor, in); err != nil {
			return fmt.Errorf("seed: meeting %s: marking it held: %w", m.Key, err)
		}
	case hub.MeetingCanceled:
		in := hub.UpdateMeetingInput{ID: m.Key, Status: &status, At: m.startsAt.Add(-2 * 24 * time.Hour)}
		if _, err := h.UpdateMeeting(ctx, actor, in); err != nil {
			return fmt.Errorf("seed: meeting %s: cancelling it: %w", m.Key, err)
		}
	}

	for _, o := range m.Outcomes {
		refs := make([]string, len(o.Commitments))
		for i, k := range o.Commitments {
			refs[i] = f.commitment[k].Reference
		}
		var due *hub.Date
		if o.DueDate != "" {
			d := hub.Date(o.DueDate)
			due = &d
		}
		_, err := h.RecordOutcome(ctx, actor, hub.RecordOutcomeInput{
			ID:            o.Key,
			MeetingID:     m.Key,
			Kind:          hub.OutcomeKind(o.Kind),
			Summary:       o.Summary,
			Details:       o.Details,
			OwnerID:       o.Owner,
			DueDate:       due,
			CommitmentIDs: refs,
			Status:        hub.OutcomeStatus(o.Status),
			At:            m.endsAt,
		})
		if err != nil {
			return fmt.Errorf("seed: outcome %s (meeting %s): %w", o.Key, m.Key, err)
		}
	}
	return nil
}
