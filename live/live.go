// Package live serves GraphQL over WebSocket, in the graphql-transport-ws
// protocol and the legacy graphql-ws one. Identical live subscriptions
// share one execution: each message is executed and encoded once, and the
// same bytes are written to every subscriber, each through its own bounded
// queue so that a slow subscriber delays nobody else.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"

	"convene/opaque"
)

// Close codes sent to clients.
const (
	CloseGoingAway        websocket.StatusCode = websocket.StatusGoingAway // server shutting down: reconnect and resume
	CloseBadRequest       websocket.StatusCode = 4400
	CloseUnauthorized     websocket.StatusCode = 4401
	CloseForbidden        websocket.StatusCode = 4403
	CloseInitTimeout      websocket.StatusCode = 4408
	CloseSubscriberExists websocket.StatusCode = 4409
	CloseTooManyInits     websocket.StatusCode = 4429
)

// Authenticator turns a connection_init payload into the context that the
// connection's operations run in, or refuses it.
type Authenticator func(ctx context.Context, initPayload map[string]any) (context.Context, error)

// position is the cursor of the message a subscription's execution is
// about to emit: hub.Follow tells it, so that a subscriber dropped for
// being slow can be told where to resume.
type position struct {
	mu     sync.Mutex
	cursor string
	final  bool
}

// Delivering records the cursor of the message about to be emitted.
func (p *position) Delivering(seq int64) {
	c := opaque.EventCursor(seq)
	p.mu.Lock()
	p.cursor = c
	p.mu.Unlock()
}

// Failed says that the subscription's next message, an error, ends it:
// the transport sends it as the protocol's error message.
func (p *position) Failed() {
	p.mu.Lock()
	p.final = true
	p.mu.Unlock()
}

func (p *position) failed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.final
}

func (p *position) get() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cursor
}

// Options configure a Server; zero values take the defaults.
type Options struct {
	Logger       *slog.Logger
	Authenticate Authenticator
	// Audience names what the caller in ctx may see; only subscribers with
	// the same audience share an execution (default: everyone alike).
	Audience func(ctx context.Context) string
	// InitTimeout bounds the wait for connection_init (default 10s).
	InitTimeout time.Duration
	// KeepAlive is the interval of server pings (default 15s).
	KeepAlive time.Duration
	// QueueSize bounds each connection's outgoing messages (default 256); a
	// subscription whose connection's queue is full is ended with an error
	// naming the cursor to resume from.
	QueueSize int
	// MaxSubscriptions bounds the operations a connection runs at once (default 100).
	MaxSubscriptions int
	// ReadLimit bounds an incoming message in bytes (default 64 KiB).
	ReadLimit int64
	// OriginPatterns are the browser origins allowed besides the server's own.
	OriginPatterns []string
}

// Server is the WebSocket transport; add it to a gqlgen handler with
// AddTransport. It is safe for concurrent use.
type Server struct {
	opts   Options
	groups groups

	mu       sync.Mutex
	conns    map[*conn]struct{}
	shutdown bool
	pinging  bool // the keep-alive goroutine runs
	nextSlot int  // the keep-alive slot of the next connection
}

// NewServer returns a transport with the given options.
func NewServer(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.InitTimeout <= 0 {
		opts.InitTimeout = 10 * time.Second
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 15 * time.Second
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 256
	}
	if opts.MaxSubscriptions <= 0 {
		opts.MaxSubscriptions = 100
	}
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = 64 << 10
	}
	return &Server{opts: opts, groups: groups{m: map[string]*group{}}, conns: map[*conn]struct{}{}}
}

var _ graphql.Transport = (*Server)(nil)

