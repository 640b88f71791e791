package hub

import "strings"

// ServiceFilter selects services, the directory a youth worker searches;
// conditions combine with AND, values within a list with OR; empty fields
// select all.
type ServiceFilter struct {
	CommunityIDs []string
	Categories   []ServiceCategory
	// Age selects the services whose eligibility admits this age.
	Age         *int
	ProviderIDs []string
	Statuses    []ServiceStatus
	// Search matches the name, description, eligibility or provider's name.
	Search             string
	AcceptingReferrals *bool
}

// Services returns the matching services by name.
func (m *ReadModel) Services(f ServiceFilter) []*Service {
	search := strings.ToLower(strings.TrimSpace(f.Search))
	rows := func(m *ReadModel) []*Service {
		return narrowest(m, Services, lookup{"provider", f.ProviderIDs}, lookup{"community", f.CommunityIDs}, lookup{"category", strs(f.Categories)})
	}
	return matching(m, rows, func(s *Service) bool {
		if !among(f.ProviderIDs, s.ProviderID) || !among(f.Categories, s.Category) || !among(f.Statuses, s.Status) {
			return false
		}
		if (len(f.CommunityIDs) > 0 && !overlaps(f.CommunityIDs, s.CommunityIDs)) || (f.Age != nil && !s.Eligibility.Admits(*f.Age)) {
			return false
		}
		if f.AcceptingReferrals != nil && s.AcceptsReferrals() != *f.AcceptingReferrals {
			return false
		}
		if search == "" || containsFold(search, s.Name, s.Description, s.Eligibility.Description) {
			return true
		}
		p := Stakeholders.get(m, s.ProviderID)
		return p != nil && containsFold(search, p.Name, p.Acronym)
	}, func(a, b *Service) bool { return ServiceKey(a) < ServiceKey(b) })
}

// ServiceKey is the cursor key of the service order.
func ServiceKey(s *Service) string { return strings.ToLower(s.Name) + "\x00" + s.ID }

// ReferralNetworkFilter selects networks; empty fields select all.
type ReferralNetworkFilter struct {
	CommunityIDs []string
	MemberIDs    []string // the coordinator is a member
}

// ReferralNetworks returns the matching networks by name.
func (m *ReadModel) ReferralNetworks(f ReferralNetworkFilter) []*ReferralNetwork {
	rows := func(m *ReadModel) []*ReferralNetwork {
		return narrowest(m, ReferralNetworks, lookup{"community", f.CommunityIDs}, lookup{"member", f.MemberIDs})
	}
	return matching(m, rows, func(n *ReferralNetwork) bool {
		if !among(f.CommunityIDs, n.CommunityID) {
			return false
		}
		for _, id := range f.MemberIDs {
			if n.HasMember(id) {
				return true
			}
		}
		return len(f.MemberIDs) == 0
	}, func(a, b *ReferralNetwork) bool { return ReferralNetworkKey(a) < ReferralNetworkKey(b) })
}

// ReferralNetworkKey is the cursor key of the network order.
func ReferralNetworkKey(n *ReferralNetwork) string { return strings.ToLower(n.Name) + "\x00" + n.ID }

// ReferralFilter selects referrals; empty fields select all. Only the
// referrals the Viewer may see are ever returned.
type ReferralFilter struct {
	NetworkIDs   []string
	FromIDs      []string // sending stakeholders
	ProviderIDs  []string // receiving providers
	ServiceIDs   []string
	Statuses     []ReferralStatus
	Categories   []ServiceCategory
	CommunityIDs []string
	AgeBands     []AgeBand
	From, To     *Date // referral dates, both ends included
	Viewer       Viewer
}

// Referrals returns the matching referrals the viewer may see, newest first.
func (m *ReadModel) Referrals(f ReferralFilter) []*Referral {
	v := f.Viewer
	if v.Role != RoleAdmin && (v.Role != RoleEditor || v.StakeholderID == "") {
		return nil // sees none
	}
	var own []string
	if v.Role == RoleEditor {
		own = []string{v.StakeholderID}
	}
	rows := func(m *ReadModel) []*Referral {
		return narrowest(m, Referrals, lookup{"stakeholder", own}, lookup{"network", f.NetworkIDs}, lookup{"to", f.ProviderIDs},
			lookup{"service", f.ServiceIDs}, lookup{"status", strs(f.Statuses)}, lookup{"community", f.CommunityIDs}, lookup{"category", strs(f.Categories)})
	}
	return matching(m, rows, func(r *Referral) bool {
		return among(f.NetworkIDs, r.NetworkID) && among(f.FromIDs, r.FromID) && among(f.ProviderIDs, r.ToID) &&
			among(f.ServiceIDs, r.ServiceID) && among(f.Statuses, r.Status) && among(f.Categories, r.Category) &&
			among(f.CommunityIDs, r.CommunityID) && among(f.AgeBands, r.AgeBand) &&
			(f.From == nil || r.Date >= *f.From) && (f.To == nil || r.Date <= *f.To) &&
			Referrals.visibleTo(m, v, r)
	}, func(a, b *Referral) bool { return ReferralKey(a) > ReferralKey(b) })
}

// ReferralKey is the cursor key of the referral order (descending).
func ReferralKey(r *Referral) string {
	return string(r.Date) + "\x00" + timeKey(r.CreatedAt) + "\x00" + r.ID
}

// ReferralReceived matches the events that make a referral to one of
// providerIDs (any provider when empty) that v may see.
func (m *ReadModel) ReferralReceived(v Viewer, providerIDs []string) func(*Event) bool {
	return func(e *Event) bool {
		r := Referrals.Of(e.State)
		return r != nil && e.Kind == "ReferralMade" && among(providerIDs, r.ToID) && m.CanSee(v, TypeReferral, r.ID)
	}
}
