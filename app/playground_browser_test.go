package app

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/hub"
)

// updateScreenshot refreshes the README's screenshot:
//
//	go test -run 'TestPlayground/browser' -update-screenshot .
var updateScreenshot = flag.Bool("update-screenshot", false, "save the browser tests' screenshots as docs/playground.png and docs/dashboard.png (the README's)")

// chromiumPath is Debian's chromium, which the browser test drives.
const chromiumPath = "/usr/bin/chromium"

var (
	chromiumOnce sync.Once
	chromiumErr  error
)

// ensureChromium installs Debian's chromium when it is missing, as root,
// with apt-get (refreshing the package lists when the first try fails).
func ensureChromium(t *testing.T) {
	t.Helper()
	chromiumOnce.Do(func() {
		if _, err := os.Stat(chromiumPath); err == nil {
			return
		}
		if os.Geteuid() != 0 {
			chromiumErr = fmt.Errorf("the browser test needs Debian's chromium at %s; install it as root: apt-get install -y chromium", chromiumPath)
			return
		}
		apt := func(args ...string) error {
			cmd := exec.Command("apt-get", args...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			cmd.Stdin = nil
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, lastLines(out, 30))
			}
			return nil
		}
		install := []string{"install", "-y", "-q", "chromium"}
		if err := apt(install...); err != nil {
			if uerr := apt("update", "-q"); uerr != nil {
				chromiumErr = fmt.Errorf("installing chromium for the browser test failed: %v; then %v", err, uerr)
				return
			}
			if err := apt(install...); err != nil {
				chromiumErr = fmt.Errorf("installing chromium for the browser test failed, even after apt-get update: %v", err)
				return
			}
		}
		if _, err := os.Stat(chromiumPath); err != nil {
			chromiumErr = fmt.Errorf("apt-get installed chromium, but %s is missing: %v", chromiumPath, err)
		}
	})
	if chromiumErr != nil {
		t.Fatal(chromiumErr)
	}
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// testPlaygroundBrowser drives the playground in headless chromium with
// playwright-core (e2e/browser/playground.mjs): it opens /, runs the first
// guided example and checks the demo data shows, opens the docs, runs the
// subscription example and checks that an outcome recorded over HTTP
// appears, while no request leaves 127.0.0.1 and the Content-Security-
// Policy is never violated. Screenshots are saved in
// $TMPDIR/convene-artifacts (with -update-screenshot, also as
// docs/playground.png).
func testPlaygroundBrowser(t *testing.T, s *testServer) {
	ensureChromium(t)
	dir := repoPath("e2e", "browser")
	ensureNpmPackages(t, dir, "playwright-core")

	artifacts := filepath.Join(os.TempDir(), "convene-artifacts")
	args := []string{"playground.mjs", "--url", s.url, "--token", testAdminToken,
		"--meeting", gid(hub.TypeMeeting, "m-2015-09"), "--chromium", chromiumPath, "--artifacts", artifacts}
	if *updateScreenshot {
		docs, err := filepath.Abs(repoPath("docs", "playground.png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(docs), 0o755); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--docs-screenshot", docs)
	}
	out := runNode(t, dir, 2*time.Minute, args...)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var report struct {
		OK          bool
		Requests    []string
		Sockets     []string
		Screenshots []string
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &report); err != nil || !report.OK {
		t.Fatalf("playground.mjs: %s (%v)", out, err)
	}
	// The script checks each request itself; check its record too.
	if len(report.Requests) < 8 || len(report.Sockets) == 0 {
		t.Errorf("the page made %d requests and opened %d WebSockets: %v %v", len(report.Requests), len(report.Sockets), report.Requests, report.Sockets)
	}
	for _, u := range append(report.Requests, report.Sockets...) {
		if !strings.HasPrefix(u, s.url+"/") && !strings.HasPrefix(u, "ws://"+strings.TrimPrefix(s.url, "http://")+"/") {
			t.Errorf("a request left the test server: %s", u)
		}
	}
	t.Logf("screenshots: %s", strings.Join(report.Screenshots, ", "))
}
