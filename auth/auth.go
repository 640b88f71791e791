// Package auth decides who is calling: it reads the bearer token of a
// request and puts the matching actor in the request's context.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
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

// InitPayloadToken returns the bearer token of a WebSocket connection_init
// payload: {"Authorization": "Bearer …"} (any case), or {"token": "…"}.
func InitPayloadToken(payload map[string]any) string {
	for k, v := range payload {
		s, _ := v.(string)
		switch {
		case strings.EqualFold(k, "authorization") && len(s) > 7 && strings.EqualFold(s[:7], "bearer "):
			return strings.TrimSpace(s[7:])
		case k == "token":
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// Audience names what the caller may see, so that only callers who see
// alike share a live subscription's execution.
func Audience(ctx context.Context) string {
	a, ok := ActorFrom(ctx)
	if !ok {
		return "anonymous"
	}
	return string(a.Role) + ":" + a.StakeholderID
}

// BearerToken returns the token of an "Authorization: Bearer …" header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// AuthenticateInit authenticates a WebSocket connection_init payload: no
// token keeps the connection's context as it is (anonymous, or the actor
// of the upgrade request's header); a wrong token is refused.
func (t *AdminToken) AuthenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	token := InitPayloadToken(payload)
	if token == "" {
		return ctx, nil
	}
	a, ok := t.Actor(token)
	if !ok {
		return nil, errors.New("the bearer token is not valid")
	}
	return WithActor(ctx, a), nil
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
