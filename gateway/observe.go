package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"convene/live"
)

// Request ids, the request log and the per-operation metrics.
//
// Every request gets an id: the client's X-Request-Id when it is a
// reasonable token (at most 128 letters, digits and -_.:), else a new
// random one; it is echoed in the X-Request-Id response header and added
// to every log line written with the request's context (Logger). One line
// is logged per GraphQL operation: over HTTP when the request ends (for
// server-sent events: when the stream ends), over a WebSocket when the
// query or mutation has answered, or when the subscription ends.

// HeaderRequestID is the request id header, in and out.
const HeaderRequestID = "X-Request-Id"

type infoKey struct{}

// requestInfo is what the log line of a request collects on its way.
type requestInfo struct {
	id        string
	websocket bool // an upgrade: its operations log themselves
	sse       bool

	mu        sync.Mutex
	operation string // the operation's name
	opType    string // query, mutation, subscription
	cost      int
	hasCost   bool
	code      string // the first error's extensions.code

	start      time.Time // when observe began serving the request
	decoded    decoded   // what Serve read and decoded for gqlgen's transport
	hasDecoded bool
}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(infoKey{}).(*requestInfo)
	return info
}

// requestCtx is a request's context carrying its requestInfo, in one
// allocation with it.
type requestCtx struct {
	context.Context
	info requestInfo
}

func (c *requestCtx) Value(key any) any {
	if key == (infoKey{}) {
		return &c.info
	}
	return c.Context.Value(key)
}

// served is what observe keeps of an HTTP request that is not an
// upgrade, in one allocation: its context and its recorder.
type served struct {
	ctx requestCtx
	rec recorder
}

// takeDecoded returns, once, the request that Serve read and decoded
// before handing it to gqlgen.
func takeDecoded(ctx context.Context) (decoded, bool) {
	info := infoFrom(ctx)
	if info == nil || !info.hasDecoded {
		return decoded{}, false
	}
	d := info.decoded
	info.decoded, info.hasDecoded = decoded{}, false
	return d, true
}

// RequestID returns the id of the request that ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

func (i *requestInfo) setCode(code string) {
	i.mu.Lock()
	if i.code == "" {
		i.code = code
	}
	i.mu.Unlock()
}

func (i *requestInfo) setOperation(opCtx *graphql.OperationContext, stats *CostStats) {
	name, typ := operationOf(opCtx)
	i.mu.Lock()
	i.operation, i.opType = name, typ
	if stats != nil {
		i.cost, i.hasCost = stats.Cost, true
	}
	i.mu.Unlock()
}

func operationOf(opCtx *graphql.OperationContext) (name, typ string) {
	if opCtx == nil {
		return "", ""
	}
	name = opCtx.OperationName
	if opCtx.Operation != nil {
		typ = string(opCtx.Operation.Operation)
		if name == "" {
			name = opCtx.Operation.Name
		}
	}
	return name, typ
}

// errorCode is the extensions.code of the first error that has one.
func errorCode(errs gqlerror.List) string {
	for _, e := range errs {
		if c, ok := e.Extensions["code"].(string); ok && c != "" {
			return c
		}
	}
	if len(errs) > 0 {
		return "ERROR"
	}
	return ""
}

func newRequestID(in string) string {
	if validRequestID(in) {
		return in
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return false
		}
	}
	return true
}

