package app

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"convene/hub"
	"convene/playground"
)

// TestPlaygroundDistMatchesLock checks, without rebuilding anything, that
// the committed playground/dist is what playground/build.sh makes from the
// pinned packages: the versions in its manifest are those of package.json
// (pinned exactly) and package-lock.json, every asset is byte for byte the
// one the manifest names, and every installed package has its licence
// beside the assets.
func TestPlaygroundDistMatchesLock(t *testing.T) {
	var manifest struct {
		Versions map[string]string
		Assets   map[string]string
		Licences []struct{ Package, Version, File string }
	}
	var pkg struct{ Dependencies map[string]string }
	var lock struct {
		Packages map[string]struct {
			Version string
			Dev     bool
		}
	}
	for file, v := range map[string]any{repoPath("playground", "dist", "manifest.json"): &manifest, repoPath("playground", "package.json"): &pkg, repoPath("playground", "package-lock.json"): &lock} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if len(manifest.Versions) == 0 || len(manifest.Versions) != len(pkg.Dependencies) {
		t.Fatalf("dist/manifest.json names %v, package.json depends on %v: run playground/build.sh", manifest.Versions, pkg.Dependencies)
	}
	for name, want := range pkg.Dependencies {
		if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(want) {
			t.Errorf("package.json: %s is %q, not an exact version", name, want)
		}
		if got := lock.Packages["node_modules/"+name].Version; got != want {
			t.Errorf("package-lock.json has %s@%s, package.json pins %s: run npm install in playground/", name, got, want)
		}
		if got := manifest.Versions[name]; got != want {
			t.Errorf("dist/ was built from %s@%s, package.json pins %s: run playground/build.sh", name, got, want)
		}
	}
	for _, need := range []string{"graphiql", "react", "react-dom", "graphql-ws"} {
		if manifest.Versions[need] == "" {
			t.Errorf("the playground does not pin %s", need)
		}
	}
	files, _ := filepath.Glob(repoPath("playground", "dist", "*.*s"))
	if len(files) != len(manifest.Assets) {
		t.Errorf("dist/ holds %v, the manifest names %d assets", files, len(manifest.Assets))
	}
	for name, sum := range manifest.Assets {
		b, err := os.ReadFile(repoPath("playground", "dist", name))
		if err != nil {
			t.Error(err)
			continue
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
			t.Errorf("dist/%s differs from what build.sh made (edited by hand?): run playground/build.sh", name)
		}
	}
	licensed := map[string]bool{}
	for _, l := range manifest.Licences {
		licensed[l.Package+"@"+l.Version] = true
		if b, err := os.ReadFile(repoPath("playground", "dist", l.File)); err != nil || !bytes.Contains(b, []byte(l.Package)) {
			t.Errorf("licence of %s@%s: %v", l.Package, l.Version, err)
		}
	}
	for path, p := range lock.Packages {
		if name, ok := strings.CutPrefix(path, "node_modules/"); ok && !p.Dev {
			if i := strings.LastIndex(name, "node_modules/"); i >= 0 {
				name = name[i+len("node_modules/"):]
			}
			if !licensed[name+"@"+p.Version] {
				t.Errorf("no licence in dist/licenses for %s@%s", name, p.Version)
			}
		}
	}
}

// TestPlayground checks the playground on one server with the demo data:
// the page and its assets, the guided examples, and the page in a browser.
func TestPlayground(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	t.Run("page", func(t *testing.T) { testPlaygroundPage(t, s) })
	t.Run("examples", func(t *testing.T) { testPlaygroundExamples(t, s) })
	t.Run("browser", func(t *testing.T) { testPlaygroundBrowser(t, s) })
}

