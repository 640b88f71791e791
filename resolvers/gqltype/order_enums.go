package gqltype

import (
	"convene/hub"

	"github.com/99designs/gqlgen/graphql"
)

// The order fields of the analysts' breakdowns and lists, parsed as the
// other enums clients send are (enums.go).

func MarshalStakeholderStatsField(e hub.StakeholderStatsField) graphql.Marshaler {
	return marshalEnum(e)
}
func UnmarshalStakeholderStatsField(v any) (hub.StakeholderStatsField, error) {
	return unmarshalEnum[hub.StakeholderStatsField](v, "StakeholderStatsField")
}

func MarshalStakeholderOrderField(e hub.StakeholderOrderField) graphql.Marshaler {
	return marshalEnum(e)
}
func UnmarshalStakeholderOrderField(v any) (hub.StakeholderOrderField, error) {
	return unmarshalEnum[hub.StakeholderOrderField](v, "StakeholderOrderField")
}

func MarshalMeetingOrderField(e hub.MeetingOrderField) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalMeetingOrderField(v any) (hub.MeetingOrderField, error) {
	return unmarshalEnum[hub.MeetingOrderField](v, "MeetingOrderField")
}

func MarshalOutcomeOrderField(e hub.OutcomeOrderField) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalOutcomeOrderField(v any) (hub.OutcomeOrderField, error) {
	return unmarshalEnum[hub.OutcomeOrderField](v, "OutcomeOrderField")
}
