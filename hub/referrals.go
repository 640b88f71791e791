package hub

import "slices"

// Referral networks: a directory of the services youth providers offer
// (Service, after Open Referral's HSDS 3.0), the networks that coordinate
// them in a community (ReferralNetwork), and the referrals one member
// makes to another's service (Referral), followed to the end as FHIR's
// closed-loop referrals are. A referral is about a young person at risk,
// so it holds nothing that names or reaches them: no name, date of birth,
// contact, address or free text; only enums, IDs and dates of its steps.

// ServiceCategory is what kind of help a service gives.
type ServiceCategory string

// Service categories.
const (
	LifeSkills           ServiceCategory = "LIFE_SKILLS"
	WorkforceDevelopment ServiceCategory = "WORKFORCE_DEVELOPMENT"
	Education            ServiceCategory = "EDUCATION"
	Mentoring            ServiceCategory = "MENTORING"
	Counselling          ServiceCategory = "COUNSELLING"
	Health               ServiceCategory = "HEALTH"
	LegalAid             ServiceCategory = "LEGAL_AID"
	SportsAndArts        ServiceCategory = "SPORTS_AND_ARTS"
	OtherService         ServiceCategory = "OTHER"
)

// AllServiceCategories lists every category in schema order.
var AllServiceCategories = []ServiceCategory{LifeSkills, WorkforceDevelopment, Education, Mentoring, Counselling, Health, LegalAid, SportsAndArts, OtherService}

// ServiceStatus says whether a service is running.
type ServiceStatus string

// Service statuses.
const (
	ServiceActive ServiceStatus = "ACTIVE"
	ServicePaused ServiceStatus = "PAUSED"
	ServiceClosed ServiceStatus = "CLOSED"
)

// AllServiceStatuses lists every service status in schema order.
var AllServiceStatuses = []ServiceStatus{ServiceActive, ServicePaused, ServiceClosed}

// Eligibility is who a service is for (HSDS's eligibility table).
type Eligibility struct {
	MinAge      *int   `bson:"minAge,omitempty" json:"minAge"`
	MaxAge      *int   `bson:"maxAge,omitempty" json:"maxAge"`
	Description string `bson:"description,omitempty" json:"description"`
}

// Admits reports whether a person of this age is eligible by age.
func (e Eligibility) Admits(age int) bool {
	return (e.MinAge == nil || age >= *e.MinAge) && (e.MaxAge == nil || age <= *e.MaxAge)
}

// Service is what a provider offers young people, where and to whom.
type Service struct {
	Meta         `bson:",inline"`
	ProviderID   string          `bson:"providerId" json:"provider"`
	Name         string          `bson:"name" json:"name"`
	Description  string          `bson:"description" json:"description"`
	Category     ServiceCategory `bson:"category" json:"category"`
	CommunityIDs []string        `bson:"communityIds" json:"communities"`
	Eligibility  Eligibility     `bson:"eligibility" json:"eligibility"`
	// Capacity is the places it offers a month; nil when not stated.
	Capacity     *int          `bson:"capacity,omitempty" json:"capacity"`
	Languages    []string      `bson:"languages,omitempty" json:"languages"` // BCP 47 tags
	OpeningHours string        `bson:"openingHours,omitempty" json:"openingHours"`
	Status       ServiceStatus `bson:"status" json:"status"`
	// Contacts are private: visible to authenticated viewers only.
	Contacts []Contact `bson:"contacts,omitempty" json:"contacts"`
}

// AcceptsReferrals reports whether the service takes new referrals: it is
// active and has not said it has no places.
func (s *Service) AcceptsReferrals() bool {
	return s.Status == ServiceActive && (s.Capacity == nil || *s.Capacity > 0)
}

// Serves reports whether the service serves the community.
func (s *Service) Serves(communityID string) bool {
	return slices.Contains(s.CommunityIDs, communityID)
}

// ReferralNetwork is the providers of one community that refer young
// people to each other, coordinated by one of them.
type ReferralNetwork struct {
	Meta          `bson:",inline"`
	Name          string   `bson:"name" json:"name"`
	CoordinatorID string   `bson:"coordinatorId" json:"coordinator"`
	CommunityID   string   `bson:"communityId" json:"community"`
	MemberIDs     []string `bson:"memberIds" json:"members"` // the coordinator among them
}

