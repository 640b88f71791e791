package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/hub"
)

// The commands as a user runs them: the real binary, beside a running
// server on the same data directory, and with bad command lines.

// binary is convene built once, as the Dockerfile builds it (releaseFlags),
// for the tests that run it; TestMain
// removes its directory.
var binary struct {
	once      sync.Once
	dir, path string
	err       error
}

// buildBinary returns the path of the convene binary, built on first use.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "convene-test-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "convene")
		build := exec.Command("go", append(releaseFlags, binary.path, ".")...)
		build.Dir = repoPath()
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// command is one finished run of the binary.
type command struct {
	stdout, stderr string
	code           int
}

// runBinary runs bin with args (and none of convene's environment) to
// its end, within a minute.
func runBinary(t *testing.T, bin string, args ...string) command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "MONGODB_URI=", "CONVENE_ADDR=", "CONVENE_DATA_DIR=", "CONVENE_ADMIN_TOKEN=", "CONVENE_EMBEDDED_ADDR=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	c := command{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		c.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("convene %v: %v\n%s%s", args, err, c.stdout, c.stderr)
	}
	return c
}

// TestCommandsBesideARunningServer: seed and token create use the
// database of the server running on their data directory (named by its
// lock file), even with --embedded-addr 127.0.0.1:0, instead of opening
// its files a second time; a second server there is refused; once the
// server has stopped, a command opens the directory itself.
func TestCommandsBesideARunningServer(t *testing.T) {
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	server := startProcess(t, "server", bin, "--data-dir", data, "--addr", "127.0.0.1:0",
		"--embedded-addr", "127.0.0.1:0", "--seed-demo=false", "--admin-token", testAdminToken)
	uri := server.waitLog("uri")
	s := &testServer{t: t, url: server.waitLog("url")}
	if got := firstLine(filepath.Join(data, lockFileName)); got != uri {
		t.Fatalf("the lock file names %q, the server's database is %s", got, uri)
	}
	usesServers := regexp.MustCompile(`using its database.* uri=` + regexp.QuoteMeta(uri))

	seed := runBinary(t, bin, "seed", "--data-dir", data, "--embedded-addr", "127.0.0.1:0")
	if seed.code != 0 || !usesServers.MatchString(seed.stderr) {
		t.Fatalf("seed beside the server: exit %d\n%s", seed.code, seed.stderr)
	}
	waitFor(t, "the server to see the seeded plan", func() bool {
		var stats struct{ CommitmentStats struct{ Total int } }
		s.query(`{ commitmentStats { total } }`, nil, &stats)
		return stats.CommitmentStats.Total > 0
	})
	if again := runBinary(t, bin, "seed", "--data-dir", data); again.code == 0 || !strings.Contains(again.stderr, "already holds") {
		t.Fatalf("a second seed: exit %d\n%s", again.code, again.stderr)
	}

	token := runBinary(t, bin, "token", "create", "--role", "viewer", "--label", "analyst", "--data-dir", data, "--embedded-addr", "127.0.0.1:0")
	secret := regexp.MustCompile(`cvn_\S+`).FindString(token.stdout)
	if token.code != 0 || secret == "" || !usesServers.MatchString(token.stderr) {
		t.Fatalf("token create beside the server: exit %d\n%s%s", token.code, token.stdout, token.stderr)
	}
	waitFor(t, "the server to accept the new token", func() bool {
		return strings.Contains(string(s.as(secret, `{ viewer { role } }`, nil).Data), `"VIEWER"`)
	})

	second := runBinary(t, bin, "--data-dir", data, "--addr", "127.0.0.1:0", "--embedded-addr", "127.0.0.1:0", "--admin-token", testAdminToken)
	if second.code == 0 || !strings.Contains(second.stderr, "in use by another convene process") || !strings.Contains(second.stderr, uri) {
		t.Fatalf("a second server on the data directory: exit %d\n%s", second.code, second.stderr)
	}

	server.terminate(30 * time.Second)
	alone := runBinary(t, bin, "token", "create", "--role", "VIEWER", "--label", "after", "--data-dir", data, "--embedded-addr", "127.0.0.1:0")
	if alone.code != 0 || usesServers.MatchString(alone.stderr) || !strings.Contains(alone.stdout, "cvn_") {
		t.Fatalf("token create after the server stopped: exit %d\n%s%s", alone.code, alone.stdout, alone.stderr)
	}
}

