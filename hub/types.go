// Package hub is Convene's domain: the plan, stakeholders, commitments,
// meetings and outcomes; the rules that govern changes to them; the events
// those changes produce; and the in-memory read model that answers queries.
// It knows nothing of GraphQL or MongoDB.
package hub

import (
	"fmt"
	"time"
)

// Date is a calendar date as "YYYY-MM-DD"; its string order is its time order.
type Date string

// ParseDate checks s is a real calendar date in YYYY-MM-DD form.
func ParseDate(s string) (Date, error) {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", fmt.Errorf("%q is not a date in YYYY-MM-DD form", s)
	}
	return Date(s), nil
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// Sector is the part of society a stakeholder belongs to.
type Sector string

// Sectors.
const (
	Government           Sector = "GOVERNMENT"
	CivilSociety         Sector = "CIVIL_SOCIETY"
	PrivateSector        Sector = "PRIVATE_SECTOR"
	InternationalPartner Sector = "INTERNATIONAL_PARTNER"
)

// AllSectors lists every sector in schema order.
var AllSectors = []Sector{Government, CivilSociety, PrivateSector, InternationalPartner}

// CommitmentStatus is where a commitment stands.
type CommitmentStatus string

// Commitment statuses.
const (
	NotStarted CommitmentStatus = "NOT_STARTED"
	OnTrack    CommitmentStatus = "ON_TRACK"
	AtRisk     CommitmentStatus = "AT_RISK"
	Delayed    CommitmentStatus = "DELAYED"
	Completed  CommitmentStatus = "COMPLETED"
	Cancelled  CommitmentStatus = "CANCELLED"
)

// AllCommitmentStatuses lists every status in schema order.
var AllCommitmentStatuses = []CommitmentStatus{NotStarted, OnTrack, AtRisk, Delayed, Completed, Cancelled}

// CompletionLevel is the Open Government Partnership's completion scale.
type CompletionLevel string

// Completion levels.
const (
	LevelNotStarted  CompletionLevel = "NOT_STARTED"
	LevelLimited     CompletionLevel = "LIMITED"
	LevelSubstantial CompletionLevel = "SUBSTANTIAL"
	LevelComplete    CompletionLevel = "COMPLETE"
)

// ParticipantRole is the part a stakeholder plays in a commitment.
type ParticipantRole string

// Participant roles.
const (
	RoleLead         ParticipantRole = "LEAD"
	RoleImplementing ParticipantRole = "IMPLEMENTING"
	RoleFunding      ParticipantRole = "FUNDING"
	RoleSupporting   ParticipantRole = "SUPPORTING"
)

// MeetingStatus is where a meeting stands.
type MeetingStatus string

// Meeting statuses.
const (
	Scheduled       MeetingStatus = "SCHEDULED"
	Held            MeetingStatus = "HELD"
	MeetingCanceled MeetingStatus = "CANCELLED"
)

// Attendance records whether an invited stakeholder came.
type Attendance string

// Attendance values.
const (
	Invited   Attendance = "INVITED"
	Attended  Attendance = "ATTENDED"
	Apologies Attendance = "APOLOGIES"
)

// OutcomeKind says what kind of outcome a meeting produced.
type OutcomeKind string

// Outcome kinds.
const (
	Decision       OutcomeKind = "DECISION"
	ActionItem     OutcomeKind = "ACTION_ITEM"
	Agreement      OutcomeKind = "AGREEMENT"
	Recommendation OutcomeKind = "RECOMMENDATION"
)

// OutcomeStatus is where an outcome stands.
type OutcomeStatus string

// Outcome statuses.
const (
	OutcomeOpen       OutcomeStatus = "OPEN"
	OutcomeInProgress OutcomeStatus = "IN_PROGRESS"
	OutcomeDone       OutcomeStatus = "DONE"
	OutcomeDropped    OutcomeStatus = "DROPPED"
)

// Meta is what every stored entity carries.
type Meta struct {
	ID        string    `bson:"_id" json:"-"`
	Version   int       `bson:"version" json:"-"`
	CreatedAt time.Time `bson:"createdAt" json:"-"`
	UpdatedAt time.Time `bson:"updatedAt" json:"-"`
	// Deleted marks the last state of a deleted plan, pillar, objective
	// or community: the read model keeps it only as a tombstone.
	Deleted bool `bson:"deleted,omitempty" json:"-"`
}

