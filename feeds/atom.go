package feeds

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"convene/export"
	"convene/hub"
)

// Page sizes of the Atom feeds.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// entry is one change of one entity, as a feed shows it.
type entry struct {
	change hub.Change
	title  string // the entity, as a reader recognises it
	kind   hub.EntityType
	id     string
	link   string // the entity's dashboard page, from the server's root
}

// source is an entity whose history goes into a feed.
type source struct {
	t     hub.EntityType
	id    string
	title string
	link  string
}

func (f *feeds) commitmentSource(c *hub.Commitment) source {
	return source{hub.TypeCommitment, c.ID, c.ID + " " + c.Title, "/dashboard/commitments/" + globalID(hub.TypeCommitment, c.ID)}
}

func (f *feeds) outcomeSource(o *hub.MeetingOutcome) source {
	return source{hub.TypeOutcome, o.ID, words(string(o.Kind)) + ": " + o.Summary, "/dashboard/meetings/" + globalID(hub.TypeMeeting, o.MeetingID)}
}

// atomRequest is what every Atom feed reads from the URL besides its filters.
type atomRequest struct {
	q             *export.Query
	limit         int
	before, after int64 // event positions; 0 when absent
}

func readPaging(r *http.Request) (*atomRequest, error) {
	q, err := export.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	a := &atomRequest{q: q}
	if a.limit, err = q.Int("limit", 1, maxLimit, defaultLimit); err != nil {
		return nil, err
	}
	before, err := q.Int("before", 1, math.MaxInt, 0)
	if err != nil {
		return nil, err
	}
	after, err := q.Int("after", 0, math.MaxInt, -1)
	if err != nil {
		return nil, err
	}
	if before > 0 && after >= 0 {
		return nil, fmt.Errorf("give before or after, not both")
	}
	a.before, a.after = int64(before), int64(after)
	return a, nil
}

func (f *feeds) commitments(w http.ResponseWriter, r *http.Request) {
	a, err := readPaging(r)
	var sources []source
	if err == nil {
		var filter hub.CommitmentFilter
		if filter, err = a.q.CommitmentFilter(); err == nil {
			for _, c := range f.src.Model().Commitments(filter, hub.CommitmentOrder{Field: hub.OrderByReference}, f.src.Today()) {
				sources = append(sources, f.commitmentSource(c))
			}
		}
	}
	f.atom(w, r, a, err, "Convene: commitments", sources)
}

func (f *feeds) outcomes(w http.ResponseWriter, r *http.Request) {
	a, err := readPaging(r)
	var sources []source
	if err == nil {
		var filter hub.OutcomeFilter
		if filter, err = a.q.OutcomeFilter(publicViewer(), f.src.Today()); err == nil {
			for _, o := range f.src.Model().Outcomes(filter) {
				sources = append(sources, f.outcomeSource(o))
			}
		}
	}
	f.atom(w, r, a, err, "Convene: meeting outcomes", sources)
}

func (f *feeds) commitment(w http.ResponseWriter, r *http.Request) {
	m := f.src.Model()
	id, ok := pathID(r, hub.TypeCommitment, ".atom")
	c := hub.Commitments.Get(m, id)
	if !ok || c == nil {
		http.Error(w, "no such commitment: the path takes a commitment's ID, /feeds/commitments/{id}.atom", http.StatusNotFound)
		return
	}
	a, err := readPaging(r)
	sources := []source{f.commitmentSource(c)}
	for _, o := range m.OutcomesOfCommitment(c.ID, publicViewer()) {
		sources = append(sources, f.outcomeSource(o))
	}
	f.atom(w, r, a, err, "Convene: "+c.ID+" "+c.Title, sources)
}

func (f *feeds) stakeholder(w http.ResponseWriter, r *http.Request) {
	m := f.src.Model()
	id, ok := pathID(r, hub.TypeStakeholder, ".atom")
	s := hub.Stakeholders.Get(m, id)
	if !ok || s == nil {
		http.Error(w, "no such stakeholder: the path takes a stakeholder's ID, /feeds/stakeholders/{id}.atom", http.StatusNotFound)
		return
	}
	a, err := readPaging(r)
	sources := []source{{hub.TypeStakeholder, s.ID, s.Name, "/dashboard/stakeholders/" + globalID(hub.TypeStakeholder, s.ID)}}
	for _, c := range m.CommitmentsOf(s.ID, nil) {
		sources = append(sources, f.commitmentSource(c))
	}
	for _, o := range m.Outcomes(hub.OutcomeFilter{OwnerIDs: []string{s.ID}, Viewer: publicViewer()}) {
		sources = append(sources, f.outcomeSource(o))
	}
	f.atom(w, r, a, err, "Convene: "+s.Name, sources)
}

