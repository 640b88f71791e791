package hub

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ServiceInput is a new service, or the changes to one (nil fields stay
// as they are). ID and At are set only by seed data.
type ServiceInput struct {
	ID              string
	ExpectedVersion *int
	ProviderID      string // creation only
	Name            *string
	Description     *string
	Category        *ServiceCategory
	CommunityIDs    *[]string
	Eligibility     *Eligibility
	Capacity        *int
	ClearCapacity   bool
	Languages       *[]string
	OpeningHours    *string
	Status          *ServiceStatus
	Contacts        *[]Contact
	At              time.Time
}

// CreateService adds a service to the directory (admins, and editors of
// its provider).
func (h *Hub) CreateService(ctx context.Context, actor Actor, in ServiceInput) (*Service, error) {
	if err := canEditService(actor, in.ProviderID); err != nil {
		return nil, err
	}
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		s := &Service{Meta: Meta{ID: in.ID}, ProviderID: in.ProviderID, Status: ServiceActive}
		if s.ID == "" {
			s.ID = newID()
		} else if Services.Get(h.model, s.ID) != nil {
			c.add(CodeTaken, "a service with this id exists", "id")
		}
		if in.Name == nil {
			c.add(CodeRequired, "must not be blank", "name")
		}
		if in.Category == nil {
			c.add(CodeRequired, "is required", "category")
		}
		if Stakeholders.Get(h.model, s.ProviderID) == nil {
			c.exists(false, "stakeholder", "providerId")
		}
		applyService(&c, s, in)
		h.checkService(&c, s)
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event("ServiceCreated", actor, in.At, nil, s), nil
	})
	if err != nil {
		return nil, err
	}
	return Services.Of(e.State), nil
}

// UpdateService changes a service (admins, and editors of its provider).
func (h *Hub) UpdateService(ctx context.Context, actor Actor, in ServiceInput) (*Service, error) {
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Services.Get(h.model, in.ID)
		if old == nil {
			c.exists(false, "service", "id")
			return nil, c.err()
		}
		if err := canEditService(actor, old.ProviderID); err != nil {
			return nil, err
		}
		if err := checkVersion(TypeService, old.ID, in.ExpectedVersion, old.Version); err != nil {
			return nil, err
		}
		s := *old
		applyService(&c, &s, in)
		h.checkService(&c, &s)
		if err := c.err(); err != nil {
			return nil, err
		}
		if equalJSON(old, &s) {
			return nil, nil
		}
		return h.event("ServiceUpdated", actor, in.At, old, &s), nil
	})
	if err != nil {
		return nil, err
	}
	return Services.Get(h.model, in.ID), nil
}

// applyService sets the fields in gives, checking each on its own.
func applyService(c *checker, s *Service, in ServiceInput) {
	if in.Name != nil {
		s.Name = c.text(*in.Name, 200, "name")
	}
	if in.Description != nil {
		s.Description = c.optionalText(*in.Description, 2000, "description")
	}
	if in.Category != nil {
		s.Category = *in.Category
	}
	if in.CommunityIDs != nil {
		s.CommunityIDs = dedupe(*in.CommunityIDs)
	}
	if in.Eligibility != nil {
		e := *in.Eligibility
		e.Description = c.optionalText(e.Description, 500, "eligibility", "description")
		s.Eligibility = e
	}
	switch {
	case in.ClearCapacity && in.Capacity != nil:
		c.add(CodeInvalid, "give capacity or clearCapacity, not both", "clearCapacity")
	case in.ClearCapacity:
		s.Capacity = nil
	case in.Capacity != nil:
		n := *in.Capacity
		s.Capacity = &n
	}
	if in.Languages != nil {
		s.Languages = checkLanguages(c, *in.Languages)
	}
	if in.OpeningHours != nil {
		s.OpeningHours = c.optionalText(*in.OpeningHours, 300, "openingHours")
	}
	if in.Status != nil {
		s.Status = *in.Status
	}
	if in.Contacts != nil {
		s.Contacts = checkContacts(c, *in.Contacts)
	}
}

// checkService checks the rules that span fields and other entities.
func (h *Hub) checkService(c *checker, s *Service) {
	if !among(AllServiceCategories, s.Category) || s.Category == "" {
		c.add(CodeInvalid, "unknown category", "category")
	}
	if !among(AllServiceStatuses, s.Status) || s.Status == "" {
		c.add(CodeInvalid, "unknown status", "status")
	}
	if len(s.CommunityIDs) == 0 {
		c.add(CodeRequired, "name at least one community it serves", "communityIds")
	}
	for i, id := range s.CommunityIDs {
		c.exists(Communities.Get(h.model, id) != nil, "community", "communityIds", strconv.Itoa(i))
	}
	e := s.Eligibility
	for _, a := range []struct {
		age  *int
		name string
	}{{e.MinAge, "minAge"}, {e.MaxAge, "maxAge"}} {
		if a.age != nil && (*a.age < 0 || *a.age > 120) {
			c.add(CodeInvalid, "must be between 0 and 120", "eligibility", a.name)
		}
	}
	if e.MinAge != nil && e.MaxAge != nil && *e.MaxAge < *e.MinAge {
		c.add(CodeInvalid, "must not be below minAge", "eligibility", "maxAge")
	}
	if s.Capacity != nil && (*s.Capacity < 0 || *s.Capacity > 100000) {
		c.add(CodeInvalid, "must be between 0 and 100000 places a month", "capacity")
	}
	if s.Name != "" {
		for _, other := range h.model.Services(ServiceFilter{ProviderIDs: []string{s.ProviderID}}) {
			if other.ID != s.ID && strings.EqualFold(other.Name, s.Name) {
				c.add(CodeTaken, "the provider has another service with this name", "name")
				break
			}
		}
	}
}

