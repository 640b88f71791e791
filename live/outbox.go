package live

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// An outbox is a connection's outgoing byte stream. Whoever queues a
// message writes it to the socket at once when nothing is queued ahead of
// it, without blocking: a fan-out to thousands of subscribers then costs
// one system call each and no goroutine switch. What the socket does not
// take is queued, in a ring that grows on demand up to the connection's
// bound, for a writer goroutine that exists only while there is a backlog
// and sends everything queued in one write.
//
// Data messages are framed here rather than by the WebSocket library
// (whose Write takes two locks, arms a timeout and flushes its buffer per
// message); the library's own frames (close, pong) reach the socket
// through the same outbox (see hijacker), so the stream stays in order.
type outbox struct {
	sock   net.Conn        // nil in tests: messages are only queued
	raw    syscall.RawConn // nil: no non-blocking writes, the writer goroutine sends all
	limit  int             // queued data messages allowed
	onFail func()          // called (in its own goroutine) when the socket fails

	mu      sync.Mutex
	q       ring
	rest    []byte // what the socket has not taken of a message written in part
	writing bool   // a writer goroutine runs
	closing bool   // no more messages of ours: the close frame is on its way
	failed  bool
	tryFn   func(fd uintptr) // tryWrite's callback, made once
	try     tryState
}

// frame is one outgoing message: a WebSocket frame (raw), or a text
// message head + body + "}", where body is the payload encoded once for
// every subscriber of a shared subscription and head names this
// subscriber's operation, or head alone.
type frame struct {
	head []byte
	body []byte
	raw  bool // head is a whole WebSocket frame, from the library
	data bool // a subscription result: refused when limit messages are queued
}

// controlHeadroom is queue space kept for protocol messages (acks,
// errors, completions, pings) so that they still go out when data has
// filled the queue.
const controlHeadroom = 16

// writeTimeout bounds a write of the backlog.
const writeTimeout = 10 * time.Second

// errQueueFull says the client does not read its messages fast enough.
var errQueueFull = errors.New("outgoing queue full")

// push queues f, or writes it at once if nothing is queued ahead. It
// fails with errQueueFull when f is data and the queue holds limit
// messages, or when the headroom for control messages is exhausted too.
// After close, it drops f and reports success: the connection is going.
func (o *outbox) push(f frame) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.failed || (o.closing && !f.raw):
		return nil
	case f.data && o.q.len() >= o.limit, o.q.len() >= o.limit+controlHeadroom:
		return errQueueFull
	}
	if !o.writing && o.sock != nil {
		if o.raw != nil {
			n, err := o.tryWrite(f)
			switch {
			case err != nil:
				o.fail()
				return nil
			case n == frameLen(f):
				return nil
			case n > 0: // the socket took part of it: the rest goes first
				o.rest = appendFrame(nil, f)[n:]
				o.startWriter()
				return nil
			}
		}
		o.startWriter()
	}
	o.q.push(f, o.limit+controlHeadroom)
	return nil
}

// startWriter starts the writer goroutine; o.mu is held.
func (o *outbox) startWriter() {
	o.writing = true
	go o.writeBacklog()
}

// writeBacklog sends what is queued, as many messages a write as there
// are, until nothing is left.
func (o *outbox) writeBacklog() {
	var buf []byte
	for {
		o.mu.Lock()
		if o.failed || (len(o.rest) == 0 && o.q.len() == 0) {
			o.writing = false
			o.mu.Unlock()
			return
		}
		buf = append(buf[:0], o.rest...)
		o.rest = nil
		for o.q.len() > 0 && len(buf) < 64<<10 {
			buf = appendFrame(buf, o.q.pop())
		}
		o.mu.Unlock()
		_ = o.sock.SetWriteDeadline(time.Now().Add(writeTimeout))
		_, err := o.sock.Write(buf)
		if err != nil {
			o.mu.Lock()
			o.writing = false
			o.fail()
			o.mu.Unlock()
			return
		}
		// A deadline left behind would fail a later write at once.
		_ = o.sock.SetWriteDeadline(time.Time{})
	}
}

// fail drops what is queued and reports the broken socket; o.mu is held.
func (o *outbox) fail() {
	if o.failed {
		return
	}
	o.failed = true
	o.q = ring{}
	o.rest = nil
	if o.onFail != nil {
		go o.onFail()
	}
}

// close makes push drop every later message of ours; the library's close
// frame still goes out, after what is already queued.
func (o *outbox) close() {
	o.mu.Lock()
	o.closing = true
	o.mu.Unlock()
}

// frameLen is the size of f on the wire.
func frameLen(f frame) int {
	if f.raw {
		return len(f.head)
	}
	n := payloadLen(f)
	return headerLen(n) + n
}

func payloadLen(f frame) int {
	if f.body == nil {
		return len(f.head)
	}
	return len(f.head) + len(f.body) + 1
}

func headerLen(n int) int {
	switch {
	case n < 126:
		return 2
	case n <= 0xffff:
		return 4
	}
	return 10
}

// appendHeader appends the header of an unmasked, final text frame with
// an n-byte payload (RFC 6455 section 5.2).
func appendHeader(b []byte, n int) []byte {
	const finText = 0x80 | 0x1
	switch {
	case n < 126:
		return append(b, finText, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, finText, 126), uint16(n))
	}
	return binary.BigEndian.AppendUint64(append(b, finText, 127), uint64(n))
}

// appendFrame appends f as it goes on the wire.
func appendFrame(b []byte, f frame) []byte {
	if f.raw {
		return append(b, f.head...)
	}
	b = append(appendHeader(b, payloadLen(f)), f.head...)
	if f.body != nil {
		b = append(append(b, f.body...), '}')
	}
	return b
}

// ring is a FIFO of frames that starts small and doubles up to a bound,
// so that an idle connection holds almost nothing.
type ring struct {
	buf        []frame
	head, size int
}

func (r *ring) len() int { return r.size }

func (r *ring) push(f frame, bound int) {
	if r.size == len(r.buf) {
		grown := make([]frame, min(max(4, 2*len(r.buf)), bound))
		for i := range r.size {
			grown[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = grown, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = f
	r.size++
}

func (r *ring) pop() frame {
	f := r.buf[r.head]
	r.buf[r.head] = frame{}
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	if r.size == 0 && len(r.buf) > 4 {
		*r = ring{} // a backlog's buffer is not kept for an idle connection
	}
	return f
}

// hijacker hands the WebSocket library a connection whose writes go
// through the outbox: its own frames are then ordered with ours, and it
// keeps no 4 KB buffers per connection.
type hijacker struct {
	http.ResponseWriter
	out *outbox
}

func (h hijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	sock, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.out.sock = sock
	if sc, ok := sock.(syscall.Conn); ok && canTryWrite {
		h.out.raw, _ = sc.SyscallConn()
	}
	// Read through a small buffer of our own, not net/http's 4 KB one,
	// unless the client has already sent bytes that it holds.
	r := rw.Reader
	if r.Buffered() == 0 {
		r = bufio.NewReaderSize(sock, 512)
	}
	// The library writes one frame at a time and flushes it: control
	// frames (at most 127 bytes from a server) arrive whole.
	return sock, bufio.NewReadWriter(r, bufio.NewWriterSize(libraryFrames{h.out}, 256)), nil
}

// libraryFrames queues the WebSocket library's frames in the outbox.
type libraryFrames struct{ out *outbox }

func (w libraryFrames) Write(p []byte) (int, error) {
	if err := w.out.push(frame{head: append([]byte(nil), p...), raw: true}); err != nil {
		return 0, err
	}
	return len(p), nil
}
