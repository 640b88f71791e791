package seed

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"convene/hub"
)

// smallPlan is a plan of a different body, in JSON: one pillar, two
// objectives, a community, two stakeholders and one commitment.
const smallPlan = `{
  "plan": {
    "key": "ncs-2016", "title": "National Crime Strategy 2016-2020",
    "description": "A second plan period.", "periodStart": "2016-01-01", "periodEnd": "2020-12-31",
    "pillars": [
      {"key": "prevention", "code": "1", "title": "Prevention", "description": "Before crime.",
       "objectives": [
         {"key": "youth", "code": "1.1", "title": "Youth", "description": "Young people first."},
         {"key": "schools", "code": "1.2", "title": "Schools", "description": "Safe schools."}
       ]}
    ]
  },
  "communities": [{"key": "north", "name": "Northside", "area": "Belize City"}],
  "stakeholders": [
    {"key": "moe", "name": "Ministry of Education", "sector": "GOVERNMENT", "description": "Schools."},
    {"key": "yfc", "name": "Youth for the Future", "sector": "CIVIL_SOCIETY", "description": "Youth work.", "parent": "moe"}
  ],
  "commitments": [
    {"key": "mentors", "reference": "C-1.1-001", "title": "Mentoring in ten schools", "description": "Mentors.",
     "objective": "youth", "lead": "yfc", "participants": [{"stakeholder": "moe", "role": "SUPPORTING"}],
     "startDate": "2016-02-01", "dueDate": "2016-12-31", "communities": ["north"],
     "reports": [{"at": "2016-06-01T10:00:00-06:00", "progress": 40, "status": "ON_TRACK", "note": "Four schools.", "by": "yfc"}]}
  ]
}`

func TestImportAPlanTwice(t *testing.T) {
	ctx := context.Background()
	h, _ := openHub(t)

	dry, err := Import(ctx, h, []byte(smallPlan), ImportOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Events == 0 || h.Model().Seq() != 0 {
		t.Fatalf("dry run: %v events, the log at %d", dry.Events, h.Model().Seq())
	}
	var done, total int
	rep, err := Import(ctx, h, []byte(smallPlan), ImportOptions{Progress: func(d, t int) { done, total = d, t }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != dry.Events || done != total || total != rep.Events || rep.Created["objective"] != 2 || rep.Created["commitment"] != 1 {
		t.Fatalf("import: %v (%+v), progress %d/%d", rep, rep, done, total)
	}
	plans := h.Model().Plans()
	if len(plans) != 1 || len(h.Model().PillarsOf(plans[0].ID)) != 1 {
		t.Fatalf("plans %v", plans)
	}
	c := hub.Commitments.Get(h.Model(), "C-1.1-001")
	if c == nil || c.Progress != 40 || len(c.Participants) != 2 || len(c.CommunityIDs) != 1 {
		t.Fatalf("commitment: %+v", c)
	}

	again, err := Import(ctx, h, []byte(smallPlan), ImportOptions{})
	if err != nil || !again.Unchanged() || !strings.Contains(again.String(), "nothing to change") {
		t.Fatalf("second import: %v %v", again, err)
	}
	// A corrected title is an update, matched by code.
	fixed := strings.Replace(smallPlan, `"title": "Schools"`, `"title": "Safe schools"`, 1)
	rep, err = Import(ctx, h, []byte(fixed), ImportOptions{})
	if err != nil || rep.Updated["objective"] != 1 || rep.Events != 1 {
		t.Fatalf("corrected import: %v %v", rep, err)
	}
}

func TestImportIntoTheDemoChangesNothing(t *testing.T) {
	ctx := context.Background()
	h, _ := openHub(t)
	if err := Load(ctx, h); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, h, demoYAML, ImportOptions{})
	if err != nil || !rep.Unchanged() {
		t.Fatalf("importing the demo over itself: %v %v", rep, err)
	}
}

func TestImportProblemsHaveLines(t *testing.T) {
	ctx := context.Background()
	h, _ := openHub(t)
	broken := strings.NewReplacer(
		`"lead": "yfc"`, `"lead": "nobody"`,
		`"dueDate": "2016-12-31"`, `"dueDate": "2016-13-01"`,
		`"code": "1.2"`, `"code": "1.1"`,
	).Replace(smallPlan)
	_, err := Import(ctx, h, []byte(broken), ImportOptions{DryRun: true})
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want problems, got %v", err)
	}
	want := map[string]int{"commitments[0].lead": 20, "commitments[0].dueDate": 21}
	for _, p := range ps {
		if line, ok := want[p.Path]; ok {
			if p.Line != line {
				t.Errorf("%s on line %d, want %d", p.Path, p.Line, line)
			}
			delete(want, p.Path)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing problems %v in %v", want, ps)
	}
	// The duplicate code is found by the commands, on the fork.
	fixed := strings.Replace(broken, `"lead": "nobody"`, `"lead": "yfc"`, 1)
	fixed = strings.Replace(fixed, `"2016-13-01"`, `"2016-12-31"`, 1)
	_, err = Import(ctx, h, []byte(fixed), ImportOptions{})
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Path != "plan.pillars[0].objectives[1].code" || ps[0].Line != 9 {
		t.Fatalf("duplicate code: %v", err)
	}
	if h.Model().Seq() != 0 {
		t.Fatal("a refused import wrote events")
	}
	// YAML syntax and unknown fields say where.
	_, err = Import(ctx, h, []byte("plan:\n  key: p\n  titel: x\n"), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "titel") || !strings.Contains(err.Error(), "[3:") {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestTheExamplePlanImports(t *testing.T) {
	data, err := os.ReadFile("example-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h, _ := openHub(t)
	if err := Load(context.Background(), h); err != nil { // beside the demo's plan
		t.Fatal(err)
	}
	rep, err := Import(context.Background(), h, data, ImportOptions{})
	if err != nil || rep.Created["plan"] != 1 || rep.Created["commitment"] != 1 {
		t.Fatalf("%v %v", rep, err)
	}
	if rep, err := Import(context.Background(), h, data, ImportOptions{}); err != nil || !rep.Unchanged() {
		t.Fatalf("again: %v %v", rep, err)
	}
	if hub.Commitments.Get(h.Model(), "C-1.1-001").Title == "Mentoring pilot in ten schools" {
		t.Fatal("the new plan's commitment took the demo's reference")
	}
}
