package resolvers

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"convene/graph"
	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Subscription returns the subscription resolver.
func (r *Resolver) Subscription() graph.SubscriptionResolver { return &subscriptionResolver{r} }

type subscriptionResolver struct{ *Resolver }

func (r *subscriptionResolver) MeetingOutcomeRecorded(ctx context.Context, filter *model.OutcomeSubscriptionFilter, after *string) (<-chan *hub.Event, error) {
	f, err := outcomeSubscription(viewer(ctx), filter)
	if err != nil {
		return nil, err
	}
	return r.follow(ctx, after, r.model().OutcomeRecorded(f))
}

// outcomeSubscription is the domain's form of an outcome filter.
func outcomeSubscription(v hub.Viewer, filter *model.OutcomeSubscriptionFilter) (hub.OutcomeSubscription, error) {
	f := hub.OutcomeSubscription{Viewer: v}
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.OutcomeSubscription{
			Viewer:         v,
			MeetingIDs:     d.ids("meetingIds", hub.TypeMeeting, filter.MeetingIds),
			OwnerIDs:       d.ids("ownerIds", hub.TypeStakeholder, filter.OwnerIds),
			StakeholderIDs: d.ids("stakeholderIds", hub.TypeStakeholder, filter.StakeholderIds),
			Sectors:        filter.Sectors,
			PillarIDs:      d.ids("pillarIds", hub.TypePillar, filter.PillarIds),
			Kinds:          filter.Kinds,
		}
		if d.err != nil {
			return f, d.err
		}
	}
	return f, nil
}

func (r *subscriptionResolver) CommitmentUpdated(ctx context.Context, filter *model.CommitmentSubscriptionFilter, after *string) (<-chan *hub.Event, error) {
	f, err := commitmentSubscription(filter)
	if err != nil {
		return nil, err
	}
	return r.follow(ctx, after, r.model().CommitmentChanged(f))
}

// commitmentSubscription is the domain's form of a commitment filter.
func commitmentSubscription(filter *model.CommitmentSubscriptionFilter) (hub.CommitmentSubscription, error) {
	var f hub.CommitmentSubscription
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.CommitmentSubscription{
			CommitmentIDs:  d.ids("commitmentIds", hub.TypeCommitment, filter.CommitmentIds),
			StakeholderIDs: d.ids("stakeholderIds", hub.TypeStakeholder, filter.StakeholderIds),
			Sectors:        filter.Sectors,
			PillarIDs:      d.ids("pillarIds", hub.TypePillar, filter.PillarIds),
			ObjectiveIDs:   d.ids("objectiveIds", hub.TypeObjective, filter.ObjectiveIds),
			Statuses:       filter.Statuses,
		}
		if d.err != nil {
			return f, d.err
		}
	}
	return f, nil
}

func (r *subscriptionResolver) Events(ctx context.Context, filter *model.EventFilter, after *string) (<-chan *hub.Event, error) {
	f, err := eventSubscription(filter)
	if err != nil {
		return nil, err
	}
	return r.follow(ctx, after, f.Matches)
}

// eventSubscription is the domain's form of an events filter.
func eventSubscription(filter *model.EventFilter) (hub.EventSubscription, error) {
	var f hub.EventSubscription
	if filter != nil {
		f.Kinds = filter.Kinds
		for _, t := range filter.EntityTypes {
			f.Types = append(f.Types, hubType(t))
		}
		d := filterIDs{arg: "filter"}
		locals := d.ids("nodeIds", "", filter.NodeIds)
		if d.err != nil {
			return f, d.err
		}
		for i, id := range filter.NodeIds {
			t, _, _ := opaque.ParseGlobalID(id)
			f.Streams = append(f.Streams, hub.StreamOf(t, locals[i]))
		}
	}
	return f, nil
}

