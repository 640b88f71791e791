package app

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"convene/hub"
)

// importResult is the JSON answer of POST /import/progress-reports.csv.
type importResult struct {
	DryRun   bool
	Rows     int
	Written  int
	Problems []struct {
		Row     int
		Column  string
		Message string
	}
}

// importCSV posts body to the import as token ("" for anonymous) with the
// query string, and returns the status and the answer (nil unless JSON).
func importCSV(t *testing.T, s *testServer, token, query, contentType, body string) (int, *importResult, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/import/progress-reports.csv"+query, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		return res.StatusCode, nil, string(raw)
	}
	var out importResult
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%d %s: %v", res.StatusCode, raw, err)
	}
	return res.StatusCode, &out, string(raw)
}

// exportedReports counts the rows of the progress-reports export.
func exportedReports(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Head(url + "/export/progress-reports.csv")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	n, err := strconv.Atoi(res.Header.Get("X-Export-Rows"))
	if err != nil {
		t.Fatalf("X-Export-Rows: %v", err)
	}
	return n
}

// latestReport returns a commitment's progress and its newest report.
func latestReport(s *testServer, ref string) (progress int, note, at, by string) {
	var out struct {
		Commitment struct {
			Progress        int
			ProgressReports struct {
				Nodes []struct {
					Note, ReportedAt string
					ReportedBy       struct{ Name string }
				}
			}
		}
	}
	s.query(`{ commitment(id: "`+gid(hub.TypeCommitment, ref)+`") { progress progressReports(first: 1) { nodes { note reportedAt reportedBy { name } } } } }`, nil, &out)
	r := out.Commitment.ProgressReports.Nodes[0]
	return out.Commitment.Progress, r.Note, r.ReportedAt, r.ReportedBy.Name
}

