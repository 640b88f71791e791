package hub_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"convene/hub"
)

// The referral rule, stated here independently of status.go: a row per
// current status, "x" under each status that may follow it, and which
// side takes each step (s: the sender, r: the receiving provider).
var (
	referralRule = map[hub.ReferralStatus]string{
		//                        SE AC SV DE NR WI
		hub.ReferralSent:       ".  x  .  x  x  x",
		hub.ReferralAccepted:   ".  .  x  x  x  x",
		hub.ReferralServed:     ".  .  .  .  .  .",
		hub.ReferralDeclined:   ".  .  .  .  .  .",
		hub.ReferralNotReached: ".  .  .  .  .  .",
		hub.ReferralWithdrawn:  ".  .  .  .  .  .",
	}
	referralSides = map[hub.ReferralStatus]byte{
		hub.ReferralAccepted: 'r', hub.ReferralServed: 'r', hub.ReferralDeclined: 'r', hub.ReferralNotReached: 'r', hub.ReferralWithdrawn: 's',
	}
	referralStatuses = hub.AllReferralStatuses
)

// referralWorld is a network in one community with a sender, a provider
// and its service, and the editors of each.
type referralWorld struct {
	h                       *hub.Hub
	network, service        string
	sender, outsider, admin hub.Actor
	senderID, provider      string
}

func newReferralWorld(t *testing.T) *referralWorld {
	t.Helper()
	st, _ := openStore(t)
	h := openHub(t, st)
	ctx := context.Background()
	admin := hub.Actor{Name: "test", Role: hub.ActorAdmin}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.CreateCommunity(ctx, admin, hub.Community{Meta: hub.Meta{ID: "pl"}, Name: "Port Loyola", Area: "Southside"}, time.Time{}))
	must(h.CreateCommunity(ctx, admin, hub.Community{Meta: hub.Meta{ID: "co"}, Name: "Collet", Area: "Southside"}, time.Time{}))
	var ids []string
	for _, name := range []string{"Sender", "Provider", "Outsider"} {
		s, err := h.CreateStakeholder(ctx, admin, hub.CreateStakeholderInput{Name: name, Sector: hub.CivilSociety})
		must(err)
		ids = append(ids, s.ID)
	}
	editor := func(id string) hub.Actor { return hub.Actor{Name: "editor", Role: hub.ActorEditor, StakeholderID: id} }
	w := &referralWorld{h: h, senderID: ids[0], provider: ids[1], sender: editor(ids[0]), outsider: editor(ids[2]), admin: admin}
	name, cat := "Life skills", hub.LifeSkills
	min, max := 14, 24
	s, err := h.CreateService(ctx, editor(ids[1]), hub.ServiceInput{ProviderID: ids[1], Name: &name, Category: &cat,
		CommunityIDs: &[]string{"pl"}, Eligibility: &hub.Eligibility{MinAge: &min, MaxAge: &max}})
	must(err)
	w.service = s.ID
	netName, coord, comm := "Port Loyola network", ids[0], "pl"
	n, err := h.CreateReferralNetwork(ctx, admin, hub.ReferralNetworkInput{Name: &netName, CoordinatorID: &coord, CommunityID: &comm, MemberIDs: &[]string{ids[1]}})
	must(err)
	w.network = n.ID
	return w
}

func (w *referralWorld) receiver() hub.Actor {
	return hub.Actor{Name: "editor", Role: hub.ActorEditor, StakeholderID: w.provider}
}

func (w *referralWorld) refer(t *testing.T) *hub.Referral {
	t.Helper()
	r, err := w.h.MakeReferral(context.Background(), w.sender, hub.MakeReferralInput{NetworkID: w.network, ServiceID: w.service, AgeBand: hub.Age15To17})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *referralWorld) step(actor hub.Actor, id string, to hub.ReferralStatus) error {
	in := hub.UpdateReferralStatusInput{ID: id, Status: to}
	if to == hub.ReferralDeclined {
		in.DeclineReason = hub.NoCapacity
	}
	_, err := w.h.UpdateReferralStatus(context.Background(), actor, in)
	return err
}

