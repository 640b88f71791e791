// Package export serves the read model as files for analysts:
//
//	GET /export/{commitments|stakeholders|meetings|outcomes}.{csv|json|ndjson}
//	GET /export/{progress-reports|indicator-periods|commitment-history|audit-log}.{csv|json|ndjson}
//	GET /export/referral-figures.{csv|json|ndjson}
//	GET /export/hsds/{datapackage.json|TABLE.csv}
//
// with the filters of the matching GraphQL query as URL parameters
// (?statuses=DELAYED,AT_RISK&overdue=true&pillarIds=…). Lists take
// comma-separated values or a repeated parameter; IDs are global IDs, as in
// the API. An unknown parameter or a bad value is a 400 that says which.
//
// Exports stream: rows are written as they are formatted, through a small
// buffer flushed to the client every few rows, so an export of any size
// costs the server the same little memory (beyond the read model's list of
// matching items, which it holds anyway).
//
// They honour the API's visibility rules for the caller's bearer token:
// private meetings and their outcomes only for those who may see them,
// stakeholder contacts only for authenticated callers.
//
// Formats:
//   - .csv: RFC 4180 (quoted when needed, CRLF line ends), UTF-8, a header
//     row; ?bom=1 prefixes a byte-order mark for spreadsheets that want
//     one. Dates are YYYY-MM-DD, times RFC 3339 in UTC, lists are joined
//     with "; ", booleans are true/false, absent values are empty.
//   - .json: one JSON array of objects, streamed; the objects have the CSV
//     columns as keys, in the same order, with numbers, booleans, null and
//     arrays (participants, contacts and indicators as objects).
//   - .ndjson: the same objects, one per line.
//
// Progress reports also come back in: POST /import/progress-reports.csv
// takes rows with the progress-reports export's columns (import.go).
package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"convene/auth"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
)

// Source is what exports read: the hub.
type Source interface {
	Model() *hub.ReadModel
	Today() hub.Date
	Now() time.Time
}

// Options configure the exports.
type Options struct {
	// RequireToken refuses anonymous callers (401), as the API does when
	// public reads are off.
	RequireToken bool
}

// Prefix is the path the exports are served under.
const Prefix = "/export/"

// Entities and formats, in the order messages list them.
var (
	Entities = []string{"commitments", "stakeholders", "meetings", "outcomes", "progress-reports", "indicator-periods", "commitment-history", "audit-log", "referral-figures"}
	Formats  = []string{"csv", "json", "ndjson"}
)

// flushEvery is how many rows go out between two flushes to the client.
const flushEvery = 64

// Handler serves GET /export/NAME.FORMAT.
func Handler(src Source, o Options) http.Handler {
	return &handler{src: src, opts: o}
}

type handler struct {
	src  Source
	opts Options
}

// badRequest is a parameter the caller got wrong.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func bad(format string, args ...any) error { return &badRequest{fmt.Sprintf(format, args...)} }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "exports are read with GET", http.StatusMethodNotAllowed)
		return
	}
	name, format, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, Prefix), ".")
	if !strings.HasPrefix(r.URL.Path, Prefix) || !slices.Contains(Entities, name) || !slices.Contains(Formats, format) {
		http.Error(w, fmt.Sprintf("no such export %q: the exports are %s{%s}.{%s}",
			r.URL.Path, Prefix, strings.Join(Entities, ","), strings.Join(Formats, ",")), http.StatusNotFound)
		return
	}
	viewer := auth.ViewerFrom(r.Context())
	if h.opts.RequireToken && !viewer.Authenticated() {
		w.Header().Set("WWW-Authenticate", `Bearer realm="convene"`)
		http.Error(w, "this server requires an Authorization: Bearer token for every request", http.StatusUnauthorized)
		return
	}
	q, err := newParams(r.URL.RawQuery)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	bom := false
	if format == "csv" {
		bom, err = q.boolean("bom")
	} else if _, ok := q.values["bom"]; ok {
		err = bad("bom applies to .csv exports only")
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("export %s: %v", name, err), http.StatusBadRequest)
		return
	}
	if name == "audit-log" && viewer.Role != hub.RoleAdmin {
		status := http.StatusForbidden
		if !viewer.Authenticated() {
			status = http.StatusUnauthorized
			w.Header().Set("WWW-Authenticate", `Bearer realm="convene"`)
		}
		http.Error(w, "the audit log is for admins only: send an admin token", status)
		return
	}
	x := &exporter{model: h.src.Model(), viewer: viewer, today: h.src.Today()}
	if err := x.travel(q, name, h.src.Now()); err != nil {
		http.Error(w, fmt.Sprintf("export %s: %v", name, err), http.StatusBadRequest)
		return
	}
	var table table
	switch name {
	case "commitments":
		table, err = x.commitments(q, x.today)
	case "stakeholders":
		table, err = x.stakeholders(q)
	case "meetings":
		table, err = x.meetings(q)
	case "outcomes":
		table, err = x.outcomes(q)
	case "progress-reports":
		table, err = x.progressReports(q)
	case "indicator-periods":
		table, err = x.indicatorPeriods(q)
	case "commitment-history":
		table, err = x.commitmentHistory(q)
	case "audit-log":
		table, err = x.auditLog(q)
	case "referral-figures":
		table, err = x.referralFigures(q)
	}
	if err == nil {
		err = q.unused()
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("export %s: %v", name, err), http.StatusBadRequest)
		return
	}

	hd := w.Header()
	switch format {
	case "csv":
		hd.Set("Content-Type", "text/csv; charset=utf-8; header=present")
		hd.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	case "json":
		hd.Set("Content-Type", "application/json; charset=utf-8")
	case "ndjson":
		hd.Set("Content-Type", "application/x-ndjson; charset=utf-8")
	}
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Export-Rows", strconv.Itoa(table.len))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	_ = write(r.Context(), w, format, bom, table) // a failed write is a client gone: nothing to tell
}

