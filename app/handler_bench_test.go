package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"convene/gateway"
	"convene/hub"
)

// BenchmarkUncachedW1 is the benchmark harness's uncached W1 (a commitment
// by id with its lead, POST /graphql with the admin token, so every
// request executes) through the binary's whole handler, on the embedded
// database with the demo data, beside a baseline doing what bench's B1
// does (net/http and encoding/json writing the same data), so that their
// ratio comes from one run. The "-W3" pair is uncached W3 (commitmentStats)
// beside a baseline writing the same answer, kept from Convene's first:
// the cost of the shell that W3 shares with W1 besides its roll-up. "handler" calls ServeHTTP directly; "loopback"
// sends the requests over one keep-alive connection to a loopback server,
// so net/http's own work is counted too. The server logs as the binary
// does (text, level info), to io.Discard, and collects garbage as it
// does; the measuring starts once the work left from opening is done. Besides the time, each reports
// the process's CPU time a request (cpu-ns/op: every thread, the
// collector's included, and over loopback the client's too), which a
// busy machine disturbs less than the time.
func BenchmarkUncachedW1(b *testing.B) {
	ctx := context.Background()
	logger := slog.New(gateway.NewTextHandler(io.Discard))
	a, err := Open(ctx, testConfig(b.TempDir(), "--rate-limit", "0"), logger, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(ctx)
	convene := a.Handler()

	const query = `query W1($id: ID!) { commitment(id: $id) { id reference title status progress dueDate lead { id name sector } } }`
	type w1 struct {
		Data struct {
			Commitment *struct {
				ID        string `json:"id"`
				Reference string `json:"reference"`
				Title     string `json:"title"`
				Status    string `json:"status"`
				Progress  int    `json:"progress"`
				DueDate   string `json:"dueDate"`
				Lead      *struct {
					ID     string `json:"id"`
					Name   string `json:"name"`
					Sector string `json:"sector"`
				} `json:"lead"`
			} `json:"commitment"`
		} `json:"data"`
	}
	var gql, rest []*http.Request
	var gqlRaw, restRaw [][]byte
	byID := map[string]*w1{} // the baseline's data, as bench's B1 loads it from an export
	for i, c := range a.hub.Model().Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, a.hub.Today()) {
		if i%3 != 0 {
			continue
		}
		id := gid(hub.TypeCommitment, c.ID)
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"id": id}})
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testAdminToken)
		rec := httptest.NewRecorder()
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		convene.ServeHTTP(rec, req)
		var out w1
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK || out.Data.Commitment == nil ||
			bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
			b.Fatalf("W1 answered %d %s", rec.Code, rec.Body)
		}
		byID[c.ID] = &out
		gql = append(gql, postRequest("/graphql", body, "Authorization", "Bearer "+testAdminToken))
		rest = append(rest, httptest.NewRequest(http.MethodGet, "/rest/commitments/"+c.ID, nil))
		gqlRaw = append(gqlRaw, rawRequest(http.MethodPost, "/graphql", body, "Authorization", "Bearer "+testAdminToken))
		restRaw = append(restRaw, rawRequest(http.MethodGet, "/rest/commitments/"+c.ID, nil))
	}
	const queryW3 = `query W3 { commitmentStats { total averageProgress overdue byStatus { status count } bySector { sector count averageProgress } byPillar { pillar { id code title } count averageProgress } } }`
	type w3 struct {
		Data struct {
			Stats struct {
				Total           int     `json:"total"`
				AverageProgress float64 `json:"averageProgress"`
				Overdue         int     `json:"overdue"`
				ByStatus        []struct {
					Status string `json:"status"`
					Count  int    `json:"count"`
				} `json:"byStatus"`
				BySector []struct {
					Sector          string  `json:"sector"`
					Count           int     `json:"count"`
					AverageProgress float64 `json:"averageProgress"`
				} `json:"bySector"`
				ByPillar []struct {
					Pillar *struct {
						ID    string `json:"id"`
						Code  string `json:"code"`
						Title string `json:"title"`
					} `json:"pillar"`
					Count           int     `json:"count"`
					AverageProgress float64 `json:"averageProgress"`
				} `json:"byPillar"`
			} `json:"commitmentStats"`
		} `json:"data"`
	}
	bodyW3, _ := json.Marshal(map[string]any{"query": queryW3})
	stats := &w3{}
	{
		req := postRequest("/graphql", bodyW3, "Authorization", "Bearer "+testAdminToken)
		req.Body.(*rewindBody).Reset()
		rec := httptest.NewRecorder()
		convene.ServeHTTP(rec, req)
		if err := json.Unmarshal(rec.Body.Bytes(), stats); err != nil || rec.Code != http.StatusOK || stats.Data.Stats.Total == 0 ||
			bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
			b.Fatalf("W3 answered %d %s", rec.Code, rec.Body)
		}
	}
	gqlW3 := []*http.Request{postRequest("/graphql", bodyW3, "Authorization", "Bearer "+testAdminToken)}
	restW3 := []*http.Request{httptest.NewRequest(http.MethodGet, "/rest/commitment-stats", nil)}
	gqlW3Raw := [][]byte{rawRequest(http.MethodPost, "/graphql", bodyW3, "Authorization", "Bearer "+testAdminToken)}
	restW3Raw := [][]byte{rawRequest(http.MethodGet, "/rest/commitment-stats", nil)}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/commitment-stats", func(w http.ResponseWriter, r *http.Request) {
		raw, err := json.Marshal(stats)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
	})
	mux.HandleFunc("GET /rest/commitments/{id}", func(w http.ResponseWriter, r *http.Request) {
		out := byID[r.PathValue("id")]
		if out == nil {
			out = &w1{}
		}
		raw, err := json.Marshal(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
	})
	baseline := http.Handler(mux)
	settle()

	for _, h := range []struct {
		name string
		h    http.Handler
		reqs []*http.Request
		raw  [][]byte
	}{{"convene", convene, gql, gqlRaw}, {"B1", baseline, rest, restRaw},
		{"convene-W3", convene, gqlW3, gqlW3Raw}, {"B1-W3", baseline, restW3, restW3Raw}} {
		b.Run("handler/"+h.name, func(b *testing.B) {
			b.ReportAllocs()
			w := &discardWriter{header: http.Header{}}
			i := 0
			cpu := processCPU()
			for b.Loop() {
				req := h.reqs[i%len(h.reqs)]
				if body, ok := req.Body.(*rewindBody); ok {
					body.Reset()
				}
				clear(w.header)
				w.status = 0
				h.h.ServeHTTP(w, req)
				if w.status != 0 && w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
				i++
			}
			reportCPU(b, cpu, i)
		})
		b.Run("loopback/"+h.name, func(b *testing.B) {
			srv := httptest.NewServer(h.h)
			defer srv.Close()
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			var body []byte
			b.ReportAllocs()
			i := 0
			cpu := processCPU()
			for b.Loop() {
				if _, err := c.Write(h.raw[i%len(h.raw)]); err != nil {
					b.Fatal(err)
				}
				if body, err = readResponse(br, body); err != nil {
					b.Fatal(err)
				}
				i++
			}
			reportCPU(b, cpu, i)
		})
	}
}

