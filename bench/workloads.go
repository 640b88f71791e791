package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
)

// The GraphQL documents of the workloads. Convene, Apollo (B2) and the
// replay baseline (B0) receive the same request bytes; the REST baseline
// (B1) answers the equivalent GET with the same data.

const queryW1 = `query W1($id: ID!) { commitment(id: $id) { id reference title status progress dueDate lead { id name sector } } }`

const queryW2 = `query W2($sectors: [Sector!], $statuses: [CommitmentStatus!]) {
  commitments(first: 50, filter: {sectors: $sectors, statuses: $statuses}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id reference title status progress dueDate
      lead { id name sector }
      objective { id code title pillar { id code title } }
      participants { role stakeholder { id name sector } }
      progressReports(first: 3) { nodes { progress status note reportedAt } }
    }
  }
}`

const queryW3 = `query W3 { commitmentStats { total averageProgress overdue byStatus { status count } bySector { sector count averageProgress } byPillar { pillar { id code title } count averageProgress } } }`

const mutationW4 = `mutation W4($in: ReportProgressInput!) { reportProgress(input: $in) { commitment { id version progress status } userErrors { field message code } } }`

const subscriptionW5 = `subscription W5 { meetingOutcomeRecorded { cursor kind at outcome { id kind summary recordedAt meeting { id title } owner { id name sector } } } }`

const mutationPublish = `mutation Publish($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id recordedAt } userErrors { field message code } } }`

func gqlBody(query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		panic(err)
	}
	return b
}

// workload is one read workload's requests, in GraphQL and in REST form;
// gql[i] and rest[i] ask for the same thing.
type workload struct {
	name, title string
	gql         [][]byte // bodies of POST /graphql
	rest        []string // paths of GET requests to B1
	labels      []string // the query each of gql asks (the mix's file names)
}

// readWorkloads builds W1–W3 from the exported data.
func readWorkloads(ex *export, seed uint64) []*workload {
	rng := rand.New(rand.NewPCG(seed, 7))
	w1 := &workload{name: "W1", title: "commitment by id + lead"}
	for range min(1000, len(ex.Commitments)) {
		c := ex.Commitments[rng.IntN(len(ex.Commitments))]
		w1.gql = append(w1.gql, gqlBody(queryW1, map[string]any{"id": c.ID}))
		w1.rest = append(w1.rest, "/rest/commitments/"+url.PathEscape(c.ID))
	}
	w2 := &workload{name: "W2", title: "page of 50, filtered, nested"}
	for _, sector := range ex.Sectors {
		for _, status := range ex.Statuses {
			w2.gql = append(w2.gql, gqlBody(queryW2, map[string]any{"sectors": []string{sector}, "statuses": []string{status}}))
			w2.rest = append(w2.rest, "/rest/commitments?sector="+sector+"&status="+status+"&first=50")
		}
	}
	rng.Shuffle(len(w2.gql), func(i, j int) {
		w2.gql[i], w2.gql[j] = w2.gql[j], w2.gql[i]
		w2.rest[i], w2.rest[j] = w2.rest[j], w2.rest[i]
	})
	w3 := &workload{name: "W3", title: "commitmentStats"}
	w3.gql = [][]byte{gqlBody(queryW3, nil)}
	w3.rest = []string{"/rest/commitment-stats"}
	return []*workload{w1, w2, w3}
}

// sameJSON reports whether two GraphQL responses hold the same data and
// errors (extensions, such as Convene's cost report, may differ).
func sameJSON(a, b []byte) bool { return jsonDiff(a, b) == "" }

// okGraphQL checks a GraphQL response has data and no errors.
func okGraphQL(status int, body []byte) bool {
	return status == 200 && bytes.HasPrefix(body, []byte(`{"data":`)) && !bytes.Contains(body, []byte(`"errors":`))
}

// okMutation checks a mutation succeeded without user errors.
func okMutation(status int, body []byte) bool {
	return okGraphQL(status, body) && bytes.Contains(body, []byte(`"userErrors":[]`))
}

// globalID is Convene's opaque ID, base64url("Type:id"); the harness needs
// it only to name commitments it generated.
func globalID(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

func short(b []byte) string {
	s := strings.ReplaceAll(string(b), "\n", " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

// jsonDiff names the first place where two GraphQL responses differ in
// their data or errors.
func jsonDiff(a, b []byte) string {
	var x, y struct {
		Data   any `json:"data"`
		Errors any `json:"errors"`
	}
	if err := json.Unmarshal(a, &x); err != nil {
		return "got invalid JSON: " + err.Error()
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return "want invalid JSON: " + err.Error()
	}
	if d := diffValues("$.data", x.Data, y.Data); d != "" {
		return d
	}
	return diffValues("$.errors", x.Errors, y.Errors)
}

func diffValues(path string, x, y any) string {
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got an object, want %.100v", path, y)
		}
		for k := range yv {
			if _, ok := xv[k]; !ok {
				return fmt.Sprintf("%s.%s: missing", path, k)
			}
		}
		for k := range xv {
			if _, ok := yv[k]; !ok {
				return fmt.Sprintf("%s.%s: unexpected", path, k)
			}
			if d := diffValues(path+"."+k, xv[k], yv[k]); d != "" {
				return d
			}
		}
	case []any:
		yv, ok := y.([]any)
		if !ok {
			return fmt.Sprintf("%s: got a list, want %.100v", path, y)
		}
		if len(xv) != len(yv) {
			return fmt.Sprintf("%s: got %d items, want %d", path, len(xv), len(yv))
		}
		for i := range xv {
			if d := diffValues(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i]); d != "" {
				return d
			}
		}
	default:
		if !reflect.DeepEqual(x, y) {
			return fmt.Sprintf("%s: got %.100v, want %.100v", path, x, y)
		}
	}
	return ""
}