// StrategicPlan is the shared frame under which commitments are made.
type StrategicPlan struct {
	Meta        `bson:",inline"`
	Title       string `bson:"title" json:"title"`
	Description string `bson:"description" json:"description"`
	PeriodStart Date   `bson:"periodStart" json:"periodStart"`
	PeriodEnd   Date   `bson:"periodEnd" json:"periodEnd"`
	// Archived plans, pillars, objectives and communities stay readable
	// but are offered for no new commitment.
	Archived bool `bson:"archived,omitempty" json:"archived,omitempty"`
}

// Pillar is a broad line of work of a plan.
type Pillar struct {
	Meta        `bson:",inline"`
	PlanID      string `bson:"planId" json:"plan"`
	Code        string `bson:"code" json:"code"`
	Title       string `bson:"title" json:"title"`
	Description string `bson:"description" json:"description"`
	Archived    bool   `bson:"archived,omitempty" json:"archived,omitempty"`
}

// Objective is what commitments are made towards.
type Objective struct {
	Meta        `bson:",inline"`
	PillarID    string `bson:"pillarId" json:"pillar"`
	Code        string `bson:"code" json:"code"`
	Title       string `bson:"title" json:"title"`
	Description string `bson:"description" json:"description"`
	Archived    bool   `bson:"archived,omitempty" json:"archived,omitempty"`
}

// Community is a place that commitments target.
type Community struct {
	Meta     `bson:",inline"`
	Name     string `bson:"name" json:"name"`
	Area     string `bson:"area" json:"area"`
	Archived bool   `bson:"archived,omitempty" json:"archived,omitempty"`
}

// Stakeholder is an organisation taking part in the plan.
type Stakeholder struct {
	Meta        `bson:",inline"`
	Name        string `bson:"name" json:"name"`
	Acronym     string `bson:"acronym,omitempty" json:"acronym"`
	Sector      Sector `bson:"sector" json:"sector"`
	Description string `bson:"description" json:"description"`
	Website     string `bson:"website,omitempty" json:"website"`
	ParentID    string `bson:"parentId,omitempty" json:"parent"`
	// Contacts are private: visible to authenticated viewers only.
	Contacts []Contact `bson:"contacts,omitempty" json:"contacts"`
}

// AcronymOrNil is the acronym, or nil when it has none (the schema's null).
func (s *Stakeholder) AcronymOrNil() *string { return orNil(s.Acronym) }

// WebsiteOrNil is the website, or nil when it has none.
func (s *Stakeholder) WebsiteOrNil() *string { return orNil(s.Website) }

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Contact is a person to reach at a stakeholder.
type Contact struct {
	Name  string `bson:"name" json:"name"`
	Title string `bson:"title,omitempty" json:"title"`
	Email string `bson:"email,omitempty" json:"email"`
	Phone string `bson:"phone,omitempty" json:"phone"`
}

// Participant is a stakeholder's part in a commitment.
type Participant struct {
	StakeholderID string          `bson:"stakeholderId" json:"stakeholder"`
	Role          ParticipantRole `bson:"role" json:"role"`
}

// Indicator measures a commitment's result: a baseline, an overall
// target, the latest value, and periods with a target and an actual each.
// The fields added with periods are omitted when empty, so that an
// indicator without them keeps the JSON (and the history) it had.
type Indicator struct {
	Name         string   `bson:"name" json:"name"`
	Unit         string   `bson:"unit" json:"unit"`
	Baseline     float64  `bson:"baseline" json:"baseline"`
	BaselineDate Date     `bson:"baselineDate,omitempty" json:"baselineDate,omitempty"`
	BaselineNote string   `bson:"baselineNote,omitempty" json:"baselineNote,omitempty"`
	Target       float64  `bson:"target" json:"target"`
	LatestValue  *float64 `bson:"latestValue,omitempty" json:"latestValue"`
	// Additive says an actual's breakdown by one dimension adds up to at
	// most the actual (people counted once), so a breakdown may not
	// exceed its total.
	Additive bool              `bson:"additive,omitempty" json:"additive,omitempty"`
	Periods  []IndicatorPeriod `bson:"periods,omitempty" json:"periods,omitempty"`
}