// atom writes the feed of the sources' changes, one page of it.
func (f *feeds) atom(w http.ResponseWriter, r *http.Request, a *atomRequest, err error, title string, sources []source) {
	if err == nil {
		err = a.q.Unused()
	}
	if err != nil {
		http.Error(w, "feed "+r.URL.Path+": "+err.Error(), http.StatusBadRequest)
		return
	}
	m := f.src.Model()
	var all []entry
	for _, s := range sources {
		changes, err := m.History(s.t, s.id)
		if err != nil { // the read model's own bytes: nothing a client sent
			http.Error(w, "the history of "+s.id+" cannot be read", http.StatusInternalServerError)
			return
		}
		for _, c := range changes {
			all = append(all, entry{change: c, title: s.title, kind: s.t, id: s.id, link: s.link})
		}
	}
	slices.SortFunc(all, func(x, y entry) int { return int(y.change.Seq - x.change.Seq) }) // newest first

	// The page: before (older than), after (newer than, the nearest ones), or the newest.
	var page []entry
	switch {
	case a.before > 0:
		i, _ := slices.BinarySearchFunc(all, a.before, func(e entry, seq int64) int { return int(seq - e.change.Seq) })
		for i < len(all) && all[i].change.Seq >= a.before {
			i++
		}
		page = all[i:min(len(all), i+a.limit)]
	case a.after >= 0:
		j := len(all)
		for j > 0 && all[j-1].change.Seq <= a.after {
			j--
		}
		page = all[max(0, j-a.limit):j]
	default:
		page = all[:min(len(all), a.limit)]
	}

	base := baseURL(r)
	self := base + r.URL.Path
	filters := r.URL.Query()
	for _, k := range []string{"before", "after"} {
		filters.Del(k)
	}
	link := func(set map[string]string) string {
		v := url.Values{}
		for k, vs := range filters {
			v[k] = vs
		}
		for k, s := range set {
			v.Set(k, s)
		}
		if len(v) == 0 {
			return self
		}
		return self + "?" + v.Encode()
	}
	id := url.Values{} // the feed's id: its filters, without paging
	for k, vs := range filters {
		if k != "limit" {
			id[k] = vs
		}
	}
	feedID := self
	if len(id) > 0 {
		feedID += "?" + id.Encode()
	}
	doc := atomFeed{
		XMLNS:     "http://www.w3.org/2005/Atom",
		ID:        feedID,
		Title:     title,
		Links:     []atomLink{{Rel: "self", Href: base + r.URL.RequestURI()}, {Rel: "first", Href: link(nil)}},
		Author:    &atomPerson{Name: "Convene"},
		Generator: "Convene",
	}
	if len(page) > 0 {
		if page[0].change.Seq != all[0].change.Seq {
			doc.Links = append(doc.Links, atomLink{Rel: "previous", Href: link(map[string]string{"after": strconv.FormatInt(page[0].change.Seq, 10)})})
		}
		if last := page[len(page)-1].change.Seq; last != all[len(all)-1].change.Seq {
			doc.Links = append(doc.Links, atomLink{Rel: "next", Href: link(map[string]string{"before": strconv.FormatInt(last, 10)})})
		}
	}
	// The feed changes when any of its entries does, so it was last
	// updated at its newest change.
	var updated time.Time
	if len(all) > 0 {
		updated = all[0].change.At
	}
	doc.Updated = atomTime(updated)
	for _, e := range page {
		doc.Entries = append(doc.Entries, f.atomEntry(base, e))
	}
	body, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		http.Error(w, "the feed cannot be written", http.StatusInternalServerError)
		return
	}
	body = append([]byte(xml.Header), append(body, '\n')...)
	serve(w, r, "application/atom+xml; charset=utf-8", updated, body)
}

// entryID names an event of the log: the same event, the same id, forever.
func entryID(seq int64) string { return "urn:convene:event:" + strconv.FormatInt(seq, 10) }

func (f *feeds) atomEntry(base string, e entry) atomEntry {
	c := e.change
	author := c.Actor.Name
	if author == "" {
		author = strings.ToLower(string(c.Actor.Role))
	}
	if author == "" {
		author = "convene"
	}
	return atomEntry{
		ID:       entryID(c.Seq),
		Title:    words(c.Kind) + " — " + e.title,
		Updated:  atomTime(c.At),
		Author:   atomPerson{Name: author},
		Link:     atomLink{Rel: "alternate", Type: "text/html", Href: base + e.link},
		Category: atomCategory{Term: c.Kind},
		Summary:  atomText{Type: "text", Text: f.summary(e)},
	}
}

