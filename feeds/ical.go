package feeds

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"convene/export"
	"convene/hub"
)

// meetings serves the calendar: one VEVENT per public meeting, with the
// meetings export's filters and communityIds (meetings that invite a
// stakeholder taking part in a commitment for one of the communities).
func (f *feeds) meetings(w http.ResponseWriter, r *http.Request) {
	m := f.src.Model()
	fail := func(err error) { http.Error(w, "feed "+r.URL.Path+": "+err.Error(), http.StatusBadRequest) }
	q, err := export.ParseQuery(r.URL.RawQuery)
	if err != nil {
		fail(err)
		return
	}
	filter, err := q.MeetingFilter(publicViewer())
	if err != nil {
		fail(err)
		return
	}
	communities, err := q.IDs("communityIds", hub.TypeCommunity)
	if err != nil {
		fail(err)
		return
	}
	if err := q.Unused(); err != nil {
		fail(err)
		return
	}
	meetings := m.Meetings(filter)
	if len(communities) > 0 {
		involved := map[string]bool{} // stakeholders of the communities' commitments
		for _, c := range m.Commitments(hub.CommitmentFilter{CommunityIDs: communities}, hub.CommitmentOrder{Field: hub.OrderByReference}, f.src.Today()) {
			for _, p := range c.Participants {
				involved[p.StakeholderID] = true
			}
			involved[c.LeadID] = true
		}
		kept := meetings[:0]
		for _, mt := range meetings {
			if involved[mt.ConvenerID] || slicesAny(mt.Participants, func(p hub.MeetingParticipant) bool { return involved[p.StakeholderID] }) {
				kept = append(kept, mt)
			}
		}
		meetings = kept
	}

	base := baseURL(r)
	var c calendar
	c.line("BEGIN", "VCALENDAR")
	c.line("VERSION", "2.0")
	c.line("PRODID", "-//Convene//Meetings//EN")
	c.line("CALSCALE", "GREGORIAN")
	c.text("X-WR-CALNAME", "Convene meetings")
	var modified time.Time
	for _, mt := range meetings {
		if mt.UpdatedAt.After(modified) {
			modified = mt.UpdatedAt
		}
		gid := globalID(hub.TypeMeeting, mt.ID)
		c.line("BEGIN", "VEVENT")
		c.text("UID", gid+"@convene")
		c.line("DTSTAMP", icalTime(mt.UpdatedAt))
		c.line("CREATED", icalTime(mt.CreatedAt))
		c.line("LAST-MODIFIED", icalTime(mt.UpdatedAt))
		c.line("DTSTART", icalTime(mt.StartsAt))
		c.line("DTEND", icalTime(mt.EndsAt))
		c.line("SEQUENCE", fmt.Sprint(max(0, mt.Version-1))) // the first version is sequence 0
		status := "CONFIRMED"
		if mt.Status == hub.MeetingCanceled {
			status = "CANCELLED"
		}
		c.line("STATUS", status)
		c.text("SUMMARY", mt.Title)
		if mt.Location != "" {
			c.text("LOCATION", mt.Location)
		}
		c.text("DESCRIPTION", describe(m, mt))
		c.line("URL", base+"/dashboard/meetings/"+gid)
		c.line("END", "VEVENT")
	}
	c.line("END", "VCALENDAR")
	serve(w, r, "text/calendar; charset=utf-8", modified, []byte(c.String()))
}

func slicesAny[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

// describe is a meeting's DESCRIPTION: its description, convener and agenda.
func describe(m *hub.ReadModel, mt *hub.Meeting) string {
	var b strings.Builder
	if mt.Description != "" {
		b.WriteString(mt.Description)
		b.WriteString("\n\n")
	}
	if s := hub.Stakeholders.Get(m, mt.ConvenerID); s != nil {
		fmt.Fprintf(&b, "Convened by %s.\n\n", s.Name)
	}
	if len(mt.Agenda) > 0 {
		b.WriteString("Agenda:\n")
		for i, it := range mt.Agenda {
			fmt.Fprintf(&b, "%d. %s (%d min)\n", i+1, it.Title, it.DurationMinutes)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// icalTime is a time in UTC in iCalendar's DATE-TIME form.
func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// calendar writes content lines: CRLF ends, folded at 75 octets.
type calendar struct{ strings.Builder }

// line writes NAME:value with value as it is (for values of other types than TEXT).
func (c *calendar) line(name, value string) { c.WriteString(fold(name + ":" + value)) }

// text writes a TEXT property, escaped.
func (c *calendar) text(name, value string) { c.line(name, escapeText(value)) }

// escapeText escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon,
// comma and newline; other control characters, which TEXT may not hold,
// are dropped.
func escapeText(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t' || (r >= 0x20 && r != 0x7f):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fold splits a content line into lines of at most 75 octets, each
// continuation starting with a space (RFC 5545 3.1), never inside a UTF-8
// sequence, and ends each with CRLF.
func fold(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}
