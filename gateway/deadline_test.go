package gateway

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

type testKey struct{}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// withDeadline behaves as context.WithDeadline does, before and after
// anything waits on it or derives a context from it.
func TestWithDeadlineActsAsContextWithDeadline(t *testing.T) {
	for _, c := range []struct {
		name      string
		in        time.Duration // deadline from now
		waitFirst bool          // Done before anything happens
		cancel    bool          // cancel the parent
		stop      bool          // call the returned cancel
	}{
		{"alive", time.Hour, false, false, false},
		{"alive, waited on", time.Hour, true, false, false},
		{"past deadline", -time.Second, false, false, false},
		{"past deadline, waited on", -time.Second, true, false, false},
		{"parent cancelled", time.Hour, false, true, false},
		{"parent cancelled, waited on", time.Hour, true, true, false},
		{"stopped", time.Hour, false, false, true},
		{"stopped, waited on", time.Hour, true, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := context.WithValue(context.Background(), testKey{}, "v")
			parent, cancelParent := context.WithCancel(base)
			defer cancelParent()
			at := time.Now().Add(c.in)
			want, stopWant := context.WithDeadline(parent, at)
			defer stopWant()
			dl := withDeadline(parent, at)
			got, stopGot := context.Context(dl), dl.stop
			if c.waitFirst {
				got.Done()
			}
			if c.cancel {
				cancelParent()
			}
			if c.stop {
				stopGot()
				stopWant()
			}
			if c.cancel || c.stop || c.in < 0 {
				<-want.Done()
			}
			// Err first: nothing has waited on got unless waitFirst.
			if !errors.Is(got.Err(), want.Err()) || (got.Err() == nil) != (want.Err() == nil) {
				t.Errorf("Err %v, want %v", got.Err(), want.Err())
			}
			if d, _ := got.Deadline(); !d.Equal(at) {
				t.Errorf("Deadline %v, want %v", d, at)
			}
			if got.Value(testKey{}) != "v" {
				t.Error("the parent's value is lost")
			}
			if g, w := context.Cause(got), context.Cause(want); !errors.Is(g, w) || (g == nil) != (w == nil) {
				t.Errorf("Cause %v, want %v", g, w)
			}
			child, cancelChild := context.WithCancel(got)
			defer cancelChild()
			if c.cancel || c.stop || c.in < 0 {
				select {
				case <-child.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("the derived context was never cancelled")
				}
			}
			if closed(got.Done()) != closed(want.Done()) {
				t.Errorf("Done closed %v, want %v", closed(got.Done()), closed(want.Done()))
			}
			if (child.Err() == nil) != (want.Err() == nil) {
				t.Errorf("derived context's Err %v, want one when %v", child.Err(), want.Err())
			}
		})
	}
}

// A deadline that passes wakes what waits on it.
func TestWithDeadlineFires(t *testing.T) {
	ctx := withDeadline(context.Background(), time.Now().Add(20*time.Millisecond))
	defer ctx.stop()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the deadline never fired")
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err %v", ctx.Err())
	}
}

// The request timeout bounds a query's execution, and its context ends
// with the response.
func TestRequestTimeoutBoundsAnOperation(t *testing.T) {
	o := Operations{g: &Gateway{cfg: Config{RequestTimeout: 20 * time.Millisecond}}}
	ctx := context.WithValue(context.Background(), infoKey{}, &requestInfo{})
	ctx = graphql.WithOperationContext(ctx, &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: ast.Query}})
	for _, wait := range []bool{true, false} {
		var seen context.Context
		start := time.Now()
		h := o.InterceptOperation(ctx, func(ctx context.Context) graphql.ResponseHandler {
			seen = ctx
			return func(context.Context) *graphql.Response {
				if wait {
					<-ctx.Done()
				}
				return &graphql.Response{}
			}
		})
		if d, ok := seen.Deadline(); !ok || d.Before(start) || d.After(start.Add(time.Second)) {
			t.Fatalf("deadline %v %v, want one 20 ms after %v", d, ok, start)
		}
		h(ctx)
		if want := map[bool]error{true: context.DeadlineExceeded, false: context.Canceled}[wait]; !errors.Is(seen.Err(), want) {
			t.Fatalf("waited %v: the operation's context ends with %v, want %v", wait, seen.Err(), want)
		}
	}
}
