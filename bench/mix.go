package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"convene/auth"
	"convene/fastpath"
	"convene/gateway"
	"convene/graph"
	"convene/hub"
	"convene/resolvers"
	"convene/seed"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
)

// The analyst's mix: the playground's example queries and the golden queries of
// app/testdata/queries, each with its own variables and with every global
// ID in them swapped for IDs of the same type from the dataset, sent with
// the admin token (executed, never cached).

const mixName = "A"

const mixTitle = "analyst's mix (playground examples, golden queries)"

// mixVariants is how many variants of each query the mix sends.
const mixVariants = 8

// mixFile is one query file of the mix.
type mixFile struct {
	name  string // its directory's and its own name, without .graphql
	query string
	vars  map[string]any // as written beside it (the demo data's IDs)
}

// mixFiles reads the reads among the repository's query files.
func mixFiles(root string) ([]mixFile, error) {
	var files []string
	for _, dir := range []string{filepath.Join(root, "playground", "examples"), filepath.Join(root, "app", "testdata", "queries")} {
		fs, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	sort.Strings(files)
	var out []mixFile
	for _, f := range files {
		q, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !isQuery(string(q)) {
			continue // reads only
		}
		vars := map[string]any{}
		if b, err := os.ReadFile(strings.TrimSuffix(f, ".graphql") + ".vars.json"); err == nil {
			if err := json.Unmarshal(b, &vars); err != nil {
				return nil, err
			}
		}
		name := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".graphql")
		out = append(out, mixFile{name: name, query: string(q), vars: vars})
	}
	return out, nil
}

// mixWorkload builds the mix from the repository's query files: every
// query once, then every query's next variant, so that a workload taking
// its requests in turn never sends one costly query several times in a
// row.
func mixWorkload(root string, ex *export) (*workload, error) {
	files, err := mixFiles(root)
	if err != nil {
		return nil, err
	}
	pool := map[string][]string{} // global IDs of the dataset by type
	for id := range ex.Stakeholders {
		pool["Stakeholder"] = append(pool["Stakeholder"], id)
	}
	for _, p := range ex.Pillars {
		pool["Pillar"] = append(pool["Pillar"], p.ID)
	}
	for id := range ex.Objectives {
		pool["Objective"] = append(pool["Objective"], id)
	}
	for _, c := range ex.Commitments {
		pool["Commitment"] = append(pool["Commitment"], c.ID)
	}
	pool["Meeting"] = ex.Meetings
	for _, ids := range pool {
		sort.Strings(ids)
	}
	wl := &workload{name: mixName, title: mixTitle}
	for v := range mixVariants {
		for _, f := range files {
			wl.gql = append(wl.gql, gqlBody(f.query, swapIDs(f.vars, pool, v).(map[string]any)))
			wl.labels = append(wl.labels, f.name)
		}
	}
	return wl, nil
}

// swapIDs returns x with each global ID of a type in pool replaced by the
// type's ID at a position that moves with variant.
func swapIDs(x any, pool map[string][]string, variant int) any {
	switch v := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = swapIDs(e, pool, variant)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = swapIDs(e, pool, variant+i)
		}
		return out
	case string:
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			return v
		}
		typ, _, ok := strings.Cut(string(b), ":")
		if ids := pool[typ]; ok && len(ids) > 0 {
			return ids[(variant*7919)%len(ids)]
		}
	}
	return x
}

// isQuery reports whether a document's first operation is a query.
func isQuery(doc string) bool {
	for _, l := range strings.Split(doc, "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		return !strings.HasPrefix(l, "subscription") && !strings.HasPrefix(l, "mutation")
	}
	return false
}

// mixQuery is one query of the mix measured: alone (each variant in turn
// on one connection, nothing else running) and at half the mix's peak.
type mixQuery struct {
	name  string
	path  string          // the executor that answered it: the fast path's plan or gqlgen
	alone []time.Duration // sorted
	fixed []time.Duration // sorted
	over  int             // its requests slower than the phase's p99
}