// summary lists the fields a change set, "field: before → after", with
// references by name and private fields left out.
func (f *feeds) summary(e entry) string {
	m := f.src.Model()
	var lines []string
	if e.kind == hub.TypeCommitment && e.change.Kind == "ProgressReported" {
		if c := hub.Commitments.Get(m, e.id); c != nil {
			reports, _ := m.ProgressReports(c)
			for _, r := range reports { // the report's note, which no field holds
				if r.ReportedAt.Equal(e.change.At) && r.Note != "" {
					lines = append(lines, r.Note)
				}
			}
		}
	}
	for _, fc := range e.change.Fields {
		if !publicViewer().SeesField(e.kind, fc.Field) {
			continue
		}
		after := f.value(m, fc.Field, fc.After)
		if fc.Before == nil {
			lines = append(lines, fmt.Sprintf("%s: %s", fc.Field, after))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s: %s → %s", fc.Field, f.value(m, fc.Field, fc.Before), after))
	}
	if len(lines) == 0 {
		return words(e.change.Kind) + "."
	}
	return strings.Join(lines, "\n")
}

// maxValue is the longest value a summary shows in full.
const maxValue = 280

// value is a field's JSON value as a reader reads it.
func (f *feeds) value(m *hub.ReadModel, field string, text *string) string {
	if text == nil {
		return "(none)"
	}
	var v any
	if json.Unmarshal([]byte(*text), &v) != nil {
		return *text
	}
	name := func(id string) string {
		switch field {
		case "lead", "parent", "convener", "owner", "stakeholder", "participants":
			if s := hub.Stakeholders.Get(m, id); s != nil {
				return s.Name
			}
		case "targetCommunities":
			if c := hub.Communities.Get(m, id); c != nil {
				return c.Name
			}
		case "pillar":
			if p := hub.Pillars.Get(m, id); p != nil {
				return p.Code + " " + p.Title
			}
		case "objective":
			if o := hub.Objectives.Get(m, id); o != nil {
				return o.Code + " " + o.Title
			}
		case "meeting":
			if mt := hub.Meetings.Get(m, id); mt != nil && m.CanSee(publicViewer(), hub.TypeMeeting, id) {
				return mt.Title
			}
			return "a meeting"
		}
		return id
	}
	var show func(any) string
	show = func(v any) string {
		switch x := v.(type) {
		case nil:
			return "(none)"
		case string:
			return name(x)
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			return strconv.FormatBool(x)
		case []any:
			parts := make([]string, len(x))
			for i, it := range x {
				parts[i] = show(it)
			}
			if len(parts) == 0 {
				return "(none)"
			}
			return strings.Join(parts, "; ")
		case map[string]any:
			if s, ok := x["stakeholder"].(string); ok {
				role, _ := x["role"].(string)
				if role == "" {
					role, _ = x["attendance"].(string)
				}
				return name(s) + " (" + role + ")"
			}
			if n, ok := x["name"].(string); ok && x["target"] != nil { // an indicator
				latest := "no value yet"
				if x["latestValue"] != nil {
					latest = show(x["latestValue"])
				}
				unit, _ := x["unit"].(string)
				return fmt.Sprintf("%s %s of %s %s", n, latest, show(x["target"]), unit)
			}
			if t, ok := x["title"].(string); ok {
				return t
			}
			if n, ok := x["name"].(string); ok {
				return n
			}
			b, _ := json.Marshal(x)
			return string(b)
		}
		return fmt.Sprint(v)
	}
	s := show(v)
	if r := []rune(s); len(r) > maxValue {
		s = string(r[:maxValue]) + "…"
	}
	return s
}

// words turns an event kind or enum value into words: "ProgressReported"
// and "ACTION_ITEM" become "Progress reported" and "Action item".
func words(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	if strings.ToUpper(s) == s {
		b.WriteString(strings.ReplaceAll(strings.ToLower(s), "_", " "))
	} else {
		for i, r := range s {
			if i > 0 && unicode.IsUpper(r) {
				b.WriteByte(' ')
			}
			b.WriteRune(unicode.ToLower(r))
		}
	}
	out := []rune(b.String())
	out[0] = unicode.ToUpper(out[0])
	return string(out)
}

// atomTime is an RFC 3339 time in UTC, as Atom's date constructs want.
func atomTime(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339)
}

type atomFeed struct {
	XMLName   xml.Name    `xml:"feed"`
	XMLNS     string      `xml:"xmlns,attr"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Author    *atomPerson `xml:"author,omitempty"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID       string       `xml:"id"`
	Title    string       `xml:"title"`
	Updated  string       `xml:"updated"`
	Author   atomPerson   `xml:"author"`
	Link     atomLink     `xml:"link"`
	Category atomCategory `xml:"category"`
	Summary  atomText     `xml:"summary"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}
