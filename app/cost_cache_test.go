package app

import (
	"testing"

	"convene/hub"
)

// The gateway keeps measured costs; a write that lengthens a plain list
// past its bound must raise the cost of the same query at once.
func TestCostFollowsListSizes(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	query := `{ commitments(first: 10) { nodes { participants { stakeholder { name } } } } }`
	cost := func() int {
		t.Helper()
		r := gwPost(t, s.url, map[string]any{"query": query}, "Authorization", "Bearer "+testAdminToken)
		c, _ := r.resp.Extensions["cost"].(map[string]any)
		n, ok := c["requestedQueryCost"].(float64)
		if r.status != 200 || r.code() != "" || !ok {
			t.Fatalf("%s", r)
		}
		return int(n)
	}
	p := s.app.hub.Model().ListSizes().CommitmentParticipants
	for range 2 {
		if got, want := cost(), 1+10*(1+p*2); got != want {
			t.Fatalf("with at most %d participants: cost %d, want %d", p, got, want)
		}
	}

	var out struct {
		Commitments struct {
			Nodes []struct {
				ID   string
				Lead struct{ ID string }
			}
		}
		Stakeholders struct{ Nodes []struct{ ID string } }
	}
	s.query(`{ commitments(first: 1) { nodes { id lead { id } } } stakeholders(first: 30) { nodes { id } } }`, nil, &out)
	var parts []map[string]any
	for _, st := range out.Stakeholders.Nodes {
		if len(parts) < p+2 && st.ID != out.Commitments.Nodes[0].Lead.ID {
			parts = append(parts, map[string]any{"stakeholderId": st.ID, "role": "SUPPORTING"})
		}
	}
	if len(parts) != p+2 {
		t.Fatalf("only %d stakeholders to take part", len(parts))
	}
	var upd struct {
		UpdateCommitment struct{ UserErrors []struct{ Message string } }
	}
	s.mutate(`mutation($in: UpdateCommitmentInput!) { updateCommitment(input: $in) { userErrors { message } } }`,
		map[string]any{"in": map[string]any{"id": out.Commitments.Nodes[0].ID, "participants": parts}}, &upd)
	if len(upd.UpdateCommitment.UserErrors) > 0 {
		t.Fatalf("%+v", upd.UpdateCommitment.UserErrors)
	}
	grown := s.app.hub.Model().ListSizes().CommitmentParticipants // the lead counts too
	if grown <= p {
		t.Fatalf("the bound is %d after the update, was %d", grown, p)
	}
	if got, want := cost(), 1+10*(1+grown*2); got != want {
		t.Fatalf("with at most %d participants: cost %d, want %d", grown, got, want)
	}
}