// testPlaygroundPage checks what the server sends for the playground: the
// page and every asset it names come from this server, under a strict
// Content-Security-Policy, with no inline script and no other origin.
func testPlaygroundPage(t *testing.T, s *testServer) {
	get := func(path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}

	res, page := get("/")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	csp := res.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	if directives["default-src"] != "'none'" || directives["script-src"] != "'self'" || directives["style-src"] != "'self'" ||
		directives["frame-ancestors"] != "'none'" || !strings.HasPrefix(directives["connect-src"], "'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("the page's Content-Security-Policy is not strict: %q", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no X-Content-Type-Options: nosniff")
	}

	// Every script is either a same-origin file or a JSON data block (which
	// a browser does not run); every stylesheet and icon is ours or data:.
	scripts := regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(string(page), -1)
	var assets []string
	for _, sc := range scripts {
		attrs, body := sc[1], sc[2]
		if src := regexp.MustCompile(`src="([^"]+)"`).FindStringSubmatch(attrs); src != nil {
			assets = append(assets, src[1])
			if strings.TrimSpace(body) != "" {
				t.Errorf("a script with src has a body: %s", sc[0])
			}
			continue
		}
		if !strings.Contains(attrs, `type="application/json"`) {
			t.Errorf("inline script in the page: <script%s>", attrs)
		}
	}
	for _, href := range regexp.MustCompile(`<link[^>]*href="([^"]+)"`).FindAllStringSubmatch(string(page), -1) {
		if !strings.HasPrefix(href[1], "data:") {
			assets = append(assets, href[1])
		}
	}
	if len(assets) != 7 {
		t.Errorf("the page names %d assets, want 7 (5 scripts, 2 stylesheets): %v", len(assets), assets)
	}
	for _, a := range assets {
		if !strings.HasPrefix(a, playground.AssetPrefix) {
			t.Errorf("the page loads %s from elsewhere than %s", a, playground.AssetPrefix)
			continue
		}
		res, plain := get(a)
		if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("ETag") == "" {
			t.Errorf("GET %s: %d, CSP %q, ETag %q", a, res.StatusCode, res.Header.Get("Content-Security-Policy"), res.Header.Get("ETag"))
			continue
		}
		ct := res.Header.Get("Content-Type")
		if (strings.HasSuffix(a, ".js") && !strings.HasPrefix(ct, "text/javascript")) || (strings.HasSuffix(a, ".css") && !strings.HasPrefix(ct, "text/css")) {
			t.Errorf("GET %s: Content-Type %s", a, ct)
		}
		zres, zipped := get(a, "Accept-Encoding", "gzip")
		if zres.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(zipped))
			if err != nil {
				t.Fatal(err)
			}
			if unzipped, _ := io.ReadAll(zr); !bytes.Equal(unzipped, plain) {
				t.Errorf("GET %s: the gzipped body differs", a)
			}
		}
		if res304, _ := get(a, "If-None-Match", res.Header.Get("ETag")); res304.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", a, res304.StatusCode)
		}
	}

	// The page carries every example, and the subscriptions' WebSocket is allowed.
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		q, _ := json.Marshal(e.Query)
		if !bytes.Contains(page, q) {
			t.Errorf("the page lacks the example %s", e.Name)
		}
	}
	if host := strings.TrimPrefix(s.url, "http://"); !strings.Contains(directives["connect-src"], "ws://"+host) {
		t.Errorf("connect-src does not allow the WebSocket: %q", directives["connect-src"])
	}
	if res, _ := get("/playground/licenses/graphiql@" + mustManifestVersion(t, "graphiql") + ".txt"); res.StatusCode != 200 {
		t.Errorf("GraphiQL's licence: %d", res.StatusCode)
	}
	for _, missing := range []string{"/playground/", "/playground/nothing.js", "/playground/licenses/"} {
		if res, _ := get(missing); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", missing, res.StatusCode)
		}
	}
}

func mustManifestVersion(t *testing.T, pkg string) string {
	t.Helper()
	var m struct{ Versions map[string]string }
	b, err := os.ReadFile(repoPath("playground", "dist", "manifest.json"))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || m.Versions[pkg] == "" {
		t.Fatalf("playground/dist/manifest.json: no version of %s (%v)", pkg, err)
	}
	return m.Versions[pkg]
}
