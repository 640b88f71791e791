package resolvers

import (
	"context"
	"encoding/json"

	"convene/graph"
	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/webhook"
)

// Webhook returns the webhook resolver.
func (r *Resolver) Webhook() graph.WebhookResolver { return &webhookResolver{r} }

// WebhookDelivery returns the delivery resolver.
func (r *Resolver) WebhookDelivery() graph.WebhookDeliveryResolver { return &deliveryResolver{r} }

type webhookResolver struct{ *Resolver }

type deliveryResolver struct{ *Resolver }

var errNoWebhooks = &codedError{codeUnavailable, "webhooks are not configured on this server"}

func (r *queryResolver) Webhooks(ctx context.Context, first *int, after *string, last *int, before *string) (*model.WebhookConnection, error) {
	v := viewer(ctx)
	if !v.Authenticated() {
		return nil, errUnauthenticated
	}
	return connection[model.WebhookConnection, model.WebhookEdge](r.model().Webhooks(v), hub.WebhookKey, true, pageArgs{first, last, after, before}, asIs)
}

func (r *webhookResolver) ID(ctx context.Context, w *hub.Webhook) (string, error) {
	return opaque.GlobalID(hub.TypeWebhook, w.ID), nil
}

func (r *webhookResolver) Filter(ctx context.Context, w *hub.Webhook) (*model.WebhookFilterView, error) {
	field, _ := webhook.Document(w.Stream)
	return &model.WebhookFilterView{Subscription: field, Filter: w.Filter}, nil
}

func (r *webhookResolver) Active(ctx context.Context, w *hub.Webhook) (bool, error) {
	return w.Active(), nil
}

func (r *webhookResolver) DisabledReason(ctx context.Context, w *hub.Webhook) (*string, error) {
	return nonEmpty(w.Disabled), nil
}

