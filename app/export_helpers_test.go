package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// exported is one export's response.
type exported struct {
	status int
	header http.Header
	body   []byte
}

// export GETs /export/path, with a bearer token when token is not empty.
func (s *testServer) export(path, token string) exported {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+"/export/"+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return exported{status: res.StatusCode, header: res.Header, body: body}
}

// mustOK fails the test unless the export answered 200.
func (e exported) mustOK(t *testing.T, what string) exported {
	t.Helper()
	if e.status != http.StatusOK {
		t.Fatalf("%s: %d %s", what, e.status, e.body)
	}
	return e
}

// records parses a CSV export (without a BOM) into maps by column.
func (e exported) records(t *testing.T) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(e.body)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, e.body)
	}
	if len(rows) == 0 {
		t.Fatal("the CSV has no header row")
	}
	out := make([]map[string]string, 0, len(rows)-1)
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, col := range rows[0] {
			m[col] = row[i]
		}
		out = append(out, m)
	}
	return out
}

// objects parses a JSON (array) or NDJSON export.
func (e exported) objects(t *testing.T, ndjson bool) []map[string]any {
	t.Helper()
	var out []map[string]any
	if !ndjson {
		if err := json.Unmarshal(e.body, &out); err != nil {
			t.Fatalf("the JSON does not parse: %v\n%.2000s", err, e.body)
		}
		return out
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(e.body), "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("an NDJSON line does not parse: %v\n%s", err, line)
		}
		out = append(out, m)
	}
	return out
}

// csvIDs returns the id column of each CSV record.
func csvIDs(records []map[string]string) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = r["id"]
	}
	return out
}

// jsonIDs returns the id of each JSON object.
func jsonIDs(objects []map[string]any) []string {
	out := make([]string, len(objects))
	for i, o := range objects {
		out[i], _ = o["id"].(string)
	}
	return out
}

// exportIDSet is a set of the IDs in an export.
func exportIDSet(list []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range list {
		m[id] = true
	}
	return m
}