// TestReferralSteps drives a referral to each status and tries every next
// status, by each side: the entitled side moves it, the other is
// FORBIDDEN, an illegal step is NOT_ALLOWED naming the allowed ones.
func TestReferralSteps(t *testing.T) {
	w := newReferralWorld(t)
	for _, from := range referralStatuses {
		for _, to := range referralStatuses {
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				r := w.refer(t)
				switch from {
				case hub.ReferralSent:
				case hub.ReferralServed:
					must(t, w.step(w.receiver(), r.ID, hub.ReferralAccepted))
					fallthrough
				default:
					must(t, w.step(w.actorFor(referralSides[from]), r.ID, from))
				}
				legal := allowed(referralRule, referralStatuses, from, to)
				if !legal {
					notAllowed(t, w.step(w.admin, r.ID, to), "input.status", hub.ReferralNext(from), from)
					if got := hub.Referrals.Get(w.h.Model(), r.ID).Status; got != from {
						t.Fatalf("a refused step moved it to %s", got)
					}
					return
				}
				wrong := w.sender
				if referralSides[to] == 's' {
					wrong = w.receiver()
				}
				var forbidden *hub.ForbiddenError
				if err := w.step(wrong, r.ID, to); !errors.As(err, &forbidden) {
					t.Fatalf("the other side took the step: %v", err)
				}
				var v *hub.ValidationError
				if err := w.step(w.outsider, r.ID, to); !errors.As(err, &v) || v.Errors[0].Code != hub.CodeNotFound {
					t.Fatalf("an outsider's step: %v, want NOT_FOUND (it may not see the referral)", err)
				}
				must(t, w.step(w.actorFor(referralSides[to]), r.ID, to))
				got := hub.Referrals.Get(w.h.Model(), r.ID)
				if got.Status != to || got.ClosedOn == nil && to != hub.ReferralAccepted || (to == hub.ReferralServed) != (got.ServedOn != nil) {
					t.Fatalf("after the step: %+v", got)
				}
			})
		}
	}
}

