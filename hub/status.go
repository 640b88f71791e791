package hub

import (
	"slices"
	"strings"
)

// Status transitions: for each kind of object with a status, which
// statuses may follow which. These tables are the one rule; every command
// that sets a status checks it with checkTransition. A status listed as
// following itself may be kept (a progress report that leaves it as it
// is); one that is not must change.
var (
	commitmentNext = map[CommitmentStatus][]CommitmentStatus{
		NotStarted: {NotStarted, OnTrack, AtRisk, Delayed, Completed, Cancelled},
		OnTrack:    {OnTrack, AtRisk, Delayed, Completed, Cancelled},
		AtRisk:     {OnTrack, AtRisk, Delayed, Completed, Cancelled},
		Delayed:    {OnTrack, AtRisk, Delayed, Completed, Cancelled},
		// Reopening a completed commitment is a deliberate act: it takes
		// an explicit status, never a report that leaves status out.
		Completed: {OnTrack, AtRisk, Delayed, Completed},
		// A cancelled commitment takes no report until it is reopened.
		Cancelled: {NotStarted, OnTrack, AtRisk, Delayed},
	}
	meetingNext = map[MeetingStatus][]MeetingStatus{
		Scheduled:       {Scheduled, Held, MeetingCanceled},
		Held:            {Held},
		MeetingCanceled: {Scheduled, MeetingCanceled},
	}
	outcomeNext = map[OutcomeStatus][]OutcomeStatus{
		OutcomeOpen:       {OutcomeOpen, OutcomeInProgress, OutcomeDone, OutcomeDropped},
		OutcomeInProgress: {OutcomeOpen, OutcomeInProgress, OutcomeDone, OutcomeDropped},
		OutcomeDone:       {OutcomeOpen, OutcomeInProgress, OutcomeDone},
		OutcomeDropped:    {OutcomeOpen, OutcomeInProgress, OutcomeDropped},
	}
	// A referral moves forward only, and each step is taken by one side
	// (referralStepBy); its final statuses lead nowhere.
	referralNext = map[ReferralStatus][]ReferralStatus{
		ReferralSent:       {ReferralAccepted, ReferralDeclined, ReferralNotReached, ReferralWithdrawn},
		ReferralAccepted:   {ReferralServed, ReferralDeclined, ReferralNotReached, ReferralWithdrawn},
		ReferralServed:     {},
		ReferralDeclined:   {},
		ReferralNotReached: {},
		ReferralWithdrawn:  {},
	}
)

// referralSide is who takes a step of a referral.
type referralSide string

const (
	senderSide   referralSide = "the sending stakeholder"
	receiverSide referralSide = "the receiving provider"
)

// referralStepBy says which side takes each step: the sender refers and
// may withdraw; the receiving provider accepts, declines, records the
// service or that the young person could not be reached.
var referralStepBy = map[ReferralStatus]referralSide{
	ReferralSent:       senderSide,
	ReferralWithdrawn:  senderSide,
	ReferralAccepted:   receiverSide,
	ReferralDeclined:   receiverSide,
	ReferralServed:     receiverSide,
	ReferralNotReached: receiverSide,
}

// CommitmentNext lists the statuses that may follow s.
func CommitmentNext(s CommitmentStatus) []CommitmentStatus { return slices.Clone(commitmentNext[s]) }

// MeetingNext lists the statuses that may follow s.
func MeetingNext(s MeetingStatus) []MeetingStatus { return slices.Clone(meetingNext[s]) }

// OutcomeNext lists the statuses that may follow s.
func OutcomeNext(s OutcomeStatus) []OutcomeStatus { return slices.Clone(outcomeNext[s]) }

// ReferralNext lists the statuses that may follow s.
func ReferralNext(s ReferralStatus) []ReferralStatus { return slices.Clone(referralNext[s]) }

// checkTransition adds a NOT_ALLOWED error at field unless to may follow
// from; the message names the statuses that may.
func checkTransition[S ~string](c *checker, next map[S][]S, what string, from, to S, field string) {
	if _, known := next[to]; !known {
		c.add(CodeInvalid, "unknown status", field)
		return
	}
	if slices.Contains(next[from], to) {
		return
	}
	var msg string
	switch {
	case len(next[from]) == 0:
		msg = "a " + what + " that is " + string(from) + " is closed: it moves to no other status"
	case len(next[from]) == 1 && next[from][0] == from:
		msg = "a " + what + " that is " + string(from) + " stays " + string(from)
	case from == to:
		msg = "the " + what + " is " + string(from) + "; give the status it moves to: " + orList(next[from], from)
	default:
		msg = "a " + what + " that is " + string(from) + " may move only to " + orList(next[from], from) + ", not to " + string(to)
	}
	c.add(CodeNotAllowed, msg, field)
}

// orList is "A, B or C", leaving out the status the object has.
func orList[S ~string](statuses []S, except S) string {
	var names []string
	for _, s := range statuses {
		if s != except {
			names = append(names, string(s))
		}
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
