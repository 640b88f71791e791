package app

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/hub"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestQueries")

// TestQueries runs every testdata/queries/NAME.graphql (with NAME.vars.json
// when present) against a server holding the demo data, and compares the
// whole response with NAME.golden.json. Adding a case is adding files;
// `go test -run TestQueries -update` rewrites the goldens for review.
func TestQueries(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	files, _ := filepath.Glob("testdata/queries/*.graphql")
	if len(files) == 0 {
		t.Fatal("no query cases found")
	}
	for _, file := range files {
		name := strings.TrimSuffix(file, ".graphql")
		t.Run(filepath.Base(name), func(t *testing.T) {
			query, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var vars map[string]any
			if raw, err := os.ReadFile(name + ".vars.json"); err == nil {
				if err := json.Unmarshal(raw, &vars); err != nil {
					t.Fatal(err)
				}
			}
			r := s.do(false, string(query), vars)
			shown := map[string]any{"data": r.Data}
			if len(r.Errors) > 0 {
				shown["errors"] = r.Errors
			}
			got, _ := json.MarshalIndent(shown, "", "  ")
			golden := name + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if compact(t, got) != compact(t, want) {
				t.Errorf("response differs from %s:\n%s", golden, got)
			}
		})
	}
}
