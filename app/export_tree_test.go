package app

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"convene/hub"
)

// TestCommitmentsExportCarriesTheTree: the commitments export's parentId,
// weight and rolledUpProgress are the API's parent, weight and
// rolledUpProgress, in CSV, JSON and NDJSON, for a parent, its children
// and the commitments outside any tree, now and asOf a time before the
// tree moved.
func TestCommitmentsExportCarriesTheTree(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	objective := gid(hub.TypeObjective, "o3-4")
	type node struct {
		ID               string
		Parent           *struct{ ID string }
		Weight           float64
		RolledUpProgress float64
	}
	api := func(asOf string) map[string]node {
		var out struct{ Commitments struct{ Nodes []node } }
		vars := map[string]any{"ids": []string{objective}}
		if asOf != "" {
			vars["asOf"] = asOf
		}
		s.query(`query($ids: [ID!], $asOf: DateTime) { commitments(filter: {objectiveIds: $ids}, first: 100, asOf: $asOf) {
			nodes { id parent { id } weight rolledUpProgress } } }`, vars, &out)
		m := map[string]node{}
		for _, n := range out.Commitments.Nodes {
			m[n.ID] = n
		}
		return m
	}
	check := func(t *testing.T, asOf string) {
		want := api(asOf)
		children := 0
		for _, n := range want {
			if n.Parent != nil {
				children++
			}
		}
		if children < 3 || len(want) == children {
			t.Fatalf("the case wants a parent with children and commitments outside the tree: %+v", want)
		}
		params := "?objectiveIds=" + objective
		if asOf != "" {
			params += "&asOf=" + asOf
		}
		rows := s.export("commitments.csv"+params, "").mustOK(t, "csv").records(t)
		if len(rows) != len(want) {
			t.Fatalf("csv: %d rows, the API lists %d", len(rows), len(want))
		}
		for _, r := range rows {
			n, ok := want[r["id"]]
			parent := ""
			if n.Parent != nil {
				parent = n.Parent.ID
			}
			if !ok || r["parentId"] != parent || r["weight"] != strconv.FormatFloat(n.Weight, 'f', -1, 64) ||
				r["rolledUpProgress"] != strconv.FormatFloat(n.RolledUpProgress, 'f', -1, 64) {
				t.Errorf("csv: %s has parentId %q, weight %q, rolledUpProgress %q; the API says %+v", r["reference"], r["parentId"], r["weight"], r["rolledUpProgress"], n)
			}
		}
		for _, ndjson := range []bool{false, true} {
			format := map[bool]string{false: "json", true: "ndjson"}[ndjson]
			for _, o := range s.export("commitments."+format+params, "").mustOK(t, format).objects(t, ndjson) {
				n := want[fmt.Sprint(o["id"])]
				var parent any
				if n.Parent != nil {
					parent = n.Parent.ID
				}
				if o["parentId"] != parent || o["weight"] != n.Weight || o["rolledUpProgress"] != n.RolledUpProgress {
					t.Errorf("%s: %s has parentId %v, weight %v, rolledUpProgress %v; the API says %+v", format, o["reference"], o["parentId"], o["weight"], o["rolledUpProgress"], n)
				}
			}
		}
	}

	before := time.Now().UTC().Add(-time.Millisecond).Format(time.RFC3339Nano)
	t.Run("now", func(t *testing.T) { check(t, "") })
	// A report on a child moves the parent's roll-up; asOf before it, the
	// export gives the roll-up as it was.
	reportProgress(s, "C-3.4-004", 40, "moving the parent's roll-up")
	t.Run("after a report", func(t *testing.T) { check(t, "") })
	t.Run("asOf before it", func(t *testing.T) { check(t, before) })
	parent := gid(hub.TypeCommitment, "C-3.4-001")
	if now, then := api("")[parent].RolledUpProgress, api(before)[parent].RolledUpProgress; now == then {
		t.Errorf("the report left the parent's roll-up at %v: the case tests no move", now)
	}
}
