package hub_test

import (
	"context"
	"errors"
	"testing"

	"convene/hub"
)

// TestWebhookCommands: who may create and manage webhooks, who sees them,
// and that disabling one is an event admins see.
func TestWebhookCommands(t *testing.T) {
	st, _ := openStore(t)
	h := openHub(t, st)
	ctx := context.Background()
	admin := hub.Actor{Name: "admin", Role: hub.ActorAdmin, TokenID: "ta"}
	editor := hub.Actor{Name: "editor", Role: hub.ActorEditor, StakeholderID: "bpd", TokenID: "te"}
	other := hub.Actor{Name: "other editor", Role: hub.ActorEditor, StakeholderID: "bpd", TokenID: "to"}
	viewer := hub.Actor{Name: "viewer", Role: hub.ActorRole(hub.RoleViewer), TokenID: "tv"}
	url, filter := "https://192.0.2.1/hook", "{}"
	in := hub.WebhookInput{URL: &url, Filter: &filter, Stream: hub.StreamOutcomes, SealedSecret: "gcm1:sealed"}

	var forbidden *hub.ForbiddenError
	if _, err := h.CreateWebhook(ctx, viewer, in); !errors.As(err, &forbidden) {
		t.Errorf("a viewer created a webhook: %v", err)
	}
	if _, err := h.CreateWebhook(ctx, editor, hub.WebhookInput{URL: &url, Filter: &filter, Stream: hub.StreamOutcomes}); !errors.Is(err, hub.ErrWebhookKey) {
		t.Errorf("a webhook without a sealed secret: %v", err)
	}
	var invalid *hub.ValidationError
	if _, err := h.CreateWebhook(ctx, editor, hub.WebhookInput{URL: &url, Filter: &filter, SealedSecret: "gcm1:x"}); !errors.As(err, &invalid) {
		t.Errorf("a webhook without a stream: %v", err)
	}
	w, err := h.CreateWebhook(ctx, editor, in)
	if err != nil {
		t.Fatal(err)
	}
	if w.StartSeq != h.Model().Seq()-1 || w.Creator.TokenID != "te" || !w.Active() {
		t.Errorf("created %+v at %d", w, h.Model().Seq())
	}
	m := h.Model()
	for _, c := range []struct {
		v    hub.Viewer
		sees bool
	}{
		{hub.Viewer{}, false},
		{hub.Viewer{Role: hub.RoleViewer, TokenID: "tv"}, false},
		{hub.Viewer{Role: hub.RoleEditor, StakeholderID: "bpd", TokenID: "to"}, false},
		{hub.Viewer{Role: hub.RoleEditor, StakeholderID: "bpd", TokenID: "te"}, true},
		{hub.Viewer{Role: hub.RoleAdmin, TokenID: "ta"}, true},
	} {
		if got := m.Visible(c.v, w) != nil; got != c.sees {
			t.Errorf("%+v sees the editor's webhook: %v", c.v, got)
		}
		if got := len(m.Webhooks(c.v)) == 1; got != c.sees {
			t.Errorf("%+v lists %d webhooks", c.v, len(m.Webhooks(c.v)))
		}
	}
	if _, err := h.DeleteWebhook(ctx, other, w.ID); !errors.As(err, &invalid) || invalid.Errors[0].Code != hub.CodeNotFound {
		t.Errorf("another editor deleted it: %v", err)
	}
	if _, err := h.RotateWebhookSecret(ctx, editor, w.ID, "gcm1:new"); err != nil {
		t.Error(err)
	}
	d, err := h.DisableWebhook(ctx, w.ID, "deliveries failed for 3 days")
	if err != nil || d.Active() || d.Disabled == "" {
		t.Fatalf("disabled: %+v %v", d, err)
	}
	if got := m.ActiveWebhooks(); len(got) != 0 {
		t.Errorf("a disabled webhook is active: %v", got)
	}
	events, err := st.ReadAfter(ctx, h.Model().Seq()-1)
	if err != nil || len(events) != 1 || events[0].Kind != "WebhookDisabled" || events[0].Actor.Role != hub.ActorSystem {
		t.Fatalf("the disabling event: %+v %v", events, err)
	}
	if !m.CanSeeEvent(hub.Viewer{Role: hub.RoleAdmin}, events[0]) || m.CanSeeEvent(hub.Viewer{Role: hub.RoleViewer}, events[0]) {
		t.Error("the disabling event is not for admins alone (and the creator)")
	}
	for _, f := range events[0].Changes {
		if f.Field == "secret" || f.Field == "creator" {
			t.Errorf("a changed field %q", f.Field)
		}
	}
	u, err := h.UpdateWebhook(ctx, editor, w.ID, hub.WebhookInput{})
	if err != nil || !u.Active() || u.SealedSecret != "gcm1:new" {
		t.Errorf("updated: %+v %v", u, err)
	}
	if _, err := h.UpdateWebhook(ctx, admin, w.ID, hub.WebhookInput{Description: &url}); err != nil {
		t.Errorf("an admin may change any webhook: %v", err)
	}
	if _, err := h.DeleteWebhook(ctx, editor, w.ID); err != nil {
		t.Error(err)
	}
	if m.Visible(hub.Viewer{Role: hub.RoleAdmin}, hub.Webhooks.Get(m, w.ID)) != nil || len(m.ActiveWebhooks()) != 0 {
		t.Error("a deleted webhook is still seen")
	}
}
