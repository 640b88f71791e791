package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"convene/gateway"
)

// FuzzGraphQLHandler sends arbitrary bodies, queries and variables to the
// whole HTTP handler (authentication, gateway, gqlgen, resolvers) of a
// server holding the demo data: it must never panic, answer 5xx, answer
// JSON that does not parse, or answer an error coded INTERNAL (every
// input here is the client's). The seed corpus in
// testdata/fuzz/FuzzGraphQLHandler and clientInputSeeds (every argument
// position with every kind of value) run with every `go test`; fuzz with
//
//	go test -run '^$' -fuzz FuzzGraphQLHandler -fuzztime 30s .
//
// mode's low two bits pick the request's shape: 0 the body as is, 1 a
// JSON POST of query and variables (spliced in as raw JSON text), 2 a GET
// of them, 3 a JSON POST with the variables as a JSON string, accepting
// application/json; fuzzAsAdmin adds the admin's token, fuzzSSE asks a
// JSON POST for an event stream.
func FuzzGraphQLHandler(f *testing.F) {
	h := fuzzHandler(f)
	f.Add(byte(0), []byte(`{"query":"{ __typename }"}`), "", "")
	for _, s := range clientInputSeeds() {
		f.Add(s.mode, []byte(nil), s.query, s.variables)
	}
	f.Fuzz(func(t *testing.T, mode byte, body []byte, query, variables string) {
		var req *http.Request
		quoted, _ := json.Marshal(query)
		switch mode % 4 {
		case 0:
			req = httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		case 1:
			req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":`+string(quoted)+`,"variables":`+variables+`}`))
			req.Header.Set("Content-Type", "application/json")
		case 2:
			req = httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {query}, "variables": {variables}}.Encode(), nil)
			req.Header.Set("Apollo-Require-Preflight", "true")
		case 3:
			vars, _ := json.Marshal(variables)
			req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":`+string(quoted)+`,"variables":`+string(vars)+`}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
		}
		if mode&fuzzAsAdmin != 0 {
			req.Header.Set("Authorization", "Bearer "+testAdminToken)
		}
		if mode&fuzzSSE != 0 && mode%4 == 1 {
			// A subscription that is accepted streams until it is ended.
			ctx, cancel := context.WithCancel(req.Context())
			defer time.AfterFunc(time.Second, cancel).Stop()
			req = req.WithContext(ctx)
			req.Header.Set("Accept", "text/event-stream")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
		}
		if strings.Contains(rec.Header().Get("Content-Type"), "json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("status %d, invalid JSON: %q", rec.Code, rec.Body.Bytes())
		}
		if bytes.Contains(rec.Body.Bytes(), []byte(`"code":"INTERNAL"`)) {
			t.Fatalf("an error coded INTERNAL for %q with %s: %s", query, variables, rec.Body.Bytes())
		}
	})
}

// fuzzHandler opens an app on the demo data (once per fuzzing process)
// and returns its handler, without rate limiting.
func fuzzHandler(tb testing.TB) http.Handler {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Open(ctx, testConfig(tb.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		a.live.Shutdown()
		a.Close(context.Background())
	})
	cfg := gateway.DefaultConfig()
	cfg.RateLimit = 0
	return a.handlerWith(cfg)
}
