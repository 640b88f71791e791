package gateway

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// SSE is gqlgen's server-sent-events transport, chosen only when the
// client prefers text/event-stream to every JSON type it accepts: urql and
// others list it among many in their default Accept header, and must get
// plain JSON for their queries.
type SSE struct{ transport.SSE }

// Supports reports whether the request is a POST that prefers an event stream.
func (t SSE) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && preferred(r.Header.Get("Accept")) == "text/event-stream"
}

// preferred returns the media type an Accept header ranks first: the
// highest quality, the earliest listed among equals.
func preferred(accept string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
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