// TestImportProgressReportsOverHTTP: the import takes the export's
// columns; a dry run lists every bad row and column and writes nothing,
// and so does a real run of a file with any error; a good file is
// written whole, in time order per commitment, with reportedAt kept.
// Anonymous callers get 401, viewers 403; an editor may report only on
// its stakeholder's commitments; an admin on any.
func TestImportProgressReportsOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	_, viewer := issueToken(t, s, "VIEWER", "analyst", "", nil)
	_, editor := issueToken(t, s, "EDITOR", "PfD officer", "pfd", nil)
	const csvType = "text/csv; charset=utf-8"
	seq := func() int64 { return s.app.hub.Model().Seq() }

	// Who may.
	one := "reference,progress,note\r\nC-2.1-004,85,Fourth dialogue held\r\n"
	if code, _, body := importCSV(t, s, "", "", csvType, one); code != http.StatusUnauthorized || !strings.Contains(body, "Bearer") {
		t.Errorf("anonymous: %d %s", code, body)
	}
	if code, _, body := importCSV(t, s, viewer, "", csvType, one); code != http.StatusForbidden {
		t.Errorf("a viewer: %d %s", code, body)
	}
	before := seq()
	code, res, body := importCSV(t, s, editor, "", csvType, one+"C-2.1-006,50,Not ours\r\n")
	if code != http.StatusUnprocessableEntity || len(res.Problems) != 1 || res.Problems[0].Row != 3 || res.Problems[0].Column != "reference" ||
		!strings.Contains(res.Problems[0].Message, "you may not report on this commitment") || res.Written != 0 || seq() != before {
		t.Errorf("an editor on another stakeholder's commitment: %d %s", code, body)
	}
	if code, res, body := importCSV(t, s, editor, "", csvType, one); code != http.StatusOK || res.Written != 1 || res.Rows != 1 || len(res.Problems) != 0 {
		t.Errorf("an editor on its own commitment: %d %s", code, body)
	}
	if p, note, _, by := latestReport(s, "C-2.1-004"); p != 85 || note != "Fourth dialogue held" || by != "PfD officer" {
		t.Errorf("the editor's report: %d %q by %q", p, note, by)
	}
	if code, res, body := importCSV(t, s, testAdminToken, "", csvType, "reference,progress,note\nC-2.1-006,50,By the secretariat\n"); code != http.StatusOK || res.Written != 1 {
		t.Errorf("an admin on any commitment: %d %s", code, body)
	}

	// Every bad row and column, in a dry run and in a real run alike.
	header := "commitmentId,reference,title,reportedAt,progress,status,note,reportedBy,reportedByRole,reportedByStakeholderId\r\n"
	c5 := gid(hub.TypeCommitment, "C-2.1-005")
	bad := header +
		c5 + ",C-2.1-005,ignored,,60,,Fine on its own,anyone,EDITOR,\r\n" + // row 2
		c5 + ",,,,150,,Too much,,,\r\n" + // 3
		",C-2.1-005,,,60,DONE,Unknown status,,,\r\n" + // 4
		",C-9.9-999,,,60,,No such commitment,,,\r\n" + // 5
		gid(hub.TypeMeeting, "m-2015-09") + ",,,,60,,A meeting's ID,,,\r\n" + // 6
		c5 + ",,,,60,,,,,\r\n" + // 7: no note
		c5 + ",,,2999-01-01T00:00:00Z,60,,From the future,,,\r\n" + // 8
		c5 + ",,,yesterday,60,,A bad time,,,\r\n" + // 9
		c5 + ",,,,60,,Too few cells\r\n" + // 10
		c5 + ",C-2.1-004,,,60,,Two commitments,,,\r\n" + // 11
		c5 + ",,,,sixty,,Not a number,,,\r\n" + // 12
		",,,,60,,No commitment,,,\r\n" + // 13
		c5 + ",,,,0,NOT_STARTED,A move the status rules refuse,,,\r\n" + // 14
		c5 + ",,,2014-01-01T00:00:00Z,60,,Before its last change,,,\r\n" // 15
	want := []string{ // row and column, then a part of the message
		"3 progress|must be between 0 and 100",
		"4 status|\"DONE\" is not a status",
		"5 reference|no such commitment",
		"6 commitmentId|is not a commitment's global ID",
		"7 note|must not be blank",
		"8 reportedAt|is in the future",
		"9 reportedAt|\"yesterday\" is neither an RFC 3339 time",
		"10 |7 cells, but the header has 10 columns",
		"11 reference|names C-2.1-004, but commitmentId names C-2.1-005",
		"12 progress|\"sixty\" is not a whole number",
		"13 commitmentId|is required",
		"14 status|",
		"15 reportedAt|is before the commitment's last change",
	}
	for _, query := range []string{"?dryRun=true", ""} {
		before := seq()
		code, res, body := importCSV(t, s, testAdminToken, query, csvType, bad)
		if code != http.StatusUnprocessableEntity || res.Rows != 14 || res.Written != 0 || res.DryRun != (query != "") || seq() != before {
			t.Fatalf("%q: %d %s", query, code, body)
		}
		var got []string
		for _, e := range res.Problems {
			got = append(got, strconv.Itoa(e.Row)+" "+e.Column+" "+e.Message)
		}
		if len(got) != len(want) {
			t.Errorf("%q: %d errors, want %d:\n%s", query, len(got), len(want), strings.Join(got, "\n"))
			continue
		}
		for i, w := range want {
			at, msg, _ := strings.Cut(w, "|")
			if !strings.HasPrefix(got[i], at+" ") || !strings.Contains(got[i], msg) {
				t.Errorf("%q: error %d is %q, want %q…", query, i, got[i], w)
			}
		}
	}

	// The file as a whole.
	for _, c := range []struct{ name, body, want string }{
		{"an unknown column", "reference,progress,note,colour\nC-2.1-005,60,x,red\n", `"column": "colour"`},
		{"no note column", "reference,progress\nC-2.1-005,60\n", `"column": "note"`},
		{"a column twice", "reference,progress,note,note\nC-2.1-005,60,x,y\n", "twice"},
		{"empty", "", "the file is empty"},
		{"a header alone", "reference,progress,note\n", "no rows"},
		{"a bare quote", "reference,progress,note\nC-2.1-005,60,a \"quoted\" note\n", "not CSV"},
	} {
		if code, _, body := importCSV(t, s, testAdminToken, "", csvType, c.body); code != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s", c.name, code, body)
		}
	}
	if code, _, body := importCSV(t, s, testAdminToken, "", "application/json", one); code != http.StatusUnsupportedMediaType {
		t.Errorf("JSON: %d %s", code, body)
	}
	for _, q := range []string{"?dryRun=maybe", "?dry=true", "?dryRun=true&dryRun=false"} {
		if code, _, body := importCSV(t, s, testAdminToken, q, csvType, one); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}

	// A good file, out of time order, with the export's columns: a dry
	// run writes nothing; the real run writes it whole, in time order.
	good := header +
		c5 + ",C-2.1-005,,2016-03-01T10:00:00Z,70,ON_TRACK,'=Back on track,,,\r\n" +
		c5 + ",C-2.1-005,,2016-02-01T10:00:00Z,60,,Referrals up,,,\r\n" +
		",C-2.1-007,,,75,,Watch groups in three more areas,,,\r\n"
	before, exported := seq(), exportedReports(t, s.url)
	if code, res, body := importCSV(t, s, testAdminToken, "?dryRun=true", csvType, good); code != http.StatusOK || res.Written != 0 || res.Rows != 3 || seq() != before {
		t.Fatalf("a dry run of a good file: %d %s", code, body)
	}
	if code, res, body := importCSV(t, s, testAdminToken, "?dryRun=false", csvType, good); code != http.StatusOK || res.Written != 3 || len(res.Problems) != 0 {
		t.Fatalf("a good file: %d %s", code, body)
	}
	if n := exportedReports(t, s.url); n != exported+3 {
		t.Errorf("the export has %d reports, want %d", n, exported+3)
	}
	if p, note, at, _ := latestReport(s, "C-2.1-005"); p != 70 || note != "=Back on track" || at != "2016-03-01T10:00:00Z" {
		t.Errorf("C-2.1-005's latest report: %d %q at %s", p, note, at)
	}
	if p, _, _, _ := latestReport(s, "C-2.1-007"); p != 75 {
		t.Errorf("C-2.1-007: %d", p)
	}

	// What the export writes, the import reads: the same reports again.
	res2, err := http.Get(s.url + "/export/progress-reports.csv?stakeholderIds=" + gid(hub.TypeStakeholder, "pfd") + "&from=2016-01-01")
	if err != nil {
		t.Fatal(err)
	}
	exportedCSV, _ := io.ReadAll(res2.Body)
	res2.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(exportedCSV)), "\r\n")
	reimport := lines[0] + "\r\n" + strings.ReplaceAll(strings.Join(lines[1:], "\r\n"), "2016-0", "2017-0") + "\r\n"
	if code, res, body := importCSV(t, s, testAdminToken, "", csvType, reimport); code != http.StatusOK || res.Written != len(lines)-1 {
		t.Errorf("the export, re-imported a year on: %d %s\n%s", code, body, reimport)
	}
	if p, note, at, _ := latestReport(s, "C-2.1-005"); p != 70 || note != "=Back on track" || at != "2017-03-01T10:00:00Z" {
		t.Errorf("after the round trip: %d %q at %s", p, note, at)
	}
}

