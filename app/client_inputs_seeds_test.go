package app

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"

	"convene/hub"
)

// Seeds of FuzzGraphQLHandler for "every error has a code that is not
// INTERNAL for every input a client controls": every argument position of
// the queries, the mutations (as the admin, so that the resolvers decode
// the input) and the subscriptions (over server-sent events) takes each
// value of its class (Int, Float, DateTime, Date, enums, global IDs of
// every kind, malformed and of the wrong kind, cursors), once as a
// variable and once written in the document.

// fuzzMode bits: the low two pick the request's shape (see
// FuzzGraphQLHandler); these add to shape 1, a JSON POST.
const (
	fuzzAsAdmin byte = 4 // with the admin's bearer token
	fuzzSSE     byte = 8 // accepting text/event-stream (subscriptions)
)

type inputSeed struct {
	mode             byte
	query, variables string
}

// inputPosition is one argument position: doc holds $v where the value
// goes, vtype is the variable's type, class names the values to try.
type inputPosition struct {
	doc, vtype, class string
	mode              byte
}

var (
	demoCommitment = gid(hub.TypeCommitment, "C-2.1-004")
	demoMeeting    = gid(hub.TypeMeeting, "m-2015-09")
	demoOutcome    = gid(hub.TypeOutcome, "o-2011-06-a")
	demoLead       = gid(hub.TypeStakeholder, "pfd")
	demoObjective  = gid(hub.TypeObjective, "o2-1")
)

