package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// Answers is the response cache: the bytes of a query's answer, kept for
// callers who ask the same (document, operation, variables) and see alike
// (Deps.Audience), while the read model has not moved (Deps.Seq) and the
// day is the same (Deps.Today: `overdue` depends on it). Only answers
// without errors are kept. The answer carries its extensions.cost, which
// depends on nothing else. A cached answer skips execution; the request is
// still parsed (cached), validated, measured, logged and counted.
type Answers struct {
	seq      func() int64
	today    func() string
	audience func(ctx context.Context) string
	maxBytes int

	mu      sync.Mutex
	version answersVersion
	size    int
	bodies  map[string][]byte
}

// answersVersion is what every kept answer was computed at.
type answersVersion struct {
	seq   int64
	today string
}

func newAnswers(maxBytes int64, deps Deps) *Answers {
	if maxBytes <= 0 || deps.Seq == nil || deps.Audience == nil {
		return nil
	}
	today := deps.Today
	if today == nil {
		today = func() string { return "" }
	}
	return &Answers{seq: deps.Seq, today: today, audience: deps.Audience, maxBytes: int(maxBytes), bodies: map[string][]byte{}}
}

// key names a query's answer, with the version it is computed at (read
// before execution, so that an answer is never kept under a version
// older than what it read); "" when the answer may not be cached.
func (a *Answers) key(ctx context.Context, rc *graphql.OperationContext) (string, answersVersion) {
	audience := a.audience(ctx)
	if audience == "" {
		return "", answersVersion{}
	}
	vars, err := json.Marshal(rc.Variables) // map keys sorted: one key per set of values
	if err != nil {
		return "", answersVersion{}
	}
	v := answersVersion{seq: a.seq(), today: a.today()}
	return strings.Join([]string{audience, rc.OperationName, string(vars), rc.RawQuery}, "\x00"), v
}

// get returns the kept answer of key if it was computed at v.
func (a *Answers) get(key string, v answersVersion) ([]byte, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.at(v) {
		return nil, false
	}
	body, ok := a.bodies[key]
	return body, ok
}

// put keeps an answer computed at v, unless the model has moved on since.
func (a *Answers) put(key string, v answersVersion, body []byte) {
	if len(body) > a.maxBytes {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.at(v) {
		return
	}
	if _, ok := a.bodies[key]; ok {
		return
	}
	if a.size+len(key)+len(body) > a.maxBytes {
		a.reset(v) // full: start again rather than keep what was asked first
	}
	a.bodies[key] = body
	a.size += len(key) + len(body)
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
	clear(a.bodies)
}