// TestImportProgressReportsCommand: `convene import FILE.csv` checks a
// file with --dry-run, printing every problem with its row and column
// and writing nothing; killed with SIGKILL halfway through writing
// 10,000 reports, it leaves none of them after a restart; run to its
// end, it writes them all.
func TestImportProgressReportsCommand(t *testing.T) {
	bin := releaseBinary(t)
	dir := t.TempDir()
	db := []string{"--data-dir", dir, "--embedded-addr", "127.0.0.1:0"}
	if _, stderr, code := runCLI(t, bin, append([]string{"seed"}, db...)...); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	s := startServerConfig(t, testConfig(dir), hub.Options{})
	big := filepath.Join(dir, "reports.csv")
	if err := os.WriteFile(big, reportsCSV(s.app.hub.Model(), 10_000), 0o600); err != nil {
		t.Fatal(err)
	}
	reports := exportedReports(t, s.url)
	s.stop()

	broken := filepath.Join(dir, "broken.csv")
	if err := os.WriteFile(broken, []byte("reference,progress,note\nC-2.1-004,101,Too much\nC-9.9-999,10,Nobody's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, bin, append([]string{"import", broken, "--dry-run"}, db...)...)
	for _, want := range []string{
		broken + ": row 2: progress: must be between 0 and 100",
		broken + ": row 3: reference: no such commitment",
		"2 problems; nothing was written",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("a dry run of a broken file: want %q in\n%s", want, stderr)
		}
	}
	if code == 0 {
		t.Error("a dry run with problems exited 0")
	}
	out, stderr, code := runCLI(t, bin, append([]string{"import", big, "--dry-run"}, db...)...)
	if code != 0 || !strings.Contains(out, "no problems; importing it would write 10000 progress reports") {
		t.Fatalf("a dry run: %d %s %s", code, out, stderr)
	}

	// Killed halfway through writing.
	killedAt := killImportAtItsFirstProgress(t, bin, append([]string{"import", big}, db...)...)
	if killedAt == 0 || killedAt >= 10_000 {
		t.Fatalf("the import printed no progress line before its end (killed at %d)", killedAt)
	}
	s = startServerConfig(t, testConfig(dir), hub.Options{})
	if n := exportedReports(t, s.url); n != reports {
		t.Fatalf("after a kill at event %d: %d reports, want the %d of before", killedAt, n, reports)
	}
	if s.app.hub.Model().Seq() < int64(killedAt) {
		t.Fatalf("the log is at %d, the import had written %d events", s.app.hub.Model().Seq(), killedAt)
	}
	s.stop()

	// To its end.
	out, stderr, code = runCLI(t, bin, append([]string{"import", big}, db...)...)
	if code != 0 || !strings.Contains(out, "imported 10000 progress reports") || !strings.Contains(stderr, "(100%)") {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	s = startServerConfig(t, testConfig(dir), hub.Options{})
	if n := exportedReports(t, s.url); n != reports+10_000 {
		t.Errorf("after the import: %d reports, want %d", n, reports+10_000)
	}
	var by []string
	for _, c := range s.app.hub.Model().Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "") {
		rs, _ := s.app.hub.Model().ProgressReports(c)
		if n := len(rs); n > 0 && !slices.Contains(by, rs[n-1].ReportedBy.Name) {
			by = append(by, rs[n-1].ReportedBy.Name)
		}
	}
	if !slices.Contains(by, "convene import") {
		t.Errorf("no report is by the import: %v", by)
	}
}
