package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Token is an API token as stored: never the secret, only its SHA-256.
type Token struct {
	Meta          `bson:",inline"`
	Label         string     `bson:"label" json:"label"`
	Role          Role       `bson:"role" json:"role"`
	StakeholderID string     `bson:"stakeholderId,omitempty" json:"stakeholder"`
	ExpiresAt     *time.Time `bson:"expiresAt,omitempty" json:"expiresAt"`
	RevokedAt     *time.Time `bson:"revokedAt,omitempty" json:"revokedAt"`
	Hash          string     `bson:"hash" json:"-"`
}

// Active reports whether the token may be used at now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// Viewer is the token's holder.
func (t *Token) Viewer() Viewer {
	return Viewer{Role: t.Role, StakeholderID: t.StakeholderID, TokenID: t.ID, TokenLabel: t.Label}
}

// HashToken is how secrets are kept: hex SHA-256. The secrets are 256
// random bits, so a fast hash is enough; no salt is needed.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewTokenSecret returns a fresh secret: "cvn_" and 256 random bits.
func NewTokenSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "cvn_" + base64.RawURLEncoding.EncodeToString(b)
}

// TokenByHash returns the token whose secret has this hash.
func (m *ReadModel) TokenByHash(hash string) *Token {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, t := range Tokens.linked(m, "hash", hash) {
		return t // hashes of 256 random bits do not collide
	}
	return nil
}

// Tokens returns every token, newest first.
func (m *ReadModel) Tokens() []*Token {
	return sorted(m, Tokens.all, func(a, b *Token) bool { return TokenKey(a) > TokenKey(b) })
}

// TokenKey is the cursor key of the token order (descending).
func TokenKey(t *Token) string { return timeKey(t.CreatedAt) + "\x00" + t.ID }

// IssueTokenInput is a token to issue.
type IssueTokenInput struct {
	Label         string
	Role          Role
	StakeholderID string
	ExpiresAt     *time.Time
}

// IssueToken creates a token and returns it with its secret, which is
// shown this once and kept nowhere.
func (h *Hub) IssueToken(ctx context.Context, actor Actor, in IssueTokenInput) (*Token, string, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, "", err
	}
	secret := NewTokenSecret()
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		t := &Token{Meta: Meta{ID: newID()}, Label: c.text(in.Label, 200, "label"), Role: in.Role,
			StakeholderID: in.StakeholderID, ExpiresAt: in.ExpiresAt, Hash: HashToken(secret)}
		switch {
		case !among([]Role{RoleAdmin, RoleEditor, RoleViewer}, t.Role):
			c.add(CodeInvalid, "unknown role", "role")
		case t.Role == RoleEditor && t.StakeholderID == "":
			c.add(CodeRequired, "an editor token acts for a stakeholder", "stakeholderId")
		case t.Role != RoleEditor && t.StakeholderID != "":
			c.add(CodeInvalid, "only editor tokens act for a stakeholder", "stakeholderId")
		}
		if t.StakeholderID != "" && Stakeholders.Get(h.model, t.StakeholderID) == nil {
			c.exists(false, "stakeholder", "stakeholderId")
		}
		if t.ExpiresAt != nil && !t.ExpiresAt.After(h.now()) {
			c.add(CodeInvalid, "must be in the future", "expiresAt")
		}
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event("TokenIssued", actor, time.Time{}, nil, t), nil
	})
	if err != nil {
		return nil, "", err
	}
	return Tokens.Of(e.State), secret, nil
}

// RevokeToken revokes a token at once; revoking twice changes nothing.
func (h *Hub) RevokeToken(ctx context.Context, actor Actor, id string) (*Token, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Tokens.Get(h.model, id)
		if old == nil {
			c.exists(false, "token", "id")
			return nil, c.err()
		}
		if old.RevokedAt != nil {
			return nil, nil
		}
		t := *old
		now := h.now().UTC().Truncate(time.Millisecond)
		t.RevokedAt = &now
		return h.event("TokenRevoked", actor, now, old, &t), nil
	})
	if err != nil {
		return nil, err
	}
	return Tokens.Get(h.model, id), nil
}
