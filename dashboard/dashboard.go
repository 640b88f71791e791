// Package dashboard serves Convene's live dashboard at /dashboard: progress
// by pillar and sector, overdue commitments, the latest outcomes and open
// action items, and a page of its own for each commitment, stakeholder and
// meeting (/dashboard/commitments/{id}, …), kept current over the GraphQL
// WebSocket. It is a page, a stylesheet and a script written for it (no
// framework, the chart drawn in SVG), embedded in the binary; the
// WebSocket client is the playground's pinned graphql-ws build. It reads
// what an anonymous client may read, under the playground's strict
// Content-Security-Policy.
package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"convene/playground"
)

//go:embed static/*
var files embed.FS

// Prefix is where the dashboard is served.
const Prefix = "/dashboard"

type asset struct {
	body, gzipped []byte
	contentType   string
	etag          string
}

func load(name, contentType string) *asset {
	b, err := files.ReadFile("static/" + name)
	if err != nil {
		panic(err) // embedded at build time
	}
	sum := sha256.Sum256(b)
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return &asset{body: b, gzipped: z.Bytes(), contentType: contentType, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// Handler serves the page at /dashboard and every page URL under it (the
// script draws the page from the URL), and its assets under /dashboard/assets/.
func Handler() http.Handler {
	page := load("index.html", "text/html; charset=utf-8")
	assets := map[string]*asset{
		"dashboard.js":  load("dashboard.js", "text/javascript; charset=utf-8"),
		"dashboard.css": load("dashboard.css", "text/css; charset=utf-8"),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimSuffix(r.URL.Path, "/")
		var a *asset
		switch rest, _ := strings.CutPrefix(p, Prefix); {
		case rest == "":
			a = page
		case strings.HasPrefix(rest, "/assets/"):
			a = assets[strings.TrimPrefix(rest, "/assets/")]
		case strings.Count(rest, "/") == 2 && (strings.HasPrefix(rest, "/commitments/") || strings.HasPrefix(rest, "/stakeholders/") || strings.HasPrefix(rest, "/meetings/")):
			a = page
		}
		if a == nil {
			http.NotFound(w, r)
			return
		}
		hd := w.Header()
		hd.Set("Content-Security-Policy", playground.ContentSecurityPolicy(r.Host))
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-cache")
		hd.Set("Content-Type", a.contentType)
		hd.Set("ETag", a.etag)
		hd.Add("Vary", "Accept-Encoding")
		body := a.body
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			hd.Set("Content-Encoding", "gzip")
			body = a.gzipped
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}