// Supports reports whether the request asks for a WebSocket.
func (s *Server) Supports(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// Do upgrades the request and returns: the connection is served on a
// goroutine of its own, so that net/http's handler goroutine, its buffers
// and the request (most of an idle subscriber's memory) are let go.
func (s *Server) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	c := newConn(s, exec, r)
	ws, err := websocket.Accept(hijacker{w, &c.out}, r, &websocket.AcceptOptions{
		Subprotocols:   []string{protoTransportWS, protoLegacyWS},
		OriginPatterns: s.opts.OriginPatterns,
	})
	if err != nil {
		c.cancel()
		return // Accept has written the HTTP error
	}
	closed := takeClosed(r.Context())
	c.ws = ws
	if c.proto = protocolFor(ws.Subprotocol()); c.proto == nil {
		_ = ws.Close(websocket.StatusProtocolError, "use the graphql-transport-ws or graphql-ws subprotocol")
		c.cancel()
		closed()
		return
	}
	ws.SetReadLimit(s.opts.ReadLimit)
	if !s.track(c) {
		_ = ws.Close(CloseGoingAway, "server shutting down")
		c.cancel()
		closed()
		return
	}
	go func() {
		defer closed()
		defer s.untrack(c)
		c.serve()
	}()
}

type closedKey struct{}

type closedHook struct {
	f     func()
	taken atomic.Bool
}

// NotifyClosed returns a context for a WebSocket upgrade request under
// which Do calls closed when the connection it upgraded ends, which is
// after Do has returned. The returned function, called once the handler
// has returned, reports whether Do took closed on; if not, it is never
// called (the request was not upgraded).
func NotifyClosed(ctx context.Context, closed func()) (context.Context, func() bool) {
	h := &closedHook{f: closed}
	return context.WithValue(ctx, closedKey{}, h), h.taken.Load
}

// takeClosed returns the function that NotifyClosed put in ctx, or one
// that does nothing.
func takeClosed(ctx context.Context) func() {
	h, _ := ctx.Value(closedKey{}).(*closedHook)
	if h == nil || h.taken.Swap(true) {
		return func() {}
	}
	return h.f
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.conns[c] = struct{}{}
	c.pingSlot = s.nextSlot
	s.nextSlot = (s.nextSlot + 1) % keepAliveSlots
	if !s.pinging {
		s.pinging = true
		go s.keepAlive()
	}
	return true
}

// keepAliveSlots is how many turns a KeepAlive interval is cut into:
// each connection is pinged on its own turn, so that pings (and the
// clients' pongs) come spread over the interval rather than all at once
// in the middle of a fan-out.
const keepAliveSlots = 16

// keepAlive pings every connection once each KeepAlive interval: one
// ticker for the server rather than a goroutine and a timer per
// connection. It ends when no connection is left.
func (s *Server) keepAlive() {
	t := time.NewTicker(max(s.opts.KeepAlive/keepAliveSlots, time.Millisecond))
	defer t.Stop()
	var conns []*conn
	for slot := 0; ; slot = (slot + 1) % keepAliveSlots {
		<-t.C
		s.mu.Lock()
		if len(s.conns) == 0 {
			s.pinging = false
			s.mu.Unlock()
			return
		}
		conns = conns[:0]
		for c := range s.conns {
			if c.pingSlot == slot {
				conns = append(conns, c)
			}
		}
		s.mu.Unlock()
		for _, c := range conns {
			c.keepAlive()
		}
		clear(conns)
	}
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown closes every connection with 1001 (going away), so clients
// reconnect elsewhere and resume their subscriptions with `after`.
func (s *Server) Shutdown() {
	s.mu.Lock()
	s.shutdown = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.closeWith(CloseGoingAway, "server shutting down; reconnect and resume with after")
		}()
	}
	wg.Wait()
}

// CloseWhere closes, with code and reason, every connection whose
// operations' context matches: used to end connections whose token was
// revoked or has expired.
func (s *Server) CloseWhere(match func(ctx context.Context) bool, code websocket.StatusCode, reason string) int {
	s.mu.Lock()
	var doomed []*conn
	for c := range s.conns {
		c.mu.Lock()
		ctx := c.opCtx
		c.mu.Unlock()
		if ctx == nil {
			ctx = c.ctx
		}
		if match(ctx) {
			doomed = append(doomed, c)
		}
	}
	s.mu.Unlock()
	for _, c := range doomed {
		go c.closeWith(code, reason)
	}
	return len(doomed)
}

// Connections is the number of open connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// message is one protocol message, in either protocol.
type message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// errClosed is returned by writes after the connection closed.
var errClosed = errors.New("connection closed")
