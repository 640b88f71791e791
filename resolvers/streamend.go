package resolvers

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// A subscription resolver hands gqlgen a channel, which can only close;
// a stream that cannot go on leaves its error in the operation's
// streamEnd, and EndStreams sends it as the stream's last response.
type streamEnd struct {
	mu  sync.Mutex
	err *gqlerror.Error
}

type streamEndKey struct{}

// endWith records the error the subscription in ctx ends with; call it
// before closing the subscription's channel.
func endWith(ctx context.Context, err *gqlerror.Error) {
	if end, _ := ctx.Value(streamEndKey{}).(*streamEnd); end != nil {
		end.mu.Lock()
		end.err = err
		end.mu.Unlock()
	}
}

func (e *streamEnd) take() *gqlerror.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.err
	e.err = nil
	return err
}

// EndStreams is the operation middleware that makes a subscription ended
// by an error (a replay that cannot read the log) end with that error, on
// every transport, rather than a bare complete.
func EndStreams(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation != ast.Subscription {
		return next(ctx)
	}
	end := &streamEnd{}
	responses := next(context.WithValue(ctx, streamEndKey{}, end))
	return func(ctx context.Context) *graphql.Response {
		if resp := responses(ctx); resp != nil {
			return resp
		}
		if err := end.take(); err != nil {
			return &graphql.Response{Errors: gqlerror.List{err}}
		}
		return nil
	}
}
