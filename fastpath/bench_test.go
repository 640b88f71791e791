package fastpath_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"convene/auth"
	"convene/fastpath"
	"convene/gateway"
	"convene/graph"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers"
	"convene/seed"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
)

// Micro-benchmarks of the hot reads, in process, through gqlgen's handler
// with the gateway's transports and extensions (no response cache), as an
// admin: the benchmark harness's W1, W2 and W3 documents, answered by gqlgen
// alone and with the fast path in front. The hub holds the demo data and
// 2,000 more commitments with three progress reports each, in memory.

const (
	benchW1 = `query W1($id: ID!) { commitment(id: $id) { id reference title status progress dueDate lead { id name sector } } }`
	benchW2 = `query W2($sectors: [Sector!], $statuses: [CommitmentStatus!]) {
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
	benchW3 = `query W3 { commitmentStats { total averageProgress overdue byStatus { status count } bySector { sector count averageProgress } byPillar { pillar { id code title } count averageProgress } } }`
)

var bench struct {
	once sync.Once
	hub  *hub.Hub
	err  error
}

// benchHub is the benchmarks' hub, made once.
func benchHub(b *testing.B) *hub.Hub {
	b.Helper()
	bench.once.Do(func() { bench.hub, bench.err = openBenchHub(context.Background()) })
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.hub
}

func openBenchHub(ctx context.Context) (*hub.Hub, error) {
	quiet := slog.New(slog.DiscardHandler)
	h, err := hub.OpenInMemory(ctx, hub.Options{Logger: quiet, SnapshotInterval: -1, PollInterval: time.Hour})
	if err != nil {
		return nil, err
	}
	if err := seed.Load(ctx, h); err != nil {
		return nil, err
	}
	m := h.Model()
	var objectives []string
	for _, p := range m.Plans() {
		for _, pl := range m.PillarsOf(p.ID) {
			for _, o := range m.ObjectivesOf(pl.ID) {
				objectives = append(objectives, o.ID)
			}
		}
	}
	var stakeholders []string
	for _, s := range m.Stakeholders(hub.StakeholderFilter{}) {
		stakeholders = append(stakeholders, s.ID)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2014, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 2000 {
		lead := stakeholders[rng.IntN(len(stakeholders))]
		var parts []hub.Participant
		for _, s := range []string{stakeholders[rng.IntN(len(stakeholders))], stakeholders[rng.IntN(len(stakeholders))]} {
			if s != lead && (len(parts) == 0 || parts[0].StakeholderID != s) {
				parts = append(parts, hub.Participant{StakeholderID: s, Role: hub.RoleImplementing})
			}
		}
		c, err := h.CreateCommitment(ctx, hub.SystemActor, hub.CreateCommitmentInput{
			ObjectiveID: objectives[rng.IntN(len(objectives))], LeadID: lead, Participants: parts,
			Title: fmt.Sprintf("Benchmark commitment %d", i), Description: "Work \"quoted\" and\nspread over lines",
			StartDate: "2014-01-01", DueDate: hub.Date(fmt.Sprintf("201%d-%02d-15", 4+rng.IntN(3), 1+rng.IntN(12))), At: at,
		})
		if err != nil {
			return nil, err
		}
		for r := range 3 {
			status := []hub.CommitmentStatus{hub.OnTrack, hub.AtRisk, hub.Delayed}[rng.IntN(3)]
			if r == 2 && rng.IntN(5) == 0 {
				status = hub.Cancelled
			}
			if _, _, err := h.ReportProgress(ctx, hub.SystemActor, hub.ReportProgressInput{CommitmentID: c.ID,
				Progress: 10 * (r + 1), Status: &status, Note: "Report " + fmt.Sprint(r), At: at.Add(time.Duration(r+1) * time.Hour)}); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

// benchHandler is the GraphQL handler over h, with the fast path or without.
func benchHandler(h *hub.Hub, fast bool) (http.Handler, *fastpath.Executor) {
	cfg := gateway.DefaultConfig()
	cfg.ResponseCacheBytes, cfg.RateLimit, cfg.MaxCost = 0, 0, 0
	rc := resolvers.NewExecutableSchema(h, slog.New(slog.DiscardHandler))
	var es graphql.ExecutableSchema = graph.NewExecutableSchema(rc)
	var fx *fastpath.Executor
	if fast {
		fx = fastpath.New(es, rc.Resolvers)
		es = fx
	}
	gw := gateway.New(cfg, gateway.Deps{Logger: slog.New(slog.DiscardHandler)})
	srv := handler.New(es)
	srv.AddTransport(gateway.POST{})
	gw.Extend(srv)
	srv.SetErrorPresenter(resolvers.PresentError(slog.New(slog.DiscardHandler)))
	admin := hub.Viewer{Role: hub.RoleAdmin, TokenID: "bench", TokenLabel: "bench"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(auth.WithViewer(r.Context(), admin)))
	}), fx
}

func benchBodies(b *testing.B, h *hub.Hub) map[string][][]byte {
	b.Helper()
	body := func(query string, vars map[string]any) []byte {
		raw, err := json.Marshal(map[string]any{"query": query, "variables": vars})
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	out := map[string][][]byte{}
	for i, c := range h.Model().Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, h.Today()) {
		if i%20 == 0 {
			out["W1"] = append(out["W1"], body(benchW1, map[string]any{"id": opaque.GlobalID(hub.TypeCommitment, c.ID)}))
		}
	}
	for _, s := range hub.AllSectors {
		for _, st := range hub.AllCommitmentStatuses {
			out["W2"] = append(out["W2"], body(benchW2, map[string]any{"sectors": []string{string(s)}, "statuses": []string{string(st)}}))
		}
	}
	out["W3"] = [][]byte{body(benchW3, nil)}
	return out
}

func serve(h http.Handler, body []byte) []byte {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.Bytes()
}

// BenchmarkHotReads is W1, W2 and W3 through gqlgen and through the fast
// path.
func BenchmarkHotReads(b *testing.B) {
	h := benchHub(b)
	bodies := benchBodies(b, h)
	slow, _ := benchHandler(h, false)
	fast, fx := benchHandler(h, true)
	for _, w := range []string{"W1", "W2", "W3"} {
		for _, body := range bodies[w] {
			if got, want := serve(fast, body), serve(slow, body); !bytes.Equal(got, want) || bytes.Contains(got, []byte(`"errors"`)) {
				b.Fatalf("%s: the fast path answers %s\nwhere gqlgen answers %s", w, got, want)
			}
		}
		for _, path := range []struct {
			name string
			h    http.Handler
		}{{"gqlgen", slow}, {"fastpath", fast}} {
			b.Run(w+"/"+path.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					serve(path.h, bodies[w][i%len(bodies[w])])
					i++
				}
			})
		}
	}
	if c := fx.Counts(); c.Refused+c.Abandoned > 0 {
		b.Fatalf("the fast path gave operations to gqlgen: %+v", c)
	}
}