// HasMember reports whether the stakeholder is a member (the coordinator is one).
func (n *ReferralNetwork) HasMember(id string) bool {
	return id != "" && (n.CoordinatorID == id || slices.Contains(n.MemberIDs, id))
}

// AgeBand is the age of the young person referred, as a band only.
type AgeBand string

// Age bands.
const (
	Age10To14 AgeBand = "AGE_10_14"
	Age15To17 AgeBand = "AGE_15_17"
	Age18To24 AgeBand = "AGE_18_24"
	Age25Plus AgeBand = "AGE_25_PLUS"
)

// AllAgeBands lists every age band in schema order.
var AllAgeBands = []AgeBand{Age10To14, Age15To17, Age18To24, Age25Plus}

// Sex is the sex of the young person referred, when recorded.
type Sex string

// Sexes.
const (
	Female      Sex = "FEMALE"
	Male        Sex = "MALE"
	OtherSex    Sex = "OTHER"
	Undisclosed Sex = "UNDISCLOSED"
)

// AllSexes lists every value in schema order.
var AllSexes = []Sex{Female, Male, OtherSex, Undisclosed}

// ReferralStatus is where a referral stands (see referralNext).
type ReferralStatus string

// Referral statuses.
const (
	ReferralSent       ReferralStatus = "SENT"
	ReferralAccepted   ReferralStatus = "ACCEPTED"
	ReferralServed     ReferralStatus = "SERVED"
	ReferralDeclined   ReferralStatus = "DECLINED"
	ReferralNotReached ReferralStatus = "NOT_REACHED"
	ReferralWithdrawn  ReferralStatus = "WITHDRAWN"
)

// AllReferralStatuses lists every status in schema order.
var AllReferralStatuses = []ReferralStatus{ReferralSent, ReferralAccepted, ReferralServed, ReferralDeclined, ReferralNotReached, ReferralWithdrawn}

// DeclineReason is why a provider declined a referral: a code, never text.
type DeclineReason string

// Decline reasons.
const (
	NotEligible        DeclineReason = "NOT_ELIGIBLE"
	NoCapacity         DeclineReason = "NO_CAPACITY"
	OutOfArea          DeclineReason = "OUT_OF_AREA"
	ServiceUnavailable DeclineReason = "SERVICE_UNAVAILABLE"
	DuplicateReferral  DeclineReason = "DUPLICATE"
	OtherReason        DeclineReason = "OTHER"
)

// AllDeclineReasons lists every reason in schema order.
var AllDeclineReasons = []DeclineReason{NotEligible, NoCapacity, OutOfArea, ServiceUnavailable, DuplicateReferral, OtherReason}

// Referral is one young person referred by a member of a network to a
// service. Category and community are those of the service and the
// network when it was made, so that its figures do not move afterwards;
// ToID is the service's provider then: the receiving side.
type Referral struct {
	Meta          `bson:",inline"`
	NetworkID     string          `bson:"networkId" json:"network"`
	FromID        string          `bson:"fromId" json:"from"`
	ServiceID     string          `bson:"serviceId" json:"service"`
	ToID          string          `bson:"toId" json:"to"`
	Category      ServiceCategory `bson:"category" json:"category"`
	CommunityID   string          `bson:"communityId" json:"community"`
	Date          Date            `bson:"date" json:"date"`
	AgeBand       AgeBand         `bson:"ageBand" json:"ageBand"`
	Sex           Sex             `bson:"sex,omitempty" json:"sex"`
	Status        ReferralStatus  `bson:"status" json:"status"`
	DeclineReason DeclineReason   `bson:"declineReason,omitempty" json:"declineReason"`
	AcceptedOn    *Date           `bson:"acceptedOn,omitempty" json:"acceptedOn"`
	ServedOn      *Date           `bson:"servedOn,omitempty" json:"servedOn"`
	// ClosedOn is the date of its final step (served, declined, not
	// reached or withdrawn).
	ClosedOn *Date `bson:"closedOn,omitempty" json:"closedOn"`
}

// Involves reports whether the stakeholder sent or received the referral.
func (r *Referral) Involves(id string) bool { return id != "" && (r.FromID == id || r.ToID == id) }
