package gateway

import (
	"context"
	"net/http"
	"sync"
)

// Answers is the response cache: the bytes of a query's answer, kept for
// callers who send the same request (POST body, or GET query string: the
// document, operation name, variables and extensions) and see alike
// (Deps.Audience), while the read model has not moved (Deps.Seq) and the
// day is the same (Deps.Today: `overdue` depends on it). Only answers to
// queries without errors are kept: parsing, validation, variable coercion
// and measuring are functions of the request, so a hit skips them as well
// as execution. The answer carries its extensions.cost; the request is
// still logged and counted, with the operation noted when it was answered.
type Answers struct {
	seq      func() int64
	today    func() string
	audience func(ctx context.Context) string
	maxBytes int

	mu      sync.Mutex
	version answersVersion
	size    int
	entries map[string]*answer
}

// answersVersion is what every kept answer was computed at.
type answersVersion struct {
	seq   int64
	today string
}

// answer is a kept answer with what the request log notes of it.
type answer struct {
	body              []byte
	operation, opType string
	cost              int
	hasCost           bool
}

func newAnswers(maxBytes int64, deps Deps) *Answers {
	if maxBytes <= 0 || deps.Seq == nil || deps.Audience == nil {
		return nil
	}
	today := deps.Today
	if today == nil {
		today = func() string { return "" }
	}
	return &Answers{seq: deps.Seq, today: today, audience: deps.Audience, maxBytes: int(maxBytes), entries: map[string]*answer{}}
}

// answerKey names a request's answer, with the version the answer is to
// be computed at; it is read before execution, so that an answer is never
// kept under a version older than what it read.
type answerKey struct {
	key     string // "" when the answer may not be cached
	version answersVersion
}

// key returns the key of a request (method and raw request) from the
// caller of ctx; a nil cache gives the empty key.
func (a *Answers) key(ctx context.Context, method string, raw []byte) answerKey {
	if a == nil {
		return answerKey{}
	}
	audience := a.audience(ctx)
	if audience == "" {
		return answerKey{}
	}
	return answerKey{key: audience + "\x00" + method + "\x00" + string(raw), version: answersVersion{seq: a.seq(), today: a.today()}}
}

// serve writes the kept answer of k, if any, and notes its operation for
// the request log.
func (a *Answers) serve(ctx context.Context, w http.ResponseWriter, media string, k answerKey) bool {
	if k.key == "" {
		return false
	}
	a.mu.Lock()
	var e *answer
	if a.at(k.version) {
		e = a.entries[k.key]
	}
	a.mu.Unlock()
	if e == nil {
		return false
	}
	if info := infoFrom(ctx); info != nil {
		info.mu.Lock()
		info.operation, info.opType, info.cost, info.hasCost = e.operation, e.opType, e.cost, e.hasCost
		info.mu.Unlock()
	}
	writeBody(w, media, http.StatusOK, e.body)
	return true
}

// put keeps the answer of k, unless the model has moved on since k was made.
func (a *Answers) put(ctx context.Context, k answerKey, body []byte) {
	if k.key == "" || len(k.key)+len(body) > a.maxBytes {
		return
	}
	e := &answer{body: body}
	if info := infoFrom(ctx); info != nil {
		info.mu.Lock()
		e.operation, e.opType, e.cost, e.hasCost = info.operation, info.opType, info.cost, info.hasCost
		info.mu.Unlock()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.at(k.version) {
		return
	}
	if _, ok := a.entries[k.key]; ok {
		return
	}
	if a.size+len(k.key)+len(body) > a.maxBytes {
		a.reset(k.version) // full: start again rather than keep what was asked first
	}
	a.entries[k.key] = e
	a.size += len(k.key) + len(body)
}

// at moves the cache to v, dropping every answer, when v is newer; it
// reports whether the cache is at v (false for a caller that read an older
// version than another one did).
func (a *Answers) at(v answersVersion) bool {
	switch {
	case v == a.version:
		return true
	case v.seq < a.version.seq:
		return false
	}
	a.reset(v)
	return true
}

func (a *Answers) reset(v answersVersion) {
	a.version = v
	a.size = 0
	clear(a.entries)
}
