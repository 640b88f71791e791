package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/hub"
	"convene/internal/pgtest"
	"convene/opaque"
)

// The tests in this package run the real server: an embedded FerretDB in a
// temporary directory, the hub, and the HTTP handler on a loopback port.

// TestMain removes, at the end, the server binary the tests built and the
// PostgreSQL cluster they started.
func TestMain(m *testing.M) {
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() == "" {
		hub.CheckArenaWrites() // not in benchmarks, which measure the server as it runs
	}
	pgtest.Main(m, func() {
		if binary.dir != "" {
			os.RemoveAll(binary.dir)
		}
	})
}

// repoPath is a path in the repository (go test runs in app/).
func repoPath(elem ...string) string { return filepath.Join(append([]string{".."}, elem...)...) }

const testAdminToken = "test-admin-token"

type testServer struct {
	t   *testing.T
	dir string
	cfg Config // as started, on the test's backend
	app *App
	url string
	srv *httptest.Server
}

// startServer opens the hub on dir (seeding demo data when empty) and
// serves it; it stops with the test.
func startServer(t *testing.T, dir string, opts hub.Options) *testServer {
	t.Helper()
	return startServerConfig(t, testConfig(dir), opts)
}

// testConfig is the configuration of test servers: the embedded database
// on a free port under dir, the test admin token, the demo data, and the
// serve flags given.
func testConfig(dir string, flags ...string) Config {
	args := append([]string{"--data-dir", dir, "--embedded-addr", "127.0.0.1:0", "--admin-token", testAdminToken}, flags...)
	cfg, err := ParseConfig(args, func(string) string { return "" })
	if err != nil {
		panic(err)
	}
	return cfg
}

func startServerConfig(t *testing.T, cfg Config, opts hub.Options) *testServer {
	t.Helper()
	return startServerWith(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
}

// startServerLogger starts a server whose logs go to logger.
func startServerLogger(t *testing.T, cfg Config, logger *slog.Logger) *testServer {
	t.Helper()
	return startServerWith(t, cfg, logger, hub.Options{})
}

func startServerWith(t *testing.T, cfg Config, logger *slog.Logger, opts hub.Options) *testServer {
	t.Helper()
	dir := cfg.dataDir
	cfg = onTestBackend(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Open(ctx, cfg, logger, Options{Hub: opts})
	if err != nil {
		t.Fatal(err)
	}
	seedOnMongoDB(t, a, cfg)
	srv := httptestServer(a)
	s := &testServer{t: t, dir: dir, cfg: cfg, app: a, url: srv.URL, srv: srv}
	t.Cleanup(s.stop)
	return s
}

func httptestServer(a *App) *httptest.Server { return httptest.NewServer(a.Handler()) }

// stop shuts the server down cleanly, flushing snapshots; safe to repeat.
func (s *testServer) stop() {
	if s.srv == nil {
		return
	}
	s.app.live.Shutdown()
	s.srv.Close()
	s.app.Close(context.Background())
	s.srv = nil
}

// response is a GraphQL response.
type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	status int
	body   string // the response as it came
}

// do posts a GraphQL request, as the admin when admin is true.
func (s *testServer) do(admin bool, query string, vars map[string]any) response {
	s.t.Helper()
	if admin {
		return s.as(testAdminToken, query, vars)
	}
	return s.as("", query, vars)
}

// as runs an operation with a bearer token ("" for anonymous).
func (s *testServer) as(token, query string, vars map[string]any) response {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var out response
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		s.t.Fatalf("status %d, body %s: %v", res.StatusCode, raw, err)
	}
	out.status, out.body = res.StatusCode, string(raw)
	return out
}

// query runs a query that must succeed and decodes its data into out.
func (s *testServer) query(query string, vars map[string]any, out any) {
	s.t.Helper()
	s.mustDecode(s.do(false, query, vars), out)
}

// mutate runs a mutation as the admin that must not fail with a GraphQL
// error and decodes its data into out.
func (s *testServer) mutate(query string, vars map[string]any, out any) {
	s.t.Helper()
	s.mustDecode(s.do(true, query, vars), out)
}

func (s *testServer) mustDecode(r response, out any) {
	s.t.Helper()
	if len(r.Errors) > 0 {
		s.t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			s.t.Fatalf("decoding %s: %v", r.Data, err)
		}
	}
}

// code returns the extensions.code of the first error, or "".
func (r response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// gid is the global ID of an entity.
func gid(t hub.EntityType, id string) string { return opaque.GlobalID(t, id) }

// compact removes insignificant white space from JSON text for comparison.
func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return strings.TrimSpace(buf.String())
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