func (w *referralWorld) actorFor(side byte) hub.Actor {
	if side == 's' {
		return w.sender
	}
	return w.receiver()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestReferralRules tries the rules of making a referral and of its steps'
// inputs: each refused with the code and field a client can act on.
func TestReferralRules(t *testing.T) {
	w := newReferralWorld(t)
	ctx := context.Background()
	h := w.h
	paused, other := hub.ServicePaused, "co"
	name, cat := "Counselling", hub.Counselling
	elsewhere, err := h.CreateService(ctx, w.receiver(), hub.ServiceInput{ProviderID: w.provider, Name: &name, Category: &cat, CommunityIDs: &[]string{other}})
	must(t, err)
	future := hub.Date("2999-01-01")
	bad := func(in hub.MakeReferralInput, actor hub.Actor, code hub.ErrorCode, field string) {
		t.Helper()
		_, err := h.MakeReferral(ctx, actor, in)
		var v *hub.ValidationError
		if !errors.As(err, &v) || v.Errors[0].Code != code || strings.Join(v.Errors[0].Field, ".") != field {
			t.Errorf("%+v: %v, want %s at %s", in, err, code, field)
		}
	}
	ok := hub.MakeReferralInput{NetworkID: w.network, ServiceID: w.service, AgeBand: hub.Age18To24}
	with := func(f func(*hub.MakeReferralInput)) hub.MakeReferralInput { in := ok; f(&in); return in }
	bad(with(func(in *hub.MakeReferralInput) { in.NetworkID = "nope" }), w.sender, hub.CodeNotFound, "input.networkId")
	bad(with(func(in *hub.MakeReferralInput) { in.ServiceID = "nope" }), w.sender, hub.CodeNotFound, "input.serviceId")
	bad(with(func(in *hub.MakeReferralInput) { in.ServiceID = elsewhere.ID }), w.sender, hub.CodeNotAllowed, "input.serviceId")
	bad(with(func(in *hub.MakeReferralInput) { in.AgeBand = "AGE_3" }), w.sender, hub.CodeInvalid, "input.ageBand")
	bad(with(func(in *hub.MakeReferralInput) { in.Sex = "X" }), w.sender, hub.CodeInvalid, "input.sex")
	bad(with(func(in *hub.MakeReferralInput) { in.Date = &future }), w.sender, hub.CodeInvalid, "input.date")
	bad(ok, w.admin, hub.CodeRequired, "input.fromId")
	bad(with(func(in *hub.MakeReferralInput) { in.FromID = w.outsider.StakeholderID }), w.admin, hub.CodeNotAllowed, "input.fromId")
	var forbidden *hub.ForbiddenError
	if _, err := h.MakeReferral(ctx, w.sender, with(func(in *hub.MakeReferralInput) { in.FromID = w.provider })); !errors.As(err, &forbidden) {
		t.Errorf("an editor referring from another stakeholder: %v", err)
	}
	if _, err := h.UpdateService(ctx, w.receiver(), hub.ServiceInput{ID: w.service, Status: &paused}); err != nil {
		t.Fatal(err)
	}
	bad(ok, w.sender, hub.CodeNotAllowed, "input.serviceId")
	active := hub.ServiceActive
	if _, err := h.UpdateService(ctx, w.sender, hub.ServiceInput{ID: w.service, Status: &active}); !errors.As(err, &forbidden) {
		t.Errorf("the sender changing the provider's service: %v", err)
	}
	must(t, func() error {
		_, err := h.UpdateService(ctx, w.admin, hub.ServiceInput{ID: w.service, Status: &active})
		return err
	}())

	r := w.refer(t)
	if r.FromID != w.senderID || r.ToID != w.provider || r.CommunityID != "pl" || r.Category != hub.LifeSkills || r.Date != h.Today() {
		t.Fatalf("referral as made: %+v", r)
	}
	step := func(in hub.UpdateReferralStatusInput, code hub.ErrorCode, field string) {
		t.Helper()
		_, err := h.UpdateReferralStatus(ctx, w.receiver(), in)
		var v *hub.ValidationError
		if !errors.As(err, &v) || v.Errors[0].Code != code || strings.Join(v.Errors[0].Field, ".") != field {
			t.Errorf("%+v: %v, want %s at %s", in, err, code, field)
		}
	}
	step(hub.UpdateReferralStatusInput{ID: r.ID, Status: hub.ReferralDeclined}, hub.CodeRequired, "input.declineReason")
	step(hub.UpdateReferralStatusInput{ID: r.ID, Status: hub.ReferralDeclined, DeclineReason: "BUSY"}, hub.CodeInvalid, "input.declineReason")
	step(hub.UpdateReferralStatusInput{ID: r.ID, Status: hub.ReferralAccepted, DeclineReason: hub.NoCapacity}, hub.CodeInvalid, "input.declineReason")
	step(hub.UpdateReferralStatusInput{ID: r.ID, Status: hub.ReferralAccepted, Date: &future}, hub.CodeInvalid, "input.date")
	early := hub.Date("2001-01-01")
	step(hub.UpdateReferralStatusInput{ID: r.ID, Status: hub.ReferralAccepted, Date: &early}, hub.CodeInvalid, "input.date")
	step(hub.UpdateReferralStatusInput{ID: r.ID, Status: "LOST"}, hub.CodeInvalid, "input.status")
	stale := 0
	var conflict *hub.ConflictError
	if _, err := h.UpdateReferralStatus(ctx, w.receiver(), hub.UpdateReferralStatusInput{ID: r.ID, Status: hub.ReferralAccepted, ExpectedVersion: &stale}); !errors.As(err, &conflict) {
		t.Errorf("a stale expectedVersion: %v", err)
	}
	if got := hub.Referrals.Get(h.Model(), r.ID); got.Version != 1 || got.Status != hub.ReferralSent {
		t.Fatalf("refused steps changed it: %+v", got)
	}

	// Networks: the coordinator is a member; only admins create them or
	// change coordinator and community; the coordinator's editor changes members.
	n := hub.ReferralNetworks.Get(h.Model(), w.network)
	if !n.HasMember(w.senderID) || n.MemberIDs[0] != w.senderID {
		t.Fatalf("the coordinator is not listed first among members: %+v", n)
	}
	netName := "Another"
	if _, err := h.CreateReferralNetwork(ctx, w.sender, hub.ReferralNetworkInput{Name: &netName}); !errors.As(err, &forbidden) {
		t.Errorf("an editor creating a network: %v", err)
	}
	if _, err := h.UpdateReferralNetwork(ctx, w.receiver(), hub.ReferralNetworkInput{ID: w.network, MemberIDs: &[]string{}}); !errors.As(err, &forbidden) {
		t.Errorf("a member (not the coordinator) changing the network: %v", err)
	}
	if _, err := h.UpdateReferralNetwork(ctx, w.sender, hub.ReferralNetworkInput{ID: w.network, CommunityID: &other}); !errors.As(err, &forbidden) {
		t.Errorf("the coordinator moving the network: %v", err)
	}
	n, err = h.UpdateReferralNetwork(ctx, w.sender, hub.ReferralNetworkInput{ID: w.network, MemberIDs: &[]string{w.provider, w.outsider.StakeholderID}})
	must(t, err)
	if !n.HasMember(w.outsider.StakeholderID) || !n.HasMember(w.senderID) {
		t.Fatalf("members after the change: %+v", n)
	}
}

// TestReferralHoldsNoPersonalData: every field of a referral is an ID, an
// enum of the domain, or a date; none could hold a name, a contact, an
// address or free text.
func TestReferralHoldsNoPersonalData(t *testing.T) {
	personal := regexp.MustCompile(`(?i)name|contact|address|birth|note|comment|phone|email|text`)
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			switch {
			case personal.MatchString(f.Name):
				t.Errorf("Referral.%s: the name of a field for personal data", f.Name)
			case ft.Kind() == reflect.String && ft.Name() == "string" && !strings.HasSuffix(f.Name, "ID"):
				t.Errorf("Referral.%s: a plain string, which could hold free text", f.Name)
			case ft.Kind() == reflect.Struct && ft.PkgPath() != "time":
				t.Errorf("Referral.%s: a structure (%s)", f.Name, ft)
			}
		}
	}
	walk(reflect.TypeOf(hub.Referral{}))
}