func (r *webhookResolver) Deliveries(ctx context.Context, w *hub.Webhook, first *int, after *string, last *int, before *string) (*model.WebhookDeliveryConnection, error) {
	if r.Webhooks == nil {
		return nil, errNoWebhooks
	}
	list, err := r.Webhooks.Deliveries(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	key := func(d *webhook.Delivery) string { return d.At.UTC().Format("2006-01-02T15:04:05.000") + d.ID.Hex() }
	return connection[model.WebhookDeliveryConnection, model.WebhookDeliveryEdge](list, key, true, pageArgs{first, last, after, before}, asIs)
}

func (r *deliveryResolver) Cursor(ctx context.Context, d *webhook.Delivery) (*string, error) {
	if d.Seq == 0 {
		return nil, nil
	}
	c := opaque.EventCursor(d.Seq)
	return &c, nil
}

func (r *deliveryResolver) StatusCode(ctx context.Context, d *webhook.Delivery) (*int, error) {
	if d.Status == 0 {
		return nil, nil
	}
	return &d.Status, nil
}

func (r *deliveryResolver) DurationMs(ctx context.Context, d *webhook.Delivery) (int, error) {
	return int(d.Duration.Milliseconds()), nil
}

func (r *deliveryResolver) Error(ctx context.Context, d *webhook.Delivery) (*string, error) {
	return nonEmpty(d.Error), nil
}

func (r *deliveryResolver) Response(ctx context.Context, d *webhook.Delivery) (*string, error) {
	return nonEmpty(d.Response), nil
}

// webhookFilter checks a webhook's filter as its subscription would and
// returns the stream and the filter as JSON.
func webhookFilter(v hub.Viewer, f *model.WebhookFilter) (hub.WebhookStream, string, error) {
	var stream hub.WebhookStream
	var chosen any
	n := 0
	if f.Outcomes != nil {
		if _, err := outcomeSubscription(v, f.Outcomes); err != nil {
			return "", "", err
		}
		stream, chosen, n = hub.StreamOutcomes, f.Outcomes, n+1
	}
	if f.Commitments != nil {
		if _, err := commitmentSubscription(f.Commitments); err != nil {
			return "", "", err
		}
		stream, chosen, n = hub.StreamCommitments, f.Commitments, n+1
	}
	if f.Events != nil {
		if _, err := eventSubscription(f.Events); err != nil {
			return "", "", err
		}
		stream, chosen, n = hub.StreamEvents, f.Events, n+1
	}
	if f.Referrals != nil {
		d := filterIDs{arg: "filter.referrals"}
		if d.ids("providerIds", hub.TypeStakeholder, f.Referrals.ProviderIds); d.err != nil {
			return "", "", d.err
		}
		stream, chosen, n = hub.StreamReferrals, f.Referrals, n+1
	}
	if n != 1 {
		return "", "", badInput("a webhook's filter gives exactly one of outcomes, commitments, events or referrals")
	}
	b, err := json.Marshal(chosen)
	return stream, string(b), err
}

// urlErrors checks a webhook URL against the server's policy.
func (r *mutationResolver) urlErrors(ctx context.Context, url *string) []*hub.FieldError {
	if url == nil {
		return nil
	}
	if err := r.Webhooks.Policy().CheckURL(ctx, *url); err != nil {
		return []*hub.FieldError{{Field: []string{"input", "url"}, Message: err.Error(), Code: hub.CodeInvalid}}
	}
	return nil
}

// webhookWriter is the caller as the author of a change to webhooks.
func (r *mutationResolver) webhookWriter(ctx context.Context) (hub.Actor, error) {
	if r.Webhooks == nil {
		return hub.Actor{}, errNoWebhooks
	}
	return writer(ctx)
}

func (r *mutationResolver) CreateWebhook(ctx context.Context, in model.CreateWebhookInput) (*model.CreateWebhookPayload, error) {
	actor, err := r.webhookWriter(ctx)
	if err != nil {
		return nil, err
	}
	stream, filter, err := webhookFilter(viewer(ctx), in.Filter)
	if err != nil {
		return nil, err
	}
	if ue := r.urlErrors(ctx, &in.URL); ue != nil {
		return &model.CreateWebhookPayload{UserErrors: ue}, nil
	}
	secret, sealed := r.Webhooks.NewSecret()
	w, err := r.Hub.CreateWebhook(ctx, actor, hub.WebhookInput{URL: &in.URL, Description: in.Description, Stream: stream, Filter: &filter, SealedSecret: sealed})
	ue, err := userErrors(err)
	if w == nil {
		secret = ""
	}
	return &model.CreateWebhookPayload{Webhook: w, Secret: nonEmpty(secret), UserErrors: ue}, err
}

func (r *mutationResolver) UpdateWebhook(ctx context.Context, in model.UpdateWebhookInput) (*model.WebhookPayload, error) {
	actor, err := r.webhookWriter(ctx)
	if err != nil {
		return nil, err
	}
	up := hub.WebhookInput{URL: in.URL, Description: in.Description}
	if in.Filter != nil {
		stream, filter, err := webhookFilter(viewer(ctx), in.Filter)
		if err != nil {
			return nil, err
		}
		up.Stream, up.Filter = stream, &filter
	}
	if ue := r.urlErrors(ctx, in.URL); ue != nil {
		return &model.WebhookPayload{UserErrors: ue}, nil
	}
	w, err := r.Hub.UpdateWebhook(ctx, actor, localID(hub.TypeWebhook, in.ID), up)
	ue, err := userErrors(err)
	return &model.WebhookPayload{Webhook: w, UserErrors: ue}, err
}

func (r *mutationResolver) DeleteWebhook(ctx context.Context, in model.WebhookIDInput) (*model.WebhookPayload, error) {
	actor, err := r.webhookWriter(ctx)
	if err != nil {
		return nil, err
	}
	_, err = r.Hub.DeleteWebhook(ctx, actor, localID(hub.TypeWebhook, in.ID))
	ue, err := userErrors(err)
	return &model.WebhookPayload{UserErrors: ue}, err
}

func (r *mutationResolver) RotateWebhookSecret(ctx context.Context, in model.WebhookIDInput) (*model.CreateWebhookPayload, error) {
	actor, err := r.webhookWriter(ctx)
	if err != nil {
		return nil, err
	}
	secret, sealed := r.Webhooks.NewSecret()
	w, err := r.Hub.RotateWebhookSecret(ctx, actor, localID(hub.TypeWebhook, in.ID), sealed)
	ue, err := userErrors(err)
	if w == nil {
		secret = ""
	}
	return &model.CreateWebhookPayload{Webhook: w, Secret: nonEmpty(secret), UserErrors: ue}, err
}

func (r *mutationResolver) TestWebhook(ctx context.Context, in model.WebhookIDInput) (*model.TestWebhookPayload, error) {
	if _, err := r.webhookWriter(ctx); err != nil {
		return nil, err
	}
	w, _ := r.visible(ctx, hub.Webhooks.Get(r.model(), localID(hub.TypeWebhook, in.ID))).(*hub.Webhook)
	if w == nil {
		return &model.TestWebhookPayload{UserErrors: []*hub.FieldError{{Field: []string{"input", "id"}, Message: "no such webhook", Code: hub.CodeNotFound}}}, nil
	}
	d, err := r.Webhooks.Test(ctx, w)
	if err != nil {
		return nil, err
	}
	return &model.TestWebhookPayload{Webhook: w, Delivery: d, UserErrors: []*hub.FieldError{}}, nil
}

func (r *mutationResolver) RedeliverWebhook(ctx context.Context, in model.RedeliverWebhookInput) (*model.WebhookPayload, error) {
	actor, err := r.webhookWriter(ctx)
	if err != nil {
		return nil, err
	}
	seq, err := parseEventCursor(in.After)
	if err != nil {
		return nil, err
	}
	w, err := r.Hub.RedeliverWebhook(ctx, actor, localID(hub.TypeWebhook, in.ID), seq)
	ue, err := userErrors(err)
	return &model.WebhookPayload{Webhook: w, UserErrors: ue}, err
}