func inputPositions() []inputPosition {
	q := func(doc, vtype, class string) inputPosition {
		return inputPosition{"query Probe($v: " + vtype + ") " + doc, vtype, class, 1}
	}
	admin := func(doc, vtype, class string) inputPosition {
		p := q(doc, vtype, class)
		p.mode |= fuzzAsAdmin
		return p
	}
	m := func(doc, vtype, class string) inputPosition {
		return inputPosition{"mutation Probe($v: " + vtype + ") " + doc, vtype, class, 1 | fuzzAsAdmin}
	}
	sub := func(doc, vtype, class string) inputPosition {
		return inputPosition{"subscription Probe($v: " + vtype + ") " + doc, vtype, class, 1 | fuzzSSE}
	}
	ps := []inputPosition{
		q(`{ node(id: $v) { id } }`, "ID!", "ID"),
		q(`{ nodes(ids: $v) { id } }`, "[ID!]!", "IDs"),
		q(`{ strategicPlan(id: $v) { title } }`, "ID!", "ID"),
		q(`{ stakeholder(id: $v) { name } }`, "ID!", "ID"),
		q(`{ commitment(id: $v) { title } }`, "ID!", "ID"),
		q(`{ meeting(id: $v) { title } }`, "ID!", "ID"),
		q(`{ commitmentByReference(reference: $v) { title } }`, "String!", "String"),
		q(`{ stakeholders(filter: {sectors: $v}) { totalCount } }`, "[Sector!]", "Enums:GOVERNMENT"),
		q(`{ stakeholders(filter: {search: $v}) { totalCount } }`, "String", "String"),
		q(`{ commitments(filter: {stakeholderIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		q(`{ commitments(filter: {pillarIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		q(`{ commitments(filter: {objectiveIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		q(`{ commitments(filter: {communityIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		q(`{ commitments(filter: {statuses: $v}) { totalCount } }`, "[CommitmentStatus!]", "Enums:ON_TRACK"),
		q(`{ commitments(filter: {overdue: $v}) { totalCount } }`, "Boolean", "Boolean"),
		q(`{ commitments(filter: {dueBefore: $v}) { totalCount } }`, "Date", "Date"),
		q(`{ commitments(filter: {dueAfter: $v}) { totalCount } }`, "Date", "Date"),
		q(`{ commitments(orderBy: {field: $v}) { totalCount } }`, "CommitmentOrderField!", "Enum:DUE_DATE"),
		q(`{ commitments(orderBy: {field: TITLE, direction: $v}) { totalCount } }`, "OrderDirection", "Enum:DESC"),
		q(`{ commitmentStats(filter: {pillarIds: $v}) { total } }`, "[ID!]", "IDs"),
		q(`{ commitmentStats(filter: {dueBefore: $v}) { total } }`, "Date", "Date"),
		q(`{ meetings(filter: {from: $v}) { totalCount } }`, "DateTime", "DateTime"),
		q(`{ meetings(filter: {to: $v}) { totalCount } }`, "DateTime", "DateTime"),
		q(`{ meetings(filter: {stakeholderIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		q(`{ meetings(filter: {statuses: $v}) { totalCount } }`, "[MeetingStatus!]", "Enums:HELD"),
		q(`{ outcomes(filter: {meetingIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		q(`{ outcomes(filter: {ownerIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		q(`{ outcomes(filter: {kinds: $v}) { totalCount } }`, "[OutcomeKind!]", "Enums:DECISION"),
		q(`{ outcomes(filter: {statuses: $v}) { totalCount } }`, "[OutcomeStatus!]", "Enums:DONE"),
		admin(`{ auditLog(filter: {actorIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		admin(`{ auditLog(filter: {stakeholderIds: $v}) { totalCount } }`, "[ID!]", "IDs"),
		admin(`{ auditLog(filter: {from: $v}) { totalCount } }`, "DateTime", "DateTime"),
		admin(`{ auditLog(first: $v) { totalCount } }`, "Int", "Int"),
		admin(`{ auditLog(after: $v) { totalCount } }`, "String", "Cursor"),
		admin(`{ tokens(first: $v) { totalCount } }`, "Int", "Int"),
		admin(`{ tokens(before: $v) { totalCount } }`, "String", "Cursor"),
		q(`{ stakeholder(id: "`+demoLead+`") { commitments(roles: $v) { totalCount } } }`, "[ParticipantRole!]", "Enums:LEAD"),
		q(`{ commitment(id: "`+demoCommitment+`") { progressReports(first: $v) { totalCount } } }`, "Int", "Int"),
		q(`{ commitment(id: "`+demoCommitment+`") { progressReports(after: $v) { totalCount } } }`, "String", "Cursor"),
		q(`{ commitment(id: "`+demoCommitment+`") { history(last: $v) { totalCount } } }`, "Int", "Int"),
		q(`{ commitment(id: "`+demoCommitment+`") { history(before: $v) { totalCount } } }`, "String", "Cursor"),
		q(`{ meeting(id: "`+demoMeeting+`") { history(after: $v) { totalCount } } }`, "String", "Cursor"),

		m(`{ createStakeholder(input: {name: "Probe", sector: GOVERNMENT, parentId: $v}) { userErrors { code } } }`, "ID", "ID"),
		m(`{ createStakeholder(input: {name: "Probe", sector: $v}) { userErrors { code } } }`, "Sector!", "Enum:GOVERNMENT"),
		m(`{ updateStakeholder(input: {id: $v, description: "probe"}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ updateStakeholder(input: {id: "`+demoLead+`", expectedVersion: $v}) { userErrors { code } } }`, "Int", "Int"),
		m(`{ createCommitment(input: {objectiveId: $v, leadId: "`+demoLead+`", title: "Probe", startDate: "2014-01-01", dueDate: "2015-01-01"}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ createCommitment(input: {objectiveId: "`+demoObjective+`", leadId: "`+demoLead+`", title: "Probe", startDate: $v, dueDate: "2015-01-01"}) { userErrors { code } } }`, "Date!", "Date"),
		m(`{ createCommitment(input: {objectiveId: "`+demoObjective+`", leadId: "`+demoLead+`", title: "Probe", startDate: "2014-01-01", dueDate: "2015-01-01", communityIds: $v}) { userErrors { code } } }`, "[ID!]", "IDs"),
		m(`{ createCommitment(input: {objectiveId: "`+demoObjective+`", leadId: "`+demoLead+`", title: "Probe", startDate: "2014-01-01", dueDate: "2015-01-01", participants: [{stakeholderId: $v, role: FUNDING}]}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ createCommitment(input: {objectiveId: "`+demoObjective+`", leadId: "`+demoLead+`", title: "Probe", startDate: "2014-01-01", dueDate: "2015-01-01", indicators: [{name: "n", unit: "u", baseline: $v, target: 1}]}) { userErrors { code } } }`, "Float!", "Float"),
		m(`{ updateCommitment(input: {id: $v, title: "Probe"}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ updateCommitment(input: {id: "`+demoCommitment+`", leadId: $v}) { userErrors { code } } }`, "ID", "ID"),
		m(`{ updateCommitment(input: {id: "`+demoCommitment+`", dueDate: $v}) { userErrors { code } } }`, "Date", "Date"),
		m(`{ reportProgress(input: {commitmentId: $v, progress: 50, note: "probe"}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ reportProgress(input: {commitmentId: "`+demoCommitment+`", progress: $v, note: "probe"}) { userErrors { code } } }`, "Int!", "Int"),
		m(`{ reportProgress(input: {commitmentId: "`+demoCommitment+`", progress: 50, status: $v, note: "probe"}) { userErrors { code } } }`, "CommitmentStatus", "Enum:AT_RISK"),
		m(`{ reportProgress(input: {commitmentId: "`+demoCommitment+`", progress: 50, note: "probe", expectedVersion: $v}) { userErrors { code } } }`, "Int", "Int"),
		m(`{ reportProgress(input: {commitmentId: "`+demoCommitment+`", progress: 50, note: "probe", indicatorValues: [{name: "x", value: $v}]}) { userErrors { code } } }`, "Float!", "Float"),
		m(`{ scheduleMeeting(input: {title: "Probe", startsAt: $v, endsAt: "2030-01-01T10:00:00Z", location: "Belmopan", convenerId: "`+demoLead+`"}) { userErrors { code } } }`, "DateTime!", "DateTime"),
		m(`{ scheduleMeeting(input: {title: "Probe", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T10:00:00Z", location: "Belmopan", convenerId: $v}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ scheduleMeeting(input: {title: "Probe", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T10:00:00Z", location: "Belmopan", convenerId: "`+demoLead+`", agenda: [{title: "a", durationMinutes: $v}]}) { userErrors { code } } }`, "Int!", "Int"),
		m(`{ updateMeeting(input: {id: $v, title: "Probe"}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ updateMeeting(input: {id: "`+demoMeeting+`", endsAt: $v}) { userErrors { code } } }`, "DateTime", "DateTime"),
		m(`{ updateMeeting(input: {id: "`+demoMeeting+`", status: $v}) { userErrors { code } } }`, "MeetingStatus", "Enum:HELD"),
		m(`{ recordMeetingOutcome(input: {meetingId: $v, kind: DECISION, summary: "Probe"}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ recordMeetingOutcome(input: {meetingId: "`+demoMeeting+`", kind: DECISION, summary: "Probe", ownerId: $v}) { userErrors { code } } }`, "ID", "ID"),
		m(`{ recordMeetingOutcome(input: {meetingId: "`+demoMeeting+`", kind: DECISION, summary: "Probe", commitmentIds: $v}) { userErrors { code } } }`, "[ID!]", "IDs"),
		m(`{ recordMeetingOutcome(input: {meetingId: "`+demoMeeting+`", kind: DECISION, summary: "Probe", dueDate: $v}) { userErrors { code } } }`, "Date", "Date"),
		m(`{ updateOutcomeStatus(input: {id: $v, status: DONE}) { userErrors { code } } }`, "ID!", "ID"),
		m(`{ updateOutcomeStatus(input: {id: "`+demoOutcome+`", status: $v}) { userErrors { code } } }`, "OutcomeStatus!", "Enum:IN_PROGRESS"),
		m(`{ updateOutcomeStatus(input: {id: "`+demoOutcome+`", status: OPEN, expectedVersion: $v}) { userErrors { code } } }`, "Int", "Int"),
		m(`{ issueToken(input: {label: "probe", role: EDITOR, stakeholderId: $v}) { userErrors { code } } }`, "ID", "ID"),
		m(`{ issueToken(input: {label: "probe", role: VIEWER, expiresAt: $v}) { userErrors { code } } }`, "DateTime", "DateTime"),
		m(`{ revokeToken(input: {id: $v}) { userErrors { code } } }`, "ID!", "ID"),

		sub(`{ meetingOutcomeRecorded(filter: {meetingIds: $v}) { cursor } }`, "[ID!]", "BadIDs"),
		sub(`{ meetingOutcomeRecorded(filter: {pillarIds: $v}) { cursor } }`, "[ID!]", "BadIDs"),
		sub(`{ meetingOutcomeRecorded(after: $v) { cursor } }`, "String", "BadEventCursor"),
		sub(`{ commitmentUpdated(filter: {stakeholderIds: $v}) { cursor } }`, "[ID!]", "BadIDs"),
		sub(`{ commitmentUpdated(filter: {commitmentIds: $v}) { cursor } }`, "[ID!]", "BadIDs"),
		sub(`{ events(filter: {nodeIds: $v}) { cursor } }`, "[ID!]", "BadIDs"),
		sub(`{ events(after: $v) { cursor } }`, "String", "BadEventCursor"),
	}
	// Every connection's paging arguments.
	for _, field := range []string{"stakeholders", "commitments", "meetings", "outcomes"} {
		ps = append(ps,
			q(`{ `+field+`(first: $v) { totalCount } }`, "Int", "Int"),
			q(`{ `+field+`(last: $v) { totalCount } }`, "Int", "Int"),
			q(`{ `+field+`(after: $v) { totalCount } }`, "String", "Cursor"),
			q(`{ `+field+`(before: $v) { totalCount } }`, "String", "Cursor"))
	}
	return ps
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func quoted(s string) string { b, _ := json.Marshal(s); return string(b) }

// badIDs are strings that are no global ID of any object.
func badIDs() []string {
	return []string{`"2"`, `""`, `"%%%"`, `"===="`, quoted(b64("Pillar:")), quoted(b64(":p2")), quoted(b64("Nope:x")),
		quoted(base64.StdEncoding.EncodeToString([]byte("Stakeholder:pfd?"))), quoted(strings.Repeat("QUFB", 2000)), `"\u0000"`}
}

// everyKind is a global ID of each kind, and one that names nothing.
func everyKind() []string {
	return []string{quoted(gid(hub.TypePlan, "restore-2011-2015")), quoted(gid(hub.TypePillar, "p2")), quoted(gid(hub.TypeObjective, "o2-1")),
		quoted(gid(hub.TypeCommunity, "collet")), quoted(demoLead), quoted(demoCommitment), quoted(demoMeeting), quoted(demoOutcome),
		quoted(gid(hub.TypeToken, "bootstrap")), quoted(gid(hub.TypeCommitment, "C-9.9-999"))}
}

// inputValues are the values of a class, as JSON text.
func inputValues(class string) []string {
	kind, enum, _ := strings.Cut(class, ":")
	switch kind {
	case "Int":
		return []string{`0`, `-1`, `101`, `2147483647`, `2147483648`, `-2147483649`, `1.5`, `1e400`, `"5"`, `true`, `null`, `[1]`}
	case "Float":
		return []string{`0.5`, `-1e308`, `1e400`, `"x"`, `true`, `null`, `[1.5]`}
	case "DateTime":
		return []string{`"2014-01-01"`, `"2014-01-01T00:00:00Z"`, `"2015-09-17T14:00:00-06:00"`, `"2014-13-01"`, `""`, `"yesterday"`,
			`"2015-09-17 14:00:00"`, `"2015-09-17T14:00:00"`, `"9999-12-31T23:59:59Z"`, `"0000-01-01T00:00:00Z"`, `"-0001-01-01"`, `5`, `true`, `null`}
	case "Date":
		return []string{`"2013-02-28"`, `"2013-02-30"`, `""`, `"2013-1-1"`, `"20130101"`, `20130101`, `"2013-02-28T00:00:00Z"`,
			`"9999-12-31"`, `"0000-00-00"`, `true`, `null`}
	case "ID":
		return append(append(everyKind(), badIDs()...), `5`, `true`, `null`, `1.5`)
	case "IDs", "BadIDs":
		ids := badIDs()
		if kind == "IDs" {
			ids = append(everyKind(), ids...)
		}
		var out []string
		for _, id := range ids {
			out = append(out, "["+id+"]")
		}
		if kind == "IDs" { // BadIDs leave out what a subscription would accept
			out = append(out, `[]`, `null`)
		}
		return append(out, `"`+strings.Trim(ids[0], `"`)+`"`, `[`+quoted(demoLead)+`, "2"]`, `[null]`, `[5]`)
	case "Cursor":
		return []string{`"garbage"`, `""`, quoted(b64("v1:")), quoted(b64("v2:x")), `"%%%"`, quoted(b64("v1:zzzz")),
			quoted(b64("e:1")), quoted(strings.Repeat("A", 5000)), `5`, `null`}
	case "BadEventCursor":
		return []string{`"garbage"`, `""`, quoted(b64("e:-1")), quoted(b64("e:999999999999")), quoted(b64("e:x")), quoted(b64("v1:x")),
			quoted(b64("e:99999999999999999999")), `5`}
	case "Enum":
		return []string{`"` + enum + `"`, `"NOPE"`, `"` + strings.ToLower(enum) + `"`, `1`, `null`, `[` + quoted(enum) + `]`}
	case "Enums":
		return []string{`["` + enum + `"]`, `["NOPE"]`, `[]`, `"` + enum + `"`, `["` + strings.ToLower(enum) + `"]`, `null`, `[1]`}
	case "String":
		return []string{`""`, `" "`, quoted(strings.Repeat("x", 20000)), `"\u0000"`, `5`, `true`, `null`, `"%%%"`}
	case "Boolean":
		return []string{`true`, `"true"`, `1`, `null`}
	}
	panic("no values for class " + class)
}

var enumName = regexp.MustCompile(`"([A-Za-z_][A-Za-z0-9_]*)"`)

// literal writes a JSON value as a GraphQL literal: the same text for
// strings, numbers, booleans, null and lists; enum positions get bare
// names.
func literal(class, v string) string {
	if strings.HasPrefix(class, "Enum") {
		return enumName.ReplaceAllString(v, "$1")
	}
	return v
}

// clientInputSeeds is every position with every value of its class, as a
// variable and as a literal.
func clientInputSeeds() []inputSeed {
	var out []inputSeed
	for _, p := range inputPositions() {
		for _, v := range inputValues(p.class) {
			out = append(out, inputSeed{p.mode, p.doc, `{"v":` + v + `}`})
			header := "($v: " + p.vtype + ")"
			out = append(out, inputSeed{p.mode, strings.Replace(strings.Replace(p.doc, header, "", 1), "$v", literal(p.class, v), 1), `{}`})
		}
	}
	return out
}