// settle waits, for at most 30 s, until the process is idle (a fifth of a
// second using less than a fiftieth of one CPU), so that the work left
// from opening (the stored checkpoints, the referral release built in the
// background) is not measured as the requests'.
func settle() {
	const span = 200 * time.Millisecond
	for range 150 {
		start := processCPU()
		time.Sleep(span)
		if start < 0 || processCPU()-start < int64(span/50) {
			return
		}
	}
}

// reportCPU reports the process's CPU time since start over n requests.
func reportCPU(b *testing.B, start int64, n int) {
	if now := processCPU(); start >= 0 && now >= 0 && n > 0 {
		b.ReportMetric(float64(now-start)/float64(n), "cpu-ns/op")
	}
}

// postRequest is a JSON POST whose body can be read again (Reset).
func postRequest(path string, body []byte, headers ...string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, nil)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	req.Body = &rewindBody{data: body}
	req.ContentLength = int64(len(body))
	return req
}

// rewindBody is a request body that Reset rewinds.
type rewindBody struct {
	bytes.Reader
	data []byte
}

func (b *rewindBody) Reset()       { b.Reader.Reset(b.data) }
func (b *rewindBody) Close() error { return nil }

// discardWriter is a ResponseWriter that keeps nothing but the status.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

// rawRequest is an HTTP/1.1 request's bytes.
func rawRequest(method, path string, body []byte, headers ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path)
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", headers[i], headers[i+1])
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// readResponse reads one response with a Content-Length and status 200
// into buf, allocating only to grow it.
func readResponse(br *bufio.Reader, buf []byte) ([]byte, error) {
	n := -1
	for first := true; ; first = false {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return buf, err
		}
		if first && !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
			return buf, fmt.Errorf("response %q", line)
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return buf, err
			}
		}
	}
	if n < 0 {
		return buf, fmt.Errorf("no Content-Length")
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(br, buf)
	return buf, err
}
