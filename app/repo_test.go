package app

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedCodeIsCurrent regenerates graph/ in a copy of the module and
// compares: the generated code (and go.mod) must be exactly what
// `go generate ./...` produces from schema.graphqls and gqlgen.yml.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates the schema code")
	}
	ls := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard")
	ls.Dir = repoPath()
	out, err := ls.Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	dir := t.TempDir()
	for _, f := range strings.Fields(string(out)) {
		src, err := os.ReadFile(repoPath(f))
		if err != nil {
			continue // deleted in the work tree
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gen := exec.Command("go", "generate", "./...")
	gen.Dir = dir
	if msg, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("go generate: %v\n%s", err, msg)
	}
	for _, f := range []string{"graph/generated.go", "graph/model/models_gen.go", "go.mod"} {
		want, _ := os.ReadFile(repoPath(f))
		got, _ := os.ReadFile(filepath.Join(dir, f))
		if !bytes.Equal(want, got) {
			t.Errorf("%s is not what go generate produces: run go generate ./...", f)
		}
	}
}

// TestGofmt keeps the hand-written code formatted.
func TestGofmt(t *testing.T) {
	cmd := exec.Command("gofmt", "-l", ".")
	cmd.Dir = repoPath()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("gofmt unavailable: %v", err)
	}
	var bad []string
	for _, f := range strings.Fields(string(out)) {
		if !strings.HasPrefix(f, "graph/") && !strings.HasPrefix(f, "node_modules/") {
			bad = append(bad, f)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("gofmt -l lists %v", bad)
	}
}

// TestMicroBenchmarksRun runs every package's benchmarks a few iterations
// each, so that they keep compiling and working (go test alone skips them).
// Figures come from `go test -run '^$' -bench . ./...`.
func TestMicroBenchmarksRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the benchmarks")
	}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchtime", "3x", "./...")
	cmd.Dir = repoPath()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -bench: %v\n%s", err, out)
	}
}
