package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// conn is one WebSocket connection and the operations it runs.
type conn struct {
	srv     *Server
	ws      *websocket.Conn
	proto   *protocol
	exec    graphql.GraphExecutor
	headers http.Header

	ctx    context.Context // ends when the connection closes
	cancel context.CancelFunc
	out    outbox

	pingSlot int // its turn for keep-alives (Server.keepAlive)

	mu        sync.Mutex
	opCtx     context.Context // set by connection_init
	inits     int
	ops       map[string]func() // active operations: id → stop
	closeOnce sync.Once
}

// newConn returns a connection whose socket is still to be accepted. It
// keeps r's headers, which nothing changes once the handler runs, for its
// operations.
func newConn(s *Server, exec graphql.GraphExecutor, r *http.Request) *conn {
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &conn{srv: s, exec: exec, headers: r.Header, ctx: ctx, cancel: cancel, ops: map[string]func(){}}
	c.out.limit = s.opts.QueueSize
	c.out.onFail = func() { c.closeWith(websocket.StatusNormalClosure, "") }
	return c
}

// serve runs the connection until the client or the server closes it.
func (c *conn) serve() {
	defer c.closeWith(websocket.StatusNormalClosure, "")
	initTimer := time.AfterFunc(c.srv.opts.InitTimeout, func() {
		c.mu.Lock()
		waiting := c.opCtx == nil
		c.mu.Unlock()
		if waiting {
			c.closeWith(CloseInitTimeout, "Connection initialisation timeout")
		}
	})
	defer initTimer.Stop()
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		var msg message
		if err := json.Unmarshal(data, &msg); err != nil || msg.Type == "" {
			c.closeWith(CloseBadRequest, "Invalid message received")
			return
		}
		if msg.Type == c.proto.pong && c.proto.pong != "" {
			continue // a keep-alive's reply, from every client each KeepAlive: no goroutine
		}
		// Handling a message (authentication, parsing and validating an
		// operation) takes a deep stack: a short-lived goroutine's, so
		// that this one, which lives as long as the connection, stays small.
		ok := make(chan bool)
		go func() { ok <- c.handle(msg) }()
		if !<-ok {
			return
		}
	}
}

// handle acts on one client message; false ends the connection.
func (c *conn) handle(msg message) bool {
	p := c.proto
	switch msg.Type {
	case p.init:
		return c.handleInit(msg)
	case p.subscribe:
		return c.handleSubscribe(msg)
	case p.stop:
		c.stopOperation(msg.ID, p == legacyWS)
	case p.ping:
		if p.ping != "" {
			c.sendControl(message{Type: p.pong, Payload: msg.Payload})
		}
	case p.pong:
	case p.terminate:
		if p.terminate != "" {
			return false
		}
	default:
		c.closeWith(CloseBadRequest, fmt.Sprintf("Unexpected message of type %q", msg.Type))
		return false
	}
	return true
}

func (c *conn) handleInit(msg message) bool {
	c.mu.Lock()
	c.inits++
	first := c.inits == 1
	c.mu.Unlock()
	if !first {
		c.closeWith(CloseTooManyInits, "Too many initialisation requests")
		return false
	}
	var payload map[string]any
	if len(msg.Payload) > 0 && string(msg.Payload) != "null" {
		if err := json.Unmarshal(msg.Payload, &payload); err != nil {
			c.closeWith(CloseBadRequest, "connection_init payload must be an object")
			return false
		}
	}
	ctx := c.ctx
	if auth := c.srv.opts.Authenticate; auth != nil {
		var err error
		if ctx, err = auth(c.ctx, payload); err != nil {
			c.closeWith(CloseForbidden, "Forbidden: "+err.Error())
			return false
		}
	}
	c.mu.Lock()
	c.opCtx = ctx
	c.mu.Unlock()
	c.sendControl(message{Type: c.proto.ack})
	return true
}

func (c *conn) handleSubscribe(msg message) bool {
	c.mu.Lock()
	opCtx := c.opCtx
	_, exists := c.ops[msg.ID]
	count := len(c.ops)
	c.mu.Unlock()
	switch {
	case opCtx == nil:
		c.closeWith(CloseUnauthorized, "Unauthorized")
		return false
	case msg.ID == "":
		c.closeWith(CloseBadRequest, "subscribe needs an id")
		return false
	case exists:
		c.closeWith(CloseSubscriberExists, "Subscriber for "+msg.ID+" already exists")
		return false
	case count >= c.srv.opts.MaxSubscriptions:
		c.sendErrors(msg.ID, gqlerror.List{{Message: fmt.Sprintf("at most %d operations may run at once on a connection", c.srv.opts.MaxSubscriptions),
			Extensions: map[string]any{"code": "RATE_LIMITED"}}})
		return true
	}
	params, err := decodeParams(msg.Payload)
	if err != nil {
		c.closeWith(CloseBadRequest, "Invalid subscribe payload")
		return false
	}
	params.Headers = c.headers
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}
	ctx := graphql.StartOperationTrace(opCtx)
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		c.sendErrors(msg.ID, resp.Errors)
		return true
	}
	if rc.Operation.Operation == ast.Subscription {
		c.srv.groups.join(c, msg.ID, opCtx, rc)
	} else {
		c.runOnce(ctx, msg.ID, rc)
	}
	return true
}

