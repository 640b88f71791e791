package live

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"convene/hub"
)

// A group is one execution of a subscription shared by every subscriber
// that sent the same document, operation and variables with the same
// audience. Subscriptions that replay from a cursor (`after`) are never
// shared: a late joiner would miss what the group had already replayed.
type group struct {
	key    string
	set    *groups
	cancel context.CancelFunc

	mu      sync.Mutex
	members map[*member]struct{}
	ended   bool

	fanout []*member // broadcast's copy of members, reused
}

// member is one subscriber's place in a group.
type member struct {
	c      *conn
	id     string
	head   []byte // {"id":…,"type":"next","payload":
	cursor string // of the last message queued to it
	left   atomic.Bool
}

type groups struct {
	mu sync.Mutex
	m  map[string]*group
}

// Count returns the number of running executions and their subscribers.
func (s *Server) Count() (executions, subscribers int) {
	s.groups.mu.Lock()
	defer s.groups.mu.Unlock()
	for _, g := range s.groups.m {
		g.mu.Lock()
		subscribers += len(g.members)
		g.mu.Unlock()
	}
	return len(s.groups.m), subscribers
}

// join adds subscription id of c to the group running its operation,
// starting one if there is none.
func (gs *groups) join(c *conn, id string, opCtx context.Context, rc *graphql.OperationContext) {
	head, _ := json.Marshal(message{ID: id, Type: c.proto.next})
	m := &member{c: c, id: id, head: append(head[:len(head)-1], []byte(`,"payload":`)...)}
	key := groupKey(c.srv.opts, opCtx, rc)

	gs.mu.Lock()
	g := gs.m[key]
	if g == nil || key == "" {
		ctx, cancel := context.WithCancel(context.WithoutCancel(opCtx))
		g = &group{key: key, set: gs, cancel: cancel, members: map[*member]struct{}{}}
		if key != "" {
			gs.m[key] = g
		}
		g.members[m] = struct{}{}
		c.addOp(id, func() { g.leave(m) })
		gs.mu.Unlock()
		go g.run(ctx, c.exec, rc)
		return
	}
	g.mu.Lock()
	g.members[m] = struct{}{}
	g.mu.Unlock()
	c.addOp(id, func() { g.leave(m) })
	gs.mu.Unlock()
}

// groupKey identifies operations that may share one execution, or is ""
// for one that may not.
func groupKey(opts Options, ctx context.Context, rc *graphql.OperationContext) string {
	for _, sel := range rc.Operation.SelectionSet {
		if f, ok := sel.(*ast.Field); ok && f.ArgumentMap(rc.Variables)["after"] != nil {
			return ""
		}
	}
	vars, _ := json.Marshal(rc.Variables) // map keys sort: canonical
	audience := ""
	if opts.Audience != nil {
		audience = opts.Audience(ctx)
	}
	h := sha256.New()
	for _, part := range []string{rc.RawQuery, rc.OperationName, string(vars), audience} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// leave removes a member; the last one out stops the execution.
func (g *group) leave(m *member) {
	g.set.mu.Lock()
	m.left.Store(true)
	g.mu.Lock()
	delete(g.members, m)
	empty := len(g.members) == 0 && !g.ended
	if empty {
		g.ended = true
		if g.set.m[g.key] == g {
			delete(g.set.m, g.key)
		}
	}
	g.mu.Unlock()
	g.set.mu.Unlock()
	if empty {
		g.cancel()
	}
}

// run executes the subscription once and fans each result out.
func (g *group) run(ctx context.Context, exec graphql.GraphExecutor, rc *graphql.OperationContext) {
	defer g.cancel()
	pos := &position{}
	ctx = hub.Following(graphql.WithOperationContext(ctx, rc), pos)
	responses, rctx := exec.DispatchOperation(ctx, rc)
	first := true
	for {
		resp := responses(rctx)
		if resp == nil || ctx.Err() != nil {
			break
		}
		// Errors with no result at all: the subscription could not start
		// (its resolver refused the arguments), which the protocols' error
		// message reports. An event's field errors come with its result
		// (data, or null) in a next message, and the stream goes on.
		// A replay that cannot go on ends the same way (Position.Fail).
		if len(resp.Errors) > 0 && ((first && len(resp.Data) == 0) || (pos.failed() && isNull(resp.Data))) {
			g.end(func(m *member) { m.c.sendErrors(m.id, resp.Errors) })
			return
		}
		first = false
		body, err := json.Marshal(resp)
		if err != nil {
			g.end(func(m *member) { m.c.sendErrors(m.id, gqlerror.List{{Message: "internal error"}}) })
			return
		}
		g.broadcast(body, pos.get())
	}
	g.end(func(m *member) { m.c.finish(m.id) })
}

// broadcast queues one encoded result to every member; a member whose
// queue is full is dropped with an error naming the cursor to resume from.
// Most members' messages are written on the spot (see outbox), so it
// works on a copy of the members, leaving the group free to change, and
// a large group's writes are shared among the processors.
func (g *group) broadcast(body []byte, cursor string) {
	g.mu.Lock()
	for m := range g.members {
		g.fanout = append(g.fanout, m)
	}
	g.mu.Unlock()
	parts := min(runtime.GOMAXPROCS(0), len(g.fanout)/fanoutShare+1)
	slow := make([][]*member, parts)
	var wg sync.WaitGroup
	for i := range parts {
		share := g.fanout[i*len(g.fanout)/parts : (i+1)*len(g.fanout)/parts]
		if i == parts-1 {
			slow[i] = send(share, body, cursor)
			break
		}
		wg.Go(func() { slow[i] = send(share, body, cursor) })
	}
	wg.Wait()
	clear(g.fanout)
	g.fanout = g.fanout[:0]
	for _, s := range slow {
		g.dropSlow(s)
	}
}

// fanoutShare is the fewest members worth another goroutine's writes.
const fanoutShare = 512

// send queues body to members and returns those whose queue was full.
func send(members []*member, body []byte, cursor string) (slow []*member) {
	for _, m := range members {
		if m.left.Load() {
			continue
		}
		if m.c.sendData(frame{head: m.head, body: body}) {
			m.cursor = cursor
		} else {
			slow = append(slow, m)
		}
	}
	return slow
}

// dropSlow ends the subscriptions of members that fell too far behind.
func (g *group) dropSlow(slow []*member) {
	for _, m := range slow {
		g.leave(m)
		resume := "the same arguments"
		if m.cursor != "" {
			resume = fmt.Sprintf("after: %q", m.cursor)
		}
		m.c.sendErrors(m.id, gqlerror.List{{
			Message:    "this subscription fell too far behind and was ended; subscribe again with " + resume + " to resume without missing anything",
			Extensions: map[string]any{"code": "SUBSCRIBER_TOO_SLOW", "resumeAfter": m.cursor},
		}})
	}
}

// end removes the group and tells each remaining member how it ended.
func (g *group) end(tell func(*member)) {
	g.set.mu.Lock()
	g.mu.Lock()
	g.ended = true
	if g.set.m[g.key] == g {
		delete(g.set.m, g.key)
	}
	members := make([]*member, 0, len(g.members))
	for m := range g.members {
		members = append(members, m)
	}
	g.members = map[*member]struct{}{}
	g.mu.Unlock()
	g.set.mu.Unlock()
	for _, m := range members {
		tell(m)
	}
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
