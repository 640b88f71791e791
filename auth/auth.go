// Package auth decides who is calling: it reads the bearer token of a
// request or of a WebSocket's connection_init, and puts the matching
// viewer in the context. Tokens live in the hub; the bootstrap admin
// token (CONVENE_ADMIN_TOKEN) is configuration.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"convene/hub"
)

// ErrInvalidToken means a token was presented that does not authenticate.
var ErrInvalidToken = errors.New("the bearer token is not valid: unknown, revoked or expired")

// Authenticator resolves bearer tokens to viewers.
type Authenticator struct {
	model     *hub.ReadModel
	bootstrap *[32]byte // digest of the bootstrap admin token, if any
	now       func() time.Time
}

// New returns an authenticator over the hub's tokens and, when not empty,
// the bootstrap admin token.
func New(model *hub.ReadModel, bootstrapToken string) *Authenticator {
	a := &Authenticator{model: model, now: time.Now}
	if bootstrapToken != "" {
		d := sha256.Sum256([]byte(bootstrapToken))
		a.bootstrap = &d
	}
	return a
}

// Bootstrap is the viewer of the bootstrap admin token.
var Bootstrap = hub.Viewer{Role: hub.RoleAdmin, TokenID: "bootstrap", TokenLabel: "bootstrap admin token"}

// Viewer returns who holds token.
func (a *Authenticator) Viewer(token string) (hub.Viewer, error) {
	d := sha256.Sum256([]byte(token))
	if a.bootstrap != nil && subtle.ConstantTimeCompare(d[:], a.bootstrap[:]) == 1 {
		return Bootstrap, nil
	}
	t := a.model.TokenByHash(hub.HashToken(token))
	if t == nil || !t.Active(a.now()) {
		return hub.Viewer{}, ErrInvalidToken
	}
	return t.Viewer(), nil
}

// StillValid reports whether the viewer's token still authenticates:
// revocation and expiry take effect on open connections too.
func (a *Authenticator) StillValid(v hub.Viewer) bool {
	if !v.Authenticated() || v.TokenID == Bootstrap.TokenID {
		return true
	}
	t := hub.Tokens.Get(a.model, v.TokenID)
	return t != nil && t.Active(a.now())
}

type viewerKey struct{}

// WithViewer returns ctx carrying the viewer.
func WithViewer(ctx context.Context, v hub.Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns who is calling; the zero Viewer is anonymous.
func ViewerFrom(ctx context.Context) hub.Viewer {
	v, _ := ctx.Value(viewerKey{}).(hub.Viewer)
	return v
}

// Audience names what the caller may see (hub's read policy), so that
// only callers who see alike share a live subscription's execution.
func Audience(ctx context.Context) string { return ViewerFrom(ctx).Audience() }

// AnswerAudience names the callers among whom the response cache may
// share answers: anonymous callers only, who all see the same public data,
// whereas a token's answers also name it (viewer { tokenLabel }). ""
// means not shared.
func AnswerAudience(ctx context.Context) string {
	if a := Audience(ctx); a == hub.AudienceAnonymous {
		return a
	}
	return ""
}

// BearerToken returns the token of an "Authorization: Bearer …" header.
func BearerToken(r *http.Request) string {
	return bearer(r.Header.Get("Authorization"))
}

func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// InitPayloadToken returns the bearer token of a WebSocket connection_init
// payload: {"Authorization": "Bearer …"} (any case), or {"token": "…"}.
func InitPayloadToken(payload map[string]any) string {
	for k, v := range payload {
		s, _ := v.(string)
		switch {
		case strings.EqualFold(k, "authorization"):
			return bearer(s)
		case k == "token":
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// AuthenticateInit authenticates a WebSocket connection_init payload: no
// token keeps the connection's context as it is (anonymous, or the viewer
// of the upgrade request's header); a wrong token is refused.
func (a *Authenticator) AuthenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	token := InitPayloadToken(payload)
	if token == "" {
		return ctx, nil
	}
	v, err := a.Viewer(token)
	if err != nil {
		return nil, err
	}
	return WithViewer(ctx, v), nil
}

// Middleware puts the viewer of a valid bearer token in the request's
// context. A request with a token that matches nothing is refused with
// 401, so a client never mistakes a typo for anonymous access.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := BearerToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		v, err := a.Viewer(token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="convene", error="invalid_token"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"message":"` + err.Error() + `","extensions":{"code":"UNAUTHENTICATED"}}]}` + "\n"))
			return
		}
		next.ServeHTTP(w, r.WithContext(WithViewer(r.Context(), v)))
	})
}