// IndicatorPeriod is a span of an indicator's measurement, inside the
// commitment's dates, with its target and, once reported, its actual.
type IndicatorPeriod struct {
	Start     Date             `bson:"start" json:"start"`
	End       Date             `bson:"end" json:"end"`
	Target    float64          `bson:"target" json:"target"`
	Actual    *float64         `bson:"actual,omitempty" json:"actual,omitempty"`
	Note      string           `bson:"note,omitempty" json:"note,omitempty"`
	Breakdown []Disaggregation `bson:"breakdown,omitempty" json:"breakdown,omitempty"`
}

// Dimension is what an actual is broken down by.
type Dimension string

// Dimensions.
const (
	BySex       Dimension = "SEX"
	ByAgeBand   Dimension = "AGE_BAND"
	ByCommunity Dimension = "COMMUNITY"
)

// AllDimensions lists every dimension in schema order.
var AllDimensions = []Dimension{BySex, ByAgeBand, ByCommunity}

// Disaggregation is the part of an actual for one value of a dimension:
// a sex (FEMALE, MALE, OTHER), an age band ("15-24", "65+") or a
// community's ID.
type Disaggregation struct {
	Dimension Dimension `bson:"dimension" json:"dimension"`
	Value     string    `bson:"value" json:"value"`
	Actual    float64   `bson:"actual" json:"actual"`
}

// PeriodActual is the actual a progress report gives for one period of
// an indicator (the period named by its start).
type PeriodActual struct {
	Indicator   string           `bson:"indicator" json:"indicator"`
	PeriodStart Date             `bson:"periodStart" json:"periodStart"`
	Actual      float64          `bson:"actual" json:"actual"`
	Note        string           `bson:"note,omitempty" json:"note,omitempty"`
	Breakdown   []Disaggregation `bson:"breakdown,omitempty" json:"breakdown,omitempty"`
}

// ProgressReport is one report of progress on a commitment; its place
// among the commitment's reports, from 1, and the commitment's ID name it.
type ProgressReport struct {
	Progress   int              `bson:"progress" json:"progress"`
	Status     CommitmentStatus `bson:"status" json:"status"`
	Note       string           `bson:"note" json:"note"`
	ReportedBy Actor            `bson:"reportedBy" json:"reportedBy"`
	ReportedAt time.Time        `bson:"reportedAt" json:"reportedAt"`
	Actuals    []PeriodActual   `bson:"actuals,omitempty" json:"actuals,omitempty"`
}

// Commitment is what a stakeholder commits to do towards an objective. Its
// ID is its reference ("C-2.1-004"), so two writers allocating the same
// reference collide on the event log's (stream, version) key.
type Commitment struct {
	Meta         `bson:",inline"`
	Title        string           `bson:"title" json:"title"`
	Description  string           `bson:"description" json:"description"`
	ObjectiveID  string           `bson:"objectiveId" json:"objective"`
	PillarID     string           `bson:"pillarId" json:"pillar"`
	LeadID       string           `bson:"leadId" json:"lead"`
	Participants []Participant    `bson:"participants" json:"participants"`
	Status       CommitmentStatus `bson:"status" json:"status"`
	Progress     int              `bson:"progress" json:"progress"`
	StartDate    Date             `bson:"startDate" json:"startDate"`
	DueDate      Date             `bson:"dueDate" json:"dueDate"`
	CompletedAt  *time.Time       `bson:"completedAt,omitempty" json:"completedAt"`
	CommunityIDs []string         `bson:"communityIds" json:"targetCommunities"`
	Indicators   []Indicator      `bson:"indicators" json:"indicators"`
	// ParentID is the commitment this one is part of, if any; RollUpWeight
	// is its share of the parent's roll-up (0: the default, 1). RolledUp is
	// the weighted mean of its children's progress, for a commitment with
	// children (commitment_tree.go); nil without.
	ParentID     string   `bson:"parentId,omitempty" json:"parent,omitempty"`
	RollUpWeight float64  `bson:"weight,omitempty" json:"weight,omitempty"`
	RolledUp     *float64 `bson:"rolledUp,omitempty" json:"rolledUpProgress,omitempty"`
	// ReportCount is how many progress reports the commitment has had at
	// this version: the first ReportCount of the read model's record of
	// its reports (ReadModel.ProgressReports), which only grows.
	ReportCount int `bson:"reportCount,omitempty" json:"-"`
	// Verification is the verdict standing on the latest report ("" while
	// it has none: a new report is unverified); VerifiedProgress the
	// progress of the newest report whose standing verdict is VERIFIED.
	Verification     Verdict `bson:"verification,omitempty" json:"verification,omitempty"`
	VerifiedProgress int     `bson:"verifiedProgress,omitempty" json:"verifiedProgress,omitempty"`
	// VerificationCount is how many verdicts its reports have had at this
	// version, kept beside the reports (ReadModel.Verifications).
	VerificationCount int `bson:"verificationCount,omitempty" json:"-"`
}