// follow streams the matching events after the cursor (or from now) until
// the subscription ends: those the viewer may see, by hub's read policy,
// judged as their entities are now. A stream that cannot go on (the log
// cannot be read) ends with an UNAVAILABLE error naming the cursor to
// resume after.
func (r *subscriptionResolver) follow(ctx context.Context, after *string, match func(*hub.Event) bool) (<-chan *hub.Event, error) {
	v := viewer(ctx)
	visible := func(e *hub.Event) bool { return match(e) && r.model().CanSeeEvent(v, e) }
	seq := r.model().Seq()
	if after != nil {
		var err error
		if seq, err = parseEventCursor(*after); err != nil {
			return nil, err
		}
		if head := r.model().Seq(); seq > head {
			return nil, badInput(fmt.Sprintf("cursor %q is not a position in this event log", *after))
		}
	}
	var path ast.Path
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		path = fc.Path()
	}
	ch := make(chan *hub.Event)
	go func() {
		defer close(ch)
		delivered := opaque.EventCursor(seq)
		err := r.Hub.Follow(ctx, seq, visible, func(e *hub.Event) error {
			select {
			case ch <- e:
				delivered = opaque.EventCursor(e.Seq)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err == nil || ctx.Err() != nil {
			return
		}
		r.Logger.ErrorContext(ctx, "subscription ended", "err", err, "resumeAfter", delivered)
		endWith(ctx, &gqlerror.Error{
			Message:    fmt.Sprintf("the event log could not be read, so this subscription ended; subscribe again with after: %q to resume without missing anything", delivered),
			Path:       path,
			Extensions: map[string]any{"code": codeUnavailable, "resumeAfter": delivered},
		})
	}()
	return ch, nil
}

func parseEventCursor(c string) (int64, error) {
	n, ok := opaque.ParseEventCursor(c)
	if !ok {
		return 0, badInput(fmt.Sprintf("%q is not an event cursor", c))
	}
	return n, nil
}

// OutcomeEvent returns the outcome message resolver.
func (r *Resolver) OutcomeEvent() graph.OutcomeEventResolver { return &eventResolver{r} }

// CommitmentEvent returns the commitment message resolver.
func (r *Resolver) CommitmentEvent() graph.CommitmentEventResolver { return &eventResolver{r} }

// ChangeEvent returns the change message resolver.
func (r *Resolver) ChangeEvent() graph.ChangeEventResolver { return &eventResolver{r} }

// eventResolver resolves the three message types, all views of one event.
type eventResolver struct{ *Resolver }

func (r *eventResolver) Cursor(ctx context.Context, e *hub.Event) (string, error) {
	return opaque.EventCursor(e.Seq), nil
}

func (r *eventResolver) Outcome(ctx context.Context, e *hub.Event) (*gqltype.MeetingOutcome, error) {
	return r.outcome(hub.Outcomes.Of(e.State)), nil
}

func (r *eventResolver) Commitment(ctx context.Context, e *hub.Event) (*gqltype.Commitment, error) {
	return r.commitment(hub.Commitments.Of(e.State)), nil
}

func (r *eventResolver) Node(ctx context.Context, e *hub.Event) (gqltype.Node, error) {
	return r.node(e.State.Entity()), nil
}

func (r *eventResolver) EntityType(ctx context.Context, e *hub.Event) (string, error) {
	return entityTypeOf(e.Type)
}

// The schema's EntityType enum names each kind of the registry in
// SCREAMING_SNAKE_CASE (MeetingOutcome: MEETING_OUTCOME);
// TestEntityTypeEnumIsTheRegistry holds the two to the same list.

// entityTypeOf is the enum value of a kind.
func entityTypeOf(t hub.EntityType) (string, error) {
	if !hub.Registered(t) {
		return "", fmt.Errorf("unknown entity type %q", t)
	}
	var b strings.Builder
	for i, c := range string(t) {
		if i > 0 && unicode.IsUpper(c) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String(), nil
}

// hubType is the kind an enum value names ("" for none).
func hubType(e string) hub.EntityType {
	for _, t := range hub.EntityTypes() {
		if gql, _ := entityTypeOf(t); gql == e {
			return t
		}
	}
	return ""
}

func (r *eventResolver) ChangedFields(ctx context.Context, e *hub.Event) ([]*hub.FieldChange, error) {
	return presentFields(ctx, e.Type, e.Changes), nil
}
