package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"convene/fastpath"
	"convene/hub"
	"convene/playground"
)

// The fast path (package fastpath) must answer exactly as gqlgen does:
// these tests serve one hub through two handlers, one with the fast path
// and one without, and require the same status, media type and bytes for
// every golden query, every playground example, the benchmark's W1 and
// W2, and a few thousand generated queries, as an anonymous caller, an
// editor and an admin, over POST, GET and server-sent events.

// pathPair is one hub behind two handlers.
type pathPair struct {
	t          *testing.T
	s          *testServer
	fast, slow string // base URLs
	fx         *fastpath.Executor
	tokens     []string // "" (anonymous), an editor's, the admin's
}

// startPathPair serves s's hub through both handlers, without the rate
// limit, and without the response cache unless cached, so that every
// request is executed.
func startPathPair(t *testing.T, s *testServer, cached bool) *pathPair {
	t.Helper()
	gc := s.app.gateway
	gc.RateLimit = 0
	if !cached {
		gc.ResponseCacheBytes = 0
	}
	gc.MaxCost = 20000 // W2 costs more than the default maximum
	fastHandler, fx := s.app.handlerFast(gc, true)
	slowHandler, _ := s.app.handlerFast(gc, false)
	fast, slow := httptest.NewServer(fastHandler), httptest.NewServer(slowHandler)
	t.Cleanup(fast.Close)
	t.Cleanup(slow.Close)
	_, editor := issueToken(t, s, "EDITOR", "PfD officer", "pfd", nil)
	return &pathPair{t: t, s: s, fast: fast.URL, slow: slow.URL, fx: fx, tokens: []string{"", editor, testAdminToken}}
}

// answer is a response as it came: what must be identical on both paths.
type answer struct {
	status      int
	contentType string
	body        string
}

func (p *pathPair) send(base, transport, token, query string, vars map[string]any) answer {
	p.t.Helper()
	var req *http.Request
	switch transport {
	case "GET":
		q := url.Values{"query": {query}}
		if vars != nil {
			q.Set("variables", string(mustJSON(p.t, vars)))
		}
		req, _ = http.NewRequest(http.MethodGet, base+"/graphql?"+q.Encode(), nil)
		req.Header.Set("Apollo-Require-Preflight", "true")
	default:
		body := mustJSON(p.t, map[string]any{"query": query, "variables": vars})
		req, _ = http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if transport == "SSE" {
			req.Header.Set("Accept", "text/event-stream")
		}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), body: string(b)}
}

// same runs a query through both paths and fails the test where their
// answers differ; it returns the fast path's answer.
func (p *pathPair) same(name, transport, token, query string, vars map[string]any) answer {
	p.t.Helper()
	fast := p.send(p.fast, transport, token, query, vars)
	slow := p.send(p.slow, transport, token, query, vars)
	if !sameAnswers(fast, slow) {
		p.t.Errorf("%s over %s as %q: the fast path answers\n%d %s %s\nwhere gqlgen answers\n%d %s %s\nquery: %s\nvariables: %s",
			name, transport, tokenName(token), fast.status, fast.contentType, fast.body, slow.status, slow.contentType, slow.body, query, mustJSON(p.t, vars))
	}
	return fast
}

// sameAnswers reports whether two answers are identical, but for the
// order of their errors when there are several: gqlgen resolves fields
// concurrently, and its errors come in the order they happen.
func sameAnswers(a, b answer) bool {
	if a == b {
		return true
	}
	if a.status != b.status || a.contentType != b.contentType {
		return false
	}
	ja, jb := sseData(a.body), sseData(b.body)
	if strings.Replace(a.body, ja, "", 1) != strings.Replace(b.body, jb, "", 1) {
		return false
	}
	ca, okA := errorsSorted(ja)
	cb, okB := errorsSorted(jb)
	return okA && okB && ca == cb
}

// sseData is the JSON of a server-sent event stream's one result, or the
// whole body of another response.
func sseData(body string) string {
	if _, rest, ok := strings.Cut(body, "event: next\ndata: "); ok {
		data, _, _ := strings.Cut(rest, "\n")
		return data
	}
	return body
}

// errorsSorted is a response with two errors or more in a canonical
// form: its errors sorted; false for other responses.
func errorsSorted(body string) (string, bool) {
	var r map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&r) != nil {
		return "", false
	}
	errs, _ := r["errors"].([]any)
	if len(errs) < 2 {
		return "", false
	}
	keys := make([]string, len(errs))
	for i, e := range errs {
		b, _ := json.Marshal(e)
		keys[i] = string(b)
	}
	slices.Sort(keys)
	r["errors"] = keys
	b, _ := json.Marshal(r)
	return string(b), true
}

func tokenName(token string) string {
	switch token {
	case "":
		return "anonymous"
	case testAdminToken:
		return "admin"
	}
	return "editor"
}

