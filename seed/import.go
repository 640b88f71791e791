package seed

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"convene/hub"
)

// Problem is one thing wrong with a file, at a field.
type Problem struct {
	Line    int    // 0 when unknown
	Path    string // the field, such as plan.pillars[1].code
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", p.Line, p.Path, p.Message)
	}
	if p.Path != "" {
		return p.Path + ": " + p.Message
	}
	return p.Message
}

// Problems lists everything wrong with a file; nothing was written.
type Problems []Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = "seed: " + p.String()
	}
	return strings.Join(msgs, "\n")
}

// ImportOptions tune Import.
type ImportOptions struct {
	// DryRun checks everything, as a real import would, and writes nothing.
	DryRun bool
	// Progress, if set, is told how many of the import's events are
	// written, out of how many.
	Progress func(done, total int)
}

// Report says what an import did (or, in a dry run, would do).
type Report struct {
	Events  int            // events written, or that would be
	Created map[string]int // new entities by kind
	Updated map[string]int // changed entities by kind
}

// Unchanged reports whether the import found everything in place.
func (r *Report) Unchanged() bool { return r.Events == 0 }

func (r *Report) String() string {
	if r.Unchanged() {
		return "nothing to change: the database already holds everything in the file"
	}
	kinds := []string{"plan", "pillar", "objective", "community", "stakeholder", "commitment", "meeting"}
	var parts []string
	for _, k := range kinds {
		if n := r.Created[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d new %s", n, plural(k, n)))
		}
		if n := r.Updated[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s changed", n, plural(k, n)))
		}
	}
	return fmt.Sprintf("%s (%d events)", strings.Join(parts, ", "), r.Events)
}

func plural(k string, n int) string {
	switch {
	case n == 1:
		return k
	case strings.HasSuffix(k, "y"):
		return strings.TrimSuffix(k, "y") + "ies"
	}
	return k + "s"
}

// maxAttempts bounds how often an import is rebuilt when other writes
// come between building it and writing it.
const maxAttempts = 3

// Import loads a file in FORMAT.md's format (YAML, or JSON, which is
// YAML) into any database: entities already there are matched (the plan
// by title, pillars and objectives by code within the plan, communities
// and stakeholders by name, commitments by reference, or without one by
// title under their objective, meetings by title and start) and brought up to date; the rest are created. Commitments
// and meetings already there are left as they are.
//
// The whole import is built on a fork of the hub, so every rule of every
// command is checked before anything is written; it is then appended as
// one batch, which readers see whole or not at all (hub.AppendBatch). A
// file with problems returns them all as Problems, with their lines.
func Import(ctx context.Context, h *hub.Hub, data []byte, opts ImportOptions) (*Report, error) {
	doc, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Problems{{Message: yaml.FormatError(err, false, false)}}
	}
	for attempt := 1; ; attempt++ {
		f, err := parseFile(data)
		if err != nil {
			return nil, Problems{{Message: yaml.FormatError(err, false, false)}}
		}
		f.allocateReferences = true
		if err := f.check(); err != nil {
			return nil, withLines(doc, err)
		}
		fork, err := h.Fork(ctx)
		if err != nil {
			return nil, err
		}
		rep, err := f.importTo(ctx, fork)
		events := fork.Batch()
		fork.Close(ctx)
		if err != nil {
			return nil, withLines(doc, err)
		}
		rep.Events = len(events)
		if opts.DryRun || len(events) == 0 {
			return rep, nil
		}
		var progress func(int)
		if opts.Progress != nil {
			progress = func(done int) { opts.Progress(done, len(events)) }
		}
		err = h.AppendBatch(ctx, events, progress)
		if (errors.Is(err, hub.ErrMoved) || errors.Is(err, hub.ErrBatchVoided)) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		return rep, nil
	}
}

// parseFile decodes a file strictly, as parse does the demo's.
func parseFile(data []byte) (*file, error) {
	var f file
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, err
	}
	return &f, nil
}

