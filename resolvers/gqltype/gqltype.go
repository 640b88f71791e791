// Package gqltype holds the Go types the schema's custom scalars and
// interfaces bind to, where the domain has none of its own.
package gqltype

import (
	"fmt"
	"io"
	"strconv"
	"time"

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
		return "", badInput(fmt.Sprintf("Date must be a string in YYYY-MM-DD form, not %s", kindOf(v)))
	}
	d, err := hub.ParseDate(s)
	if err != nil {
		return "", badInput(err.Error())
	}
	return d, nil
}

// MarshalDateTime writes an instant as an RFC 3339 string (null when zero).
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime accepts an RFC 3339 time, or a plain date meaning its
// midnight in UTC, as the exports do; anything else is the client's error.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, badInput(fmt.Sprintf("DateTime must be a string: an RFC 3339 time (%s) or a date (%s), not %s", exampleTime, exampleDate, kindOf(v)))
	}
	t, err := ParseDateTime(s)
	if err != nil {
		return time.Time{}, badInput("DateTime: " + err.Error())
	}
	return t, nil
}

const (
	exampleTime = "2015-09-17T14:00:00-06:00"
	exampleDate = "2015-09-17"
)

// ParseDateTime reads an RFC 3339 time, or a date (YYYY-MM-DD) as its
// midnight in UTC: what DateTime arguments and the exports' time
// parameters accept.
func ParseDateTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (%s) nor a date (%s)", s, exampleTime, exampleDate)
}

// kindOf names the JSON kind of a value a client sent.
func kindOf(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return "a number"
}

// badInput is an error the client caused, already in the form clients see.
func badInput(msg string) error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_USER_INPUT"}}
}

// Node is any object with a global ID: the domain's entities carry no
// GraphQL marker method, so the interface binds to any value and the
// resolvers decide the concrete type.
type Node interface{}
