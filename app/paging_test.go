package app

import (
	"fmt"
	"math"
	"testing"

	"convene/hub"
)

type commitmentPage struct {
	Commitments struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		Nodes []struct {
			Reference, Status string
			Progress          int
			Overdue           bool
			Lead              struct{ Sector string }
			Pillar            struct{ Code string }
		}
	}
}

const pageQuery = `query($first: Int, $after: String, $last: Int, $before: String, $filter: CommitmentFilter, $order: CommitmentOrder) {
	commitments(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
		totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
		nodes { reference status progress overdue lead { sector } pillar { code } } } }`

// walk pages forwards with first=size and returns the references seen.
func walk(s *testServer, size int, filter, order map[string]any) ([]string, int) {
	var refs []string
	var after any
	total := -1
	for pages := 0; pages < 1000; pages++ {
		var p commitmentPage
		s.query(pageQuery, map[string]any{"first": size, "after": after, "filter": filter, "order": order}, &p)
		if total >= 0 && p.Commitments.TotalCount != total {
			s.t.Fatalf("totalCount changed between pages: %d then %d", total, p.Commitments.TotalCount)
		}
		total = p.Commitments.TotalCount
		for _, n := range p.Commitments.Nodes {
			refs = append(refs, n.Reference)
		}
		if !p.Commitments.PageInfo.HasNextPage {
			return refs, total
		}
		after = *p.Commitments.PageInfo.EndCursor
	}
	s.t.Fatal("paging did not end")
	return nil, 0
}

func TestPagingIsStableAndComplete(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	orders := []map[string]any{nil, {"field": "DUE_DATE", "direction": "DESC"}, {"field": "PROGRESS"}, {"field": "TITLE"}, {"field": "UPDATED_AT", "direction": "DESC"}}
	filters := []map[string]any{nil, {"sectors": []string{"CIVIL_SOCIETY"}}, {"statuses": []string{"DELAYED", "AT_RISK"}, "overdue": true}, {"dueAfter": "2014-01-01", "dueBefore": "2015-06-30"}}
	for _, order := range orders {
		for _, filter := range filters {
			var all commitmentPage
			s.query(pageQuery, map[string]any{"first": 100, "filter": filter, "order": order}, &all)
			refs, total := walk(s, 7, filter, order)
			if total != all.Commitments.TotalCount || len(refs) != total {
				t.Fatalf("order %v filter %v: walked %d of totalCount %d (one page says %d)", order, filter, len(refs), total, all.Commitments.TotalCount)
			}
			for i, n := range all.Commitments.Nodes {
				if refs[i] != n.Reference {
					t.Fatalf("order %v filter %v: item %d is %s paging, %s in one page", order, filter, i, refs[i], n.Reference)
				}
			}
		}
	}

	// Backwards from the end with last/before gives the same list.
	var back []string
	var before any
	for {
		var p commitmentPage
		s.query(pageQuery, map[string]any{"last": 9, "before": before}, &p)
		for i := len(p.Commitments.Nodes) - 1; i >= 0; i-- {
			back = append([]string{p.Commitments.Nodes[i].Reference}, back...)
		}
		if !p.Commitments.PageInfo.HasPreviousPage {
			break
		}
		before = *p.Commitments.PageInfo.StartCursor
	}
	forward, _ := walk(s, 100, nil, nil)
	if fmt.Sprint(back) != fmt.Sprint(forward) {
		t.Fatalf("backwards paging differs:\n%v\n%v", back, forward)
	}

	// A cursor stays valid when items are added before it.
	var first commitmentPage
	s.query(pageQuery, map[string]any{"first": 10}, &first)
	cursor := *first.Commitments.PageInfo.EndCursor
	s.mutate(`mutation { createCommitment(input: {objectiveId: "`+gid(hub.TypeObjective, "o1-1")+`", leadId: "`+gid(hub.TypeStakeholder, "yff")+`",
		title: "Inserted while paging", startDate: "2015-01-01", dueDate: "2015-02-01"}) { userErrors { field } } }`, nil, nil)
	var next commitmentPage
	s.query(pageQuery, map[string]any{"first": 5, "after": cursor}, &next)
	if next.Commitments.Nodes[0].Reference != forward[10] {
		t.Fatalf("after an insert, the page after %s starts at %s, want %s", first.Commitments.Nodes[9].Reference, next.Commitments.Nodes[0].Reference, forward[10])
	}
}

// TestStatsAgreeWithBruteForce recounts every figure of commitmentStats
// from the plain list under several filters.
func TestStatsAgreeWithBruteForce(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	filters := []map[string]any{nil, {"sectors": []string{"GOVERNMENT"}}, {"pillarIds": []string{gid(hub.TypePillar, "p1")}}, {"overdue": false}, {"statuses": []string{"COMPLETED"}}, {"search": "zzz-nothing"}}
	for _, filter := range filters {
		var list commitmentPage
		s.query(pageQuery, map[string]any{"first": 100, "filter": filter}, &list)
		var stats struct {
			CommitmentStats struct {
				Total           int
				AverageProgress float64
				Overdue         int
				ByStatus        []struct {
					Status string
					Count  int
				}
				BySector []struct {
					Sector          string
					Count           int
					AverageProgress float64
				}
				ByPillar []struct {
					Pillar          struct{ Code string }
					Count           int
					AverageProgress float64
				}
			}
		}
		s.query(`query($f: CommitmentFilter) { commitmentStats(filter: $f) { total averageProgress overdue
			byStatus { status count } bySector { sector count averageProgress } byPillar { pillar { code } count averageProgress } } }`,
			map[string]any{"f": filter}, &stats)
		got := stats.CommitmentStats
		nodes := list.Commitments.Nodes
		sum, overdue := 0, 0
		status, sector, pillar := map[string]int{}, map[string][]int{}, map[string][]int{}
		for _, n := range nodes {
			sum += n.Progress
			if n.Overdue {
				overdue++
			}
			status[n.Status]++
			sector[n.Lead.Sector] = append(sector[n.Lead.Sector], n.Progress)
			pillar[n.Pillar.Code] = append(pillar[n.Pillar.Code], n.Progress)
		}
		if got.Total != len(nodes) || got.Overdue != overdue || !near(got.AverageProgress, mean(sum, len(nodes))) {
			t.Fatalf("filter %v: stats %+v, brute force total %d overdue %d", filter, got, len(nodes), overdue)
		}
		for _, b := range got.ByStatus {
			if b.Count != status[b.Status] {
				t.Fatalf("filter %v: %s counted %d, brute force %d", filter, b.Status, b.Count, status[b.Status])
			}
		}
		for _, b := range got.BySector {
			if b.Count != len(sector[b.Sector]) || !near(b.AverageProgress, meanOf(sector[b.Sector])) {
				t.Fatalf("filter %v: sector %s %+v, brute force %v", filter, b.Sector, b, sector[b.Sector])
			}
		}
		for _, b := range got.ByPillar {
			if b.Count != len(pillar[b.Pillar.Code]) || !near(b.AverageProgress, meanOf(pillar[b.Pillar.Code])) {
				t.Fatalf("filter %v: pillar %s %+v, brute force %v", filter, b.Pillar.Code, b, pillar[b.Pillar.Code])
			}
		}
	}
}

func mean(sum, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

func meanOf(xs []int) float64 {
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return mean(sum, len(xs))
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
