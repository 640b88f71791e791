package gateway

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// TestCoerceVariablesIsVariableValues: coerceVariables gives what
// validator.VariableValues gives, the errors included, and keeps the
// variables as they are only where VariableValues' copy equals them.
func TestCoerceVariablesIsVariableValues(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema + `
scalar Date
extend type Query { search(text: String, on: Date, kind: Kind, flag: Boolean, n: Int, ids: [ID!]): [Thing!]! }
`})
	queries := []string{
		`query Q($id: ID!) { thing(id: $id) { id } }`,
		`query Q($text: String, $on: Date, $kind: Kind, $flag: Boolean) { search(text: $text, on: $on, kind: $kind, flag: $flag) { id } }`,
		`query Q($text: String = "x") { search(text: $text) { id } }`,
		`query Q($n: Int, $ids: [ID!]) { search(n: $n, ids: $ids) { id } }`,
		`query Q { count }`,
	}
	values := []map[string]any{
		nil, {},
		{"id": "VGhpbmc6MQ"}, {"id": nil}, {"id": true}, {"id": json.Number("12")}, {"id": "a", "extra": 1},
		{"text": "t", "on": "2026-01-02", "kind": "a", "flag": false},
		{"text": nil, "on": nil, "kind": nil, "flag": nil},
		{"text": "t", "on": "2026-01-02", "kind": "C", "flag": false},
		{"text": 1, "on": "x", "kind": "B", "flag": "true"},
		{"text": "t"}, {"on": true},
		{"n": json.Number("3"), "ids": []any{"a"}}, {"n": "3", "ids": "a"},
	}
	kept := 0
	for _, q := range queries {
		doc, errs := gqlparser.LoadQuery(schema, q)
		if errs != nil {
			t.Fatalf("%s: %v", q, errs)
		}
		op := doc.Operations[0]
		for _, vars := range values {
			want, wantErr := validator.VariableValues(schema, op, copyVars(vars))
			got, err := coerceVariables(schema, op, vars)
			if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
				t.Errorf("%s with %v: error %v, VariableValues' %v", q, vars, err, wantErr)
				continue
			}
			if err != nil {
				continue
			}
			if len(want) == 0 && len(got) == 0 {
				continue // nil or empty: both read as no variables
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s with %v: %#v, VariableValues' %#v", q, vars, got, want)
			}
			if reflect.ValueOf(got).UnsafePointer() == reflect.ValueOf(vars).UnsafePointer() {
				kept++
			}
		}
	}
	if kept == 0 {
		t.Error("no variables were kept as they are")
	}
}

func copyVars(vars map[string]any) map[string]any {
	if vars == nil {
		return nil
	}
	c := make(map[string]any, len(vars))
	for k, v := range vars {
		c[k] = v
	}
	return c
}
