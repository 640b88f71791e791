package app

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"convene/hub"
)

// get fetches a path with headers, returning status, headers and body.
func (s *testServer) get(path string, header map[string]string) (int, http.Header, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

type atomDoc struct {
	ID    string `xml:"id"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Author  string `xml:"author>name"`
		Summary string `xml:"summary"`
	} `xml:"entry"`
}

func (s *testServer) atom(path string) atomDoc {
	s.t.Helper()
	code, h, body := s.get(path, nil)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/atom+xml") {
		s.t.Fatalf("GET %s: %d %s %s", path, code, h.Get("Content-Type"), body)
	}
	var d atomDoc
	if err := xml.Unmarshal([]byte(body), &d); err != nil {
		s.t.Fatalf("GET %s: not XML: %v", path, err)
	}
	return d
}

func (d atomDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// TestFeedsConditional: every feed answers its ETag and its Last-Modified
// with 304, and a change makes a new ETag and a new first entry, whose id
// is the event's position and whose author is the token's label.
func TestFeedsConditional(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	c := gid(hub.TypeCommitment, "C-2.1-004")
	paths := []string{"/feeds/commitments.atom", "/feeds/outcomes.atom?kinds=DECISION", "/feeds/commitments/" + c + ".atom",
		"/feeds/stakeholders/" + gid(hub.TypeStakeholder, "pfd") + ".atom", "/feeds/meetings.ics?statuses=HELD"}
	etags := map[string]string{}
	for _, p := range paths {
		code, h, _ := s.get(p, nil)
		etag, lm := h.Get("ETag"), h.Get("Last-Modified")
		if code != 200 || etag == "" || lm == "" {
			t.Fatalf("GET %s: %d, ETag %q, Last-Modified %q", p, code, etag, lm)
		}
		etags[p] = etag
		if code, _, body := s.get(p, map[string]string{"If-None-Match": etag}); code != 304 || body != "" {
			t.Errorf("GET %s If-None-Match its ETag: %d %q", p, code, body)
		}
		if code, _, _ := s.get(p, map[string]string{"If-Modified-Since": lm}); code != 304 {
			t.Errorf("GET %s If-Modified-Since its Last-Modified: %d", p, code)
		}
		if code, _, _ := s.get(p, map[string]string{"If-None-Match": `"stale"`}); code != 200 {
			t.Errorf("GET %s with another ETag: %d", p, code)
		}
		if code, _, _ := s.get(p, map[string]string{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}); code != 200 {
			t.Errorf("GET %s modified since 2001: %d", p, code)
		}
	}

	_, token := issueToken(t, s, "EDITOR", "PFD officer", "pfd", nil)
	r := s.as(token, `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { message } } }`,
		map[string]any{"in": map[string]any{"commitmentId": c, "progress": 95, "status": "AT_RISK", "note": "Last <session> & review"}})
	if r.status != 200 || len(r.Errors) > 0 || strings.Contains(r.body, `"message"`) {
		t.Fatalf("reportProgress: %s", r.body)
	}
	seq := s.app.hub.Model().Seq()
	for _, p := range paths[:4] {
		if p == "/feeds/outcomes.atom?kinds=DECISION" {
			continue
		}
		code, h, _ := s.get(p, map[string]string{"If-None-Match": etags[p]})
		if code != 200 || h.Get("ETag") == etags[p] {
			t.Errorf("GET %s after a change, with the old ETag: %d, ETag %s", p, code, h.Get("ETag"))
		}
		e := s.atom(p).Entries[0]
		if e.ID != "urn:convene:event:"+itoa(seq) || e.Author != "PFD officer" || !strings.Contains(e.Summary, "progress: ") || !strings.Contains(e.Summary, "→ 95") || !strings.HasPrefix(e.Summary, "Last <session> & review\n") {
			t.Errorf("GET %s: first entry %+v, want event %d by PFD officer", p, e, seq)
		}
	}
	if code, h, _ := s.get(paths[1], map[string]string{"If-None-Match": etags[paths[1]]}); code != 304 {
		t.Errorf("the decisions' feed changed with a progress report: %d %s", code, h.Get("ETag"))
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestFeedsPaging walks the commitments feed by its next links and back by
// its previous links: every entry once, newest first, the same as one page.
func TestFeedsPaging(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	whole := s.atom("/feeds/commitments.atom?limit=200&sectors=CIVIL_SOCIETY")
	if len(whole.Entries) < 12 || len(whole.Entries) == 200 || whole.link("next") != "" || whole.link("previous") != "" {
		t.Fatalf("the whole feed has %d entries, next %q, previous %q", len(whole.Entries), whole.link("next"), whole.link("previous"))
	}
	var walked []string
	var pages []atomDoc
	next := "/feeds/commitments.atom?sectors=CIVIL_SOCIETY&limit=5"
	for i := 0; next != "" && i < 100; i++ {
		d := s.atom(strings.TrimPrefix(next, s.url))
		if len(d.Entries) == 0 || len(d.Entries) > 5 {
			t.Fatalf("page %d has %d entries", i, len(d.Entries))
		}
		if d.ID != s.url+"/feeds/commitments.atom?sectors=CIVIL_SOCIETY" || whole.ID != d.ID || d.link("first") != s.url+"/feeds/commitments.atom?limit=5&sectors=CIVIL_SOCIETY" {
			t.Errorf("page %d: id %s (want %s), first %s", i, d.ID, whole.ID, d.link("first"))
		}
		for _, e := range d.Entries {
			walked = append(walked, e.ID)
		}
		pages = append(pages, d)
		next = d.link("next")
	}
	var want []string
	for _, e := range whole.Entries {
		want = append(want, e.ID)
	}
	if strings.Join(walked, " ") != strings.Join(want, " ") {
		t.Fatalf("walking the pages gave\n%v\nwant\n%v", walked, want)
	}
	// Back: each page's previous link is the page before it.
	for i := len(pages) - 1; i > 0; i-- {
		prev := s.atom(strings.TrimPrefix(pages[i].link("previous"), s.url))
		if prev.Entries[0].ID != pages[i-1].Entries[0].ID || len(prev.Entries) != len(pages[i-1].Entries) {
			t.Errorf("page %d's previous page starts at %s, want %s", i, prev.Entries[0].ID, pages[i-1].Entries[0].ID)
		}
	}
	if pages[0].link("previous") != "" {
		t.Errorf("the first page has a previous link")
	}

	for path, want := range map[string]int{
		"/feeds/commitments.atom?limit=0":                                           400,
		"/feeds/commitments.atom?limit=201":                                         400,
		"/feeds/commitments.atom?limit=x":                                           400,
		"/feeds/commitments.atom?before=3&after=1":                                  400,
		"/feeds/commitments.atom?statuses=LATE":                                     400,
		"/feeds/commitments.atom?stakeholderIds=" + gid(hub.TypePillar, "p1"):       400,
		"/feeds/commitments.atom?colour=red":                                        400,
		"/feeds/outcomes.atom?sectors=GOVERNMENT":                                   400,
		"/feeds/meetings.ics?limit=5":                                               400,
		"/feeds/meetings.ics?communityIds=nonsense":                                 400,
		"/feeds/commitments/" + gid(hub.TypeCommitment, "C-9.9-999") + ".atom":      404,
		"/feeds/commitments/" + gid(hub.TypeStakeholder, "pfd") + ".atom":           404,
		"/feeds/commitments/" + gid(hub.TypeCommitment, "C-2.1-004") + ".xml":       404,
		"/feeds/stakeholders/%00.atom":                                              404,
		"/feeds/other.atom":                                                         404,
		"/feeds/commitments.atom?before=1":                                          200,
		"/feeds/meetings.ics?communityIds=" + gid(hub.TypeCommunity, "nonexistent"): 200,
	} {
		if code, _, body := s.get(path, nil); code != want {
			t.Errorf("GET %s: %d %s, want %d", path, code, body, want)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/feeds/commitments.atom", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST a feed: %v %v", res.StatusCode, err)
	}
}

// icsEvent reads the VEVENT with uid from a calendar, unfolded.
func icsEvent(t *testing.T, cal, uid string) map[string]string {
	t.Helper()
	unfolded := strings.ReplaceAll(cal, "\r\n ", "")
	for _, block := range strings.Split(unfolded, "BEGIN:VEVENT\r\n")[1:] {
		props := map[string]string{}
		for _, line := range strings.Split(strings.Split(block, "END:VEVENT")[0], "\r\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				props[k] = v
			}
		}
		if props["UID"] == uid {
			return props
		}
	}
	return nil
}

// checkContentLines: every line ends with CRLF and has at most 75 octets.
func checkContentLines(t *testing.T, cal string) {
	t.Helper()
	if !strings.HasSuffix(cal, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(cal, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(cal, "\r\n", ""), "\r") {
		t.Fatalf("the calendar's lines do not all end with CRLF")
	}
	for _, line := range strings.Split(strings.TrimSuffix(cal, "\r\n"), "\r\n") {
		if len(line) > 75 || !utf8.ValidString(line) {
			t.Errorf("a line of %d octets (or split inside a character): %q", len(line), line)
		}
	}
}

// TestFeedsMeetingsCalendar: a reschedule raises SEQUENCE, a cancellation
// sets STATUS:CANCELLED, text is escaped and folded, and a private meeting
// never appears, for anyone, nor its outcomes in any Atom feed; ical.js and
// @rowanmanning/feed-parser read what Convene writes.
func TestFeedsMeetingsCalendar(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	title := `Budget; review, \ "phase 2" — Ñandú señal, ` + strings.Repeat("é", 40)
	desc := "Line one\nLine two; with, punctuation\\ and a long tail " + strings.Repeat("ü€", 30)
	schedule := func(title string, private bool) string {
		var out struct {
			ScheduleMeeting struct{ Meeting struct{ ID string } }
		}
		s.mutate(`mutation($in: ScheduleMeetingInput!) { scheduleMeeting(input: $in) { meeting { id } } }`, map[string]any{"in": map[string]any{
			"title": title, "description": desc, "startsAt": "2030-03-01T14:00:00+02:00", "endsAt": "2030-03-01T15:30:00+02:00",
			"location": "Belmopan, room 2", "convenerId": gid(hub.TypeStakeholder, "pfd"), "private": private,
			"participants": []any{map[string]any{"stakeholderId": gid(hub.TypeStakeholder, "bpd")}},
			"agenda":       []any{map[string]any{"title": "Opening, welcome", "durationMinutes": 10}, map[string]any{"title": "Figures", "durationMinutes": 60}}}}, &out)
		return out.ScheduleMeeting.Meeting.ID
	}
	public := schedule(title, false)
	private := schedule("Closed briefing on gang truce", true)
	s.mutate(`mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id } } }`, map[string]any{"in": map[string]any{
		"meetingId": private, "kind": "DECISION", "summary": "Confidential: truce terms", "ownerId": gid(hub.TypeStakeholder, "pfd"),
		"commitmentIds": []any{gid(hub.TypeCommitment, "C-2.1-004")}}}, nil)

	uid := public + "@convene"
	_, _, cal := s.get("/feeds/meetings.ics", nil)
	checkContentLines(t, cal)
	ev := icsEvent(t, cal, uid)
	if ev == nil || ev["SEQUENCE"] != "0" || ev["STATUS"] != "CONFIRMED" || ev["DTSTART"] != "20300301T120000Z" || ev["DTEND"] != "20300301T133000Z" ||
		ev["LOCATION"] != `Belmopan\, room 2` || !strings.HasPrefix(ev["SUMMARY"], `Budget\; review\, \\ "phase 2"`) ||
		!strings.Contains(ev["DESCRIPTION"], `Line one\nLine two\; with\, punctuation\\ and`) || !strings.Contains(ev["DESCRIPTION"], `1. Opening\, welcome (10 min)`) {
		t.Fatalf("the new meeting's VEVENT: %v", ev)
	}

	// Reschedule, then cancel.
	s.mutate(`mutation($in: UpdateMeetingInput!) { updateMeeting(input: $in) { meeting { id } } }`, map[string]any{"in": map[string]any{
		"id": public, "startsAt": "2030-03-08T12:00:00Z", "endsAt": "2030-03-08T13:00:00Z"}}, nil)
	_, _, cal = s.get("/feeds/meetings.ics", nil)
	if ev := icsEvent(t, cal, uid); ev["SEQUENCE"] != "1" || ev["DTSTART"] != "20300308T120000Z" || ev["STATUS"] != "CONFIRMED" {
		t.Errorf("after a reschedule: %v", ev)
	}
	s.mutate(`mutation($in: UpdateMeetingInput!) { updateMeeting(input: $in) { meeting { id } } }`, map[string]any{"in": map[string]any{
		"id": public, "status": "CANCELLED"}}, nil)
	_, _, cal = s.get("/feeds/meetings.ics", nil)
	if ev := icsEvent(t, cal, uid); ev["SEQUENCE"] != "2" || ev["STATUS"] != "CANCELLED" {
		t.Errorf("after a cancellation: %v", ev)
	}
	if _, _, c := s.get("/feeds/meetings.ics?statuses=SCHEDULED", nil); icsEvent(t, c, uid) != nil {
		t.Errorf("statuses=SCHEDULED lists the cancelled meeting")
	}
	if _, _, c := s.get("/feeds/meetings.ics?stakeholderIds="+gid(hub.TypeStakeholder, "bpd"), nil); icsEvent(t, c, uid) == nil {
		t.Errorf("stakeholderIds=bpd leaves out the meeting it is invited to")
	}

	s.mutate(`mutation($in: UpdateStakeholderInput!) { updateStakeholder(input: $in) { stakeholder { id } } }`, map[string]any{"in": map[string]any{
		"id": gid(hub.TypeStakeholder, "pfd"), "contacts": []any{map[string]any{"name": "Secret Person", "email": "secret.person@example.org"}}}}, nil)

	if e := s.atom("/feeds/stakeholders/" + gid(hub.TypeStakeholder, "pfd") + ".atom").Entries[0]; !strings.HasPrefix(e.Title, "Stakeholder updated — ") || e.Summary != "Stakeholder updated." {
		t.Errorf("the contacts' change shows as %+v", e)
	}

	// Private data, for every caller, in every feed.
	feeds := []string{"/feeds/meetings.ics", "/feeds/outcomes.atom?limit=200", "/feeds/commitments/" + gid(hub.TypeCommitment, "C-2.1-004") + ".atom?limit=200",
		"/feeds/stakeholders/" + gid(hub.TypeStakeholder, "pfd") + ".atom?limit=200", "/feeds/stakeholders/" + gid(hub.TypeStakeholder, "bpd") + ".atom?limit=200"}
	for _, p := range feeds {
		for _, token := range []string{"", testAdminToken} {
			_, _, body := s.get(p, map[string]string{"Authorization": "Bearer " + token})
			if strings.Contains(body, "truce") || strings.Contains(body, private) || strings.Contains(body, "Secret Person") || strings.Contains(body, "secret.person") {
				t.Errorf("GET %s (token %q) shows the private meeting", p, token)
			}
		}
	}

	// The real parsers.
	dir := repoPath("e2e", "feeds")
	ensureNpmPackages(t, dir, "ical.js", "@rowanmanning/feed-parser")
	cpath := "/feeds/commitments/" + gid(hub.TypeCommitment, "C-2.1-004") + ".atom"
	out := runNode(t, dir, time.Minute, "feeds.mjs", "--url", s.url, "--atom", cpath, "--atom", "/feeds/outcomes.atom", "--ics", "/feeds/meetings.ics")
	var parsed struct {
		Atom map[string]struct {
			Title string
			Items []struct {
				ID, Title, Updated, URL, Summary string
				Authors                          []string
			}
		}
		ICS map[string][]struct {
			UID, Status, Summary, Description, Location, Start, End, URL string
			Sequence                                                     int
		}
	}
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("feeds.mjs: %v\n%s", err, out)
	}
	own := s.atom(cpath)
	got := parsed.Atom[cpath]
	if got.Title != "Convene: C-2.1-004 "+hub.Commitments.Get(s.app.hub.Model(), "C-2.1-004").Title || len(got.Items) != len(own.Entries) || len(got.Items) < 3 {
		t.Fatalf("feed-parser read %+v", got)
	}
	for i, it := range got.Items {
		if it.ID != own.Entries[i].ID || it.Title != own.Entries[i].Title || it.Summary != own.Entries[i].Summary || len(it.Authors) != 1 ||
			!strings.HasPrefix(it.URL, s.url+"/dashboard/") || it.Updated == "" {
			t.Errorf("feed-parser's entry %d: %+v", i, it)
		}
	}
	if len(parsed.Atom["/feeds/outcomes.atom"].Items) != 50 {
		t.Errorf("the outcomes feed's first page has %d entries", len(parsed.Atom["/feeds/outcomes.atom"].Items))
	}
	var found bool
	for _, e := range parsed.ICS["/feeds/meetings.ics"] {
		if e.UID != uid {
			continue
		}
		found = true
		if e.Summary != title || e.Description != desc+"\n\nConvened by "+hub.Stakeholders.Get(s.app.hub.Model(), "pfd").Name+".\n\nAgenda:\n1. Opening, welcome (10 min)\n2. Figures (60 min)" ||
			e.Location != "Belmopan, room 2" || e.Sequence != 2 || e.Status != "CANCELLED" || e.Start != "2030-03-08T12:00:00.000Z" || e.End != "2030-03-08T13:00:00.000Z" ||
			e.URL != s.url+"/dashboard/meetings/"+public {
			t.Errorf("ical.js read %+v", e)
		}
	}
	if !found || len(parsed.ICS["/feeds/meetings.ics"]) < 5 {
		t.Errorf("ical.js read %d events, the new one found: %v", len(parsed.ICS["/feeds/meetings.ics"]), found)
	}
}

// TestFeedsPublicReadOff: with public reads off a feed needs a token, and
// with one it still shows public data only.
func TestFeedsPublicReadOff(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.publicRead = false
	s := startServerConfig(t, cfg, hub.Options{})
	for _, p := range []string{"/feeds/commitments.atom", "/feeds/meetings.ics", "/feeds/commitments/" + gid(hub.TypeCommitment, "C-2.1-004") + ".atom"} {
		if code, h, _ := s.get(p, nil); code != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s anonymously: %d", p, code)
		}
		if code, _, _ := s.get(p, map[string]string{"Authorization": "Bearer " + testAdminToken}); code != 200 {
			t.Errorf("GET %s with a token: %d", p, code)
		}
	}
}
