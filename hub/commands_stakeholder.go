package hub

import (
	"context"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CreateStakeholderInput is a new stakeholder. ID is set only when loading
// seed data; otherwise one is generated.
type CreateStakeholderInput struct {
	ID          string
	Name        string
	Acronym     string
	Sector      Sector
	Description string
	Website     string
	ParentID    string
	Contacts    []Contact
	At          time.Time
}

// CreateStakeholder adds a stakeholder.
func (h *Hub) CreateStakeholder(ctx context.Context, actor Actor, in CreateStakeholderInput) (*Stakeholder, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		s := &Stakeholder{
			Meta:        Meta{ID: in.ID},
			Name:        c.text(in.Name, 200, "name"),
			Acronym:     c.optionalText(in.Acronym, 20, "acronym"),
			Sector:      in.Sector,
			Description: c.optionalText(in.Description, 2000, "description"),
			Website:     checkWebsite(&c, in.Website),
			ParentID:    in.ParentID,
			Contacts:    checkContacts(&c, in.Contacts),
		}
		if s.ID == "" {
			s.ID = newID()
		} else if Stakeholders.Get(h.model, s.ID) != nil {
			c.add(CodeTaken, "a stakeholder with this id exists", "id")
		}
		h.checkStakeholder(&c, s)
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event("StakeholderCreated", actor, in.At, nil, s), nil
	})
	if err != nil {
		return nil, err
	}
	return Stakeholders.Of(e.State), nil
}

// UpdateStakeholderInput changes a stakeholder; nil fields stay as they are.
type UpdateStakeholderInput struct {
	ID              string
	ExpectedVersion *int
	Name            *string
	Acronym         *string
	Sector          *Sector
	Description     *string
	Website         *string
	ParentID        *string
	ClearParent     bool
	Contacts        *[]Contact
}

// UpdateStakeholder changes a stakeholder's profile.
func (h *Hub) UpdateStakeholder(ctx context.Context, actor Actor, in UpdateStakeholderInput) (*Stakeholder, error) {
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Stakeholders.Get(h.model, in.ID)
		if old == nil {
			c.exists(false, "stakeholder", "id")
			return nil, c.err()
		}
		if err := canEditStakeholder(actor, old.ID); err != nil {
			return nil, err
		}
		if err := checkVersion(TypeStakeholder, old.ID, in.ExpectedVersion, old.Version); err != nil {
			return nil, err
		}
		s := *old
		if in.Name != nil {
			s.Name = c.text(*in.Name, 200, "name")
		}
		if in.Acronym != nil {
			s.Acronym = c.optionalText(*in.Acronym, 20, "acronym")
		}
		if in.Sector != nil {
			s.Sector = *in.Sector
		}
		if in.Description != nil {
			s.Description = c.optionalText(*in.Description, 2000, "description")
		}
		if in.Website != nil {
			s.Website = checkWebsite(&c, *in.Website)
		}
		if in.Contacts != nil {
			s.Contacts = checkContacts(&c, *in.Contacts)
		}
		switch {
		case in.ClearParent && in.ParentID != nil:
			c.add(CodeInvalid, "give parentId or clearParent, not both", "clearParent")
		case in.ClearParent:
			s.ParentID = ""
		case in.ParentID != nil:
			s.ParentID = *in.ParentID
		}
		h.checkStakeholder(&c, &s)
		if err := c.err(); err != nil {
			return nil, err
		}
		if equalJSON(old, &s) {
			return nil, nil
		}
		return h.event("StakeholderUpdated", actor, time.Time{}, old, &s), nil
	})
	if err != nil {
		return nil, err
	}
	return Stakeholders.Get(h.model, in.ID), nil
}

// checkStakeholder checks the rules that span fields and other stakeholders.
func (h *Hub) checkStakeholder(c *checker, s *Stakeholder) {
	if !among(AllSectors, s.Sector) || s.Sector == "" {
		c.add(CodeInvalid, "unknown sector", "sector")
	}
	if s.Name != "" {
		for _, other := range h.model.Stakeholders(StakeholderFilter{}) {
			if other.ID != s.ID && strings.EqualFold(other.Name, s.Name) {
				c.add(CodeTaken, "another stakeholder has this name", "name")
				break
			}
		}
	}
	if s.ParentID == "" {
		return
	}
	field := "parentId"
	if Stakeholders.Get(h.model, s.ParentID) == nil {
		c.exists(false, "stakeholder", field)
		return
	}
	// Walk up from the parent: meeting s again would make a cycle.
	for id, hops := s.ParentID, 0; id != "" && hops < 1000; hops++ {
		if id == s.ID {
			c.add(CodeInvalid, "a stakeholder cannot be part of itself or of its own part", field)
			return
		}
		p := Stakeholders.Get(h.model, id)
		if p == nil {
			return
		}
		id = p.ParentID
	}
}

func checkWebsite(c *checker, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(v) > 500 {
		c.add(CodeInvalid, "must be an http or https URL", "website")
	}
	return v
}

func checkContacts(c *checker, in []Contact) []Contact {
	out := make([]Contact, 0, len(in))
	for i, p := range in {
		at := []string{"contacts", strconv.Itoa(i)}
		p.Name = c.text(p.Name, 200, append(at, "name")...)
		p.Title = c.optionalText(p.Title, 200, append(at, "title")...)
		p.Email = c.optionalText(p.Email, 320, append(at, "email")...)
		p.Phone = c.optionalText(p.Phone, 50, append(at, "phone")...)
		if p.Email != "" {
			if _, err := mail.ParseAddress(p.Email); err != nil || strings.ContainsAny(p.Email, "<> ") {
				c.add(CodeInvalid, "not an email address", append(at, "email")...)
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
