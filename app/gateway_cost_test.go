package app

import (
	"strconv"
	"strings"
	"testing"

	"convene/gateway"
)

// Cost, depth, alias and token limits refuse expensive documents before
// anything runs: COST_LIMIT (or a parse error for tokens), no data, 400
// with graphql-response+json, and the event log unchanged for mutations.

func gatewayCostLimits(t *testing.T, s *testServer) {
	max := gateway.DefaultConfig()

	// Within the limits: the cost is reported.
	r := gwPost(t, s.url, map[string]any{"query": "{ commitments(first: 5) { totalCount nodes { reference lead { name } } } }"})
	cost, _ := r.resp.Extensions["cost"].(map[string]any)
	if r.status != 200 || r.code() != "" || cost["requestedQueryCost"] != float64(1+5*2) {
		t.Fatalf("a cheap query: %s", r)
	}

	refused := func(name string, r gwReply, limit string) {
		t.Helper()
		if r.status != 400 || r.code() != gateway.CodeCostLimit || r.hasData() {
			t.Fatalf("%s: %s", name, r)
		}
		if got := r.resp.Errors[0].Extensions["limit"]; got != limit {
			t.Fatalf("%s: limit %v, want %s: %s", name, got, limit, r)
		}
		if _, ok := r.resp.Extensions["cost"]; !ok {
			t.Fatalf("%s: no extensions.cost: %s", name, r)
		}
	}

	// Deep: a chain of parents, nested past the maximum depth.
	deep := "{ stakeholders(first: 1) { nodes { " + strings.Repeat("parent { ", max.MaxDepth) + "name" + strings.Repeat(" }", max.MaxDepth) + " } } }"
	refused("a deeply nested query", gwPost(t, s.url, map[string]any{"query": deep}), "depth")

	// Wide: nested connections whose pages multiply.
	wide := `{ commitments(first: 100) { nodes { participants { stakeholder {
		commitments(first: 100) { nodes { title lead { name } } } } } } } }`
	r = gwPost(t, s.url, map[string]any{"query": wide})
	refused("a wide query", r, "cost")
	participants := s.app.hub.Model().ListSizes().CommitmentParticipants // 7 in the demo data: the README's example
	if got, want := r.resp.Errors[0].Extensions["actual"], float64(1+100*(1+participants*(1+1+(1+100*2)))); got != want {
		t.Fatalf("the wide query costs %v, want %v", got, want)
	}
	if !strings.Contains(r.resp.Errors[0].Message, "more than the maximum") {
		t.Fatalf("unclear message: %s", r.resp.Errors[0].Message)
	}

	// A mutation over the limit changes nothing.
	var c struct {
		Commitments struct{ Nodes []struct{ ID string } }
	}
	s.query(`{ commitments(first: 1) { nodes { id } } }`, nil, &c)
	seq := s.app.hub.Model().Seq()
	mutation := `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { commitment {
		lead { commitments(first: 100) { nodes { participants { stakeholder { commitments(first: 100) { nodes { title } } } } } } } } } }`
	r = gwPost(t, s.url, map[string]any{"query": mutation, "variables": map[string]any{"in": map[string]any{
		"commitmentId": c.Commitments.Nodes[0].ID, "progress": 99, "note": "never recorded"}}},
		"Authorization", "Bearer "+testAdminToken)
	refused("an expensive mutation", r, "cost")
	if got := s.app.hub.Model().Seq(); got != seq {
		t.Fatalf("the refused mutation appended events: seq %d → %d", seq, got)
	}

	// Aliases: one field asked for many times.
	var b strings.Builder
	b.WriteString("{ ")
	for i := range max.MaxAliases + 1 {
		b.WriteString("a" + strconv.Itoa(i) + ": commitmentStats { total } ")
	}
	b.WriteString("}")
	refused("an alias bomb", gwPost(t, s.url, map[string]any{"query": b.String()}), "aliases")

	// Tokens: refused while parsing.
	huge := "{ " + strings.Repeat("__typename ", max.MaxTokens) + "}"
	r = gwPost(t, s.url, map[string]any{"query": huge})
	if r.status != 400 || r.code() != "GRAPHQL_PARSE_FAILED" || !strings.Contains(r.resp.Errors[0].Message, "token limit") {
		t.Fatalf("a document over the token limit: %s", r)
	}

	// Limits are configurable.
	strict := s.serveGateway(t, func(c *gateway.Config) { c.MaxCost, c.MaxDepth = 5, 3 })
	r = gwPost(t, strict, map[string]any{"query": "{ commitments(first: 5) { nodes { reference } } }"})
	if cost, _ := r.resp.Extensions["cost"].(map[string]any); r.code() != gateway.CodeCostLimit || cost["maximum"] != float64(5) {
		t.Fatalf("cost 6 over a maximum of 5: %s", r)
	}
	refused("depth 4 over a maximum of 3", gwPost(t, strict, map[string]any{"query": "{ commitment(id: \"x\") { lead { parent { name } } } }"}), "depth")
}
