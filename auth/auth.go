// Package auth decides who is calling: it reads the bearer token of a
// request and puts the matching actor in the request's context.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"convene/hub"
)

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a hub.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the authenticated actor, if any.
func ActorFrom(ctx context.Context) (hub.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(hub.Actor)
	return a, ok
}

// AdminToken authenticates the secretariat's single bootstrap token.
type AdminToken struct{ digest [32]byte }

// NewAdminToken keeps only the token's digest.
func NewAdminToken(token string) *AdminToken {
	return &AdminToken{digest: sha256.Sum256([]byte(token))}
}

// Actor returns the admin actor when token matches, in constant time.
func (t *AdminToken) Actor(token string) (hub.Actor, bool) {
	d := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(d[:], t.digest[:]) != 1 {
		return hub.Actor{}, false
	}
	return hub.Actor{Name: "secretariat (admin token)", Role: hub.ActorAdmin}, true
}

// BearerToken returns the token of an "Authorization: Bearer …" header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Middleware puts the actor of a valid bearer token in the request's
// context. A request with a token that matches nothing is refused with
// 401, so a client never mistakes a typo for anonymous access.
func (t *AdminToken) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := BearerToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		a, ok := t.Actor(token)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="convene", error="invalid_token"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"message":"the bearer token is not valid","extensions":{"code":"UNAUTHENTICATED"}}]}` + "\n"))
			return
		}
		next.ServeHTTP(w, r.WithContext(WithActor(r.Context(), a)))
	})
}
