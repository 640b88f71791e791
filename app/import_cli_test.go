package app

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"convene/hub"
)

// releaseFlags are how the Dockerfile builds the binary.
var releaseFlags = []string{"build", "-trimpath", "-ldflags", "-s -w", "-o"}

// releaseBinary is the server built as the Dockerfile builds it: the
// binary every test that runs one uses (buildBinary).
func releaseBinary(t *testing.T) string { return buildBinary(t) }

// runCLI runs the binary to its end and returns its output and exit code.
func runCLI(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestImportCommand: `convene import` checks a file with --dry-run and
// writes nothing; killed with SIGKILL halfway through writing, it leaves
// no trace of the plan after a restart; run to its end, it loads the
// whole plan, and run again it changes nothing and says so.
func TestImportCommand(t *testing.T) {
	bin := releaseBinary(t)
	dir := t.TempDir()
	db := []string{"--data-dir", dir, "--embedded-addr", "127.0.0.1:0"}
	demo := repoPath("seed", "restore-belize.yaml")

	// A broken file: every problem, with its line and field.
	raw, err := os.ReadFile(demo)
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.yaml")
	text := strings.Replace(string(raw), "sector: GOVERNMENT", "sector: GOVERMENT", 1)
	text = strings.Replace(text, "lead: pfd", "lead: nobody", 1)
	if err := os.WriteFile(broken, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, bin, append([]string{"import", broken, "--dry-run"}, db...)...)
	lineOf := func(needle string) int {
		return strings.Count(text[:strings.Index(text, needle)], "\n") + 1
	}
	for _, want := range []string{
		broken + ": line " + strconv.Itoa(lineOf("GOVERMENT")) + ": stakeholders[0].sector: ",
		broken + ": line " + strconv.Itoa(lineOf("lead: nobody")) + ": commitments[",
		"2 problems; nothing was written",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("dry run of a broken file: want %q in\n%s", want, stderr)
		}
	}
	if code == 0 {
		t.Error("a dry run with problems exited 0")
	}
	out, stderr, code := runCLI(t, bin, append([]string{"import", demo, "--dry-run"}, db...)...)
	if code != 0 || !strings.Contains(out, "no problems; importing it would write 1 new plan") {
		t.Fatalf("dry run: %d %s %s", code, out, stderr)
	}

	// Killed halfway through writing.
	killedAt := killImportAtItsFirstProgress(t, bin, append([]string{"import", demo}, db...)...)
	if killedAt == 0 {
		t.Fatal("the import printed no progress line before it ended")
	}
	s := startServerConfig(t, testConfig(dir), hub.Options{})
	var after struct {
		StrategicPlans []struct{ Title string }
		Stakeholders   struct{ TotalCount int }
		Commitments    struct{ TotalCount int }
	}
	s.query(`{ strategicPlans(includeArchived: true) { title } stakeholders { totalCount } commitments { totalCount } }`, nil, &after)
	if len(after.StrategicPlans) != 0 || after.Stakeholders.TotalCount != 0 || after.Commitments.TotalCount != 0 {
		t.Fatalf("after a kill at event %d: %+v", killedAt, after)
	}
	if s.app.hub.Model().Seq() < int64(killedAt) {
		t.Fatalf("the log is at %d, the import had written %d events", s.app.hub.Model().Seq(), killedAt)
	}
	s.stop()

	// To its end, then again.
	out, stderr, code = runCLI(t, bin, append([]string{"import", demo}, db...)...)
	if code != 0 || !strings.Contains(out, "imported 1 new plan") || !strings.Contains(stderr, "(100%)") {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	out, _, code = runCLI(t, bin, append([]string{"import", demo}, db...)...)
	if code != 0 || !strings.Contains(out, "nothing to change") {
		t.Fatalf("second import: %d %s", code, out)
	}
	s = startServerConfig(t, testConfig(dir), hub.Options{})
	s.query(`{ strategicPlans { title } stakeholders { totalCount } commitments { totalCount } }`, nil, &after)
	if len(after.StrategicPlans) != 1 || after.Stakeholders.TotalCount < 30 || after.Commitments.TotalCount < 60 {
		t.Fatalf("after the import: %+v", after)
	}
}

// killImportAtItsFirstProgress runs the binary with args (an import) and
// kills it (SIGKILL) at its first progress line, halfway through writing;
// it returns how many events that line had counted, 0 if none came.
func killImportAtItsFirstProgress(t *testing.T, bin string, args ...string) int {
	t.Helper()
	cmd := exec.Command(bin, args...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	progressLine := regexp.MustCompile(`^import: (\d+)/(\d+) events`)
	lines := bufio.NewScanner(pipe)
	killedAt := 0
	for lines.Scan() {
		if m := progressLine.FindStringSubmatch(lines.Text()); m != nil {
			killedAt, _ = strconv.Atoi(m[1])
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	cmd.Wait()
	return killedAt
}
