package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"convene/hub"
	"convene/playground"
)

// testPlaygroundExamples runs every guided example of the playground
// (playground/examples) as it is, with its variables, against the demo
// data, as an anonymous analyst would: no errors, and data in every field
// it asks for. The subscription examples run over WebSocket with the
// graphql-ws client, and must deliver an outcome recorded meanwhile.
func testPlaygroundExamples(t *testing.T, s *testServer) {
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"stakeholders(", "stakeholder(", "overdue: true", "commitmentStats", "meeting(", "history(", "meetingOutcomeRecorded", "byStakeholder(", "dueAfter:"}
	if len(examples) < len(want) {
		t.Fatalf("%d examples, want at least %d", len(examples), len(want))
	}
	all := ""
	for _, e := range examples {
		all += e.Query
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no guided example uses %s", w)
		}
	}
	if examples[0].Subscription() {
		t.Error("the first example (the one the page opens on) is a subscription")
	}

	for _, e := range examples {
		t.Run(e.Name, func(t *testing.T) {
			var vars map[string]any
			if e.Variables != "" {
				if err := json.Unmarshal([]byte(e.Variables), &vars); err != nil {
					t.Fatalf("variables: %v", err)
				}
			}
			if e.Subscription() {
				sub := startSubscriber(t, e.Name, s.url, subOptions{query: e.Query, vars: vars, count: 1, timeout: 20 * time.Second})
				summary := "Guided example check " + e.Name
				var out struct {
					RecordMeetingOutcome struct{ UserErrors []struct{ Message string } }
				}
				s.mutate(`mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { userErrors { message } } }`,
					map[string]any{"in": map[string]any{"meetingId": gid(hub.TypeMeeting, "m-2015-09"), "kind": "DECISION", "summary": summary}}, &out)
				if len(out.RecordMeetingOutcome.UserErrors) > 0 {
					t.Fatalf("recording an outcome: %+v", out)
				}
				line := sub.next(15 * time.Second)
				var m subMessage
				if err := json.Unmarshal([]byte(line), &m); err != nil || len(m.Errors) > 0 || len(m.Data) == 0 || !strings.Contains(line, summary) {
					t.Fatalf("the subscription delivered %s (%v)", line, err)
				}
				return
			}
			r := s.do(false, e.Query, vars)
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %+v", r.Errors)
			}
			var data map[string]any
			if err := json.Unmarshal(r.Data, &data); err != nil || len(data) == 0 {
				t.Fatalf("no data: %s", r.Data)
			}
			for field, v := range data {
				obj, _ := v.(map[string]any)
				switch {
				case v == nil:
					t.Errorf("%s is null", field)
				case obj != nil && obj["totalCount"] != nil && obj["totalCount"].(float64) == 0:
					t.Errorf("%s is empty", field)
				}
			}
		})
	}
}
