package fastpath

import (
	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
)

// The referral figures (`referralStats`), from the resolver, which
// decides whether the caller sees them exact or under disclosure control.

var (
	referralStatsObj     = &object[*hub.ReferralStats]{name: "ReferralStats"}
	referralStatusObj    = &object[hub.ReferralStatusCount]{name: "ReferralStatusCount"}
	referralCategoryObj  = &object[hub.ReferralCategoryCount]{name: "ReferralCategoryCount"}
	referralCommunityObj = &object[hub.ReferralCommunityCount]{name: "ReferralCommunityCount"}
	referralAgeBandObj   = &object[hub.ReferralAgeBandCount]{name: "ReferralAgeBandCount"}
	referralMonthObj     = &object[hub.ReferralMonthCount]{name: "ReferralMonthCount"}
)

func init() {
	referralStatsObj.fields = map[string]fieldSpec[*hub.ReferralStats]{
		"exact":           boolean(of(func(s *hub.ReferralStats) bool { return s.Exact })),
		"from":            optDate(func(s *hub.ReferralStats) *hub.Date { return s.From }),
		"to":              optDate(func(s *hub.ReferralStats) *hub.Date { return s.To }),
		"total":           optInteger(func(s *hub.ReferralStats) *int { return s.Total }),
		"totalSuppressed": boolean(of(func(s *hub.ReferralStats) bool { return s.TotalSuppressed })),
		"byStatus": list(of(func(s *hub.ReferralStats) []hub.ReferralStatusCount { return s.ByStatus }),
			referralStatusObj, never[hub.ReferralStatusCount]),
		"byCategory": list(of(func(s *hub.ReferralStats) []hub.ReferralCategoryCount { return s.ByCategory }),
			referralCategoryObj, never[hub.ReferralCategoryCount]),
		"byCommunity": list(of(func(s *hub.ReferralStats) []hub.ReferralCommunityCount { return s.ByCommunity }),
			referralCommunityObj, never[hub.ReferralCommunityCount]),
		"byAgeBand": list(of(func(s *hub.ReferralStats) []hub.ReferralAgeBandCount { return s.ByAgeBand }),
			referralAgeBandObj, never[hub.ReferralAgeBandCount]),
		"byMonth": list(of(func(s *hub.ReferralStats) []hub.ReferralMonthCount { return s.ByMonth }),
			referralMonthObj, never[hub.ReferralMonthCount]),
		"medianDaysToService": optFloat(func(s *hub.ReferralStats) *float64 { return s.MedianDaysToService }),
	}
	referralStatusObj.fields = map[string]fieldSpec[hub.ReferralStatusCount]{
		"status":     enum(func(c hub.ReferralStatusCount) hub.ReferralStatus { return c.Status }),
		"count":      optInteger(func(c hub.ReferralStatusCount) *int { return c.Count }),
		"suppressed": boolean(of(func(c hub.ReferralStatusCount) bool { return c.Suppressed })),
	}
	referralCategoryObj.fields = map[string]fieldSpec[hub.ReferralCategoryCount]{
		"category":   enum(func(c hub.ReferralCategoryCount) hub.ServiceCategory { return c.Category }),
		"count":      optInteger(func(c hub.ReferralCategoryCount) *int { return c.Count }),
		"suppressed": boolean(of(func(c hub.ReferralCategoryCount) bool { return c.Suppressed })),
	}
	referralCommunityObj.fields = map[string]fieldSpec[hub.ReferralCommunityCount]{
		"community": one(func(w *writer, c hub.ReferralCommunityCount) (*hub.Community, error) {
			return w.ex.referralCommunity.Community(w.ctx, &c)
		}, communityObj, false, ptr[hub.Community]),
		"count":      optInteger(func(c hub.ReferralCommunityCount) *int { return c.Count }),
		"suppressed": boolean(of(func(c hub.ReferralCommunityCount) bool { return c.Suppressed })),
	}
	referralAgeBandObj.fields = map[string]fieldSpec[hub.ReferralAgeBandCount]{
		"ageBand":    enum(func(c hub.ReferralAgeBandCount) hub.AgeBand { return c.AgeBand }),
		"count":      optInteger(func(c hub.ReferralAgeBandCount) *int { return c.Count }),
		"suppressed": boolean(of(func(c hub.ReferralAgeBandCount) bool { return c.Suppressed })),
	}
	referralMonthObj.fields = map[string]fieldSpec[hub.ReferralMonthCount]{
		"month":      str(func(c hub.ReferralMonthCount) string { return c.Month }),
		"count":      optInteger(func(c hub.ReferralMonthCount) *int { return c.Count }),
		"suppressed": boolean(of(func(c hub.ReferralMonthCount) bool { return c.Suppressed })),
	}
}

// optInteger is a nullable Int held as a pointer (nil: null).
func optInteger[T any](get func(T) *int) fieldSpec[T] {
	return leaf(func(w *writer, v T) {
		if n := get(v); n == nil {
			w.null()
		} else {
			w.integer(*n)
		}
	})
}

// optDate is a nullable Date held as a pointer (nil: null).
func optDate[T any](get func(T) *hub.Date) fieldSpec[T] {
	return leaf(func(w *writer, v T) {
		if d := get(v); d == nil {
			w.null()
		} else {
			w.goQuoted(string(*d))
		}
	})
}

var referralStatsFilter = input[model.ReferralStatsFilter]{fields: map[string]func(*model.ReferralStatsFilter, any) bool{
	"networkIds":   listField(func(f *model.ReferralStatsFilter) *[]string { return &f.NetworkIds }, graphql.UnmarshalID),
	"communityIds": listField(func(f *model.ReferralStatsFilter) *[]string { return &f.CommunityIds }, graphql.UnmarshalID),
	"categories":   listField(func(f *model.ReferralStatsFilter) *[]hub.ServiceCategory { return &f.Categories }, gqltype.UnmarshalServiceCategory),
	"providerIds":  listField(func(f *model.ReferralStatsFilter) *[]string { return &f.ProviderIds }, graphql.UnmarshalID),
	"from":         optField(func(f *model.ReferralStatsFilter) **hub.Date { return &f.From }, gqltype.UnmarshalDate),
	"to":           optField(func(f *model.ReferralStatsFilter) **hub.Date { return &f.To }, gqltype.UnmarshalDate),
}}

var referralStats = rootField([]string{"filter"},
	func(raw map[string]any) (*model.ReferralStatsFilter, bool) {
		return referralStatsFilter.decode(raw, "filter")
	}, nil,
	func(w *writer, _ *graphql.CollectedField, f *model.ReferralStatsFilter) (*hub.ReferralStats, error) {
		return w.ex.query.ReferralStats(w.ctx, f)
	}, referralStatsObj, true, ptr[hub.ReferralStats])
