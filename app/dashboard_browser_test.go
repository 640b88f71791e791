package app

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/hub"
)

// TestDashboardRoutes: the page is served at /dashboard and at each page
// URL under it, with the strict policy; other paths under it are 404.
func TestDashboardRoutes(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	for path, want := range map[string]int{
		"/dashboard":                         200,
		"/dashboard/":                        200,
		"/dashboard/commitments/abc":         200,
		"/dashboard/stakeholders/abc":        200,
		"/dashboard/meetings/abc/":           200,
		"/dashboard/assets/dashboard.js":     200,
		"/dashboard/assets/dashboard.css":    200,
		"/dashboard/assets/missing.js":       404,
		"/dashboard/commitments":             404,
		"/dashboard/commitments/abc/history": 404,
		"/dashboard/tokens/abc":              404,
		"/dashboardx":                        404,
		"/playground/graphql-ws.min.js":      200, // the dashboard's WebSocket client
	} {
		code, h, body := s.get(path, nil)
		if code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
			continue
		}
		if code == 200 && strings.HasPrefix(path, "/dashboard") {
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("GET %s: policy %q", path, csp)
			}
			if !strings.HasSuffix(path, ".js") && !strings.HasSuffix(path, ".css") && !strings.Contains(body, `<main id="main"`) {
				t.Errorf("GET %s is not the page", path)
			}
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/dashboard", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /dashboard: %v %v", res.StatusCode, err)
	}
}

// TestDashboardBrowser drives the dashboard in headless chromium with
// playwright-core and axe-core (e2e/browser/dashboard.mjs): the demo data
// renders, changes made over HTTP appear without reload, links lead between
// commitments, stakeholders and meetings, no page scrolls sideways at
// 360 px, print hides the live parts, no serious or critical accessibility
// violation, no CSP violation and no request leaves the server. With
// -update-screenshot the first screenshot is saved as docs/dashboard.png.
func TestDashboardBrowser(t *testing.T) {
	ensureChromium(t)
	s := startServer(t, t.TempDir(), hub.Options{})
	dir := repoPath("e2e", "browser")
	ensureNpmPackages(t, dir, "playwright-core", "axe-core")
	args := []string{"dashboard.mjs", "--url", s.url, "--token", testAdminToken, "--commitment", gid(hub.TypeCommitment, "C-2.1-004"),
		"--chromium", chromiumPath, "--artifacts", filepath.Join(os.TempDir(), "convene-artifacts")}
	if *updateScreenshot {
		docs, err := filepath.Abs(repoPath("docs", "dashboard.png"))
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "--docs-screenshot", docs)
	}
	out := runNode(t, dir, 3*time.Minute, args...)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var report struct {
		OK             bool
		Requests       []string
		Sockets        []string
		FirstLoadBytes int
		Screenshots    []string
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &report); err != nil || !report.OK {
		t.Fatalf("dashboard.mjs: %s (%v)", out, err)
	}
	if report.FirstLoadBytes <= 0 || report.FirstLoadBytes >= 250<<10 {
		t.Errorf("the first load took %d bytes", report.FirstLoadBytes)
	}
	for _, u := range append(report.Requests, report.Sockets...) {
		if !strings.HasPrefix(u, s.url+"/") && u != s.url && !strings.HasPrefix(u, "ws://"+strings.TrimPrefix(s.url, "http://")+"/") {
			t.Errorf("a request left the test server: %s", u)
		}
	}
	t.Logf("first load: %d bytes; screenshots: %s", report.FirstLoadBytes, strings.Join(report.Screenshots, ", "))
}
