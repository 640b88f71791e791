package resolvers

import (
	"context"
	"errors"
	"log/slog"

	"convene/hub"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Stable values of extensions.code.
const (
	codeBadUserInput    = "BAD_USER_INPUT"
	codeUnauthenticated = "UNAUTHENTICATED"
	codeForbidden       = "FORBIDDEN"
	codeConflict        = "CONFLICT"
	codeUnavailable     = "UNAVAILABLE"
	codeInternal        = "INTERNAL"
)

// codedError is an error safe to show to clients, with its code.
type codedError struct{ code, message string }

func (e *codedError) Error() string { return e.message }

func badInput(msg string) error { return &codedError{codeBadUserInput, msg} }

var errUnauthenticated = &codedError{codeUnauthenticated, "this operation needs an Authorization: Bearer token"}

func errForbidden(msg string) error { return &codedError{codeForbidden, msg} }

// PresentError decides what a client sees of an error: domain and input
// errors keep their message and get a stable code; anything else is logged
// with detail and shown as a bare INTERNAL error.
func PresentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var coded *codedError
		var conflict *hub.ConflictError
		var forbidden *hub.ForbiddenError
		var parsed *gqlerror.Error
		switch {
		case errors.As(err, &coded):
			setCode(gqlErr, coded.code)
		case errors.As(err, &forbidden):
			setCode(gqlErr, codeForbidden)
		case errors.As(err, &conflict):
			setCode(gqlErr, codeConflict)
			gqlErr.Extensions["currentVersion"] = conflict.CurrentVersion
		case errors.Is(err, hub.ErrUnavailable), errors.Is(err, hub.ErrBusy):
			// The detail (which database, why) is for operators.
			logger.WarnContext(ctx, "database unavailable", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = "the database is unavailable, so nothing was recorded that this server could confirm: retry later"
			setCode(gqlErr, codeUnavailable)
		case errors.As(err, &parsed) && parsed.Err == nil:
			// Parse and validation errors from gqlgen: already safe, already coded.
		default:
			logger.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = "internal error"
			setCode(gqlErr, codeInternal)
		}
		return gqlErr
	}
}

// Recover turns a panic in a resolver into an INTERNAL error.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", p)
		return errors.New("panic in resolver")
	}
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

// userErrors splits an error from the hub: validation failures go into the
// payload; anything else is a GraphQL error.
func userErrors(err error) ([]*hub.FieldError, error) {
	var v *hub.ValidationError
	if err == nil {
		return []*hub.FieldError{}, nil
	}
	if !errors.As(err, &v) {
		return nil, err
	}
	out := make([]*hub.FieldError, len(v.Errors))
	for i := range v.Errors {
		out[i] = &v.Errors[i]
	}
	return out, nil
}
