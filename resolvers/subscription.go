package resolvers

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"convene/graph"
	"convene/graph/model"
	"convene/hub"
	"convene/live"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Subscription returns the subscription resolver.
func (r *Resolver) Subscription() graph.SubscriptionResolver { return &subscriptionResolver{r} }

type subscriptionResolver struct{ *Resolver }

func (r *subscriptionResolver) MeetingOutcomeRecorded(ctx context.Context, filter *model.OutcomeSubscriptionFilter, after *string) (<-chan *hub.Event, error) {
	f := hub.OutcomeSubscription{Viewer: viewer(ctx)}
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.OutcomeSubscription{
			Viewer:         viewer(ctx),
			MeetingIDs:     d.ids("meetingIds", hub.TypeMeeting, filter.MeetingIds),
			OwnerIDs:       d.ids("ownerIds", hub.TypeStakeholder, filter.OwnerIds),
			StakeholderIDs: d.ids("stakeholderIds", hub.TypeStakeholder, filter.StakeholderIds),
			Sectors:        filter.Sectors,
			PillarIDs:      d.ids("pillarIds", hub.TypePillar, filter.PillarIds),
			Kinds:          filter.Kinds,
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	return r.follow(ctx, after, r.model().OutcomeRecorded(f))
}

func (r *subscriptionResolver) CommitmentUpdated(ctx context.Context, filter *model.CommitmentSubscriptionFilter, after *string) (<-chan *hub.Event, error) {
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
			return nil, d.err
		}
	}
	return r.follow(ctx, after, r.model().CommitmentChanged(f))
}

func (r *subscriptionResolver) Events(ctx context.Context, filter *model.EventFilter, after *string) (<-chan *hub.Event, error) {
	var f hub.EventSubscription
	if filter != nil {
		f.Kinds = filter.Kinds
		for _, t := range filter.EntityTypes {
			f.Types = append(f.Types, entityTypes[t])
		}
		d := filterIDs{arg: "filter"}
		locals := d.ids("nodeIds", "", filter.NodeIds)
		if d.err != nil {
			return nil, d.err
		}
		for i, id := range filter.NodeIds {
			t, _, _ := ParseGlobalID(id)
			f.Streams = append(f.Streams, hub.StreamOf(t, locals[i]))
		}
	}
	return r.follow(ctx, after, func(e *hub.Event) bool {
		return f.Matches(e) && r.visible(ctx, e.State.Entity()) != nil
	})
}

// follow streams the matching events after the cursor (or from now) until
// the subscription ends. A stream that cannot go on (the log cannot be
// read) ends with an UNAVAILABLE error naming the cursor to resume after.
func (r *subscriptionResolver) follow(ctx context.Context, after *string, match func(*hub.Event) bool) (<-chan *hub.Event, error) {
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
	pos := live.PositionFrom(ctx)
	ch := make(chan *hub.Event)
	go func() {
		defer close(ch)
		delivered := eventCursor(seq)
		err := r.Hub.Follow(ctx, seq, match, func(e *hub.Event) error {
			cursor := eventCursor(e.Seq)
			if pos != nil {
				pos.Set(cursor)
			}
			select {
			case ch <- e:
				delivered = cursor
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err == nil || ctx.Err() != nil {
			return
		}
		r.Logger.ErrorContext(ctx, "subscription ended", "err", err, "resumeAfter", delivered)
		if pos != nil {
			pos.Fail()
		}
		endWith(ctx, &gqlerror.Error{
			Message:    fmt.Sprintf("the event log could not be read, so this subscription ended; subscribe again with after: %q to resume without missing anything", delivered),
			Path:       path,
			Extensions: map[string]any{"code": codeUnavailable, "resumeAfter": delivered},
		})
	}()
	return ch, nil
}

// Event cursors are opaque to clients: base64url("e:" + sequence number).
func eventCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e:" + strconv.FormatInt(seq, 10)))
}

func parseEventCursor(c string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	n, perr := strconv.ParseInt(strings.TrimPrefix(string(raw), "e:"), 10, 64)
	if err != nil || !strings.HasPrefix(string(raw), "e:") || perr != nil || n < 0 {
		return 0, badInput(fmt.Sprintf("%q is not an event cursor", c))
	}
	return n, nil
}

// entityTypes names the kinds as the schema's EntityType does.
var entityTypes = map[string]hub.EntityType{
	"STRATEGIC_PLAN":  hub.TypePlan,
	"PILLAR":          hub.TypePillar,
	"OBJECTIVE":       hub.TypeObjective,
	"COMMUNITY":       hub.TypeCommunity,
	"STAKEHOLDER":     hub.TypeStakeholder,
	"COMMITMENT":      hub.TypeCommitment,
	"MEETING":         hub.TypeMeeting,
	"MEETING_OUTCOME": hub.TypeOutcome,
	"TOKEN":           hub.TypeToken,
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
	return eventCursor(e.Seq), nil
}

func (r *eventResolver) Outcome(ctx context.Context, e *hub.Event) (*hub.MeetingOutcome, error) {
	return e.State.Outcome, nil
}

func (r *eventResolver) Commitment(ctx context.Context, e *hub.Event) (*gqltype.Commitment, error) {
	return r.commitment(e.State.Commitment), nil
}

func (r *eventResolver) Node(ctx context.Context, e *hub.Event) (gqltype.Node, error) {
	return r.node(e.State.Entity()), nil
}

func (r *eventResolver) EntityType(ctx context.Context, e *hub.Event) (string, error) {
	return entityTypeOf(e.Type)
}

func entityTypeOf(t hub.EntityType) (string, error) {
	for gql, ht := range entityTypes {
		if ht == t {
			return gql, nil
		}
	}
	return "", fmt.Errorf("unknown entity type %q", t)
}

func (r *eventResolver) ChangedFields(ctx context.Context, e *hub.Event) ([]*hub.FieldChange, error) {
	return presentFields(ctx, e.Changes), nil
}
