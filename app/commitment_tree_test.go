package app

import (
	"strconv"
	"strings"
	"testing"

	"convene/hub"
)

// treeServer wraps a test server with the mutations of a commitment tree.
type treeServer struct {
	*testServer
	objective, lead string // global IDs every new commitment uses
}

func newTreeServer(s *testServer) *treeServer {
	var out struct {
		Commitment struct {
			Objective, Lead struct{ ID string }
		}
	}
	s.query(`{ commitment(id: "`+gid(hub.TypeCommitment, "C-2.1-001")+`") { objective { id } lead { id } } }`, nil, &out)
	return &treeServer{testServer: s, objective: out.Commitment.Objective.ID, lead: out.Commitment.Lead.ID}
}

// create makes a commitment with the given extra input as token ("" for
// the admin) and returns its reference, or its user errors.
func (s *treeServer) create(token, title string, extra map[string]any) (string, []userError) {
	s.t.Helper()
	in := map[string]any{"objectiveId": s.objective, "leadId": s.lead, "title": title, "startDate": "2012-01-01", "dueDate": "2014-12-31"}
	for k, v := range extra {
		in[k] = v
	}
	if token == "" {
		token = testAdminToken
	}
	var out struct {
		CreateCommitment struct {
			Commitment *struct{ Reference string }
			UserErrors []userError
		}
	}
	r := s.as(token, `mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) { commitment { reference } userErrors { field message code } } }`,
		map[string]any{"in": in})
	s.mustDecode(r, &out)
	if out.CreateCommitment.Commitment == nil {
		return "", out.CreateCommitment.UserErrors
	}
	return out.CreateCommitment.Commitment.Reference, nil
}

// update changes a commitment as the admin and returns the user errors.
func (s *treeServer) update(ref string, extra map[string]any) []userError {
	s.t.Helper()
	in := map[string]any{"id": gid(hub.TypeCommitment, ref)}
	for k, v := range extra {
		in[k] = v
	}
	var out struct {
		UpdateCommitment struct{ UserErrors []userError }
	}
	s.mutate(`mutation($in: UpdateCommitmentInput!) { updateCommitment(input: $in) { userErrors { field message code } } }`, map[string]any{"in": in}, &out)
	return nonEmpty(out.UpdateCommitment.UserErrors)
}

