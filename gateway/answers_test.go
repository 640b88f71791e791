package gateway

import (
	"context"
	"net/http/httptest"
	"testing"
)

func TestAnswersFollowTheModel(t *testing.T) {
	seq, today, audience := int64(5), "2026-01-01", "anonymous"
	a := newAnswers(100, Deps{Seq: func() int64 { return seq }, Today: func() string { return today },
		Audience: func(ctx context.Context) string { return audience }})
	ctx := context.Background()
	hit := func(k answerKey) string {
		w := httptest.NewRecorder()
		if !a.serve(ctx, w, mediaJSON, k) {
			return ""
		}
		return w.Body.String()
	}
	k := a.key(ctx, "POST", []byte(`{"query":"{ a }"}`))
	if hit(k) != "" {
		t.Fatal("a hit in an empty cache")
	}
	a.put(ctx, k, []byte("answer"))
	if got := hit(k); got != "answer" {
		t.Fatalf("after put: %q", got)
	}
	if other := a.key(ctx, "GET", []byte(`{"query":"{ a }"}`)); hit(other) != "" {
		t.Fatal("a GET got a POST's answer")
	}
	audience = ""
	if k := a.key(ctx, "POST", []byte(`{"query":"{ a }"}`)); k.key != "" || hit(k) != "" {
		t.Fatal("a caller outside every audience got an answer")
	}
	audience = "anonymous"

	seq++
	k6 := a.key(ctx, "POST", []byte(`{"query":"{ a }"}`))
	if hit(k6) != "" {
		t.Fatal("an answer survived a change")
	}
	a.put(ctx, k, []byte("stale")) // computed before the change
	if hit(k6) != "" {
		t.Fatal("an answer computed before the change was kept")
	}

	today = "2026-01-02"
	if a.key(ctx, "POST", nil).version == k6.version {
		t.Fatal("a new day, same version")
	}

	a.put(ctx, k6, make([]byte, 101))
	if hit(k6) != "" {
		t.Fatal("an answer over the budget was kept")
	}
}
