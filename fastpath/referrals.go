package fastpath

import (
	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
)

// The service directory and the referral networks (`services`,
// `referralNetworks`, a network's services), from the resolvers: a
// service's contacts are private, and its resolver decides who sees them.

var (
	serviceConnObj = &object[*model.ServiceConnection]{name: "ServiceConnection"}
	serviceEdgeObj = &object[*model.ServiceEdge]{name: "ServiceEdge"}
	serviceObj     = &object[*hub.Service]{name: "Service"}
	eligibilityObj = &object[*hub.Eligibility]{name: "Eligibility"}
	networkConnObj = &object[*model.ReferralNetworkConnection]{name: "ReferralNetworkConnection"}
	networkEdgeObj = &object[*model.ReferralNetworkEdge]{name: "ReferralNetworkEdge"}
	networkObj     = &object[*hub.ReferralNetwork]{name: "ReferralNetwork"}
)

func init() {
	serviceConnObj.fields = map[string]fieldSpec[*model.ServiceConnection]{
		"edges": list(of(func(c *model.ServiceConnection) []*model.ServiceEdge { return c.Edges }),
			serviceEdgeObj, ptr[model.ServiceEdge]),
		"nodes": list(of(func(c *model.ServiceConnection) []*hub.Service { return c.Nodes }),
			serviceObj, ptr[hub.Service]),
		"pageInfo": one(of(func(c *model.ServiceConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.ServiceConnection) int { return c.TotalCount }),
	}
	serviceEdgeObj.fields = map[string]fieldSpec[*model.ServiceEdge]{
		"cursor": str(func(e *model.ServiceEdge) string { return e.Cursor }),
		"node":   one(of(func(e *model.ServiceEdge) *hub.Service { return e.Node }), serviceObj, true, ptr[hub.Service]),
	}
	serviceObj.fields = map[string]fieldSpec[*hub.Service]{
		"id": globalID(hub.TypeService, func(s *hub.Service) string { return s.ID }),
		"provider": one(func(w *writer, s *hub.Service) (*hub.Stakeholder, error) {
			return w.ex.service.Provider(w.ctx, s)
		}, stakeholderObj, true, ptr[hub.Stakeholder]),
		"name":        str(func(s *hub.Service) string { return s.Name }),
		"description": str(func(s *hub.Service) string { return s.Description }),
		"category":    enum(func(s *hub.Service) hub.ServiceCategory { return s.Category }),
		"communities": list(func(w *writer, s *hub.Service) ([]*hub.Community, error) {
			return w.ex.service.Communities(w.ctx, s)
		}, communityObj, ptr[hub.Community]),
		"eligibility": one(of(func(s *hub.Service) *hub.Eligibility { return &s.Eligibility }),
			eligibilityObj, true, ptr[hub.Eligibility]),
		"capacity":  optInteger(func(s *hub.Service) *int { return s.Capacity }),
		"languages": leaf(func(w *writer, s *hub.Service) { w.strings(s.Languages) }),
		"openingHours": optStr(func(w *writer, s *hub.Service) (*string, error) {
			return w.ex.service.OpeningHours(w.ctx, s)
		}),
		"status": enum(func(s *hub.Service) hub.ServiceStatus { return s.Status }),
		"acceptingReferrals": boolean(func(w *writer, s *hub.Service) (bool, error) {
			return w.ex.service.AcceptingReferrals(w.ctx, s)
		}),
		"contacts": privateContacts(func(w *writer, s *hub.Service) ([]*hub.Contact, error) {
			return w.ex.service.Contacts(w.ctx, s)
		}),
		"version":   integer(func(s *hub.Service) int { return s.Version }),
		"createdAt": leaf(func(w *writer, s *hub.Service) { w.dateTime(s.CreatedAt) }),
		"updatedAt": leaf(func(w *writer, s *hub.Service) { w.dateTime(s.UpdatedAt) }),
	}
	eligibilityObj.fields = map[string]fieldSpec[*hub.Eligibility]{
		"minAge": optInteger(func(e *hub.Eligibility) *int { return e.MinAge }),
		"maxAge": optInteger(func(e *hub.Eligibility) *int { return e.MaxAge }),
		"description": optStr(func(w *writer, e *hub.Eligibility) (*string, error) {
			return w.ex.eligibility.Description(w.ctx, e)
		}),
	}
	networkConnObj.fields = map[string]fieldSpec[*model.ReferralNetworkConnection]{
		"edges": list(of(func(c *model.ReferralNetworkConnection) []*model.ReferralNetworkEdge { return c.Edges }),
			networkEdgeObj, ptr[model.ReferralNetworkEdge]),
		"nodes": list(of(func(c *model.ReferralNetworkConnection) []*hub.ReferralNetwork { return c.Nodes }),
			networkObj, ptr[hub.ReferralNetwork]),
		"pageInfo": one(of(func(c *model.ReferralNetworkConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.ReferralNetworkConnection) int { return c.TotalCount }),
	}
	networkEdgeObj.fields = map[string]fieldSpec[*model.ReferralNetworkEdge]{
		"cursor": str(func(e *model.ReferralNetworkEdge) string { return e.Cursor }),
		"node": one(of(func(e *model.ReferralNetworkEdge) *hub.ReferralNetwork { return e.Node }),
			networkObj, true, ptr[hub.ReferralNetwork]),
	}
	networkObj.fields = map[string]fieldSpec[*hub.ReferralNetwork]{
		"id":   globalID(hub.TypeReferralNetwork, func(n *hub.ReferralNetwork) string { return n.ID }),
		"name": str(func(n *hub.ReferralNetwork) string { return n.Name }),
		"coordinator": one(func(w *writer, n *hub.ReferralNetwork) (*hub.Stakeholder, error) {
			return w.ex.network.Coordinator(w.ctx, n)
		}, stakeholderObj, true, ptr[hub.Stakeholder]),
		"community": one(func(w *writer, n *hub.ReferralNetwork) (*hub.Community, error) {
			return w.ex.network.Community(w.ctx, n)
		}, communityObj, true, ptr[hub.Community]),
		"members": list(func(w *writer, n *hub.ReferralNetwork) ([]*hub.Stakeholder, error) {
			return w.ex.network.Members(w.ctx, n)
		}, stakeholderObj, ptr[hub.Stakeholder]),
		"services": pageField(serviceConnObj, func(w *writer, n *hub.ReferralNetwork, a pageArgs) (*model.ServiceConnection, error) {
			return w.ex.network.Services(w.ctx, n, a.first, a.after, a.last, a.before)
		}),
		"version":   integer(func(n *hub.ReferralNetwork) int { return n.Version }),
		"createdAt": leaf(func(w *writer, n *hub.ReferralNetwork) { w.dateTime(n.CreatedAt) }),
		"updatedAt": leaf(func(w *writer, n *hub.ReferralNetwork) { w.dateTime(n.UpdatedAt) }),
	}
}

var serviceFilter = input[model.ServiceFilter]{fields: map[string]func(*model.ServiceFilter, any) bool{
	"communityIds":       listField(func(f *model.ServiceFilter) *[]string { return &f.CommunityIds }, graphql.UnmarshalID),
	"categories":         listField(func(f *model.ServiceFilter) *[]hub.ServiceCategory { return &f.Categories }, gqltype.UnmarshalServiceCategory),
	"age":                optField(func(f *model.ServiceFilter) **int { return &f.Age }, graphql.UnmarshalInt),
	"providerIds":        listField(func(f *model.ServiceFilter) *[]string { return &f.ProviderIds }, graphql.UnmarshalID),
	"statuses":           listField(func(f *model.ServiceFilter) *[]hub.ServiceStatus { return &f.Statuses }, gqltype.UnmarshalServiceStatus),
	"search":             optField(func(f *model.ServiceFilter) **string { return &f.Search }, graphql.UnmarshalString),
	"acceptingReferrals": optField(func(f *model.ServiceFilter) **bool { return &f.AcceptingReferrals }, graphql.UnmarshalBoolean),
}}

var networkFilter = input[model.ReferralNetworkFilter]{fields: map[string]func(*model.ReferralNetworkFilter, any) bool{
	"communityIds": listField(func(f *model.ReferralNetworkFilter) *[]string { return &f.CommunityIds }, graphql.UnmarshalID),
	"memberIds":    listField(func(f *model.ReferralNetworkFilter) *[]string { return &f.MemberIds }, graphql.UnmarshalID),
}}

// filteredPage are the arguments of a page of a list by filter.
type filteredPage[F any] struct {
	page   pageArgs
	filter *F
}

// filteredRoot is a root field of a page of a list by filter, which get
// answers.
func filteredRoot[F, C any](filter input[F], get func(w *writer, a filteredPage[F]) (*C, error), o *object[*C]) fieldSpec[struct{}] {
	return rootField(append([]string{"filter"}, pageArgNames...),
		func(raw map[string]any) (a filteredPage[F], ok bool) {
			var okP, okF bool
			a.page, okP = decodePage(raw)
			a.filter, okF = filter.decode(raw, "filter")
			return a, okP && okF
		}, nil,
		func(w *writer, _ *graphql.CollectedField, a filteredPage[F]) (*C, error) { return get(w, a) },
		o, true, ptr[C])
}

var services = filteredRoot(serviceFilter, func(w *writer, a filteredPage[model.ServiceFilter]) (*model.ServiceConnection, error) {
	return w.ex.query.Services(w.ctx, a.page.first, a.page.after, a.page.last, a.page.before, a.filter)
}, serviceConnObj)

var referralNetworks = filteredRoot(networkFilter, func(w *writer, a filteredPage[model.ReferralNetworkFilter]) (*model.ReferralNetworkConnection, error) {
	return w.ex.query.ReferralNetworks(w.ctx, a.page.first, a.page.after, a.page.last, a.page.before, a.filter)
}, networkConnObj)
