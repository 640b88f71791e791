package live

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// socketPair returns the server end of a loopback TCP connection, and the
// client end.
func socketPair(t testing.TB, ln net.Listener) (server, client net.Conn) {
	t.Helper()
	accepted := make(chan net.Conn)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// newSocketConn is a conn whose outbox writes to sock, as after Hijack.
func newSocketConn(srv *Server, sock net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{srv: srv, proto: transportWS, ctx: ctx, cancel: cancel, ops: map[string]func(){}}
	c.out = outbox{sock: sock, limit: srv.opts.QueueSize}
	if sc, ok := sock.(syscall.Conn); ok && canTryWrite {
		c.out.raw, _ = sc.SyscallConn()
	}
	return c
}

// readFrame reads one unmasked text frame's payload.
func readFrame(t testing.TB, r *bufio.Reader) string {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatal(err)
	}
	if h[0] != 0x81 {
		t.Fatalf("frame starts with %#x, want a final text frame", h[0])
	}
	n := int(h[1])
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(r, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(r, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		t.Fatal(err)
	}
	return string(p)
}

// TestOutboxKeepsOrderThroughBacklog: messages written at once, those
// queued behind a client that stopped reading, and small and large ones
// (16- and 64-bit lengths) all arrive whole and in order.
func TestOutboxKeepsOrderThroughBacklog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := NewServer(Options{QueueSize: 1 << 12})
	sock, client := socketPair(t, ln)
	c := newSocketConn(srv, sock)
	head := []byte(`{"id":"1","type":"next","payload":`)
	var want []string
	for i := range 600 {
		body := []byte(`{"data":"` + strings.Repeat("x", i*i%70000) + `"}`)
		if !c.sendData(frame{head: head, body: body}) {
			t.Fatalf("message %d refused", i)
		}
		want = append(want, string(head)+string(body)+"}")
	}
	c.out.mu.Lock()
	backlog := c.out.writing
	c.out.mu.Unlock()
	if !backlog && canTryWrite {
		t.Fatal("the socket took everything: the test does not reach the backlog")
	}
	r := bufio.NewReader(client)
	for i, w := range want {
		if got := readFrame(t, r); got != w {
			t.Fatalf("message %d: got %d bytes %.60q, want %d bytes", i, len(got), got, len(w))
		}
	}
}

// TestOutboxRefusesDataBeyondItsBound: a client that does not read gets
// at most QueueSize data messages queued, and a little more room for
// control messages.
func TestOutboxRefusesDataBeyondItsBound(t *testing.T) {
	o := &outbox{limit: 3} // no socket: only queues
	for i := range 3 {
		if err := o.push(frame{head: []byte("h"), data: true}); err != nil {
			t.Fatalf("data %d: %v", i, err)
		}
	}
	if err := o.push(frame{head: []byte("h"), data: true}); err != errQueueFull {
		t.Fatalf("4th data message: %v, want errQueueFull", err)
	}
	for i := range controlHeadroom {
		if err := o.push(frame{head: []byte("c")}); err != nil {
			t.Fatalf("control %d: %v", i, err)
		}
	}
	if err := o.push(frame{head: []byte("c")}); err != errQueueFull {
		t.Fatalf("control beyond the headroom: %v, want errQueueFull", err)
	}
	o.close()
	if err := o.push(frame{head: []byte("h"), data: true}); err != nil || o.q.len() != 3+controlHeadroom {
		t.Fatalf("after close: %v, %d queued; want the message dropped", err, o.q.len())
	}
}

// BenchmarkFanOut measures one result broadcast to a group of subscribers
// on loopback TCP connections whose clients read everything.
func BenchmarkFanOut(b *testing.B) {
	const subscribers = 200
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	srv := NewServer(Options{})
	g := &group{key: "k", set: &srv.groups, cancel: func() {}, members: map[*member]struct{}{}}
	var conns []*conn
	for range subscribers {
		sock, client := socketPair(b, ln)
		go io.Copy(io.Discard, client)
		c := newSocketConn(srv, sock)
		conns = append(conns, c)
		g.members[&member{c: c, id: "1", head: []byte(`{"id":"1","type":"next","payload":`)}] = struct{}{}
	}
	body := bytes.Repeat([]byte("x"), 450)
	b.ResetTimer()
	for range b.N {
		g.broadcast(body, "cursor")
	}
	for _, c := range conns { // until every backlog is written
		for {
			c.out.mu.Lock()
			busy := c.out.writing
			c.out.mu.Unlock()
			if !busy {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subscribers), "ns/subscriber")
}

// TestSlowSocketHoldsUpNobody: over real sockets, a subscriber that stops
// reading is dropped once QueueSize messages wait behind its full socket,
// while another gets every message, in order.
func TestSlowSocketHoldsUpNobody(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := NewServer(Options{QueueSize: 8})
	g := &group{key: "k", set: &srv.groups, cancel: func() {}, members: map[*member]struct{}{}}
	srv.groups.m["k"] = g
	head := []byte(`{"id":"1","type":"next","payload":`)
	var clients []net.Conn
	for range 2 {
		sock, client := socketPair(t, ln)
		c := newSocketConn(srv, sock)
		m := &member{c: c, id: "1", head: head}
		g.members[m] = struct{}{}
		c.addOp("1", func() { g.leave(m) })
		clients = append(clients, client)
	}
	const messages = 400
	read := make(chan error)
	go func() { // the fast client, which reads each message as it comes
		r := bufio.NewReader(clients[0])
		for i := range messages {
			want := fmt.Sprintf(`%s{"n":%d,"pad":"%s"}}`, head, i, strings.Repeat("x", 64<<10))
			if p := readFrame(t, r); p != want {
				read <- fmt.Errorf("message %d: %.60q", i, p)
				return
			}
			read <- nil
		}
	}()
	for i := range messages {
		g.broadcast(fmt.Appendf(nil, `{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 64<<10)), fmt.Sprint(i))
		if err := <-read; err != nil {
			t.Fatal(err)
		}
	}
	if len(g.members) != 1 {
		t.Fatalf("%d members, want the slow one dropped", len(g.members))
	}
}

// TestKeepAliveReachesEveryConnectionInTurn: one goroutine pings every
// initialised connection once an interval, a sixteenth of them at a time.
func TestKeepAliveReachesEveryConnectionInTurn(t *testing.T) {
	srv := NewServer(Options{KeepAlive: 160 * time.Millisecond})
	var conns []*conn
	for range 2 * keepAliveSlots {
		ctx, cancel := context.WithCancel(context.Background())
		c := &conn{srv: srv, proto: transportWS, ctx: ctx, cancel: cancel, opCtx: ctx,
			out: outbox{limit: srv.opts.QueueSize}, ops: map[string]func(){}}
		srv.track(c)
		conns = append(conns, c)
	}
	queued := func(c *conn) int {
		c.out.mu.Lock()
		defer c.out.mu.Unlock()
		return c.out.q.len()
	}
	time.Sleep(15 * time.Millisecond) // at most one turn
	pinged := 0
	for _, c := range conns {
		pinged += queued(c)
	}
	if pinged > 4 {
		t.Fatalf("%d of %d connections pinged within one turn, want at most 2 a turn", pinged, len(conns))
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, c := range conns {
		for queued(c) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("a connection was never pinged")
			}
			time.Sleep(5 * time.Millisecond)
		}
		srv.untrack(c)
		c.out.mu.Lock()
		f := c.out.q.pop()
		c.out.mu.Unlock()
		if string(f.head) != `{"type":"ping"}` {
			t.Fatalf("queued %s, want a ping", f.head)
		}
	}
}
