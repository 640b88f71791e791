// Package gqltype holds the Go types the schema's custom scalars and
// interfaces bind to, where the domain has none of its own.
package gqltype

import (
	"fmt"
	"io"
	"strconv"

	"convene/hub"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MarshalDate writes a date as a "YYYY-MM-DD" string.
func MarshalDate(d hub.Date) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { io.WriteString(w, strconv.Quote(string(d))) })
}

// UnmarshalDate accepts a "YYYY-MM-DD" string naming a real date.
func UnmarshalDate(v any) (hub.Date, error) {
	s, ok := v.(string)
	if !ok {
		return "", badInput(fmt.Sprintf("Date must be a string in YYYY-MM-DD form, not %T", v))
	}
	d, err := hub.ParseDate(s)
	if err != nil {
		return "", badInput(err.Error())
	}
	return d, nil
}

// badInput is an error the client caused, already in the form clients see.
func badInput(msg string) error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_USER_INPUT"}}
}

// Node is any object with a global ID: the domain's entities carry no
// GraphQL marker method, so the interface binds to any value and the
// resolvers decide the concrete type.
type Node interface{}