// everyone runs a query through both paths as each caller.
func (p *pathPair) everyone(name, query string, vars map[string]any) {
	p.t.Helper()
	for _, token := range p.tokens {
		p.same(name, "POST", token, query, vars)
	}
}

// The W1 and W2 documents of bench/workloads.go.
const (
	fastW1 = `query W1($id: ID!) { commitment(id: $id) { id reference title status progress dueDate lead { id name sector } } }`
	fastW2 = `query W2($sectors: [Sector!], $statuses: [CommitmentStatus!]) {
  commitments(first: 50, filter: {sectors: $sectors, statuses: $statuses}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id reference title status progress dueDate
      lead { id name sector }
      objective { id code title pillar { id code title } }
      participants { role stakeholder { id name sector } }
      progressReports(first: 3) { nodes { progress status note reportedAt } }
    }
  }
}`
)

func TestFastPathAnswersAsGqlgen(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	p := startPathPair(t, s, false)

	t.Run("golden queries", func(t *testing.T) {
		p.t = t
		files, _ := filepath.Glob("testdata/queries/*.graphql")
		if len(files) == 0 {
			t.Fatal("no golden queries")
		}
		for _, f := range files {
			query, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var vars map[string]any
			if raw, err := os.ReadFile(strings.TrimSuffix(f, ".graphql") + ".vars.json"); err == nil {
				if err := json.Unmarshal(raw, &vars); err != nil {
					t.Fatal(err)
				}
			}
			p.everyone(filepath.Base(f), string(query), vars)
		}
	})
	t.Run("playground examples", func(t *testing.T) {
		p.t = t
		examples, err := playground.Examples()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range examples {
			var vars map[string]any
			if e.Variables != "" {
				if err := json.Unmarshal([]byte(e.Variables), &vars); err != nil {
					t.Fatal(err)
				}
			}
			p.everyone(e.Name, e.Query, vars)
		}
	})
	t.Run("W1 and W2", func(t *testing.T) {
		p.t = t
		before := p.fx.Counts().Answered
		var ids struct {
			Commitments struct{ Nodes []struct{ ID string } }
		}
		s.query(`{ commitments(first: 100) { nodes { id } } }`, nil, &ids)
		for _, c := range ids.Commitments.Nodes {
			p.everyone("W1", fastW1, map[string]any{"id": c.ID})
		}
		for _, sector := range hub.AllSectors {
			for _, status := range hub.AllCommitmentStatuses {
				p.everyone("W2", fastW2, map[string]any{"sectors": []string{string(sector)}, "statuses": []string{string(status)}})
			}
		}
		after := p.fx.Counts().Answered
		if want := int64(len(p.tokens) * (len(ids.Commitments.Nodes) + len(hub.AllSectors)*len(hub.AllCommitmentStatuses))); after-before != want {
			t.Errorf("the fast path answered %d of the %d W1 and W2 requests", after-before, want)
		}
	})
	t.Run("with the response cache", func(t *testing.T) {
		c := startPathPair(t, s, true)
		for range 2 { // computed, then kept
			c.everyone("W1", fastW1, map[string]any{"id": gid(hub.TypeCommitment, "C-2.1-001")})
			c.everyone("W2", fastW2, map[string]any{"sectors": []string{"CIVIL_SOCIETY"}})
		}
		// Anonymous repeats come from the cache; callers with a token are
		// answered every time.
		if n, want := c.fx.Counts().Answered, int64(2+2*2*(len(c.tokens)-1)); n != want {
			t.Errorf("the fast path answered %d requests, want %d", n, want)
		}
	})
	t.Run("generated queries", func(t *testing.T) {
		p.t = t
		g := newQueryGen(t, s, 1)
		n := 3000
		if testing.Short() {
			n = 300
		}
		c0 := p.fx.Counts()
		transports := []string{"POST", "POST", "POST", "GET", "SSE"}
		for i := range n {
			q, vars := g.query()
			before := p.fx.Counts().Abandoned
			a := p.same(fmt.Sprintf("generated query %d", i), transports[i%len(transports)], p.tokens[i%len(p.tokens)], q, vars)
			if p.fx.Counts().Abandoned > before && !strings.Contains(a.body, `"errors":`) {
				t.Errorf("a plan gave generated query %d back to gqlgen, which answered it without an error: %s\nvariables: %s", i, q, mustJSON(t, vars))
			}
			if t.Failed() {
				break
			}
		}
		c1 := p.fx.Counts()
		answered, refused, abandoned := c1.Answered-c0.Answered, c1.Refused-c0.Refused, c1.Abandoned-c0.Abandoned
		t.Logf("%d generated queries: %d answered by the fast path; to gqlgen, %d refused by the compiler and %d abandoned by a plan",
			n, answered, refused, abandoned)
		if answered < int64(n)*2/3 {
			t.Errorf("the fast path answered only %d of %d generated queries", answered, n)
		}
		if refused == 0 || abandoned == 0 {
			t.Error("no generated query went to gqlgen both ways: the generator misses the fallback")
		}
	})
}
