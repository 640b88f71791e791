package gateway

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// SSE is GraphQL over server-sent events (graphql-sse's distinct
// connections mode), chosen only when the client prefers text/event-stream
// to every JSON type it accepts: urql and others list it among many in
// their default Accept header, and must get plain JSON for their queries.
//
// The body is read as the POST transport reads it, and every result is
// written as the POST transport writes it (no data entry on a request
// error): one `next` event each, then `complete`.
type SSE struct {
	// KeepAlive is the interval of comment lines that keep an idle stream
	// open through proxies (0: none).
	KeepAlive time.Duration
}

var _ graphql.Transport = SSE{}

// Supports reports whether the request is a JSON POST that prefers an event stream.
func (t SSE) Supports(r *http.Request) bool {
	return POST{}.Supports(r) && preferred(header(r.Header, "Accept")) == "text/event-stream"
}

// Do serves one operation as a stream of events. A body that is not a
// GraphQL request is refused before the stream starts, with the status the
// POST transport gives it.
func (t SSE) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		refuse(w, r, http.StatusInternalServerError, CodeInternal, "this connection cannot stream")
		return
	}
	start := graphql.Now()
	body, ok := readBody(w, r, nil)
	if !ok {
		return
	}
	params, msg := decodeBody(body)
	if msg != "" {
		refuse(w, r, http.StatusBadRequest, CodeBadRequest, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := &eventStream{w: w, f: flusher}
	s.write(":\n\n")
	stopKeepAlive := s.keepAlive(ctx, t.KeepAlive)
	defer stopKeepAlive()

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		s.next(exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs))
	} else {
		responses, rctx := exec.DispatchOperation(graphql.WithOperationContext(ctx, rc), rc)
		for {
			resp := responses(rctx)
			if resp == nil {
				break
			}
			s.next(resp)
		}
	}
	if ctx.Err() == nil {
		s.write("event: complete\ndata:\n\n")
	}
}

// eventStream writes whole events, each flushed, from the operation and
// the keep-alive alike.
type eventStream struct {
	mu sync.Mutex
	w  io.Writer
	f  http.Flusher
}

func (s *eventStream) write(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = io.WriteString(s.w, event)
	s.f.Flush()
}

// next writes one result as a next event, encoded as the POST transport
// encodes it.
func (s *eventStream) next(resp *graphql.Response) {
	body, err := encodeResponse(resp)
	if err != nil {
		body = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	s.write("event: next\ndata: " + string(body) + "\n\n")
}

// keepAlive writes a comment every interval until ctx ends or the
// returned function is called; that function returns once it has stopped.
func (s *eventStream) keepAlive(ctx context.Context, interval time.Duration) func() {
	if interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.write(": ping\n\n")
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	})
	// The handler's writer may not be used once it returns.
	return func() { close(done); wg.Wait() }
}

// preferred returns the media type an Accept header ranks first: the
// highest quality, the earliest listed among equals.
func preferred(accept string) string {
	best, bestQ := "", -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = mt, q
		}
	}
	return best
}
