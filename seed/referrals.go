package seed

import (
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/goccy/go-yaml"

	"convene/hub"
)

// The referral networks of the demo (referral-networks.yaml): its networks
// and services are data; its referrals are generated, from a fixed seed,
// so that every load writes the same ones, through the hub's commands as
// the editors of the stakeholders whose step each is.

//go:embed referral-networks.yaml
var referralsYAML []byte

type referralFile struct {
	Networks []networkData `yaml:"networks"`
	Services []serviceData `yaml:"services"`
}

type networkData struct {
	Key         string   `yaml:"key"`
	Name        string   `yaml:"name"`
	Coordinator string   `yaml:"coordinator"`
	Community   string   `yaml:"community"`
	Members     []string `yaml:"members"`
}

type serviceData struct {
	Key         string   `yaml:"key"`
	Provider    string   `yaml:"provider"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Category    string   `yaml:"category"`
	Communities []string `yaml:"communities"`
	Eligibility struct {
		MinAge      *int   `yaml:"minAge"`
		MaxAge      *int   `yaml:"maxAge"`
		Description string `yaml:"description"`
	} `yaml:"eligibility"`
	Capacity     *int     `yaml:"capacity"`
	Languages    []string `yaml:"languages"`
	OpeningHours string   `yaml:"openingHours"`
	Finally      string   `yaml:"finally"`
}

// The referrals' span: twelve months, viewed at its end like the plan.
const (
	referralsFrom  = "2014-11-01"
	referralsUntil = "2015-10-31"
	referralCount  = 330
)

func parseReferrals() (*referralFile, error) {
	var f referralFile
	if err := yaml.UnmarshalWithOptions(referralsYAML, &f, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("seed: parsing referral-networks.yaml: %w", err)
	}
	return &f, nil
}

// step is one command of the generated history, at its date.
type step struct {
	date hub.Date
	run  func(ctx context.Context, at time.Time) error
}

// writeReferrals sets up the networks and services, then makes the
// referrals and takes their steps in date order.
func writeReferrals(ctx context.Context, h *hub.Hub, stakeholders map[string]*stakeholderData) error {
	f, err := parseReferrals()
	if err != nil {
		return err
	}
	editor := func(key string) hub.Actor {
		s := stakeholders[key]
		if s == nil {
			return hub.Actor{} // refused by the command: the file names no such stakeholder
		}
		return hub.Actor{Name: s.Name, Role: hub.ActorEditor, StakeholderID: s.Key}
	}
	start := atClock(referralsFrom, 9, 0).AddDate(0, -1, 0)
	services := map[string]*serviceData{}
	for i := range f.Services {
		s := &f.Services[i]
		services[s.Key] = s
		cat := hub.ServiceCategory(s.Category)
		_, err := h.CreateService(ctx, editor(s.Provider), hub.ServiceInput{
			ID: s.Key, ProviderID: s.Provider, Name: &s.Name, Description: &s.Description, Category: &cat,
			CommunityIDs: &s.Communities, Capacity: s.Capacity, Languages: &s.Languages, OpeningHours: &s.OpeningHours,
			Eligibility: &hub.Eligibility{MinAge: s.Eligibility.MinAge, MaxAge: s.Eligibility.MaxAge, Description: s.Eligibility.Description},
			At:          start.Add(time.Duration(i) * time.Hour),
		})
		if err != nil {
			return fmt.Errorf("seed: service %s: %w", s.Key, err)
		}
	}
	for _, n := range f.Networks {
		_, err := h.CreateReferralNetwork(ctx, hub.SystemActor, hub.ReferralNetworkInput{
			ID: n.Key, Name: &n.Name, CoordinatorID: &n.Coordinator, CommunityID: &n.Community, MemberIDs: &n.Members,
			At: start.AddDate(0, 0, 7),
		})
		if err != nil {
			return fmt.Errorf("seed: referral network %s: %w", n.Key, err)
		}
	}

	steps := referralSteps(f, services, editor, h)
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].date < steps[j].date })
	for i, s := range steps {
		if err := s.run(ctx, atClock(s.date, 8+i%9, i%60)); err != nil {
			return err
		}
	}
	for _, s := range f.Services {
		if s.Finally == "" {
			continue
		}
		status := hub.ServiceStatus(s.Finally)
		if _, err := h.UpdateService(ctx, editor(s.Provider), hub.ServiceInput{ID: s.Key, Status: &status, At: atClock(referralsUntil, 17, 0)}); err != nil {
			return fmt.Errorf("seed: service %s: %w", s.Key, err)
		}
	}
	return nil
}

// referralSteps generates the referrals: who refers to which service of
// the network, the young person's age band and sex, and how far each got.
// Recent ones are more often still open.
func referralSteps(f *referralFile, services map[string]*serviceData, editor func(string) hub.Actor, h *hub.Hub) []step {
	rnd := rand.New(rand.NewPCG(15, 2015))
	from, _ := time.Parse(time.DateOnly, referralsFrom)
	until, _ := time.Parse(time.DateOnly, referralsUntil)
	days := int(until.Sub(from).Hours()/24) + 1
	dateAt := func(d int) hub.Date { return hub.DateOf(from.AddDate(0, 0, min(d, days-1))) }
	pick := func(weights ...int) int {
		total := 0
		for _, w := range weights {
			total += w
		}
		n := rnd.IntN(total)
		for i, w := range weights {
			if n < w {
				return i
			}
			n -= w
		}
		return len(weights) - 1
	}
	var steps []step
	for i := range referralCount {
		n := f.Networks[pick(40, 30, 30)]
		var offered []*serviceData
		for _, s := range f.Services {
			if slices.Contains(s.Communities, n.Community) && (s.Provider == n.Coordinator || slices.Contains(n.Members, s.Provider)) {
				offered = append(offered, services[s.Key])
			}
		}
		s := offered[rnd.IntN(len(offered))]
		members := append([]string{n.Coordinator}, n.Members...)
		members = slices.DeleteFunc(members, func(m string) bool { return m == s.Provider })
		sender := members[rnd.IntN(len(members))]
		band := ageBandFor(s, pick(20, 40, 35, 5))
		sex := []hub.Sex{hub.Female, hub.Male, hub.Undisclosed, hub.OtherSex, ""}[pick(46, 44, 4, 1, 5)]
		day := rnd.IntN(days)
		id := fmt.Sprintf("ref-%03d", i+1)
		made := dateAt(day)
		steps = append(steps, step{date: made, run: func(ctx context.Context, at time.Time) error {
			_, err := h.MakeReferral(ctx, editor(sender), hub.MakeReferralInput{ID: id, NetworkID: n.Key, ServiceID: s.Key,
				Date: &made, AgeBand: band, Sex: sex, At: at})
			if err != nil {
				return fmt.Errorf("seed: referral %s: %w", id, err)
			}
			return nil
		}})
		take := func(status hub.ReferralStatus, after int, by string, reason hub.DeclineReason) {
			day += after
			d := dateAt(day)
			steps = append(steps, step{date: d, run: func(ctx context.Context, at time.Time) error {
				_, err := h.UpdateReferralStatus(ctx, editor(by), hub.UpdateReferralStatusInput{ID: id, Status: status, DeclineReason: reason, Date: &d, At: at})
				if err != nil {
					return fmt.Errorf("seed: referral %s to %s: %w", id, status, err)
				}
				return nil
			}})
		}
		// The last month's referrals are mostly still open.
		end := pick(5, 8, 55, 14, 11, 7)
		if days-day <= 30 {
			end = pick(40, 35, 10, 5, 5, 5)
		}
		provider, accepted := s.Provider, rnd.IntN(3) == 0
		switch hub.AllReferralStatuses[end] {
		case hub.ReferralAccepted:
			take(hub.ReferralAccepted, rnd.IntN(8), provider, "")
		case hub.ReferralServed:
			take(hub.ReferralAccepted, rnd.IntN(8), provider, "")
			take(hub.ReferralServed, 3+rnd.IntN(38), provider, "")
		case hub.ReferralDeclined:
			if accepted {
				take(hub.ReferralAccepted, rnd.IntN(5), provider, "")
			}
			take(hub.ReferralDeclined, rnd.IntN(11), provider, hub.AllDeclineReasons[pick(30, 30, 15, 10, 10, 5)])
		case hub.ReferralNotReached:
			if accepted {
				take(hub.ReferralAccepted, rnd.IntN(5), provider, "")
			}
			take(hub.ReferralNotReached, 5+rnd.IntN(26), provider, "")
		case hub.ReferralWithdrawn:
			if accepted {
				take(hub.ReferralAccepted, rnd.IntN(5), provider, "")
			}
			take(hub.ReferralWithdrawn, 1+rnd.IntN(20), sender, "")
		}
	}
	return steps
}

// ageBandFor is the band at index i if the service admits ages in it,
// else the nearest band it admits.
func ageBandFor(s *serviceData, i int) hub.AgeBand {
	lows, highs := []int{10, 15, 18, 25}, []int{14, 17, 24, 120}
	admits := func(b int) bool {
		e := s.Eligibility
		return (e.MinAge == nil || highs[b] >= *e.MinAge) && (e.MaxAge == nil || lows[b] <= *e.MaxAge)
	}
	for d := range len(lows) {
		for _, b := range []int{i - d, i + d} {
			if b >= 0 && b < len(lows) && admits(b) {
				return hub.AllAgeBands[b]
			}
		}
	}
	return hub.AllAgeBands[i]
}
