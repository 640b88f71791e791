package gateway

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// SubscriptionEvents completes the result of each subscription event, on
// every transport. gqlgen resolves an event's selection below the root
// field and wraps the value as {"field": value}, so (1) the paths of the
// event's errors leave out the root field, and (2) an event whose non-null
// root failed (an error in a non-null field below it) comes out as
// {"field": null}, which the schema says cannot be. Here the root is put
// back at the head of each path, and such a null propagates, as GraphQL
// says, to the whole result: data: null with its errors. The subscription
// goes on with the next event.
type SubscriptionEvents struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = SubscriptionEvents{}

func (SubscriptionEvents) ExtensionName() string { return "ConveneSubscriptionEvents" }

func (SubscriptionEvents) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse sees each event's result (a subscription that fails
// before its first event is answered without passing here).
func (SubscriptionEvents) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) == 0 || !graphql.HasOperationContext(ctx) {
		return resp
	}
	rc := graphql.GetOperationContext(ctx)
	if rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return resp
	}
	fields := graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Subscription"})
	if len(fields) != 1 || fields[0].Definition == nil {
		return resp
	}
	root := fields[0]
	for _, e := range resp.Errors {
		if len(e.Path) > 0 {
			e.Path = append(ast.Path{ast.PathName(root.Alias)}, e.Path...)
		}
	}
	var data map[string]json.RawMessage
	if root.Definition.Type.NonNull && json.Unmarshal(resp.Data, &data) == nil && len(data) == 1 && isNull(data[root.Alias]) {
		resp.Data = json.RawMessage("null")
	}
	return resp
}