// table is a header and the rows under it, produced one at a time.
type table struct {
	columns []string
	len     int
	rows    func(yield func([]any) bool) // each row has a value for each column
}

// write streams the table in the format.
func write(ctx context.Context, w http.ResponseWriter, format string, bom bool, t table) error {
	rc := http.NewResponseController(w)
	buf := bufio.NewWriterSize(w, 32<<10)
	flush := func() error {
		if err := buf.Flush(); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil && err != http.ErrNotSupported {
			return err
		}
		return nil
	}
	var (
		writeRow func([]any) error
		finish   func() error
	)
	switch format {
	case "csv":
		if bom {
			buf.WriteString("\uFEFF")
		}
		cw := csv.NewWriter(buf)
		cw.UseCRLF = true
		cells := make([]string, len(t.columns))
		if err := cw.Write(t.columns); err != nil {
			return err
		}
		writeRow = func(row []any) error {
			for i, v := range row {
				cells[i] = csvCell(v)
			}
			return cw.Write(cells)
		}
		finish = func() error { cw.Flush(); return cw.Error() }
		cw.Flush()
	case "json", "ndjson":
		keys := make([][]byte, len(t.columns))
		for i, c := range t.columns {
			keys[i], _ = json.Marshal(c)
		}
		// The encoder ends each value with a newline, which trimNewline
		// drops: one line per object.
		enc := json.NewEncoder(trimNewline{buf})
		enc.SetEscapeHTML(false)
		if format == "json" {
			buf.WriteString("[")
		}
		n := 0
		writeRow = func(row []any) error {
			switch {
			case format == "json" && n == 0:
				buf.WriteString("\n")
			case format == "json":
				buf.WriteString(",\n")
			}
			n++
			buf.WriteByte('{')
			for i, v := range row {
				if i > 0 {
					buf.WriteByte(',')
				}
				buf.Write(keys[i])
				buf.WriteByte(':')
				if err := enc.Encode(jsonValue(v)); err != nil {
					return err
				}
			}
			buf.WriteByte('}')
			if format == "ndjson" {
				buf.WriteByte('\n')
			}
			return nil
		}
		finish = func() error {
			switch {
			case format == "json" && n == 0:
				buf.WriteString("]\n")
			case format == "json":
				buf.WriteString("\n]\n")
			}
			return nil
		}
	}
	if err := flush(); err != nil { // the header row (or "[") goes out at once
		return err
	}
	n := 0
	var err error
	t.rows(func(row []any) bool {
		if err = writeRow(row); err != nil {
			return false
		}
		if n++; n%flushEvery == 0 {
			if err = flush(); err != nil {
				return false
			}
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	return flush()
}

// trimNewline drops the newline json.Encoder writes after each value.
type trimNewline struct{ w *bufio.Writer }

func (t trimNewline) Write(p []byte) (int, error) {
	n := len(p)
	if n > 0 && p[n-1] == '\n' {
		p = p[:n-1]
	}
	_, err := t.w.Write(p)
	return n, err
}

// csvFormatter is a value with its own CSV text.
type csvFormatter interface{ CSV() string }

// csvCell is a value as CSV text.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return defuseFormula(x)
	case hub.Date:
		return string(x)
	case *hub.Date:
		if x == nil {
			return ""
		}
		return string(*x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return isoTime(x)
	case *time.Time:
		if x == nil {
			return ""
		}
		return isoTime(*x)
	case []string:
		return defuseFormula(strings.Join(x, "; "))
	case csvFormatter:
		return defuseFormula(x.CSV())
	}
	return fmt.Sprint(v)
}

// defuseFormula prefixes text that a spreadsheet would run as a formula
// with an apostrophe (OWASP's advice against CSV injection): a title such
// as "=HYPERLINK(…)" written by one stakeholder must not execute on an
// analyst's machine. Numbers, dates and times are written by Convene and
// never start with these characters, so only text is touched.
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// jsonValue is a value as it goes into JSON.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return isoTime(x)
	case *time.Time:
		if x == nil || x.IsZero() {
			return nil
		}
		return isoTime(*x)
	case *hub.Date:
		if x == nil {
			return nil
		}
		return string(*x)
	case []string:
		if x == nil {
			return []string{}
		}
	}
	return v
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ---------------------------------------------------------------- parameters

// params are a request's URL parameters; each lookup marks one as used.
type params struct {
	values map[string][]string
	used   map[string]bool
}

func newParams(raw string) (*params, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, bad("the query string is not valid: %v", err)
	}
	return &params{values: values, used: map[string]bool{}}, nil
}

