package app

import (
	"context"
	"encoding/json"
	"errors"

	"convene/auth"
	"convene/graph"
	"convene/hub"
	"convene/resolvers"
	"convene/webhook"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
)

// startWebhooks opens the webhook key (generating it into the data
// directory when none is configured) and starts delivering.
func (a *App) startWebhooks(cfg Config) error {
	box, generated, err := webhook.LoadBox(cfg.webhooks.key, cfg.dataDir)
	if err != nil {
		return err
	}
	if generated {
		a.logger.Info("generated the webhook key; every instance serving this database needs the same (--webhook-key)", "file", cfg.dataDir+"/"+webhook.KeyFile)
	}
	exec := executor.New(graph.NewExecutableSchema(resolvers.NewExecutableSchema(a.hub, a.logger)))
	exec.AroundOperations(resolvers.EndStreams)
	exec.SetErrorPresenter(resolvers.PresentError(a.logger))
	exec.SetRecoverFunc(resolvers.Recover(a.logger))
	a.webhooks = webhook.New(webhook.Options{
		Hub: a.hub, DB: a.store.Database(), Box: box, Logger: a.logger,
		Policy:     webhook.Policy{AllowPrivate: cfg.webhooks.allowPrivate, AllowHTTP: cfg.webhooks.allowHTTP},
		Subscribe:  subscribeWith(exec),
		StillValid: a.auth.StillValid,
	})
	a.webhooks.Start()
	return nil
}

// subscribeWith runs subscriptions on the server's own schema, as the
// transports do, so that a webhook's body is the subscription's message.
func subscribeWith(exec *executor.Executor) webhook.Subscribe {
	return func(ctx context.Context, v hub.Viewer, query string, vars map[string]any) (func() ([]byte, bool), error) {
		ctx = graphql.StartOperationTrace(auth.WithViewer(ctx, v))
		params := &graphql.RawParams{Query: query, Variables: vars, ReadTime: graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}}
		oc, errs := exec.CreateOperationContext(ctx, params)
		if errs != nil {
			return nil, errors.New(errs.Error())
		}
		ctx = graphql.WithOperationContext(ctx, oc)
		responses, ctx := exec.DispatchOperation(ctx, oc)
		return func() ([]byte, bool) {
			r := responses(ctx)
			if r == nil || len(r.Errors) > 0 {
				return nil, false // ended, or the log could not be read: the deliverer starts again
			}
			b, err := json.Marshal(r)
			return b, err == nil
		}, nil
	}
}
