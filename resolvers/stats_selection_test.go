package resolvers

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestOnlySeries: commitmentStats skips the figures only when nothing
// but progressSeries and __typename is selected, in plain fields or
// through fragments; a field skipped by a directive counts as selected
// (the figures are then rolled up for nothing, never left out).
func TestOnlySeries(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
type Query { commitmentStats: CommitmentStats! }
type CommitmentStats { total: Int! progressSeries: [Int!]! }`})
	const series = `progressSeries`
	for _, c := range []struct {
		selection string
		want      bool
	}{
		{series, true},
		{series + ` __typename`, true},
		{`total ` + series, false},
		{`total @skip(if: true) ` + series, false},
		{`... on CommitmentStats { ` + series + ` }`, true},
		{series + ` ... on CommitmentStats { total }`, false},
		{`...F`, true},
		{`...G`, false},
	} {
		query := `{ commitmentStats { ` + c.selection + ` } }`
		switch c.selection {
		case `...F`:
			query += ` fragment F on CommitmentStats { ` + series + ` }`
		case `...G`:
			query += ` fragment G on CommitmentStats { total }`
		}
		doc, errs := gqlparser.LoadQuery(schema, query)
		if errs != nil {
			t.Fatalf("%s: %v", c.selection, errs)
		}
		op := &graphql.OperationContext{RawQuery: query, Doc: doc, Operation: doc.Operations[0]}
		ctx := graphql.WithOperationContext(context.Background(), op)
		fields := graphql.CollectFields(op, op.Operation.SelectionSet, []string{"Query"})
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Field: fields[0]})
		if got := onlySeries(ctx); got != c.want {
			t.Errorf("{ commitmentStats { %s } }: onlySeries is %v, want %v", c.selection, got, c.want)
		}
	}
	if onlySeries(context.Background()) {
		t.Error("onlySeries without a field is true")
	}
}