// mixByQuery splits the mix's fixed-rate phase by query, and times each
// request alone, rounds times, on one connection.
func mixByQuery(root string, wl *workload, rs *reqSet, fixed loadResult, rounds int) []*mixQuery {
	paths := mixPaths(root)
	p99 := fixed.pct(99)
	byName := map[string]*mixQuery{}
	var out []*mixQuery
	cl := client{addr: rs.addr}
	defer cl.close()
	for k, name := range wl.labels {
		q := byName[name]
		if q == nil {
			q = &mixQuery{name: name, path: paths[name]}
			byName[name] = q
			out = append(out, q)
		}
		if k < len(fixed.ByReq) {
			q.fixed = append(q.fixed, fixed.ByReq[k]...)
		}
		for range rounds {
			t := time.Now()
			if _, _, err := cl.do(rs.reqs[k], false); err == nil {
				q.alone = append(q.alone, time.Since(t))
			}
		}
	}
	for _, q := range out {
		slices.Sort(q.alone)
		slices.Sort(q.fixed)
		for _, d := range q.fixed {
			if d > p99 {
				q.over++
			}
		}
	}
	return out
}

// mixPaths names, for each query of the mix, the executor that answers it
// with its own variables on the demo data in this process (as
// BenchmarkMix in fastpath does): "plan" when the fast path's plan
// answered, "gqlgen" when it refused the operation or gave it back.
func mixPaths(root string) map[string]string {
	out := map[string]string{}
	files, err := mixFiles(root)
	if err != nil {
		return out
	}
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	h, err := hub.OpenInMemory(ctx, hub.Options{Logger: quiet, SnapshotInterval: -1, PollInterval: time.Hour})
	if err != nil {
		return out
	}
	defer h.Close(ctx)
	if err := seed.Load(ctx, h); err != nil {
		return out
	}
	rc := resolvers.NewExecutableSchema(h, quiet)
	fx := fastpath.New(graph.NewExecutableSchema(rc), rc.Resolvers)
	gc := gateway.DefaultConfig()
	gc.ResponseCacheBytes, gc.RateLimit = 0, 0
	srv := handler.New(graphql.ExecutableSchema(fx))
	srv.AddTransport(gateway.POST{})
	gateway.New(gc, gateway.Deps{Logger: quiet}).Extend(srv)
	srv.SetErrorPresenter(resolvers.PresentError(quiet))
	admin := hub.Viewer{Role: hub.RoleAdmin, TokenID: "bench", TokenLabel: "bench"}
	for _, f := range files {
		before := fx.Counts().Answered
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(gqlBody(f.query, f.vars)))
		req.Header.Set("Content-Type", "application/json")
		srv.ServeHTTP(httptest.NewRecorder(), req.WithContext(auth.WithViewer(req.Context(), admin)))
		out[f.name] = "gqlgen"
		if fx.Counts().Answered > before {
			out[f.name] = "plan"
		}
	}
	return out
}

// renderMix writes the mix's table by query, slowest p99 first.
func (r *results) renderMix(p func(string, ...any)) {
	if len(r.mix) == 0 {
		return
	}
	qs := slices.Clone(r.mix)
	sort.SliceStable(qs, func(i, j int) bool { return percentile(qs[i].fixed, 99) > percentile(qs[j].fixed, 99) })
	p("\nThe analyst's mix by query (%d variants each, sent in turn with the other queries): each request alone on one\n", mixVariants)
	p("connection, three times, then its requests in the uncached fixed-rate phase; \"over p99\": its requests slower than\n")
	p("the phase's p99; \"path\": what answered it with its own variables on the demo data (the fast path's plan, or gqlgen):\n\n")
	p("| query | path | alone: p50 | max | at half peak: p50 | p99 | max | over p99 |\n|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, q := range qs {
		p("| %s | %s | %s | %s | %s | %s | %s | %d of %d |\n", q.name, q.path, fmtDur(percentile(q.alone, 50)), fmtDur(percentile(q.alone, 100)),
			fmtDur(percentile(q.fixed, 50)), fmtDur(percentile(q.fixed, 99)), fmtDur(percentile(q.fixed, 100)), q.over, len(q.fixed))
	}
}