// withLines adds the line of each problem's field (or of the nearest
// field around it that the file has).
func withLines(doc *ast.File, err error) error {
	var ps Problems
	if !errors.As(err, &ps) {
		return err
	}
	for i := range ps {
		for path := ps[i].Path; path != "" && ps[i].Line == 0; path = parentPath(path) {
			p, perr := yaml.PathString("$." + path)
			if perr != nil {
				continue
			}
			if n, ferr := p.FilterFile(doc); ferr == nil && n != nil {
				ps[i].Line = n.GetToken().Position.Line
			}
		}
	}
	return ps
}

// parentPath drops a path's last field or index.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// importer matches a file's entities to those in the hub and writes them.
type importer struct {
	f        *file
	h        *hub.Hub
	rep      *Report
	problems Problems
}

// fail records why the entity at path was refused.
func (im *importer) fail(path string, err error) {
	var ve *hub.ValidationError
	if !errors.As(err, &ve) {
		im.problems = append(im.problems, Problem{Path: path, Message: err.Error()})
		return
	}
	for _, fe := range ve.Errors {
		im.problems = append(im.problems, Problem{Path: path + fileField(fe.Field), Message: fe.Message})
	}
}

// fileField names a command's input field as the file does.
func fileField(field []string) string {
	var b strings.Builder
	for i, f := range field {
		if i == 0 && f == "input" {
			continue
		}
		if _, err := strconv.Atoi(f); err == nil {
			b.WriteString("[" + f + "]")
			continue
		}
		switch f {
		case "id":
			f = "key"
		case "planId", "pillarId":
			continue // the entity's place in the file
		case "objectiveId", "leadId", "parentId", "convenerId", "ownerId", "stakeholderId":
			f = strings.TrimSuffix(f, "Id")
		case "communityIds", "commitmentIds":
			f = strings.TrimSuffix(f, "Ids") + "s"
		}
		b.WriteString("." + f)
	}
	return b.String()
}

func (im *importer) count(m map[string]int, kind string) { m[kind]++ }