// runOnce executes a query or mutation sent over the socket.
func (c *conn) runOnce(ctx context.Context, id string, rc *graphql.OperationContext) {
	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	c.addOp(id, cancel)
	go func() {
		defer cancel()
		responses, rctx := c.exec.DispatchOperation(ctx, rc)
		if resp := responses(rctx); resp != nil {
			body, _ := json.Marshal(resp)
			c.sendControl(message{ID: id, Type: c.proto.next, Payload: body})
		}
		c.finish(id)
	}()
}

func (c *conn) addOp(id string, stop func()) {
	c.mu.Lock()
	c.ops[id] = stop
	c.mu.Unlock()
}

// stopOperation ends an operation at the client's request.
func (c *conn) stopOperation(id string, confirm bool) {
	c.mu.Lock()
	stop, ok := c.ops[id]
	delete(c.ops, id)
	c.mu.Unlock()
	if ok {
		stop()
		if confirm {
			c.sendControl(message{ID: id, Type: c.proto.complete})
		}
	}
}

// finish tells the client an operation ended, unless it already stopped it.
func (c *conn) finish(id string) {
	c.mu.Lock()
	_, ok := c.ops[id]
	delete(c.ops, id)
	c.mu.Unlock()
	if ok {
		c.sendControl(message{ID: id, Type: c.proto.complete})
	}
}

// sendErrors ends an operation with errors that precede any result.
func (c *conn) sendErrors(id string, errs gqlerror.List) {
	c.mu.Lock()
	delete(c.ops, id)
	c.mu.Unlock()
	var payload []byte
	if c.proto == legacyWS && len(errs) > 0 {
		payload, _ = json.Marshal(errs[0])
	} else {
		payload, _ = json.Marshal(errs)
	}
	c.sendControl(message{ID: id, Type: c.proto.errorMsg, Payload: payload})
}

// sendControl queues a protocol message, using the headroom the data
// messages leave; with none left, the client is too slow to keep.
func (c *conn) sendControl(msg message) {
	b, _ := json.Marshal(msg)
	if c.out.push(frame{head: b}) != nil {
		// Closing waits for the client's reply; the caller may be a
		// fan-out that others wait for.
		go c.closeWith(websocket.StatusTryAgainLater, "client too slow to read its messages")
	}
}

// sendData queues a subscription message unless the queue is full.
func (c *conn) sendData(f frame) bool {
	f.data = true
	return c.out.push(f) == nil
}

// keepAlive sends the protocol's keep-alive message once the client has
// initialised the connection.
func (c *conn) keepAlive() {
	c.mu.Lock()
	ready := c.opCtx != nil
	c.mu.Unlock()
	switch {
	case !ready:
	case c.proto.serverPing != "":
		c.sendControl(message{Type: c.proto.serverPing})
	case c.proto.keepAlive != "":
		c.sendControl(message{Type: c.proto.keepAlive})
	}
}

// closeWith ends every operation and closes the socket with code; only
// the first call has an effect.
func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		stops := make([]func(), 0, len(c.ops))
		for _, stop := range c.ops {
			stops = append(stops, stop)
		}
		c.ops = map[string]func(){}
		c.mu.Unlock()
		for _, stop := range stops {
			stop()
		}
		c.out.close()
		// Send the close frame, but wait for the client's reply only
		// briefly: one that no longer reads must not hold up a shutdown.
		closed := make(chan struct{})
		go func() {
			_ = c.ws.Close(code, reason)
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(time.Second):
			_ = c.ws.CloseNow()
		}
		c.cancel()
	})
}

// decodeParams reads a subscribe payload with numbers kept as json.Number,
// as gqlgen's HTTP transports (and ours in gateway) decode variables: its
// Int and Float coercion rejects a float64, so a variable {"n": 2} decoded
// the plain way fails as an internal error.
func decodeParams(payload []byte) (*graphql.RawParams, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var params graphql.RawParams
	if err := dec.Decode(&params); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the payload")
	}
	return &params, nil
}
