package gqltype

import (
	"strings"

	"convene/hub"

	"github.com/99designs/gqlgen/graphql"
)

// Enums that clients send. Validation accepts an enum value in a
// variable in any case, or as a number, when it matches a name of the
// enum; these turn the value into that name, so that "desc" means DESC
// as it does in the exports, and a number is the client's error
// (BAD_USER_INPUT), never INTERNAL. OrderDirection and EntityType are the
// schema's own (plain strings here); the others are the hub's.

func unmarshalEnum[E ~string](v any, enum string) (E, error) {
	s, ok := v.(string)
	if !ok {
		return "", badInput(enum + " values are names, not " + kindOf(v))
	}
	return E(strings.ToUpper(s)), nil
}

func marshalEnum[E ~string](e E) graphql.Marshaler { return graphql.MarshalString(string(e)) }

func MarshalOrderDirection(e string) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalOrderDirection(v any) (string, error) {
	return unmarshalEnum[string](v, "OrderDirection")
}

func MarshalEntityType(e string) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalEntityType(v any) (string, error)    { return unmarshalEnum[string](v, "EntityType") }

func MarshalSector(e hub.Sector) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalSector(v any) (hub.Sector, error)    { return unmarshalEnum[hub.Sector](v, "Sector") }

func MarshalCommitmentStatus(e hub.CommitmentStatus) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalCommitmentStatus(v any) (hub.CommitmentStatus, error) {
	return unmarshalEnum[hub.CommitmentStatus](v, "CommitmentStatus")
}

func MarshalParticipantRole(e hub.ParticipantRole) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalParticipantRole(v any) (hub.ParticipantRole, error) {
	return unmarshalEnum[hub.ParticipantRole](v, "ParticipantRole")
}

func MarshalMeetingStatus(e hub.MeetingStatus) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalMeetingStatus(v any) (hub.MeetingStatus, error) {
	return unmarshalEnum[hub.MeetingStatus](v, "MeetingStatus")
}

func MarshalAttendance(e hub.Attendance) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalAttendance(v any) (hub.Attendance, error) {
	return unmarshalEnum[hub.Attendance](v, "Attendance")
}

func MarshalOutcomeKind(e hub.OutcomeKind) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalOutcomeKind(v any) (hub.OutcomeKind, error) {
	return unmarshalEnum[hub.OutcomeKind](v, "OutcomeKind")
}

func MarshalOutcomeStatus(e hub.OutcomeStatus) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalOutcomeStatus(v any) (hub.OutcomeStatus, error) {
	return unmarshalEnum[hub.OutcomeStatus](v, "OutcomeStatus")
}

func MarshalRole(e hub.Role) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalRole(v any) (hub.Role, error)    { return unmarshalEnum[hub.Role](v, "Role") }

func MarshalCommitmentOrderField(e hub.CommitmentOrderField) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalCommitmentOrderField(v any) (hub.CommitmentOrderField, error) {
	return unmarshalEnum[hub.CommitmentOrderField](v, "CommitmentOrderField")
}

func MarshalServiceCategory(e hub.ServiceCategory) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalServiceCategory(v any) (hub.ServiceCategory, error) {
	return unmarshalEnum[hub.ServiceCategory](v, "ServiceCategory")
}

func MarshalServiceStatus(e hub.ServiceStatus) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalServiceStatus(v any) (hub.ServiceStatus, error) {
	return unmarshalEnum[hub.ServiceStatus](v, "ServiceStatus")
}

func MarshalAgeBand(e hub.AgeBand) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalAgeBand(v any) (hub.AgeBand, error)    { return unmarshalEnum[hub.AgeBand](v, "AgeBand") }

func MarshalSex(e hub.Sex) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalSex(v any) (hub.Sex, error)    { return unmarshalEnum[hub.Sex](v, "Sex") }

func MarshalReferralStatus(e hub.ReferralStatus) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalReferralStatus(v any) (hub.ReferralStatus, error) {
	return unmarshalEnum[hub.ReferralStatus](v, "ReferralStatus")
}

func MarshalDeclineReason(e hub.DeclineReason) graphql.Marshaler { return marshalEnum(e) }
func UnmarshalDeclineReason(v any) (hub.DeclineReason, error) {
	return unmarshalEnum[hub.DeclineReason](v, "DeclineReason")
}
