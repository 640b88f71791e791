package hub

import (
	"context"
	"errors"
	"time"
)

// Webhook is a subscription delivered by HTTP POST to a URL (package
// webhook delivers it). It sees what its creator's token sees, judged at
// each delivery. Its signing secret is kept sealed (encrypted under the
// server's webhook key): never in the clear in the log, a checkpoint or a
// backup, and never in its history (no JSON name).
type Webhook struct {
	Meta        `bson:",inline"`
	URL         string        `bson:"url" json:"url"`
	Description string        `bson:"description" json:"description"`
	Stream      WebhookStream `bson:"stream" json:"stream"`
	// Filter is the subscription's filter as its GraphQL input, in JSON
	// (global IDs as clients wrote them).
	Filter  string `bson:"filter" json:"filter"`
	Creator Actor  `bson:"creator" json:"-"` // the events name it as their actor
	// StartSeq is the log position it was created at: deliveries are of
	// the events after it.
	StartSeq     int64      `bson:"startSeq" json:"-"`
	SealedSecret string     `bson:"secret" json:"-"`
	DisabledAt   *time.Time `bson:"disabledAt,omitempty" json:"disabledAt"`
	Disabled     string     `bson:"disabled,omitempty" json:"disabled"` // why
	DeletedAt    *time.Time `bson:"deletedAt,omitempty" json:"deletedAt"`
	// Rewind asks the deliverer to deliver again every event after this
	// log position; RewindVersion is the webhook version that asked.
	Rewind        int64 `bson:"rewind,omitempty" json:"-"`
	RewindVersion int   `bson:"rewindVersion,omitempty" json:"-"`
}

// WebhookStream names the subscription a webhook delivers.
type WebhookStream string

// Webhook streams: those of the subscriptions.
const (
	StreamOutcomes    WebhookStream = "outcomes"    // meetingOutcomeRecorded
	StreamCommitments WebhookStream = "commitments" // commitmentUpdated
	StreamEvents      WebhookStream = "events"      // events
	StreamReferrals   WebhookStream = "referrals"   // referralReceived
)

// Viewer is who the webhook reads as: its creator's token.
func (w *Webhook) Viewer() Viewer {
	v := viewerOf(w.Creator)
	v.TokenLabel = w.Creator.Name
	return v
}

// Active reports whether the webhook is to be delivered.
func (w *Webhook) Active() bool { return w.DeletedAt == nil && w.DisabledAt == nil }

// Webhooks returns the webhooks v may see, newest first.
func (m *ReadModel) Webhooks(v Viewer) []*Webhook {
	all := sorted(m, Webhooks.all, func(a, b *Webhook) bool { return WebhookKey(a) > WebhookKey(b) })
	out := all[:0]
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, w := range all {
		if canSeeWebhook(m, v, w) {
			out = append(out, w)
		}
	}
	return out
}

// ActiveWebhooks returns every webhook to deliver, oldest first.
func (m *ReadModel) ActiveWebhooks() []*Webhook {
	all := sorted(m, Webhooks.all, func(a, b *Webhook) bool { return WebhookKey(a) < WebhookKey(b) })
	out := all[:0]
	for _, w := range all {
		if w.Active() {
			out = append(out, w)
		}
	}
	return out
}

// WebhookKey is the cursor key of the webhook order (descending).
func WebhookKey(w *Webhook) string { return timeKey(w.CreatedAt) + "\x00" + w.ID }

// WebhookInput is a webhook to create or the changes to one (nil: unchanged).
type WebhookInput struct {
	URL         *string
	Description *string
	Stream      WebhookStream
	Filter      *string
	// SealedSecret is the new secret, sealed by the caller.
	SealedSecret string
}

// ErrWebhookKey means the server has no key to seal webhook secrets with.
var ErrWebhookKey = errors.New("webhooks are not configured on this server (no webhook key)")

