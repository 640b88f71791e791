// Package auth decides who is calling: it reads the bearer token of a
// request or of a WebSocket's connection_init, and puts the matching
// viewer in the context. Tokens live in the hub; the bootstrap admin
// token (CONVENE_ADMIN_TOKEN) is configuration.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
	t := a.model.TokenByHash(hex.EncodeToString(d[:])) // hub.HashToken(token), hashed once
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

// checkedKey finds the viewerCtx that Context made for a request.
type checkedKey struct{}

// viewerCtx carries a viewer, in one allocation where context.WithValue
// makes two (the context and the boxed viewer); its value is *hub.Viewer.
// Made by Context, it carries the Authorization value it was made for,
// and err when that does not authenticate (v is then anonymous).
type viewerCtx struct {
	context.Context
	v      hub.Viewer
	header string
	err    error
}

func (c *viewerCtx) Value(key any) any {
	switch key {
	case viewerKey{}:
		if c.err != nil {
			return nil
		}
		return &c.v
	case checkedKey{}:
		return c
	}
	return c.Context.Value(key)
}

// WithViewer returns ctx carrying the viewer.
func WithViewer(ctx context.Context, v hub.Viewer) context.Context {
	return &viewerCtx{Context: ctx, v: v}
}

// ViewerFrom returns who is calling; the zero Viewer is anonymous.
func ViewerFrom(ctx context.Context) hub.Viewer {
	if v, _ := ctx.Value(viewerKey{}).(*hub.Viewer); v != nil {
		return *v
	}
	return hub.Viewer{}
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

// authorization is r's Authorization value: r.Header.Get, without
// canonicalising the key again.
func authorization(r *http.Request) string {
	if v := r.Header["Authorization"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ErrNotBearer means an Authorization value is not "Bearer <token>".
var ErrNotBearer = errors.New(`the Authorization value must be "Bearer <token>"`)

func bearer(h string) (string, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return "", nil
	}
	scheme, token, found := strings.Cut(h, " ")
	switch {
	case !found && strings.EqualFold(h, "bearer"):
		return "", fmt.Errorf("%w: the token after \"Bearer \" is missing", ErrNotBearer)
	case !found:
		return "", fmt.Errorf(`%w: the "Bearer " scheme is missing before the token`, ErrNotBearer)
	case !strings.EqualFold(scheme, "bearer"):
		return "", fmt.Errorf("%w: the scheme %q is not supported", ErrNotBearer, scheme)
	}
	return strings.TrimSpace(token), nil
}

// InitPayloadToken returns the bearer token of a WebSocket connection_init
// payload: {"Authorization": "Bearer …"} (any case), or {"token": "…"};
// an Authorization value that is not a bearer token is an error.
func InitPayloadToken(payload map[string]any) (string, error) {
	for k, v := range payload {
		s, _ := v.(string)
		switch {
		case strings.EqualFold(k, "authorization"):
			return bearer(s)
		case k == "token":
			return strings.TrimSpace(s), nil
		}
	}
	return "", nil
}

// AuthenticateInit authenticates a WebSocket connection_init payload: no
// token keeps the connection's context as it is (anonymous, or the viewer
// of the upgrade request's header); a wrong token is refused.
func (a *Authenticator) AuthenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	token, err := InitPayloadToken(payload)
	if err != nil || token == "" {
		return ctx, err
	}
	v, err := a.Viewer(token)
	if err != nil {
		return nil, err
	}
	return WithViewer(ctx, v), nil
}

// Middleware puts the viewer of a valid bearer token in the request's
// context. A request with a token that matches nothing, or with an
// Authorization header that is not a bearer token, is refused with 401,
// so a client never mistakes a typo for anonymous access. Where Context
// has already judged the request's header, Middleware takes its verdict
// and leaves the request as it is.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := authorization(r)
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		if c, _ := r.Context().Value(checkedKey{}).(*viewerCtx); c != nil && c.header == h {
			if c.err != nil {
				refuse(w, c.err)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		v, err := a.viewerOf(h)
		if err != nil {
			refuse(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithViewer(r.Context(), v)))
	})
}

// Context returns ctx with the viewer of r's bearer token, or with the
// reason it does not authenticate, for Middleware to answer: a server
// that already copies each request to give it a context of its own
// (gateway.Deps.Context) saves Middleware its copy. A request without an
// Authorization header keeps ctx.
func (a *Authenticator) Context(ctx context.Context, r *http.Request) context.Context {
	h := authorization(r)
	if h == "" {
		return ctx
	}
	v, err := a.viewerOf(h)
	return &viewerCtx{Context: ctx, v: v, header: h, err: err}
}

// viewerOf returns who holds the token of an Authorization value.
func (a *Authenticator) viewerOf(h string) (hub.Viewer, error) {
	token, err := bearer(h)
	if err == nil && token == "" {
		return hub.Viewer{}, nil
	}
	if err != nil {
		return hub.Viewer{}, err
	}
	return a.Viewer(token)
}

// refuse answers 401 with err as a GraphQL error.
func refuse(w http.ResponseWriter, err error) {
	challenge := `Bearer realm="convene", error="invalid_token"`
	if errors.Is(err, ErrNotBearer) {
		challenge = `Bearer realm="convene", error="invalid_request"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"errors": []any{map[string]any{
		"message": err.Error(), "extensions": map[string]any{"code": "UNAUTHENTICATED"}}}})
}
