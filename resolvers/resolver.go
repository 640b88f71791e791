// Package resolvers is the GraphQL adapter: it reads the caller from the
// context, turns global IDs into domain ones, calls the hub and maps its
// results and errors onto the schema. It holds no storage code.
package resolvers

import (
	"context"
	"log/slog"
	"maps"

	"convene/auth"
	"convene/graph"
	"convene/hub"
	"convene/webhook"

	"github.com/vektah/gqlparser/v2/ast"
)

// Resolver is the root of every resolver; it holds the hub.
type Resolver struct {
	Hub    *hub.Hub
	Logger *slog.Logger
	// Webhooks delivers webhooks; nil where the server runs none.
	Webhooks *webhook.Service
}

// NewExecutableSchema builds the GraphQL schema served by the hub.
func NewExecutableSchema(h *hub.Hub, logger *slog.Logger) graph.Config {
	return graph.Config{Resolvers: &Resolver{Hub: h, Logger: logger}, Schema: servedSchema}
}

// servedSchema is schema.graphqls with gqlparser's built-ins except
// @defer: the prelude declares it and gqlgen would run it, but results are
// not delivered incrementally, so a document that asks for it fails
// validation (unknown directive) on every transport, and introspection
// does not list it.
var servedSchema = withoutDirectives(graph.NewExecutableSchema(graph.Config{}).Schema(), "defer")

// withoutDirectives returns a copy of s without the named directives.
func withoutDirectives(s *ast.Schema, names ...string) *ast.Schema {
	c := *s
	c.Directives = maps.Clone(s.Directives)
	for _, name := range names {
		delete(c.Directives, name)
	}
	return &c
}

func (r *Resolver) model() *hub.ReadModel { return r.Hub.Model() }

// writer returns the caller as the author of a change: UNAUTHENTICATED
// without a token, FORBIDDEN for read-only tokens. What each role may
// change is the hub's rule.
func writer(ctx context.Context) (hub.Actor, error) {
	v := auth.ViewerFrom(ctx)
	switch {
	case !v.Authenticated():
		return hub.Actor{}, errUnauthenticated
	case v.Role == hub.RoleViewer:
		return hub.Actor{}, errForbidden("a viewer token reads and writes nothing")
	}
	return v.Actor(), nil
}

// Root resolvers, one per type with resolved fields.

// Query returns the query resolver.
func (r *Resolver) Query() graph.QueryResolver { return &queryResolver{r} }

// Mutation returns the mutation resolver.
func (r *Resolver) Mutation() graph.MutationResolver { return &mutationResolver{r} }

// StrategicPlan returns the plan resolver.
func (r *Resolver) StrategicPlan() graph.StrategicPlanResolver { return &planResolver{r} }

// Pillar returns the pillar resolver.
func (r *Resolver) Pillar() graph.PillarResolver { return &pillarResolver{r} }

// Objective returns the objective resolver.
func (r *Resolver) Objective() graph.ObjectiveResolver { return &objectiveResolver{r} }

// Community returns the community resolver.
func (r *Resolver) Community() graph.CommunityResolver { return &communityResolver{r} }

// Stakeholder returns the stakeholder resolver.
func (r *Resolver) Stakeholder() graph.StakeholderResolver { return &stakeholderResolver{r} }

// Commitment returns the commitment resolver.
func (r *Resolver) Commitment() graph.CommitmentResolver { return &commitmentResolver{r} }

// Disaggregation returns the resolver of an actual's parts.
func (r *Resolver) Disaggregation() graph.DisaggregationResolver { return &disaggregationResolver{r} }

// Participant returns the participant resolver.

// Meeting returns the meeting resolver.
func (r *Resolver) Meeting() graph.MeetingResolver { return &meetingResolver{r} }

// MeetingOutcome returns the outcome resolver.
func (r *Resolver) MeetingOutcome() graph.MeetingOutcomeResolver { return &outcomeResolver{r} }

// Actor returns the actor resolver.
func (r *Resolver) Actor() graph.ActorResolver { return &actorResolver{r} }

type actorResolver struct{ *Resolver }

func (r *actorResolver) Stakeholder(ctx context.Context, a *hub.Actor) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), a.StakeholderID), nil
}

func (r *actorResolver) Token(ctx context.Context, a *hub.Actor) (*hub.Token, error) {
	t, _ := r.visible(ctx, hub.Tokens.Get(r.model(), a.TokenID)).(*hub.Token)
	return t, nil
}
