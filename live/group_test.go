package live

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestSlowSubscriberIsDroppedWithItsCursor: when one subscriber's queue is
// full, the others still get the message, and the slow one's subscription
// ends with an error naming the cursor to resume after.
func TestSlowSubscriberIsDroppedWithItsCursor(t *testing.T) {
	srv := NewServer(Options{QueueSize: 2})
	newTestConn := func() *conn {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		// No socket: the outbox only queues.
		return &conn{srv: srv, proto: transportWS, ctx: ctx, cancel: cancel,
			out: outbox{limit: srv.opts.QueueSize}, ops: map[string]func(){}}
	}
	fast, slow := newTestConn(), newTestConn()
	g := &group{key: "k", set: &srv.groups, cancel: func() {}, members: map[*member]struct{}{}}
	srv.groups.m["k"] = g
	for _, c := range []*conn{fast, slow} {
		m := &member{c: c, id: "sub", head: []byte(`{"id":"sub","type":"next","payload":`)}
		g.members[m] = struct{}{}
		c.addOp("sub", func() { g.leave(m) })
	}

	g.broadcast([]byte(`{"data":1}`), "cursor-1")
	g.broadcast([]byte(`{"data":2}`), "cursor-2")
	fast.out.q.pop() // the fast subscriber reads; the slow one does not
	fast.out.q.pop()
	g.broadcast([]byte(`{"data":3}`), "cursor-3")

	if got := fast.out.q.len(); got != 1 {
		t.Fatalf("fast subscriber has %d queued messages, want 1", got)
	}
	if len(g.members) != 1 {
		t.Fatalf("%d members left, want only the fast one", len(g.members))
	}
	var last frame
	for slow.out.q.len() > 0 {
		last = slow.out.q.pop()
	}
	var msg struct {
		ID      string
		Type    string
		Payload []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(last.head, &msg); err != nil {
		t.Fatalf("%s: %v", last.head, err)
	}
	if msg.ID != "sub" || msg.Type != "error" || msg.Payload[0].Extensions["resumeAfter"] != "cursor-2" ||
		!strings.Contains(msg.Payload[0].Message, `after: "cursor-2"`) {
		t.Fatalf("slow subscriber's last message: %s", last.head)
	}
}