// importTo writes the file to h (a fork), matching what exists. It
// rewrites the file's keys to the IDs they resolve to.
func (f *file) importTo(ctx context.Context, h *hub.Hub) (*Report, error) {
	im := &importer{f: f, h: h, rep: &Report{Created: map[string]int{}, Updated: map[string]int{}}}
	m := h.Model()
	actor := hub.SystemActor
	at := f.planAt

	// The plan, by title.
	p := &f.Plan
	planID := ""
	for _, other := range m.Plans() {
		if strings.EqualFold(other.Title, strings.TrimSpace(p.Title)) {
			planID = other.ID
		}
	}
	if planID == "" {
		planID = hub.NewID()
		im.try("plan", "plan", func() error {
			return h.CreatePlan(ctx, actor, hub.StrategicPlan{Meta: hub.Meta{ID: planID}, Title: p.Title, Description: p.Description,
				PeriodStart: hub.Date(p.PeriodStart), PeriodEnd: hub.Date(p.PeriodEnd)}, at)
		})
	} else {
		im.update("plan", "plan", hub.Plans.Get(m, planID).Version, func() (int, error) {
			start, end := hub.Date(p.PeriodStart), hub.Date(p.PeriodEnd)
			v, err := h.UpdatePlan(ctx, actor, hub.UpdatePlanInput{ID: planID, Title: &p.Title, Description: &p.Description, PeriodStart: &start, PeriodEnd: &end})
			if v == nil {
				return 0, err
			}
			return v.Version, err
		})
	}
	p.Key = planID

	// Pillars and objectives, by code within the plan.
	pillarByCode, objectiveByCode := map[string]string{}, map[string]string{}
	for _, pl := range m.PillarsOf(planID) {
		pillarByCode[pl.Code] = pl.ID
		for _, o := range m.ObjectivesOf(pl.ID) {
			objectiveByCode[o.Code] = o.ID
		}
	}
	objectiveID := map[string]string{} // file key → ID
	for i := range p.Pillars {
		pl := &p.Pillars[i]
		path := fmt.Sprintf("plan.pillars[%d]", i)
		if id := pillarByCode[strings.TrimSpace(pl.Code)]; id != "" {
			pl.Key = id
			im.update(path, "pillar", hub.Pillars.Get(m, id).Version, func() (int, error) {
				v, err := h.UpdatePillar(ctx, actor, hub.UpdatePillarInput{ID: id, Title: &pl.Title, Description: &pl.Description})
				if v == nil {
					return 0, err
				}
				return v.Version, err
			})
		} else {
			pl.Key = hub.NewID()
			im.try(path, "pillar", func() error {
				return h.CreatePillar(ctx, actor, hub.Pillar{Meta: hub.Meta{ID: pl.Key}, PlanID: planID, Code: pl.Code, Title: pl.Title, Description: pl.Description}, at)
			})
		}
		for j := range pl.Objectives {
			o := &pl.Objectives[j]
			opath := fmt.Sprintf("%s.objectives[%d]", path, j)
			key := o.Key
			if id := objectiveByCode[strings.TrimSpace(o.Code)]; id != "" {
				o.Key = id
				im.update(opath, "objective", hub.Objectives.Get(m, id).Version, func() (int, error) {
					v, err := h.UpdateObjective(ctx, actor, hub.UpdateObjectiveInput{ID: id, PillarID: &pl.Key, Title: &o.Title, Description: &o.Description})
					if v == nil {
						return 0, err
					}
					return v.Version, err
				})
			} else {
				o.Key = hub.NewID()
				im.try(opath, "objective", func() error {
					return h.CreateObjective(ctx, actor, hub.Objective{Meta: hub.Meta{ID: o.Key}, PillarID: pl.Key, Code: o.Code, Title: o.Title, Description: o.Description}, at)
				})
			}
			objectiveID[key] = o.Key
		}
	}

	// Communities and stakeholders, by name.
	communityID := map[string]string{}
	for i := range f.Communities {
		c := &f.Communities[i]
		path := fmt.Sprintf("communities[%d]", i)
		id := ""
		for _, other := range m.Communities() {
			if strings.EqualFold(other.Name, strings.TrimSpace(c.Name)) {
				id = other.ID
			}
		}
		if id != "" {
			im.update(path, "community", hub.Communities.Get(m, id).Version, func() (int, error) {
				v, err := h.UpdateCommunity(ctx, actor, hub.UpdateCommunityInput{ID: id, Area: &c.Area})
				if v == nil {
					return 0, err
				}
				return v.Version, err
			})
		} else {
			id = hub.NewID()
			im.try(path, "community", func() error {
				return h.CreateCommunity(ctx, actor, hub.Community{Meta: hub.Meta{ID: id}, Name: c.Name, Area: c.Area}, at)
			})
		}
		communityID[c.Key] = id
	}
	stakeholderID := map[string]string{}
	for i := range f.Stakeholders {
		s := &f.Stakeholders[i]
		path := fmt.Sprintf("stakeholders[%d]", i)
		parent := stakeholderID[s.Parent]
		sector := hub.Sector(s.Sector)
		id := ""
		for _, other := range m.Stakeholders(hub.StakeholderFilter{}) {
			if strings.EqualFold(other.Name, strings.TrimSpace(s.Name)) {
				id = other.ID
			}
		}
		if id != "" {
			in := hub.UpdateStakeholderInput{ID: id, Acronym: &s.Acronym, Sector: &sector, Description: &s.Description, Website: &s.Website}
			if parent != "" {
				in.ParentID = &parent
			}
			im.update(path, "stakeholder", hub.Stakeholders.Get(m, id).Version, func() (int, error) {
				v, err := h.UpdateStakeholder(ctx, actor, in)
				if v == nil {
					return 0, err
				}
				return v.Version, err
			})
		} else {
			id = hub.NewID()
			im.try(path, "stakeholder", func() error {
				_, err := h.CreateStakeholder(ctx, actor, hub.CreateStakeholderInput{ID: id, Name: s.Name, Acronym: s.Acronym, Sector: sector,
					Description: s.Description, Website: s.Website, ParentID: parent, At: at})
				return err
			})
		}
		stakeholderID[s.Key] = id
	}
	if len(im.problems) > 0 {
		return nil, im.problems // commitments would only repeat them
	}

	// Rewrite the keys commitments and meetings refer by, then write
	// the commitments and meetings that are not there yet.
	f.stakeholder = map[string]*stakeholderData{}
	for i := range f.Stakeholders {
		s := &f.Stakeholders[i]
		s.Key = stakeholderID[s.Key]
		f.stakeholder[s.Key] = s
	}
	for i := range f.Commitments {
		c := &f.Commitments[i]
		path := fmt.Sprintf("commitments[%d]", i)
		c.Objective, c.Lead = objectiveID[c.Objective], stakeholderID[c.Lead]
		for j := range c.Participants {
			c.Participants[j].Stakeholder = stakeholderID[c.Participants[j].Stakeholder]
		}
		for j := range c.Communities {
			c.Communities[j] = communityID[c.Communities[j]]
		}
		for j := range c.Reports {
			r := &c.Reports[j]
			r.By = stakeholderID[r.By]
			if v := r.Verification; v != nil && v.By != secretariat {
				v.By = stakeholderID[v.By]
			}
			for k := range r.Actuals {
				for l := range r.Actuals[k].Breakdown {
					if d := &r.Actuals[k].Breakdown[l]; d.Dimension == string(hub.ByCommunity) {
						d.Value = communityID[d.Value]
					}
				}
			}
		}
		if c.Reference == "" {
			if ref := sameTitle(m.Commitments(hub.CommitmentFilter{ObjectiveIDs: []string{c.Objective}}, hub.CommitmentOrder{}, ""), c.Title); ref != "" {
				c.Reference = ref // for the outcomes that link it
				continue
			}
		} else if old := hub.Commitments.Get(m, c.Reference); old != nil {
			if old.ObjectiveID != c.Objective {
				im.problems = append(im.problems, Problem{Path: path + ".reference", Message: "a commitment of another objective has this reference"})
			}
			continue
		}
		im.try(path, "commitment", func() error { return f.writeCommitment(ctx, h, c) })
	}
	meetings := m.Meetings(hub.MeetingFilter{Viewer: hub.Viewer{Role: hub.RoleAdmin}})
	for i := range f.Meetings {
		mt := &f.Meetings[i]
		path := fmt.Sprintf("meetings[%d]", i)
		mt.Convener = stakeholderID[mt.Convener]
		for j := range mt.Participants {
			mt.Participants[j].Stakeholder = stakeholderID[mt.Participants[j].Stakeholder]
		}
		for j := range mt.Outcomes {
			mt.Outcomes[j].Key = hub.NewID()
			if o := &mt.Outcomes[j]; o.Owner != "" {
				o.Owner = stakeholderID[o.Owner]
			}
		}
		exists := false
		for _, other := range meetings {
			if strings.EqualFold(other.Title, strings.TrimSpace(mt.Title)) && other.StartsAt.Equal(mt.startsAt) {
				exists = true
			}
		}
		if exists {
			continue
		}
		mt.Key = hub.NewID()
		im.try(path, "meeting", func() error { return f.writeMeeting(ctx, h, mt) })
	}
	if len(im.problems) > 0 {
		return nil, im.problems
	}
	return im.rep, nil
}

// sameTitle returns the reference of the commitment titled title, or "".
func sameTitle(cs []*hub.Commitment, title string) string {
	for _, c := range cs {
		if strings.EqualFold(c.Title, strings.TrimSpace(title)) {
			return c.ID
		}
	}
	return ""
}

// try runs a creation, counting it or recording why it was refused.
func (im *importer) try(path, kind string, run func() error) {
	if err := run(); err != nil {
		im.fail(path, err)
		return
	}
	im.count(im.rep.Created, kind)
}

// update runs an update, counting it when it changed the version.
func (im *importer) update(path, kind string, before int, run func() (int, error)) {
	after, err := run()
	if err != nil {
		im.fail(path, err)
		return
	}
	if after != before {
		im.count(im.rep.Updated, kind)
	}
}
