package hub

import "testing"

// TestEventsAreJudgedByTheirEntityNow: an event from before a meeting was
// made private is hidden as the meeting is now, and so are its outcome's;
// an event of a meeting made public later is shown.
func TestEventsAreJudgedByTheirEntityNow(t *testing.T) {
	m := NewReadModel()
	meeting := func(id string, version int, private bool) *Event {
		mt := &Meeting{Meta: Meta{ID: id, Version: version}, ConvenerID: "mns", Participants: []MeetingParticipant{{StakeholderID: "bpd"}}, Private: private}
		return &Event{Type: TypeMeeting, EntityID: id, Version: version, State: StateOf(mt)}
	}
	early := meeting("later-private", 1, false)
	outcome := &Event{Type: TypeOutcome, EntityID: "o", Version: 1, State: StateOf(&MeetingOutcome{Meta: Meta{ID: "o", Version: 1}, MeetingID: "later-private"})}
	opened := meeting("later-public", 1, true)
	events := []*Event{early, outcome, opened, meeting("later-private", 2, true), meeting("later-public", 2, false)}
	for i, e := range events {
		e.Seq = int64(i + 1)
	}
	if err := m.Apply(events...); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		v    Viewer
		sees bool
	}{
		{"anonymous", Viewer{}, false},
		{"an editor of another stakeholder", Viewer{Role: RoleEditor, StakeholderID: "bcci"}, false},
		{"an editor of an invited stakeholder", Viewer{Role: RoleEditor, StakeholderID: "bpd"}, true},
		{"an editor of the convener", Viewer{Role: RoleEditor, StakeholderID: "mns"}, true},
		{"a viewer", Viewer{Role: RoleViewer}, true},
		{"an admin", Viewer{Role: RoleAdmin}, true},
	} {
		if got := m.CanSeeEvent(c.v, early); got != c.sees {
			t.Errorf("%s sees the meeting's first (public) event: %v, want %v", c.name, got, c.sees)
		}
		if got := m.CanSeeEvent(c.v, outcome); got != c.sees {
			t.Errorf("%s sees its outcome's event: %v, want %v", c.name, got, c.sees)
		}
		if !m.CanSeeEvent(c.v, opened) {
			t.Errorf("%s does not see the first (private) event of a meeting public now", c.name)
		}
		if got := m.Visible(c.v, Meetings.Of(early.State)) != nil; got != c.sees {
			t.Errorf("%s sees the meeting's old state: %v, want %v", c.name, got, c.sees)
		}
	}
}

// TestFieldsAndTokens: private fields for authenticated viewers only,
// tokens for admins only, unknown kinds and nil entities for no one.
func TestFieldsAndTokens(t *testing.T) {
	m := NewReadModel()
	tok := &Token{Meta: Meta{ID: "t", Version: 1}, Hash: "h"}
	if err := m.Apply(&Event{Seq: 1, Type: TypeToken, EntityID: "t", Version: 1, State: StateOf(tok)}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []Viewer{{}, {Role: RoleViewer}, {Role: RoleEditor, StakeholderID: "s"}, {Role: RoleAdmin}} {
		if got := v.SeesField(TypeStakeholder, "contacts"); got != v.Authenticated() {
			t.Errorf("%+v sees contacts: %v", v, got)
		}
		if !v.SeesField(TypeStakeholder, "name") {
			t.Errorf("%+v does not see a stakeholder's name", v)
		}
		if got := m.Visible(v, tok) != nil; got != (v.Role == RoleAdmin) {
			t.Errorf("%+v sees a token: %v", v, got)
		}
		if m.Visible(v, (*Token)(nil)) != nil || m.Visible(v, "not an entity") != nil || m.CanSee(v, "Nothing", "t") {
			t.Errorf("%+v sees something that is no entity", v)
		}
	}
}
