package app

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"convene/hub"
)

// The exports of the referral networks, parsed with real parsers: the
// service directory in HSDS 3.0's tabular form, whose datapackage.json
// describes exactly the CSV files served (headers, unique ids, links that
// resolve), and the referral figures with referralStats' suppression.

type dataPackageDoc struct {
	Profile   string
	Resources []struct {
		Name, Path, Profile, Format string
		Schema                      struct {
			Fields []struct {
				Name, Type, Description string
			}
			PrimaryKey  string
			ForeignKeys []struct {
				Fields    string
				Reference struct{ Resource, Fields string }
			}
		}
	}
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(body))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	return rows
}

func TestHSDSExport(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	admin := map[string]string{"Authorization": "Bearer " + testAdminToken}
	for _, who := range []struct {
		name   string
		header map[string]string
	}{{"anonymous", nil}, {"admin", admin}} {
		t.Run(who.name, func(t *testing.T) {
			status, h, body := s.get("/export/hsds/datapackage.json", who.header)
			if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Fatalf("datapackage.json: %d %s", status, h.Get("Content-Type"))
			}
			var pkg dataPackageDoc
			if err := json.Unmarshal([]byte(body), &pkg); err != nil {
				t.Fatal(err)
			}
			if pkg.Profile != "tabular-data-package" || len(pkg.Resources) < 8 {
				t.Fatalf("profile %q, %d resources", pkg.Profile, len(pkg.Resources))
			}
			ids := map[string]map[string]bool{}
			tables := map[string][][]string{}
			for _, r := range pkg.Resources {
				status, h, body := s.get("/export/hsds/"+r.Path, who.header)
				if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
					t.Fatalf("%s: %d %s", r.Path, status, h.Get("Content-Type"))
				}
				rows := readCSV(t, body)
				var names []string
				for _, f := range r.Schema.Fields {
					names = append(names, f.Name)
					if f.Description == "" || !slices.Contains([]string{"string", "number", "integer", "datetime"}, f.Type) {
						t.Errorf("%s.%s: type %q, description %q", r.Name, f.Name, f.Type, f.Description)
					}
				}
				if len(rows) == 0 || !slices.Equal(rows[0], names) {
					t.Fatalf("%s: header %v, the data package says %v", r.Path, rows[0], names)
				}
				tables[r.Name] = rows[1:]
				ids[r.Name] = map[string]bool{}
				key := slices.Index(names, r.Schema.PrimaryKey)
				for _, row := range rows[1:] {
					if ids[r.Name][row[key]] {
						t.Errorf("%s: id %s twice", r.Name, row[key])
					}
					ids[r.Name][row[key]] = true
					for i, f := range r.Schema.Fields {
						if f.Type == "number" && row[i] != "" {
							if _, err := strconv.ParseFloat(row[i], 64); err != nil {
								t.Errorf("%s.%s: %q is no number", r.Name, f.Name, row[i])
							}
						}
					}
				}
			}
			for _, r := range pkg.Resources {
				for _, fk := range r.Schema.ForeignKeys {
					col := slices.IndexFunc(r.Schema.Fields, func(f struct{ Name, Type, Description string }) bool { return f.Name == fk.Fields })
					for _, row := range tables[r.Name] {
						if row[col] != "" && !ids[fk.Reference.Resource][row[col]] {
							t.Errorf("%s.%s = %s: no such %s", r.Name, fk.Fields, row[col], fk.Reference.Resource)
						}
					}
				}
			}
			var services struct{ Services struct{ TotalCount int } }
			s.query(`{ services { totalCount } }`, nil, &services)
			if n := len(tables["service"]); n != services.Services.TotalCount || n < 15 {
				t.Errorf("%d services exported, the API lists %d", n, services.Services.TotalCount)
			}
			if len(tables["organization"]) == 0 || len(tables["service_area"]) == 0 || len(tables["attribute"]) != len(tables["service"]) {
				t.Errorf("%d organizations, %d service areas, %d attributes", len(tables["organization"]), len(tables["service_area"]), len(tables["attribute"]))
			}
			if who.header == nil && (len(tables["contact"]) > 0 || len(tables["phone"]) > 0) {
				t.Errorf("anonymous: %d contacts, %d phones exported", len(tables["contact"]), len(tables["phone"]))
			}
		})
	}
	if status, _, _ := s.get("/export/hsds/nothing.csv", nil); status != http.StatusNotFound {
		t.Errorf("an unknown table: %d", status)
	}
}