// languageTag is a BCP 47 tag's common shape: a language and subtags.
var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func checkLanguages(c *checker, in []string) []string {
	out := make([]string, 0, len(in))
	if len(in) > 20 {
		c.add(CodeInvalid, "at most 20 languages", "languages")
		return out
	}
	for i, l := range in {
		l = strings.TrimSpace(l)
		if !languageTag.MatchString(l) {
			c.add(CodeInvalid, "not a BCP 47 language tag such as en, es or bzj", "languages", strconv.Itoa(i))
		}
		out = append(out, l)
	}
	out = dedupe(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// ReferralNetworkInput is a new network, or the changes to one (nil
// fields stay as they are). ID and At are set only by seed data.
type ReferralNetworkInput struct {
	ID              string
	ExpectedVersion *int
	Name            *string
	CoordinatorID   *string
	CommunityID     *string
	MemberIDs       *[]string
	At              time.Time
}

// CreateReferralNetwork adds a network (admins only).
func (h *Hub) CreateReferralNetwork(ctx context.Context, actor Actor, in ReferralNetworkInput) (*ReferralNetwork, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		n := &ReferralNetwork{Meta: Meta{ID: in.ID}}
		if n.ID == "" {
			n.ID = newID()
		} else if ReferralNetworks.Get(h.model, n.ID) != nil {
			c.add(CodeTaken, "a referral network with this id exists", "id")
		}
		if in.Name == nil {
			c.add(CodeRequired, "must not be blank", "name")
		}
		if in.CoordinatorID == nil {
			c.add(CodeRequired, "is required", "coordinatorId")
		}
		if in.CommunityID == nil {
			c.add(CodeRequired, "is required", "communityId")
		}
		h.applyNetwork(&c, n, in)
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event("ReferralNetworkCreated", actor, in.At, nil, n), nil
	})
	if err != nil {
		return nil, err
	}
	return ReferralNetworks.Of(e.State), nil
}

// UpdateReferralNetwork changes a network: its name and members (admins,
// and editors of its coordinator), its coordinator and community (admins).
func (h *Hub) UpdateReferralNetwork(ctx context.Context, actor Actor, in ReferralNetworkInput) (*ReferralNetwork, error) {
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := ReferralNetworks.Get(h.model, in.ID)
		if old == nil {
			c.exists(false, "referral network", "id")
			return nil, c.err()
		}
		if err := canEditNetwork(actor, old); err != nil {
			return nil, err
		}
		if (in.CoordinatorID != nil && *in.CoordinatorID != old.CoordinatorID) || (in.CommunityID != nil && *in.CommunityID != old.CommunityID) {
			if err := requireAdmin(actor); err != nil {
				return nil, forbidden("only an admin may change a network's coordinator or community")
			}
		}
		if err := checkVersion(TypeReferralNetwork, old.ID, in.ExpectedVersion, old.Version); err != nil {
			return nil, err
		}
		n := *old
		h.applyNetwork(&c, &n, in)
		if err := c.err(); err != nil {
			return nil, err
		}
		if equalJSON(old, &n) {
			return nil, nil
		}
		return h.event("ReferralNetworkUpdated", actor, in.At, old, &n), nil
	})
	if err != nil {
		return nil, err
	}
	return ReferralNetworks.Get(h.model, in.ID), nil
}

// applyNetwork sets and checks the fields in gives.
func (h *Hub) applyNetwork(c *checker, n *ReferralNetwork, in ReferralNetworkInput) {
	if in.Name != nil {
		n.Name = c.text(*in.Name, 200, "name")
	}
	if in.CoordinatorID != nil {
		n.CoordinatorID = *in.CoordinatorID
		if Stakeholders.Get(h.model, n.CoordinatorID) == nil {
			c.exists(false, "stakeholder", "coordinatorId")
		}
	}
	if in.CommunityID != nil {
		n.CommunityID = *in.CommunityID
		if Communities.Get(h.model, n.CommunityID) == nil {
			c.exists(false, "community", "communityId")
		}
	}
	if in.MemberIDs != nil {
		n.MemberIDs = dedupe(*in.MemberIDs)
		for i, id := range n.MemberIDs {
			c.exists(Stakeholders.Get(h.model, id) != nil, "stakeholder", "memberIds", strconv.Itoa(i))
		}
	}
	// The coordinator is a member, listed first.
	if n.CoordinatorID != "" && !slices.Contains(n.MemberIDs, n.CoordinatorID) {
		n.MemberIDs = append([]string{n.CoordinatorID}, n.MemberIDs...)
	}
	if n.Name != "" {
		for _, other := range h.model.ReferralNetworks(ReferralNetworkFilter{}) {
			if other.ID != n.ID && strings.EqualFold(other.Name, n.Name) {
				c.add(CodeTaken, "another referral network has this name", "name")
				break
			}
		}
	}
}