// CreateWebhook records a webhook of the actor's (admins and editors).
func (h *Hub) CreateWebhook(ctx context.Context, actor Actor, in WebhookInput) (*Webhook, error) {
	if err := canCreateWebhook(actor); err != nil {
		return nil, err
	}
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		w := &Webhook{Meta: Meta{ID: newID()}, Creator: actor, StartSeq: h.model.Seq(), SealedSecret: in.SealedSecret, Stream: in.Stream}
		w.URL = c.text(deref(in.URL), 2000, "url")
		w.Description = c.optionalText(deref(in.Description), 500, "description")
		w.Filter = deref(in.Filter)
		if !among([]WebhookStream{StreamOutcomes, StreamCommitments, StreamEvents, StreamReferrals}, w.Stream) {
			c.add(CodeRequired, "give exactly one of outcomes, commitments, events or referrals", "filter")
		}
		if w.SealedSecret == "" {
			return nil, ErrWebhookKey
		}
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event("WebhookCreated", actor, time.Time{}, nil, w), nil
	})
	if err != nil {
		return nil, err
	}
	return Webhooks.Of(e.State), nil
}

// UpdateWebhook changes a webhook's URL, description or filter; an update
// of a disabled webhook enables it again.
func (h *Hub) UpdateWebhook(ctx context.Context, actor Actor, id string, in WebhookInput) (*Webhook, error) {
	return h.changeWebhook(ctx, actor, id, "WebhookUpdated", func(c *checker, w *Webhook) {
		if in.URL != nil {
			w.URL = c.text(*in.URL, 2000, "url")
		}
		if in.Description != nil {
			w.Description = c.optionalText(*in.Description, 500, "description")
		}
		if in.Filter != nil {
			w.Stream, w.Filter = in.Stream, *in.Filter
		}
		w.DisabledAt, w.Disabled = nil, ""
	})
}

// DeleteWebhook stops and removes a webhook.
func (h *Hub) DeleteWebhook(ctx context.Context, actor Actor, id string) (*Webhook, error) {
	return h.changeWebhook(ctx, actor, id, "WebhookDeleted", func(_ *checker, w *Webhook) {
		now := h.now().UTC().Truncate(time.Millisecond)
		w.DeletedAt = &now
	})
}

// RotateWebhookSecret replaces a webhook's secret by sealed.
func (h *Hub) RotateWebhookSecret(ctx context.Context, actor Actor, id, sealed string) (*Webhook, error) {
	if sealed == "" {
		return nil, ErrWebhookKey
	}
	return h.changeWebhook(ctx, actor, id, "WebhookSecretRotated", func(_ *checker, w *Webhook) { w.SealedSecret = sealed })
}

// RedeliverWebhook asks for every event after seq to be delivered again.
func (h *Hub) RedeliverWebhook(ctx context.Context, actor Actor, id string, seq int64) (*Webhook, error) {
	return h.changeWebhook(ctx, actor, id, "WebhookRedeliveryRequested", func(c *checker, w *Webhook) {
		if seq < 0 || seq > h.model.Seq() {
			c.add(CodeInvalid, "not a position in this event log", "after")
		}
		w.Rewind, w.RewindVersion = seq, w.Version+1
		w.DisabledAt, w.Disabled = nil, ""
	})
}

// DisableWebhook stops a webhook whose deliveries keep failing (the
// deliverer, as the system); admins see the event.
func (h *Hub) DisableWebhook(ctx context.Context, id, reason string) (*Webhook, error) {
	return h.changeWebhook(ctx, SystemActor, id, "WebhookDisabled", func(_ *checker, w *Webhook) {
		now := h.now().UTC().Truncate(time.Millisecond)
		w.DisabledAt, w.Disabled = &now, reason
	})
}

// changeWebhook records kind for the webhook as edit changes it.
func (h *Hub) changeWebhook(ctx context.Context, actor Actor, id, kind string, edit func(*checker, *Webhook)) (*Webhook, error) {
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Webhooks.Get(h.model, id)
		if old == nil || old.DeletedAt != nil || !canSeeWebhookAsActor(h.model, actor, old) {
			c.exists(false, "webhook", "id")
			return nil, c.err()
		}
		if err := canManageWebhook(actor, old); err != nil {
			return nil, err
		}
		w := *old
		edit(&c, &w)
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event(kind, actor, time.Time{}, old, &w), nil
	})
	if err != nil {
		return nil, err
	}
	return Webhooks.Get(h.model, id), nil
}

func canSeeWebhookAsActor(m *ReadModel, a Actor, w *Webhook) bool {
	return a.Role == ActorSystem || m.Visible(viewerOf(a), w) != nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
