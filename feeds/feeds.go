// Package feeds serves the read model to people who run no GraphQL client:
// Atom feeds (RFC 4287) of changes for feed readers and chat apps, and an
// iCalendar (RFC 5545) of meetings for calendar apps.
//
//	GET /feeds/outcomes.atom              outcomes' changes (the outcomes export's filters)
//	GET /feeds/commitments.atom           commitments' changes (the commitments export's filters)
//	GET /feeds/commitments/{id}.atom      one commitment's changes and its outcomes'
//	GET /feeds/stakeholders/{id}.atom     a stakeholder's changes, its commitments' and the outcomes it owns
//	GET /feeds/meetings.ics               meetings (stakeholderIds, statuses, communityIds, from, to)
//
// Each Atom entry is one event of the log: its id names the event's
// position, so it never changes, and it carries the event's time and actor.
// Filters select entities by what they are now, and the feed lists their
// whole history. Feeds are paged by event position (RFC 5005 paged feeds:
// first, next and previous links; ?limit=, ?before=, ?after=).
//
// Feeds hold public data only, whoever asks: feed readers share their
// subscriptions, so a feed must not depend on a token. Every response
// carries an ETag and a Last-Modified and answers a matching
// If-None-Match or If-Modified-Since with 304.
package feeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"convene/auth"
	"convene/hub"
	"convene/opaque"
)

// Source is what feeds read: the hub.
type Source interface {
	Model() *hub.ReadModel
	Today() hub.Date
}

// Options configure the feeds.
type Options struct {
	// RequireToken refuses anonymous callers (401), as the API does when
	// public reads are off; a token still sees only public data.
	RequireToken bool
}

// Prefix is the path the feeds are served under.
const Prefix = "/feeds/"

// publicViewer is whom every feed is written for: an anonymous viewer.
func publicViewer() hub.Viewer { return hub.Viewer{} }

// Handler serves the feeds under Prefix.
func Handler(src Source, o Options) http.Handler {
	f := &feeds{src: src}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feeds/outcomes.atom", f.outcomes)
	mux.HandleFunc("GET /feeds/commitments.atom", f.commitments)
	mux.HandleFunc("GET /feeds/commitments/{file}", f.commitment)
	mux.HandleFunc("GET /feeds/stakeholders/{file}", f.stakeholder)
	mux.HandleFunc("GET /feeds/meetings.ics", f.meetings)
	mux.HandleFunc("/feeds/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such feed: the feeds are /feeds/outcomes.atom, /feeds/commitments.atom, /feeds/commitments/{id}.atom, /feeds/stakeholders/{id}.atom and /feeds/meetings.ics", http.StatusNotFound)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "feeds are read with GET", http.StatusMethodNotAllowed)
			return
		}
		if o.RequireToken && !auth.ViewerFrom(r.Context()).Authenticated() {
			w.Header().Set("WWW-Authenticate", `Bearer realm="convene"`)
			http.Error(w, "this server requires an Authorization: Bearer token for every request", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

type feeds struct{ src Source }

// serve writes body with validators: a strong ETag of the bytes and
// modified as Last-Modified. ServeContent answers If-None-Match (and,
// without it, If-Modified-Since) with 304, and HEAD.
func serve(w http.ResponseWriter, r *http.Request, contentType string, modified time.Time, body []byte) {
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", modified.UTC().Truncate(time.Second), bytes.NewReader(body))
}

// baseURL is the server's address as the client reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// globalID is the API's ID of an entity.
var globalID = opaque.GlobalID

// pathID reads the global ID of type t in the last path segment, before
// the extension ext.
func pathID(r *http.Request, t hub.EntityType, ext string) (string, bool) {
	file := r.PathValue("file")
	if len(file) <= len(ext) || file[len(file)-len(ext):] != ext {
		return "", false
	}
	got, id, ok := opaque.ParseGlobalID(file[:len(file)-len(ext)])
	return id, ok && got == t
}