// nonEmpty is nil for no errors.
func nonEmpty(errs []userError) []userError {
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// report records a progress report as the admin and returns the user errors.
func (s *treeServer) report(ref string, progress int, status string) []userError {
	s.t.Helper()
	var out struct {
		ReportProgress struct{ UserErrors []userError }
	}
	s.mutate(`mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, ref), "progress": progress, "status": status, "note": "tree test"}}, &out)
	return nonEmpty(out.ReportProgress.UserErrors)
}

// rolledUp returns a commitment's rolledUpProgress.
func (s *treeServer) rolledUp(ref string) float64 {
	s.t.Helper()
	var out struct {
		Commitment struct{ RolledUpProgress float64 }
	}
	s.query(`{ commitment(id: "`+gid(hub.TypeCommitment, ref)+`") { rolledUpProgress } }`, nil, &out)
	return out.Commitment.RolledUpProgress
}

func wantUserError(t *testing.T, what string, errs []userError, field, code, message string) {
	t.Helper()
	for _, e := range errs {
		if strings.Join(e.Field, ".") == "input."+field && e.Code == code && strings.Contains(e.Message, message) {
			return
		}
	}
	t.Errorf("%s: want a %s user error on %s saying %q, got %+v", what, code, field, message, errs)
}

// rollUpMessage is one commitmentUpdated message of a parent.
type rollUpMessage struct {
	Kind          string
	ChangedFields []changedField
	Commitment    struct{ RolledUpProgress float64 }
}

// replayRollUps subscribes to commitmentUpdated for ref after seq and
// reads n messages.
func replayRollUps(t *testing.T, s *testServer, ref string, seq int64, n int) []rollUpMessage {
	t.Helper()
	return replayCommitmentUpdated[rollUpMessage](t, s, ref, seq, n, `{ rolledUpProgress }`)
}

// TestCommitmentTree: children roll their progress up into their parent
// by weight, through every level, cancelled children left out, a move
// between parents moving both; each move of a parent's roll-up is a
// ProgressRolledUp change in its history and on commitmentUpdated,
// replayed the same from memory and, after a restart, from the log. Cycles, trees deeper than five levels, bad
// weights, parents the caller may not change and cancelling a parent
// with open children are refused with user errors.
func TestCommitmentTree(t *testing.T) {
	dir := t.TempDir()
	s := newTreeServer(startServer(t, dir, hub.Options{}))
	seq := s.app.hub.Model().Seq()

	parent, errs := s.create("", "Parent programme", nil)
	if errs != nil {
		t.Fatal(errs)
	}
	pid := gid(hub.TypeCommitment, parent)
	a, errs := s.create("", "Child A", map[string]any{"parentId": pid})
	if errs != nil {
		t.Fatal(errs)
	}
	b, errs := s.create("", "Child B", map[string]any{"parentId": pid, "weight": 3})
	if errs != nil {
		t.Fatal(errs)
	}
	if got := s.rolledUp(parent); got != 0 {
		t.Errorf("two children at 0%%: rolled up %v", got)
	}
	if e := s.report(a, 40, "ON_TRACK"); e != nil {
		t.Fatal(e)
	}
	if e := s.report(b, 80, "ON_TRACK"); e != nil {
		t.Fatal(e)
	}
	if got := s.rolledUp(parent); got != 70 { // (40×1 + 80×3) / 4
		t.Errorf("children at 40%% (weight 1) and 80%% (weight 3): rolled up %v, want 70", got)
	}
	if got := s.rolledUp(a); got != 40 {
		t.Errorf("a leaf's rolledUpProgress is its progress: %v, want 40", got)
	}

	// A grandchild: both levels move in one change.
	g, _ := s.create("", "Grandchild", map[string]any{"parentId": gid(hub.TypeCommitment, a)})
	if got := s.rolledUp(parent); got != 60 { // A now rolls up its only child's 0%
		t.Errorf("after a grandchild at 0%%: %v, want 60", got)
	}
	before := s.app.hub.Model().Seq()
	if e := s.report(g, 50, "ON_TRACK"); e != nil {
		t.Fatal(e)
	}
	if n := s.app.hub.Model().Seq() - before; n != 3 {
		t.Errorf("a grandchild's report appended %d events, want 3 (its own, then its parent's and grandparent's roll-ups)", n)
	}
	if got, want := s.rolledUp(parent), 72.5; got != want { // (50 + 240) / 4
		t.Errorf("after the grandchild's 50%%: %v, want %v", got, want)
	}

	// A move from one parent to another: both roll-ups move, in one batch.
	other, _ := s.create("", "Other programme", nil)
	before = s.app.hub.Model().Seq()
	if e := s.update(b, map[string]any{"parentId": gid(hub.TypeCommitment, other)}); e != nil {
		t.Fatal(e)
	}
	if n := s.app.hub.Model().Seq() - before; n != 3 || s.rolledUp(parent) != 50 || s.rolledUp(other) != 80 {
		t.Errorf("B moved: %d events, parent %v (want A's 50), other %v (want B's 80)", n, s.rolledUp(parent), s.rolledUp(other))
	}
	if e := s.update(b, map[string]any{"parentId": pid}); e != nil {
		t.Fatal(e)
	}
	if s.rolledUp(parent) != 72.5 || s.rolledUp(other) != 0 {
		t.Errorf("B moved back: parent %v, other %v", s.rolledUp(parent), s.rolledUp(other))
	}

	// The tree as the API shows it.
	var tree struct {
		Commitment struct {
			Children struct {
				TotalCount int
				Nodes      []struct {
					Reference string
					Weight    float64
					Parent    struct{ Reference string }
					Children  struct{ TotalCount int }
				}
			}
			Parent *struct{ Reference string }
		}
	}
	s.query(`{ commitment(id: "`+pid+`") { parent { reference } children(first: 10) { totalCount nodes { reference weight parent { reference } children { totalCount } } } } }`, nil, &tree)
	kids := tree.Commitment.Children
	if tree.Commitment.Parent != nil || kids.TotalCount != 2 || kids.Nodes[0].Reference != a || kids.Nodes[1].Reference != b ||
		kids.Nodes[0].Weight != 1 || kids.Nodes[1].Weight != 3 || kids.Nodes[0].Parent.Reference != parent || kids.Nodes[0].Children.TotalCount != 1 {
		t.Errorf("the tree: %+v", tree)
	}

	// Refused.
	wantUserError(t, "a cycle", s.update(parent, map[string]any{"parentId": gid(hub.TypeCommitment, g)}), "parentId", "INVALID", "cycle")
	wantUserError(t, "its own parent", s.update(parent, map[string]any{"parentId": pid}), "parentId", "INVALID", "cycle")
	wantUserError(t, "a weight of 0", s.update(b, map[string]any{"weight": 0}), "weight", "INVALID", "more than 0")
	wantUserError(t, "a negative weight", s.update(b, map[string]any{"weight": -2}), "weight", "INVALID", "more than 0")
	wantUserError(t, "both", s.update(b, map[string]any{"parentId": pid, "clearParent": true}), "clearParent", "INVALID", "not both")
	wantUserError(t, "no such parent", s.update(b, map[string]any{"parentId": gid(hub.TypeCommitment, "C-9.9-999")}), "parentId", "NOT_FOUND", "")
	_, errs = s.create("", "Orphan", map[string]any{"parentId": gid(hub.TypeMeeting, "x")})
	wantUserError(t, "a parent of another type", errs, "parentId", "NOT_FOUND", "")
	deepest, _ := s.create("", "Level 1", nil)
	for level := 2; level <= 5; level++ {
		ref, errs := s.create("", "Level "+strconv.Itoa(level), map[string]any{"parentId": gid(hub.TypeCommitment, deepest)})
		if errs != nil {
			t.Fatalf("level %d: %+v", level, errs)
		}
		deepest = ref
	}
	_, errs = s.create("", "Level 6", map[string]any{"parentId": gid(hub.TypeCommitment, deepest)})
	wantUserError(t, "a sixth level", errs, "parentId", "NOT_ALLOWED", "at most 5 levels")
	wantUserError(t, "cancelling a parent with open children", s.report(parent, 0, "CANCELLED"), "status", "NOT_ALLOWED", "children")

	// An editor may hang a child only under a commitment it may change.
	var outsider string // a stakeholder the parent does not involve
	for _, key := range []string{"yff", "bpd", "cpu", "pfd"} {
		if gid(hub.TypeStakeholder, key) != s.lead {
			outsider = key
			break
		}
	}
	_, editor := issueToken(t, s.testServer, "EDITOR", "tree editor", outsider, nil)
	_, errs = s.create(editor, "Under someone else's parent", map[string]any{"leadId": gid(hub.TypeStakeholder, outsider), "parentId": pid})
	wantUserError(t, "an editor under a parent it may not change", errs, "parentId", "NOT_ALLOWED", "may not change this commitment")

	// A cancelled child is left out; a detached one too.
	if e := s.report(b, 80, "CANCELLED"); e != nil {
		t.Fatal(e)
	}
	if got := s.rolledUp(parent); got != 50 {
		t.Errorf("with B cancelled: %v, want A's 50", got)
	}
	if e := s.update(a, map[string]any{"clearParent": true}); e != nil {
		t.Fatal(e)
	}
	if got := s.rolledUp(parent); got != 0 { // no child counts: its own progress
		t.Errorf("with no child counting: %v, want the parent's own 0", got)
	}

	// History names the parent by global ID.
	var hist struct {
		Commitment struct {
			History struct {
				Nodes []struct {
					Kind   string
					Fields []changedField
				}
			}
		}
	}
	s.query(`{ commitment(id: "`+gid(hub.TypeCommitment, a)+`") { history(last: 1) { nodes { kind fields { field before after } } } } }`, nil, &hist)
	last := hist.Commitment.History.Nodes
	if len(last) != 1 || last[0].Kind != "CommitmentUpdated" || len(last[0].Fields) != 1 || last[0].Fields[0].Field != "parent" ||
		last[0].Fields[0].Before == nil || *last[0].Fields[0].Before != strconv.Quote(pid) || last[0].Fields[0].After != nil {
		t.Errorf("detaching A, in its history: %s", mustString(t, last))
	}

	// The parent's subscribers: every move of its roll-up, from memory,
	// then after a restart from the log, the same.
	want := []string{"CommitmentCreated", "ProgressRolledUp 0", "ProgressRolledUp 10", "ProgressRolledUp 70", "ProgressRolledUp 60",
		"ProgressRolledUp 72.5", "ProgressRolledUp 50", "ProgressRolledUp 72.5", "ProgressRolledUp 50", "ProgressRolledUp "}
	describe := func(ms []rollUpMessage) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.Kind
			for _, f := range m.ChangedFields {
				if f.Field == "rolledUpProgress" {
					out[i] += " "
					if f.After != nil {
						out[i] += *f.After
					}
				}
			}
		}
		return out
	}
	live := replayRollUps(t, s.testServer, parent, seq, len(want))
	if got := describe(live); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the parent's messages:\n got %q\nwant %q", got, want)
	}
	s.stop()
	s2 := startServer(t, dir, hub.Options{})
	replayed := replayRollUps(t, s2, parent, seq, len(want))
	if a, b := mustString(t, live), mustString(t, replayed); a != b {
		t.Errorf("after a restart, the replay differs:\n%s\n%s", a, b)
	}
	if got := describe(replayed); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("replayed after a restart:\n got %q\nwant %q", got, want)
	}
}

func mustString(t *testing.T, v any) string { return string(mustJSON(t, v)) }
