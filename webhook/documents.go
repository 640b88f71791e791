package webhook

import "convene/hub"

// Document returns the subscription a webhook of the stream delivers: its
// root field and the operation, whose messages are the bodies POSTed.
func Document(stream hub.WebhookStream) (field, query string) {
	const actor = `actor { name role stakeholder { id name } }`
	switch stream {
	case hub.StreamOutcomes:
		return "meetingOutcomeRecorded", `subscription($filter: OutcomeSubscriptionFilter, $after: String) {
  meetingOutcomeRecorded(filter: $filter, after: $after) {
    cursor kind at ` + actor + `
    outcome { id kind summary details status dueDate recordedAt owner { id name sector } meeting { id title startsAt } commitments { id reference title } }
  }
}`
	case hub.StreamCommitments:
		return "commitmentUpdated", `subscription($filter: CommitmentSubscriptionFilter, $after: String) {
  commitmentUpdated(filter: $filter, after: $after) {
    cursor kind at ` + actor + `
    commitment { id reference title status progress dueDate lead { id name sector } pillar { id title } }
    changedFields { field before after }
  }
}`
	case hub.StreamReferrals:
		return "referralReceived", `subscription($filter: ReferralSubscriptionFilter, $after: String) {
  referralReceived(filter: $filter, after: $after) {
    cursor kind at ` + actor + `
    referral { id date ageBand sex status category network { id name } from { id name } to { id name } service { id name } }
  }
}`
	}
	return "events", `subscription($filter: EventFilter, $after: String) {
  events(filter: $filter, after: $after) {
    cursor kind at ` + actor + ` entityType version
    node { id }
    changedFields { field before after }
  }
}`
}
