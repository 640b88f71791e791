package gateway

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// TestPlannedBodyIsWriteResponses: a planned read's body is the one
// writeResponse writes for its data and extensions.cost.
func TestPlannedBodyIsWriteResponses(t *testing.T) {
	cost := costExtension{requested: 7, maximum: 1000}
	for _, data := range []string{
		`{"commitment":null}`,
		`{"commitment":{"id":"Q29t","title":"Health \u0026 safety","n":1.5,"tags":["a","b"],"lead":{"name":"x\"y\\z"}}}`,
		`{"t":"<b>&amp;</b>"}`,
		"{\"t\":\"line\u2028sep\u2029\"}",
		`{"t":"é€日本"}`,
		"{\"t\":\"bad\xffutf8\"}",
		`[1,[2,[3]],{}]`,
		`null`,
	} {
		got, ok := plannedBody(append(append([]byte(nil), dataPrefix...), data...), cost)
		want, err := encodeResponse(&graphql.Response{Data: []byte(data), Extensions: map[string]any{"cost": cost}})
		if err != nil {
			t.Fatal(err)
		}
		if want = append(want, '\n'); !ok || string(got) != string(want) {
			t.Errorf("data %s: planned %q (%v), writeResponse %q", data, got, ok, want)
		}
	}
	// Data that is no JSON value (a plan never writes one) goes to
	// writeResponse where it is seen.
	for _, data := range []string{"", `{"a":<}`, `{"a":"&"`} {
		if got, ok := plannedBody(append(append([]byte(nil), dataPrefix...), data...), cost); ok {
			t.Errorf("data %q: planned %q, want a refusal", data, got)
		}
	}
}
