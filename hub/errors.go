package hub

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrDuplicate is what an EventLog returns when an append collides with
	// an existing event: its sequence number or its (stream, version).
	ErrDuplicate = errors.New("duplicate event")
	// ErrLogGap means events were offered out of order.
	ErrLogGap = errors.New("gap in the event log")
	// ErrBusy means a command kept losing races for the log's next
	// position to other writers; nothing was changed, and it may be retried.
	ErrBusy = errors.New("the event log is too busy")
)

// ConflictError says which entity moved on and to which version.
type ConflictError struct {
	Type            EntityType
	ID              string
	ExpectedVersion int
	CurrentVersion  int
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s was changed by someone else: expected version %d, current version is %d; reload it and try again",
		e.Type, e.ExpectedVersion, e.CurrentVersion)
}

// ErrorCode says, for programs, what is wrong with an input field.
type ErrorCode string

// Error codes.
const (
	CodeRequired   ErrorCode = "REQUIRED"
	CodeInvalid    ErrorCode = "INVALID"
	CodeNotFound   ErrorCode = "NOT_FOUND"
	CodeTaken      ErrorCode = "TAKEN"
	CodeNotAllowed ErrorCode = "NOT_ALLOWED"
)

// FieldError is one reason an input was refused.
type FieldError struct {
	Field   []string
	Message string
	Code    ErrorCode
}

// ValidationError lists every reason a command was refused; nothing was changed.
type ValidationError struct{ Errors []FieldError }

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		msgs[i] = strings.Join(f.Field, ".") + ": " + f.Message
	}
	return "invalid input: " + strings.Join(msgs, "; ")
}

// checker collects field errors while a command validates its input.
type checker struct{ errs []FieldError }

func (c *checker) add(code ErrorCode, msg string, field ...string) {
	c.errs = append(c.errs, FieldError{Field: append([]string{"input"}, field...), Message: msg, Code: code})
}

// text checks a required, trimmed text of at most max characters and returns it trimmed.
func (c *checker) text(v string, max int, field ...string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		c.add(CodeRequired, "must not be blank", field...)
	case len([]rune(v)) > max:
		c.add(CodeInvalid, fmt.Sprintf("must be at most %d characters", max), field...)
	}
	return v
}

// optionalText checks an optional text of at most max characters.
func (c *checker) optionalText(v string, max int, field ...string) string {
	v = strings.TrimSpace(v)
	if len([]rune(v)) > max {
		c.add(CodeInvalid, fmt.Sprintf("must be at most %d characters", max), field...)
	}
	return v
}

// exists records NOT_FOUND when ok is false.
func (c *checker) exists(ok bool, what string, field ...string) {
	if !ok {
		c.add(CodeNotFound, "no such "+what, field...)
	}
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: c.errs}
}

// checkVersion returns a ConflictError when expected is set and stale.
func checkVersion(t EntityType, id string, expected *int, current int) error {
	if expected != nil && *expected != current {
		return &ConflictError{Type: t, ID: id, ExpectedVersion: *expected, CurrentVersion: current}
	}
	return nil
}