func TestReferralFiguresExport(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	admin := map[string]string{"Authorization": "Bearer " + testAdminToken}
	network := func() string {
		var out struct {
			ReferralNetworks struct{ Nodes []struct{ ID string } }
		}
		s.query(`{ referralNetworks { nodes { id } } }`, nil, &out)
		return out.ReferralNetworks.Nodes[0].ID
	}()
	for _, c := range []struct {
		name   string
		header map[string]string
		token  string
		query  string
		filter map[string]any
	}{
		{"anonymous, everything", nil, "", "", nil},
		{"anonymous, one network from a date", nil, "", "?networkIds=" + network + "&from=2015-03-15", map[string]any{"networkIds": []string{network}, "from": "2015-03-15"}},
		{"admin", admin, testAdminToken, "?categories=LIFE_SKILLS,MENTORING", map[string]any{"categories": []string{"LIFE_SKILLS", "MENTORING"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := referralStatsAs(t, s, c.token, c.filter)
			expect := [][]string{{"total", "", cellOf(want.Total), fmt.Sprint(want.TotalSuppressed)}}
			for _, group := range []struct {
				name string
				fs   []figureCount
			}{{"status", want.ByStatus}, {"category", want.ByCategory}, {"community", want.ByCommunity}, {"ageBand", want.ByAgeBand}, {"month", want.ByMonth}} {
				for _, f := range group.fs {
					value := f.Status + f.Category + f.AgeBand + f.Month
					if f.Community != nil {
						value = f.Community.ID
					}
					expect = append(expect, []string{group.name, value, cellOf(f.Count), fmt.Sprint(f.Suppressed)})
				}
			}
			status, _, body := s.get("/export/referral-figures.csv"+c.query, c.header)
			if status != http.StatusOK {
				t.Fatalf("%d %s", status, body)
			}
			rows := readCSV(t, body)
			if !slices.Equal(rows[0], []string{"breakdown", "value", "count", "suppressed", "exact", "from", "to"}) {
				t.Fatalf("header %v", rows[0])
			}
			if len(rows) != len(expect)+2 {
				t.Fatalf("%d rows, want %d figures and the median", len(rows)-1, len(expect)+1)
			}
			for i, e := range expect {
				if !slices.Equal(rows[i+1][:4], e) || rows[i+1][4] != fmt.Sprint(want.Exact) {
					t.Errorf("row %d: %v, the API gives %v (exact %v)", i+1, rows[i+1], e, want.Exact)
				}
			}
			// The JSON export: the same figures, null where withheld.
			status, _, body = s.get("/export/referral-figures.json"+c.query, c.header)
			var objs []map[string]any
			if err := json.Unmarshal([]byte(body), &objs); status != http.StatusOK || err != nil || len(objs) != len(expect)+1 {
				t.Fatalf("JSON: %d, %v, %d objects", status, err, len(objs))
			}
			for i, o := range objs[:len(expect)] {
				if (o["count"] == nil) != (expect[i][2] == "") || o["suppressed"] != (expect[i][3] == "true") {
					t.Errorf("JSON %d: %v, want %v", i, o, expect[i])
				}
			}
		})
	}
	if status, _, _ := s.get("/export/referral-figures.csv?networkIds=nonsense", nil); status != http.StatusBadRequest {
		t.Errorf("a bad network id: %d", status)
	}
}

func cellOf(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}