// TestDataDirLock: in one process as across processes, an App on a data
// directory excludes a second one there until it closes.
func TestDataDirLock(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, hub.Options{})
	_, err := Open(context.Background(), testConfig(dir), s.app.logger, Options{})
	var busy *errDataDirBusy
	if !errors.As(err, &busy) || !strings.Contains(err.Error(), s.app.embedded.URI) {
		t.Fatalf("a second App on the data directory: %v", err)
	}
	if uri, err := runningDatabase(dir); err != nil || uri != s.app.embedded.URI {
		t.Fatalf("runningDatabase = %q, %v; want %s", uri, err, s.app.embedded.URI)
	}
	s.stop()
	if uri, err := runningDatabase(dir); err != nil || uri != "" {
		t.Fatalf("after the server stopped, runningDatabase = %q, %v", uri, err)
	}
	startServer(t, dir, hub.Options{}) // the lock was released
}

// TestServeOnABusyPort: the server listens first, so a busy port fails
// before it opens or seeds the database or prints a token.
func TestServeOnABusyPort(t *testing.T) {
	bin := buildBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := filepath.Join(t.TempDir(), "data")
	c := runBinary(t, bin, "--addr", ln.Addr().String(), "--data-dir", data, "--embedded-addr", "127.0.0.1:0")
	if c.code == 0 || !strings.Contains(c.stderr, "address already in use") {
		t.Fatalf("serve on a busy port: exit %d\n%s", c.code, c.stderr)
	}
	if strings.Contains(c.stdout, "cvn_") || strings.Contains(c.stderr, "demo data loaded") {
		t.Fatalf("serve on a busy port printed a token or seeded:\n%s%s", c.stdout, c.stderr)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("serve on a busy port created %s (%v)", data, err)
	}
}

// TestCommandLine: --help lists every command and every flag (those of
// the README's configuration table and of token create, no more, no
// fewer); a bad value or command says what is valid.
func TestCommandLine(t *testing.T) {
	bin := buildBinary(t)
	help := runBinary(t, bin, "--help")
	if help.code != 0 {
		t.Fatalf("--help: exit %d\n%s", help.code, help.stderr)
	}
	for _, c := range commands {
		if !strings.Contains(help.stdout, "  "+c.name+" ") {
			t.Errorf("--help does not list the command %s:\n%s", c.name, help.stdout)
		}
	}
	readme, err := os.ReadFile(repoPath("README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"expires", "label", "role", "stakeholder", "dry-run"} // token create's and import's
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\|").FindAllSubmatch(readme, -1) {
		want = append(want, string(m[1]))
	}
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(help.stdout, -1) {
		listed = append(listed, m[1])
	}
	slices.Sort(want)
	slices.Sort(listed)
	if !slices.Equal(want, listed) {
		t.Errorf("--help lists the flags %v;\nthe README's configuration table and token create have %v", listed, want)
	}
	if len(listed) < 20 {
		t.Fatalf("--help lists only %v", listed)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "create", "--role", "ADMN", "--label", "x"}, `invalid value "ADMN" for flag -role: want ADMIN, EDITOR or VIEWER`},
		{[]string{"token", "create", "--label", "x"}, "needs --role (ADMIN, EDITOR or VIEWER)"},
		{[]string{"token", "create", "--role", "ADMIN"}, "needs --label"},
		{[]string{"sed"}, `unknown command "sed" (want serve, seed, import, backup, restore, token create or healthcheck)`},
		{[]string{"--max-cost", "lots"}, "-max-cost"},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
	} {
		r := runBinary(t, bin, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "--help") {
			t.Errorf("convene %v: exit %d, want 2 and %q:\n%s", c.args, r.code, c.want, r.stderr)
		}
	}
}
