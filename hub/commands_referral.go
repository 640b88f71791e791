package hub

import (
	"context"
	"time"
)

// MakeReferralInput is a referral to make. FromID may be left out by an
// editor (its own stakeholder); Date, when nil, is today. ID and At are
// set only by seed data.
type MakeReferralInput struct {
	ID        string
	NetworkID string
	FromID    string
	ServiceID string
	Date      *Date
	AgeBand   AgeBand
	Sex       Sex
	At        time.Time
}

// MakeReferral refers a young person from a member of a network to a
// service of another member (admins, and editors of the sender).
func (h *Hub) MakeReferral(ctx context.Context, actor Actor, in MakeReferralInput) (*Referral, error) {
	if in.FromID == "" && actor.Role == ActorEditor {
		in.FromID = actor.StakeholderID
	}
	if in.FromID != "" {
		if err := canRefer(actor, in.FromID); err != nil {
			return nil, err
		}
	}
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		r := &Referral{Meta: Meta{ID: in.ID}, NetworkID: in.NetworkID, FromID: in.FromID, ServiceID: in.ServiceID,
			AgeBand: in.AgeBand, Sex: in.Sex, Status: ReferralSent}
		if r.ID == "" {
			r.ID = newID()
		} else if Referrals.Get(h.model, r.ID) != nil {
			c.add(CodeTaken, "a referral with this id exists", "id")
		}
		r.Date = h.stepDate(&c, in.Date, "", "date")
		if !among(AllAgeBands, r.AgeBand) || r.AgeBand == "" {
			c.add(CodeInvalid, "unknown age band", "ageBand")
		}
		if r.Sex != "" && !among(AllSexes, r.Sex) {
			c.add(CodeInvalid, "unknown sex", "sex")
		}
		n := ReferralNetworks.Get(h.model, r.NetworkID)
		s := Services.Get(h.model, r.ServiceID)
		switch {
		case n == nil:
			c.exists(false, "referral network", "networkId")
		case r.FromID == "":
			c.add(CodeRequired, "name the sending stakeholder", "fromId")
		case Stakeholders.Get(h.model, r.FromID) == nil:
			c.exists(false, "stakeholder", "fromId")
		case !n.HasMember(r.FromID):
			c.add(CodeNotAllowed, "the sending stakeholder is not a member of this network", "fromId")
		}
		switch {
		case s == nil:
			c.exists(false, "service", "serviceId")
		case n == nil:
		case !n.HasMember(s.ProviderID):
			c.add(CodeNotAllowed, "the service's provider is not a member of this network", "serviceId")
		case !s.Serves(n.CommunityID):
			c.add(CodeNotAllowed, "the service does not serve the network's community", "serviceId")
		case !s.AcceptsReferrals():
			c.add(CodeNotAllowed, "the service takes no referrals: it is "+string(s.Status)+" or has no places", "serviceId")
		}
		if err := c.err(); err != nil {
			return nil, err
		}
		r.ToID, r.Category, r.CommunityID = s.ProviderID, s.Category, n.CommunityID
		return h.event("ReferralMade", actor, in.At, nil, r), nil
	})
	if err != nil {
		return nil, err
	}
	return Referrals.Of(e.State), nil
}

// UpdateReferralStatusInput is the next step of a referral. Date, when
// nil, is today; DeclineReason goes with DECLINED only.
type UpdateReferralStatusInput struct {
	ID              string
	ExpectedVersion *int
	Status          ReferralStatus
	DeclineReason   DeclineReason
	Date            *Date
	At              time.Time
}

// referralStepKinds names the event of each step.
var referralStepKinds = map[ReferralStatus]string{
	ReferralAccepted:   "ReferralAccepted",
	ReferralServed:     "ReferralServed",
	ReferralDeclined:   "ReferralDeclined",
	ReferralNotReached: "ReferralNotReached",
	ReferralWithdrawn:  "ReferralWithdrawn",
}

// UpdateReferralStatus takes a referral's next step, by the side entitled
// to it (referralStepBy) or an admin.
func (h *Hub) UpdateReferralStatus(ctx context.Context, actor Actor, in UpdateReferralStatusInput) (*Referral, error) {
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Referrals.Get(h.model, in.ID)
		if old == nil || !h.model.CanSee(viewerOf(actor), TypeReferral, old.ID) {
			c.exists(false, "referral", "id")
			return nil, c.err()
		}
		if err := checkVersion(TypeReferral, old.ID, in.ExpectedVersion, old.Version); err != nil {
			return nil, err
		}
		checkTransition(&c, referralNext, "referral", old.Status, in.Status, "status")
		if err := c.err(); err != nil {
			return nil, err
		}
		if err := canTakeStep(actor, old, in.Status); err != nil {
			return nil, err
		}
		r := *old
		r.Status = in.Status
		switch {
		case in.Status == ReferralDeclined && in.DeclineReason == "":
			c.add(CodeRequired, "give the reason code for declining", "declineReason")
		case in.Status == ReferralDeclined && !among(AllDeclineReasons, in.DeclineReason):
			c.add(CodeInvalid, "unknown reason", "declineReason")
		case in.Status != ReferralDeclined && in.DeclineReason != "":
			c.add(CodeInvalid, "a reason goes only with DECLINED", "declineReason")
		}
		r.DeclineReason = in.DeclineReason
		since := old.Date
		if old.AcceptedOn != nil {
			since = *old.AcceptedOn
		}
		d := h.stepDate(&c, in.Date, since, "date")
		switch in.Status {
		case ReferralAccepted:
			r.AcceptedOn = &d
		case ReferralServed:
			r.ServedOn, r.ClosedOn = &d, &d
		default:
			r.ClosedOn = &d
		}
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event(referralStepKinds[in.Status], actor, in.At, old, &r), nil
	})
	if err != nil {
		return nil, err
	}
	return Referrals.Get(h.model, in.ID), nil
}

// stepDate checks the date of a referral's step: a real date, not after
// today nor before since; nil is today.
func (h *Hub) stepDate(c *checker, d *Date, since Date, field string) Date {
	today := h.Today()
	if d == nil {
		if today < since {
			return since
		}
		return today
	}
	checkDate(c, *d, field)
	switch {
	case *d > today:
		c.add(CodeInvalid, "must not be in the future", field)
	case *d < since:
		c.add(CodeInvalid, "must not be before the referral's previous step ("+string(since)+")", field)
	}
	return *d
}