// Logger returns a logger that adds the request id of the context that a
// record is logged with (…Context methods), so that errors and panics
// logged by resolvers carry the id of their request.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	if _, ok := l.Handler().(requestIDHandler); ok {
		return l
	}
	return slog.New(requestIDHandler{l.Handler()})
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// recorder notes the status of a response and passes flushes, hijacks
// and deadlines through (Unwrap), for server-sent events and WebSockets.
type recorder struct {
	http.ResponseWriter
	status int
	id     [1]string // the X-Request-Id header's value, made with the recorder
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() { _ = http.NewResponseController(r.ResponseWriter).Flush() }

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe is the outermost middleware: request id, panic recovery, and
// the log line and metrics of each GraphQL request.
func (g *Gateway) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		websocket := strings.EqualFold(header(r.Header, "Upgrade"), "websocket")
		var ctx *requestCtx
		var rec *recorder
		if websocket {
			ctx, rec = &requestCtx{}, &recorder{}
		} else {
			s := &served{}
			ctx, rec = &s.ctx, &s.rec
		}
		ctx.Context = r.Context()
		info := &ctx.info
		info.start = start
		info.id = newRequestID(header(r.Header, HeaderRequestID))
		info.websocket = websocket
		info.sse = r.Method == http.MethodPost && strings.Contains(header(r.Header, "Accept"), "text/event-stream")
		rec.ResponseWriter = w
		rec.id[0] = info.id
		w.Header()[HeaderRequestID] = rec.id[:] // Set, the key being canonical
		if g.context != nil {
			r = r.WithContext(g.context(ctx, r))
		} else {
			r = r.WithContext(ctx)
		}
		if info.sse {
			// A stream outlives the server's read and write timeouts.
			rc := http.NewResponseController(rec)
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
			g.metrics.sse.Inc()
			defer g.metrics.sse.Dec()
		}
		// The live transport serves an upgraded connection after the
		// handler returns: its line is logged when it closes. (The hook
		// lives as long as the connection: it must not hold the request or
		// the response writer, which hold net/http's buffers.)
		logged := func() bool { return false }
		if info.websocket {
			ctx, method := r.Context(), r.Method
			var hooked context.Context
			hooked, logged = live.NotifyClosed(ctx, func() {
				end := time.Now()
				g.finish(ctx, method, info, http.StatusSwitchingProtocols, end, end.Sub(start))
			})
			r = r.WithContext(hooked)
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				g.logger.ErrorContext(r.Context(), "panic serving HTTP", "panic", p, "path", r.URL.Path)
				if rec.status == 0 {
					refuse(rec, r, http.StatusInternalServerError, CodeInternal, "internal error")
				}
			}
			if r.URL.Path == g.path && r.Method != http.MethodOptions && !logged() {
				end := time.Now()
				g.finish(r.Context(), r.Method, info, rec.status, end, end.Sub(start))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// finish logs a GraphQL request that ended at end, after d, and counts it.
func (g *Gateway) finish(ctx context.Context, method string, info *requestInfo, status int, end time.Time, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	info.mu.Lock()
	name, typ, cost, hasCost, code := info.operation, info.opType, info.cost, info.hasCost, info.code
	info.mu.Unlock()
	transport := "http"
	switch {
	case info.websocket:
		transport = "ws"
	case info.sse:
		transport = "sse"
	}
	if code == "" {
		code = codeForStatus(status)
	}
	msg := "graphql request"
	if info.websocket {
		msg = "websocket closed"
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	if g.logger.Enabled(ctx, level) {
		attrs := [...]slog.Attr{
			slog.String("method", method),
			slog.String("transport", transport),
			slog.String("operation", name),
			slog.String("type", typ),
			slog.Int("status", status),
			slog.String("code", code),
			slog.Duration("duration", d),
			slog.Int("cost", cost),
			{}, // request_id
		}
		n := len(attrs) - 1
		if !hasCost {
			n--
		}
		if g.text != nil {
			// The line requestIDHandler would write, without a record.
			attrs[n] = slog.String("request_id", info.id)
			g.text.line(end, level, msg, attrs[:n+1])
		} else {
			g.logger.LogAttrs(ctx, level, msg, attrs[:n]...)
		}
	}
	if !info.websocket {
		g.metrics.observe(name, typ, code, transport, d, !info.sse)
	}
}

func codeForStatus(status int) string {
	switch {
	case status < 400:
		return "OK"
	case status == http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case status == http.StatusForbidden:
		return "FORBIDDEN"
	case status == http.StatusTooManyRequests:
		return CodeRateLimited
	case status == http.StatusRequestEntityTooLarge:
		return CodeRequestTooLarge
	case status >= 500:
		return CodeInternal
	}
	return CodeBadRequest
}

// Operations is the gqlgen extension that applies the execution deadline,
// notes each operation's first error code for the request log, and logs
// and counts the operations that arrive over a WebSocket.
type Operations struct {
	g *Gateway
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = Operations{}

// ExtensionName names the extension.
func (Operations) ExtensionName() string { return "ConveneOperations" }

// Validate accepts every schema.
func (Operations) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation bounds a query's or mutation's execution by the
// request timeout, and logs the operations of WebSocket connections.
func (o Operations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	name, typ := operationOf(opCtx)
	info := infoFrom(ctx)
	ws := info == nil || info.websocket
	start := time.Now()

	if typ == "subscription" {
		h := next(ctx)
		if !ws {
			return h
		}
		var mu sync.Mutex
		var code string
		context.AfterFunc(ctx, func() { // the subscription ended
			mu.Lock()
			c := code
			mu.Unlock()
			o.g.logOperation(ctx, name, typ, c, time.Since(start))
		})
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			if resp != nil && len(resp.Errors) > 0 {
				mu.Lock()
				if code == "" {
					code = errorCode(resp.Errors)
				}
				mu.Unlock()
			}
			return resp
		}
	}

	var deadline *deadlineCtx
	if d := o.g.cfg.RequestTimeout; d > 0 {
		deadline = withDeadline(ctx, time.Now().Add(d))
		ctx = deadline
	}
	h := next(ctx)
	var once sync.Once
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		once.Do(func() {
			if deadline != nil {
				deadline.stop()
			}
			if ws {
				code := ""
				if resp != nil {
					code = errorCode(resp.Errors)
				}
				o.g.logOperation(ctx, name, typ, code, time.Since(start))
			}
		})
		return resp
	}
}

// InterceptResponse notes the first error code of an HTTP request.
func (o Operations) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if info := infoFrom(ctx); info != nil && !info.websocket && resp != nil {
		if code := errorCode(resp.Errors); code != "" {
			info.setCode(code)
		}
		if graphql.HasOperationContext(ctx) {
			info.mu.Lock()
			missing := info.opType == ""
			info.mu.Unlock()
			if missing {
				info.setOperation(graphql.GetOperationContext(ctx), CostFrom(ctx))
			}
		}
	}
	return resp
}

// logOperation logs and counts one operation of a WebSocket connection.
func (g *Gateway) logOperation(ctx context.Context, name, typ, code string, d time.Duration) {
	if code == "" {
		code = "OK"
	}
	attrs := []slog.Attr{
		slog.String("transport", "ws"),
		slog.String("operation", name),
		slog.String("type", typ),
		slog.String("code", code),
		slog.Duration("duration", d),
	}
	if s := CostFrom(ctx); s != nil {
		attrs = append(attrs, slog.Int("cost", s.Cost))
	}
	g.logger.LogAttrs(ctx, slog.LevelInfo, "graphql operation", attrs...)
	g.metrics.observe(name, typ, code, "ws", d, typ != "subscription")
}