// Reference is the commitment's human code.
func (c *Commitment) Reference() string { return c.ID }

// CompletionLevel places the commitment on the OGP scale.
func (c *Commitment) CompletionLevel() CompletionLevel {
	switch {
	case c.Progress >= 100:
		return LevelComplete
	case c.Progress >= 50:
		return LevelSubstantial
	case c.Progress > 0:
		return LevelLimited
	}
	return LevelNotStarted
}

// Weight is the commitment's share of its parent's roll-up.
func (c *Commitment) Weight() float64 {
	if c.RollUpWeight == 0 {
		return 1
	}
	return c.RollUpWeight
}

// RolledUpProgress is the weighted mean of its children's rolled-up
// progress, or its own progress when no child counts.
func (c *Commitment) RolledUpProgress() float64 {
	if c.RolledUp != nil {
		return *c.RolledUp
	}
	return float64(c.Progress)
}

// IsOverdue reports whether the due date has passed by today and the
// commitment is still open.
func (c *Commitment) IsOverdue(today Date) bool {
	return c.DueDate < today && c.Status != Completed && c.Status != Cancelled
}

// Involves reports whether stakeholder id leads or takes part.
func (c *Commitment) Involves(id string) bool {
	return c.RoleOf(id) != ""
}

// RoleOf returns the stakeholder's role, or "" when it takes no part.
func (c *Commitment) RoleOf(id string) ParticipantRole {
	for _, p := range c.Participants {
		if p.StakeholderID == id {
			return p.Role
		}
	}
	return ""
}

// MeetingParticipant is a stakeholder invited to a meeting.
type MeetingParticipant struct {
	StakeholderID string     `bson:"stakeholderId" json:"stakeholder"`
	Attendance    Attendance `bson:"attendance" json:"attendance"`
}

// AgendaItem is an item on a meeting's agenda.
type AgendaItem struct {
	Title           string `bson:"title" json:"title"`
	DurationMinutes int    `bson:"durationMinutes" json:"durationMinutes"`
}

// Meeting is a coordination meeting between stakeholders.
type Meeting struct {
	Meta         `bson:",inline"`
	Title        string               `bson:"title" json:"title"`
	Description  string               `bson:"description" json:"description"`
	StartsAt     time.Time            `bson:"startsAt" json:"startsAt"`
	EndsAt       time.Time            `bson:"endsAt" json:"endsAt"`
	Location     string               `bson:"location" json:"location"`
	ConvenerID   string               `bson:"convenerId" json:"convener"`
	Participants []MeetingParticipant `bson:"participants" json:"participants"`
	Agenda       []AgendaItem         `bson:"agenda" json:"agenda"`
	Status       MeetingStatus        `bson:"status" json:"status"`
	Minutes      *string              `bson:"minutes,omitempty" json:"minutes"`
	// Private meetings, and their outcomes, are visible only to admins,
	// viewers and editors of the stakeholders they invite.
	Private bool `bson:"private,omitempty" json:"private"`
}

// Invites reports whether the stakeholder convenes or is invited.
func (m *Meeting) Invites(id string) bool {
	if m.ConvenerID == id {
		return true
	}
	for _, p := range m.Participants {
		if p.StakeholderID == id {
			return true
		}
	}
	return false
}

// MeetingOutcome is a structured outcome of a meeting.
type MeetingOutcome struct {
	Meta          `bson:",inline"`
	MeetingID     string        `bson:"meetingId" json:"meeting"`
	Kind          OutcomeKind   `bson:"kind" json:"kind"`
	Summary       string        `bson:"summary" json:"summary"`
	Details       string        `bson:"details" json:"details"`
	OwnerID       string        `bson:"ownerId,omitempty" json:"owner"`
	DueDate       *Date         `bson:"dueDate,omitempty" json:"dueDate"`
	Status        OutcomeStatus `bson:"status" json:"status"`
	CommitmentIDs []string      `bson:"commitmentIds" json:"commitments"`
	RecordedAt    time.Time     `bson:"recordedAt" json:"-"`
	RecordedBy    Actor         `bson:"recordedBy" json:"-"`
}
