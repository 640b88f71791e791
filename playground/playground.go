// Package playground serves Convene's GraphiQL playground: the page at /
// and, under /playground/, the JavaScript and CSS it needs. Every asset is
// embedded in the binary (dist/ holds GraphiQL's, React's and graphql-ws's
// browser builds, copied from the npm packages pinned in package-lock.json
// by build.sh), so the playground works with no internet and under a strict
// Content-Security-Policy: no inline script, nothing from another origin.
//
// The page opens, the first time, with one tab for each example in
// examples/ (NAME.graphql, with variables in NAME.vars.json when it has
// some), in name order.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed dist/*.js dist/*.css dist/manifest.json dist/licenses/*.txt
//go:embed static/*
//go:embed examples/*.graphql examples/*.json
var files embed.FS

// AssetPrefix is where the playground's assets are served.
const AssetPrefix = "/playground/"

// Options configure the playground.
type Options struct {
	Title    string // the page title; "Convene" when empty
	Endpoint string // the GraphQL endpoint's path; "/graphql" when empty
}

// Example is one of the guided examples the playground opens with.
type Example struct {
	Name      string `json:"name"`      // the file name without .graphql, such as "01-stakeholders-by-sector"
	Query     string `json:"query"`     // the document
	Variables string `json:"variables"` // JSON text, or "" when it needs none
}

// Subscription reports whether the example's operation is a subscription.
func (e Example) Subscription() bool {
	for _, line := range strings.Split(e.Query, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return strings.HasPrefix(line, "subscription")
	}
	return false
}

// Examples returns the guided examples in the order the page shows them.
func Examples() ([]Example, error) {
	names, err := fs.Glob(files, "examples/*.graphql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Example, 0, len(names))
	for _, n := range names {
		q, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		e := Example{Name: strings.TrimSuffix(path.Base(n), ".graphql"), Query: string(q)}
		if v, err := files.ReadFile(strings.TrimSuffix(n, ".graphql") + ".vars.json"); err == nil {
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, v, "", "  "); err != nil {
				return nil, fmt.Errorf("%s.vars.json: %w", e.Name, err)
			}
			e.Variables = pretty.String()
		}
		out = append(out, e)
	}
	return out, nil
}

// asset is a file served under AssetPrefix.
type asset struct {
	body, gzipped []byte
	contentType   string
	etag          string
}

// Handler serves the page at "/" and its assets under AssetPrefix; it
// answers 404 for any other path, so it can be mounted on both.
func Handler(o Options) http.Handler {
	if o.Title == "" {
		o.Title = "Convene"
	}
	if o.Endpoint == "" {
		o.Endpoint = "/graphql"
	}
	h := &handler{opts: o}
	return h
}

type handler struct {
	opts   Options
	once   sync.Once
	page   *asset
	assets map[string]*asset
	err    error
}

// load prepares the page and the assets once, at the first request.
func (h *handler) load() {
	examples, err := Examples()
	if err != nil {
		h.err = err
		return
	}
	config, err := json.Marshal(map[string]any{"title": h.opts.Title, "endpoint": h.opts.Endpoint, "examples": examples})
	if err != nil { // json.Marshal escapes <, > and &, so the JSON cannot end the <script> element
		h.err = err
		return
	}
	tmpl, err := files.ReadFile("static/index.html")
	if err != nil {
		h.err = err
		return
	}
	page := strings.NewReplacer(
		"{{TITLE}}", html.EscapeString(h.opts.Title),
		"{{ASSETS}}", strings.TrimSuffix(AssetPrefix, "/"),
		"{{CONFIG}}", string(config),
	).Replace(string(tmpl))
	h.page = newAsset([]byte(page), "text/html; charset=utf-8")

	h.assets = map[string]*asset{}
	add := func(pattern string, strip string) {
		names, _ := fs.Glob(files, pattern)
		for _, n := range names {
			if strings.HasSuffix(n, ".html") {
				continue
			}
			b, _ := files.ReadFile(n)
			ct := mime.TypeByExtension(path.Ext(n))
			switch path.Ext(n) {
			case ".js":
				ct = "text/javascript; charset=utf-8"
			case ".txt", ".json":
				ct = strings.TrimSuffix(ct, "; charset=utf-8") + "; charset=utf-8"
			}
			h.assets[strings.TrimPrefix(n, strip)] = newAsset(b, ct)
		}
	}
	add("dist/*", "dist/")
	add("dist/licenses/*", "dist/")
	add("static/*", "static/")
}

func newAsset(b []byte, contentType string) *asset {
	sum := sha256.Sum256(b)
	a := &asset{body: b, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	if len(b) > 1024 {
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		a.gzipped = z.Bytes()
	}
	return a
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(h.load)
	if h.err != nil {
		http.Error(w, "the playground is broken: "+h.err.Error(), http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var a *asset
	switch p := r.URL.Path; {
	case p == "/":
		a = h.page
		w.Header().Set("Cache-Control", "no-cache")
	case strings.HasPrefix(p, AssetPrefix):
		a = h.assets[strings.TrimPrefix(p, AssetPrefix)]
		// Revalidate rather than cache for long: the URLs carry no version,
		// and a new binary may bring new assets.
		w.Header().Set("Cache-Control", "no-cache")
	}
	if a == nil {
		http.NotFound(w, r)
		return
	}
	setSecurityHeaders(w.Header(), r.Host)
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("ETag", a.etag)
	w.Header().Add("Vary", "Accept-Encoding")
	body := a.body
	if a.gzipped != nil && acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		body = a.gzipped
	}
	// ServeContent answers If-None-Match with 304 and handles HEAD and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// safeHost matches a Host header that may go into the policy as it is.
var safeHost = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)

// ContentSecurityPolicy is the policy the playground is served with, for a
// request to host: scripts, styles and fonts from this server only (fonts
// and two small images are data: URIs inside GraphiQL's CSS), requests to
// this server only (HTTP and its WebSocket), no inline script, no frames,
// no plugins.
func ContentSecurityPolicy(host string) string {
	connect := "'self'"
	if safeHost.MatchString(host) {
		// 'self' covers ws: and wss: in current browsers; older ones need them named.
		connect += " ws://" + host + " wss://" + host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

func setSecurityHeaders(h http.Header, host string) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy(host))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}