// unused fails when the request holds a parameter nothing looked up.
func (p *params) unused() error {
	var unknown, known []string
	for k := range p.values {
		if !p.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	for k := range p.used {
		known = append(known, k)
	}
	sort.Strings(unknown)
	sort.Strings(known)
	return bad("unknown parameter %s (this one takes %s)", strings.Join(quoteAll(unknown), ", "), strings.Join(known, ", "))
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

// one returns a single-valued parameter ("" when absent).
func (p *params) one(name string) (string, error) {
	p.used[name] = true
	v := p.values[name]
	if len(v) > 1 {
		return "", bad("%s is given %d times; give it once", name, len(v))
	}
	if len(v) == 0 {
		return "", nil
	}
	return strings.TrimSpace(v[0]), nil
}

// list returns a list parameter: comma-separated, repeated, or both.
func (p *params) list(name string) []string {
	p.used[name] = true
	var out []string
	for _, v := range p.values[name] {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

func (p *params) boolean(name string) (bool, error) {
	b, err := p.optionalBool(name)
	return b != nil && *b, err
}

func (p *params) optionalBool(name string) (*bool, error) {
	v, err := p.one(name)
	if err != nil || v == "" {
		return nil, err
	}
	var b bool
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		b = true
	case "false", "0", "no":
	default:
		return nil, bad("%s must be true or false, not %q", name, v)
	}
	return &b, nil
}

// enums parses a list of enum values (case-insensitive) against the allowed ones.
func enums[T ~string](p *params, name string, allowed []T) ([]T, error) {
	var out []T
	for _, v := range p.list(name) {
		e := T(strings.ToUpper(v))
		if !slices.Contains(allowed, e) {
			names := make([]string, len(allowed))
			for i, a := range allowed {
				names[i] = string(a)
			}
			return nil, bad("%s: %q is not one of %s", name, v, strings.Join(names, ", "))
		}
		out = append(out, e)
	}
	return out, nil
}

// ids parses a list of global IDs of type t into domain IDs, as the
// API's filters do.
func ids(p *params, name string, t hub.EntityType) ([]string, error) {
	out, err := opaque.DecodeIDs(t, p.list(name))
	if err != nil {
		return nil, bad("%s: %v", name, err)
	}
	return out, nil
}

func (p *params) date(name string) (*hub.Date, error) {
	v, err := p.one(name)
	if err != nil || v == "" {
		return nil, err
	}
	d, err := hub.ParseDate(v)
	if err != nil {
		return nil, bad("%s: %v", name, err)
	}
	return &d, nil
}

// travel reads asOf: the export answers as the hub stood then (overdue
// judged on that date), with the read policy of now. The audit log, the
// record of every change, has from and to instead.
func (x *exporter) travel(p *params, name string, now time.Time) error {
	at, err := p.dateTime("asOf")
	switch {
	case err != nil || at == nil:
		return err
	case name == "audit-log":
		return bad("asOf does not apply to the audit log: select its changes with from and to")
	case at.After(now):
		return bad("asOf %s is after now: the hub records the past and the present, not the future; leave asOf out for now", at.Format(time.RFC3339))
	}
	v, err := x.model.At(*at)
	if err != nil {
		return err
	}
	x.model, x.today = v, hub.DateOf(*at)
	return nil
}

// dateTime accepts an RFC 3339 time, or a date (its midnight in UTC), as
// DateTime arguments of the API do.
func (p *params) dateTime(name string) (*time.Time, error) {
	v, err := p.one(name)
	if err != nil || v == "" {
		return nil, err
	}
	t, err := gqltype.ParseDateTime(v)
	if err != nil {
		return nil, bad("%s: %v", name, err)
	}
	return &t, nil
}
