package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"convene/auth"
	"convene/graph"
	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
)

// RequireToken refuses every operation of an anonymous caller: installed
// when public reads are off (CONVENE_PUBLIC_READ=false).
func RequireToken(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if viewer(ctx).Authenticated() {
		return next(ctx)
	}
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
		Message:    "this server requires an Authorization: Bearer token for every request",
		Extensions: map[string]any{"code": codeUnauthenticated},
	}}})
}

// viewer is who is asking.
func viewer(ctx context.Context) hub.Viewer { return auth.ViewerFrom(ctx) }

// requireAdmin refuses everyone but admins: UNAUTHENTICATED without a
// token, FORBIDDEN with another role.
func requireAdmin(ctx context.Context) error {
	switch v := viewer(ctx); {
	case !v.Authenticated():
		return errUnauthenticated
	case v.Role != hub.RoleAdmin:
		return errForbidden("only the secretariat (an admin token) may see this")
	}
	return nil
}

// visible returns e when the viewer may see it (hub's read policy), else nil.
func (r *Resolver) visible(ctx context.Context, e any) any {
	return r.model().Visible(viewer(ctx), e)
}

func (r *queryResolver) Viewer(ctx context.Context) (*hub.Viewer, error) {
	v := viewer(ctx)
	return &v, nil
}

func (r *queryResolver) Tokens(ctx context.Context, first *int, after *string, last *int, before *string) (*model.TokenConnection, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return connection[model.TokenConnection, model.TokenEdge](r.model().Tokens(), hub.TokenKey, true, pageArgs{first, last, after, before}, asIs)
}

func (r *queryResolver) AuditLog(ctx context.Context, filter *model.AuditFilter, first *int, after *string, last *int, before *string) (*model.AuditEntryConnection, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var f hub.AuditFilter
	if filter != nil {
		// The bootstrap token has no global ID: "bootstrap" names it.
		var actors []string
		for _, id := range filter.ActorIds {
			if id == "bootstrap" {
				id = opaque.GlobalID(hub.TypeToken, auth.Bootstrap.TokenID)
			}
			actors = append(actors, id)
		}
		d := filterIDs{arg: "filter"}
		f = hub.AuditFilter{TokenIDs: d.ids("actorIds", hub.TypeToken, actors),
			StakeholderIDs: d.ids("stakeholderIds", hub.TypeStakeholder, filter.StakeholderIds), From: filter.From, To: filter.To}
		if d.err != nil {
			return nil, d.err
		}
	}
	entries, err := r.model().AuditLog(f)
	if err != nil {
		return nil, err
	}
	return connection[model.AuditEntryConnection, model.AuditEntryEdge](entries, hub.AuditKey, true, pageArgs{first, last, after, before}, asIs)
}

// Viewer returns the viewer resolver.
func (r *Resolver) Viewer() graph.ViewerResolver { return &viewerResolver{r} }

type viewerResolver struct{ *Resolver }

func (r *viewerResolver) Role(ctx context.Context, v *hub.Viewer) (*hub.Role, error) {
	if !v.Authenticated() {
		return nil, nil
	}
	return &v.Role, nil
}

func (r *viewerResolver) Stakeholder(ctx context.Context, v *hub.Viewer) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), v.StakeholderID), nil
}

func (r *viewerResolver) TokenLabel(ctx context.Context, v *hub.Viewer) (*string, error) {
	return nonEmpty(v.TokenLabel), nil
}

// Token returns the token resolver.
func (r *Resolver) Token() graph.TokenResolver { return &tokenResolver{r} }

type tokenResolver struct{ *Resolver }

func (r *tokenResolver) ID(ctx context.Context, t *hub.Token) (string, error) {
	return opaque.GlobalID(hub.TypeToken, t.ID), nil
}

func (r *tokenResolver) Stakeholder(ctx context.Context, t *hub.Token) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), t.StakeholderID), nil
}

func (r *tokenResolver) Active(ctx context.Context, t *hub.Token) (bool, error) {
	return t.Active(r.Hub.Now()), nil
}

// AuditEntry returns the audit entry resolver.
func (r *Resolver) AuditEntry() graph.AuditEntryResolver { return &auditResolver{r} }

type auditResolver struct{ *Resolver }

func (r *auditResolver) EntityType(ctx context.Context, e *hub.AuditEntry) (string, error) {
	return entityTypeOf(e.Type)
}

func (r *auditResolver) Fields(ctx context.Context, e *hub.AuditEntry) ([]*hub.FieldChange, error) {
	return presentFields(ctx, e.Type, e.Fields), nil
}

func (r *auditResolver) Node(ctx context.Context, e *hub.AuditEntry) (gqltype.Node, error) {
	return r.node(r.model().Entity(e.Type, e.EntityID)), nil
}

func (r *mutationResolver) IssueToken(ctx context.Context, in model.IssueTokenInput) (*model.IssueTokenPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	t, secret, err := r.Hub.IssueToken(ctx, actor, hub.IssueTokenInput{Label: in.Label, Role: in.Role,
		StakeholderID: optionalLocalID(hub.TypeStakeholder, in.StakeholderID), ExpiresAt: in.ExpiresAt})
	ue, err := userErrors(err)
	return &model.IssueTokenPayload{Token: t, Secret: nonEmpty(secret), UserErrors: ue}, err
}

func (r *mutationResolver) RevokeToken(ctx context.Context, in model.RevokeTokenInput) (*model.RevokeTokenPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	t, err := r.Hub.RevokeToken(ctx, actor, localID(hub.TypeToken, in.ID))
	ue, err := userErrors(err)
	return &model.RevokeTokenPayload{Token: t, UserErrors: ue}, err
}
