package gateway

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestAnswersFollowTheModel(t *testing.T) {
	seq, today := int64(5), "2026-01-01"
	a := newAnswers(100, Deps{Seq: func() int64 { return seq }, Today: func() string { return today },
		Audience: func(ctx context.Context) string { return "anonymous" }})
	rc := &graphql.OperationContext{RawQuery: "{ a }", Variables: map[string]any{"b": 1, "a": 2}}
	key, v := a.key(context.Background(), rc)
	if _, ok := a.get(key, v); ok {
		t.Fatal("a hit in an empty cache")
	}
	a.put(key, v, []byte("answer"))
	if body, ok := a.get(key, v); !ok || string(body) != "answer" {
		t.Fatalf("no hit after put: %q %v", body, ok)
	}
	if other, _ := a.key(context.Background(), &graphql.OperationContext{RawQuery: "{ a }", Variables: map[string]any{"a": 2, "b": 3}}); other == key {
		t.Fatal("other variables, same key")
	}

	seq++
	key6, v6 := a.key(context.Background(), rc)
	if _, ok := a.get(key6, v6); ok {
		t.Fatal("an answer survived a change")
	}
	a.put(key, v, []byte("stale")) // computed before the change
	if _, ok := a.get(key6, v6); ok {
		t.Fatal("an answer computed before the change was kept")
	}

	today = "2026-01-02"
	if _, v7 := a.key(context.Background(), rc); v7 == v6 {
		t.Fatal("a new day, same version")
	}

	a.put(key6, v6, make([]byte, 101))
	if _, ok := a.get(key6, v6); ok {
		t.Fatal("an answer over the budget was kept")
	}
}
