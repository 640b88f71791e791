package fastpath_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// mixQuery is one query file of the analyst's mix (bench/mix.go) with its
// variables, as a request body.
type mixQuery struct {
	name string
	body []byte
}

// mixQueries reads the playground's examples and the golden queries, the
// reads among them, each with its own variables (their IDs are the demo
// data's, which the benchmarks' hub holds).
func mixQueries(b *testing.B) []mixQuery {
	b.Helper()
	var files []string
	for _, dir := range []string{"../playground/examples", "../app/testdata/queries"} {
		fs, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, fs...)
	}
	sort.Strings(files)
	var out []mixQuery
	for _, f := range files {
		q, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if !isRead(string(q)) {
			continue
		}
		vars := map[string]any{}
		if raw, err := os.ReadFile(strings.TrimSuffix(f, ".graphql") + ".vars.json"); err == nil {
			if err := json.Unmarshal(raw, &vars); err != nil {
				b.Fatal(err)
			}
		}
		body, err := json.Marshal(map[string]any{"query": string(q), "variables": vars})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, mixQuery{name: filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".graphql"), body: body})
	}
	return out
}

// cpuTime is the process's user and system time so far, in nanoseconds:
// on a machine shared with other work it varies far less than the time
// an operation takes.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// isRead reports whether a document's first operation is a query.
func isRead(doc string) bool {
	for _, l := range strings.Split(doc, "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		return !strings.HasPrefix(l, "subscription") && !strings.HasPrefix(l, "mutation")
	}
	return false
}

// BenchmarkMix is each query of the analyst's mix as the server answers
// it uncached (the fast path in front of gqlgen), with "fast" or "gqlgen"
// in its name for the path that answered.
func BenchmarkMix(b *testing.B) {
	h := benchHub(b)
	fast, fx := benchHandler(h, true)
	for _, q := range mixQueries(b) {
		before := fx.Counts().Answered
		serve(fast, q.body)
		path := "gqlgen"
		if fx.Counts().Answered > before {
			path = "fast"
		}
		b.Run(q.name+"/"+path, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if out := serve(fast, q.body); !bytes.HasPrefix(out, []byte(`{"data"`)) && !bytes.Contains(out, []byte(`"errors"`)) {
					b.Fatalf("%s", out)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}
