package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"convene/hub"
)

// The planned reads reuse their buffers (the request body, the answer)
// once a response is written. TestPlannedReadsKeepTheirAnswers runs them
// from many clients at once, over POST and GET, with a token and without
// (whose answers the response cache keeps), W1 for several commitments
// and W3, and requires every answer to be, byte for byte, the one the
// same request got alone; run it with -race too.
func TestPlannedReadsKeepTheirAnswers(t *testing.T) {
	s := startServerConfig(t, testConfig(t.TempDir(), "--rate-limit", "0"), hub.Options{})
	var page struct {
		Commitments struct {
			Nodes []struct{ ID string }
		}
	}
	s.query(`{ commitments(first: 12) { nodes { id } } }`, nil, &page)
	if len(page.Commitments.Nodes) < 12 {
		t.Fatalf("%d commitments", len(page.Commitments.Nodes))
	}
	const w3 = `query W3 { commitmentStats { total averageProgress overdue byStatus { status count } bySector { sector count averageProgress } byPillar { pillar { id code title } count averageProgress } } }`
	type call struct {
		get   bool
		token string
		query string
		vars  map[string]any
	}
	var calls []call
	for _, get := range []bool{false, true} {
		for _, token := range []string{"", testAdminToken} {
			calls = append(calls, call{get, token, w3, nil})
			for _, c := range page.Commitments.Nodes {
				calls = append(calls, call{get, token, fastW1, map[string]any{"id": c.ID}})
			}
		}
	}
	send := func(c call) ([]byte, error) {
		var req *http.Request
		if c.get {
			q := url.Values{"query": {c.query}}
			if c.vars != nil {
				vars, _ := json.Marshal(c.vars)
				q.Set("variables", string(vars))
			}
			req, _ = http.NewRequest(http.MethodGet, s.url+"/graphql?"+q.Encode(), nil)
			req.Header.Set("Apollo-Require-Preflight", "true")
		} else {
			body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
			req, _ = http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		if err == nil && (res.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`))) {
			err = fmt.Errorf("status %d: %s", res.StatusCode, raw)
		}
		return raw, err
	}
	want := make([][]byte, len(calls))
	for i, c := range calls {
		for range 2 { // the first through gqlgen, the second planned
			raw, err := send(c)
			if err != nil {
				t.Fatal(err)
			}
			if want[i] != nil && !bytes.Equal(raw, want[i]) {
				t.Fatalf("call %d planned %s, through gqlgen %s", i, raw, want[i])
			}
			want[i] = raw
		}
	}
	const clients, rounds = 8, 3
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for k := range clients {
		wg.Go(func() {
			for n := range rounds * len(calls) {
				i := (n*7 + k*13) % len(calls)
				raw, err := send(calls[i])
				if err == nil && !bytes.Equal(raw, want[i]) {
					err = fmt.Errorf("call %d answered %s, want %s", i, raw, want[i])
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
