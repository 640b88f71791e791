package resolvers

import (
	"context"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"convene/hub"
	"convene/resolvers/gqltype"
)

// Time travel: a field with an `asOf` argument answers as the hub stood
// then (hub/asof.go), and so does every field under it: a nested resolver
// finds the instant in the arguments of the fields above it.

// asOf returns the instant the nearest field above ctx's (or its own)
// asks for, or nil for now.
func asOf(ctx context.Context) *time.Time {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if t, ok := fc.Args["asOf"].(*time.Time); ok && t != nil {
			return t
		}
	}
	return nil
}

// checkAsOf refuses an instant after now: the hub has no record of it.
func (r *Resolver) checkAsOf(t *time.Time) error {
	if now := r.Hub.Now(); t != nil && t.After(now) {
		return badInput(fmt.Sprintf("asOf %s is after now: the hub records the past and the present, not the future; leave asOf out for now",
			t.Format(time.RFC3339)))
	}
	return nil
}

// modelAt is the read model as of the instant ctx asks for: a view of the
// past, or the model itself.
func (r *Resolver) modelAt(ctx context.Context) (*hub.ReadModel, error) {
	t := asOf(ctx)
	if t == nil {
		return r.model(), nil
	}
	if err := r.checkAsOf(t); err != nil {
		return nil, err
	}
	return r.model().At(*t)
}

// today is the date overdue is judged on: asOf's (in its own offset), or
// today's.
func (r *Resolver) today(ctx context.Context) hub.Date {
	if t := asOf(ctx); t != nil {
		return hub.DateOf(*t)
	}
	return r.Hub.Today()
}

// lookup finds an entity by type and id, in some state of the hub.
type lookup = gqltype.Lookup

// lookupAt finds entities as the instant ctx asks for stood, one at a
// time (cheaper than a whole view for a single entity and what it refers to).
func (r *Resolver) lookupAt(ctx context.Context) (lookup, error) {
	t := asOf(ctx)
	if t == nil {
		m := r.model()
		return m.Entity, nil
	}
	if err := r.checkAsOf(t); err != nil {
		return nil, err
	}
	m := r.model()
	return func(typ hub.EntityType, id string) any {
		e, err := m.EntityAt(typ, id, *t)
		if err != nil {
			r.Logger.Error("time travel", "type", typ, "id", id, "err", err)
		}
		return e
	}, nil
}
