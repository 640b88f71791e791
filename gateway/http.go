package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/),
// with gqlgen's executor: POST with application/json, GET for queries.
//
// The response's media type follows the Accept header: a client that asks
// for application/json (explicitly, not through a wildcard) gets it; every
// other client, including one that sends no Accept header or */*, gets
// application/graphql-response+json, as the spec prescribes after its
// watershed (2025-01-01). The status codes are the spec's:
//
//   - a request that is not a well-formed GraphQL-over-HTTP request (body
//     not JSON, query missing or not a string, variables or extensions not
//     an object, …): 400, whatever the media type;
//   - a request refused before execution (parse, validation or variable
//     coercion failure, cost limits): 400 with graphql-response+json, and
//     200 with application/json; no data entry;
//   - an unknown persisted query: 404 with graphql-response+json (a 400
//     would make Apollo Client turn persisted queries off), 200 with
//     application/json;
//   - an executed operation: 200, errors or not;
//   - a mutation (or subscription) over GET: 405 with Allow: POST.

const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// Error codes of requests refused by the gateway; see also errors.go of
// the resolvers for the codes of executed operations.
const (
	CodeBadRequest              = "BAD_REQUEST"
	CodeRequestTooLarge         = "REQUEST_TOO_LARGE"
	CodeRateLimited             = "RATE_LIMITED"
	CodeCostLimit               = "COST_LIMIT"
	CodePersistedQueryNotFound  = "PERSISTED_QUERY_NOT_FOUND"
	CodeInternal                = "INTERNAL"
	codeGraphQLParseFailed      = "GRAPHQL_PARSE_FAILED"
	codeGraphQLValidationFailed = "GRAPHQL_VALIDATION_FAILED"
)

// negotiate picks the response media type for an Accept header.
func negotiate(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return mediaGraphQLResponse
	}
	best, bestQ, bestExplicit := "", -1.0, false
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil {
				continue
			}
		}
		if q <= 0 {
			continue
		}
		var media string
		explicit := true
		switch mt {
		case mediaGraphQLResponse, mediaJSON:
			media = mt
		case "*/*", "application/*":
			media, explicit = mediaGraphQLResponse, false
		default:
			continue
		}
		better := q > bestQ ||
			q == bestQ && explicit && !bestExplicit ||
			q == bestQ && explicit == bestExplicit && media == mediaGraphQLResponse
		if better {
			best, bestQ, bestExplicit = media, q, explicit
		}
	}
	if best == "" {
		// Nothing acceptable: the spec lets the server answer in its own
		// choice of media type rather than with 406.
		return mediaGraphQLResponse
	}
	return best
}

// wireResponse is a GraphQL response as written: unlike graphql.Response
// it has no data entry when there is no data (the spec wants none on a
// request error).
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// writeResponse writes a GraphQL response with the given status, and
// returns the body written (nil when the response could not be encoded).
func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) []byte {
	body, err := encodeResponse(resp)
	if err != nil {
		writeBody(w, media, http.StatusInternalServerError, []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`+"\n"))
		return nil
	}
	body = append(body, '\n')
	writeBody(w, media, status, body)
	return body
}

func writeBody(w http.ResponseWriter, media string, status int, body []byte) {
	w.Header()["Content-Type"] = contentType(media)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// The Content-Type values of the two media types, made once: a header's
// value is never changed in place (Set and Add replace or reallocate a
// full slice).
var (
	contentGraphQLResponse = []string{mediaGraphQLResponse + "; charset=utf-8"}
	contentJSON            = []string{mediaJSON + "; charset=utf-8"}
)

func contentType(media string) []string {
	switch media {
	case mediaGraphQLResponse:
		return contentGraphQLResponse[:1:1]
	case mediaJSON:
		return contentJSON[:1:1]
	}
	return []string{media + "; charset=utf-8"}
}

// refuse answers a request that the gateway refuses before it reaches the
// executor, with one error carrying code, and notes the code for the log.
func refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if info := infoFrom(r.Context()); info != nil {
		info.setCode(code)
	}
	writeResponse(w, negotiate(header(r.Header, "Accept")), status, &graphql.Response{
		Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}},
	})
}

// statusForRequestError is the status of a response refused before execution.
func statusForRequestError(media string, errs gqlerror.List) int {
	if media != mediaGraphQLResponse {
		return http.StatusOK
	}
	if hasCode(errs, CodePersistedQueryNotFound) {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// POST is the transport of POST requests with Content-Type application/json.
type POST struct {
	// Answers is the response cache (optional: Gateway.Answers).
	Answers *Answers
	// Plans serves the planned reads (optional: Gateway.Plans).
	Plans *Plans
}

var _ graphql.Transport = POST{}

// Supports reports whether r is a JSON POST (server-sent events and
// WebSocket upgrades go to their own transports, added before this one).
func (POST) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || header(r.Header, "Upgrade") != "" {
		return false
	}
	mt, err := mediaType(header(r.Header, "Content-Type"))
	return err == nil && mt == mediaJSON
}

// mediaType is the media type of a Content-Type header, without parsing
// (and a map of parameters) in the common case of a bare application/json.
func mediaType(contentType string) (string, error) {
	if contentType == mediaJSON {
		return mediaJSON, nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return mt, err
}

// readBody appends a request's body to buf, or refuses the request (413
// past the body limit, 400 otherwise) and reports false.
func readBody(w http.ResponseWriter, r *http.Request, buf []byte) ([]byte, bool) {
	body, err := readAll(buf, r.Body, r.ContentLength)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			refuse(w, r, http.StatusRequestEntityTooLarge, CodeRequestTooLarge, fmt.Sprintf("the request body exceeds %d bytes", tooLarge.Limit))
		} else {
			refuse(w, r, http.StatusBadRequest, CodeBadRequest, "could not read the request body")
		}
		return body, false
	}
	return body, true
}

// maxPresized bounds the declared length readAll makes room for at once.
const maxPresized = 64 << 10

// readAll is io.ReadAll appending to b[:0], starting with room for the
// length a request declares (up to maxPresized) and the read that finds
// its end, rather than io.ReadAll's 512 bytes.
func readAll(b []byte, r io.Reader, length int64) ([]byte, error) {
	if b == nil && (length <= 0 || length > maxPresized) {
		return io.ReadAll(r)
	}
	if length <= 0 || length > maxPresized {
		length = 511 // io.ReadAll's first read
	}
	b = slices.Grow(b[:0], int(length)+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // more than declared: grow as io.ReadAll does
		}
	}
}

// Do serves one POST request.
func (t POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if d, ok := takeDecoded(r.Context()); ok { // read by Serve, and no plan answered it
		execute(w, r, exec, d, t.Answers, nil)
		return
	}
	d, ok := t.read(w, r, nil, graphql.Now())
	if !ok {
		return
	}
	execute(w, r, exec, d, t.Answers, t.Plans)
}

// read reads and decodes a request begun at start, its body appended to
// buf; false when it has been answered: refused, or from the response
// cache.
func (t POST) read(w http.ResponseWriter, r *http.Request, buf []byte, start time.Time) (decoded, bool) {
	media := negotiate(header(r.Header, "Accept"))
	body, ok := readBody(w, r, buf)
	if !ok {
		return decoded{body: body}, false
	}
	key := t.Answers.key(r.Context(), http.MethodPost, body)
	if t.Answers.serve(r.Context(), w, media, key) {
		return decoded{body: body}, false
	}
	params, msg := decodeBody(body)
	if msg != "" {
		refuse(w, r, http.StatusBadRequest, CodeBadRequest, msg)
		return decoded{body: body}, false
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	return decoded{params: params, media: media, key: key, body: body}, true
}

// decoded is a request that a transport has read and decoded, up to its
// execution.
type decoded struct {
	params *graphql.RawParams
	media  string
	isGET  bool
	key    answerKey
	body   []byte // a POST's, which nothing decoded from it refers to
}

// GET is the transport of GET requests: queries only.
type GET struct {
	// Answers is the response cache (optional: Gateway.Answers).
	Answers *Answers
	// Plans serves the planned reads (optional: Gateway.Plans).
	Plans *Plans
}

var _ graphql.Transport = GET{}

// Supports reports whether r is a GET that is not a WebSocket upgrade.
func (GET) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && header(r.Header, "Upgrade") == ""
}

// Do serves one GET request.
func (t GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if d, ok := takeDecoded(r.Context()); ok { // read by Serve, and no plan answered it
		execute(w, r, exec, d, t.Answers, nil)
		return
	}
	d, ok := t.read(w, r, graphql.Now())
	if !ok {
		return
	}
	execute(w, r, exec, d, t.Answers, t.Plans)
}

// read decodes a request begun at start; false when it has been
// answered: refused, or from the response cache.
func (t GET) read(w http.ResponseWriter, r *http.Request, start time.Time) (decoded, bool) {
	media := negotiate(header(r.Header, "Accept"))
	key := t.Answers.key(r.Context(), http.MethodGet, []byte(r.URL.RawQuery))
	if t.Answers.serve(r.Context(), w, media, key) {
		return decoded{}, false
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		refuse(w, r, http.StatusBadRequest, CodeBadRequest, "the URL's query string is malformed")
		return decoded{}, false
	}
	params := &graphql.RawParams{Query: values.Get("query"), OperationName: values.Get("operationName"), Headers: r.Header}
	if s := values.Get("variables"); s != "" {
		if params.Variables, err = decodeObject([]byte(s)); err != nil {
			refuse(w, r, http.StatusBadRequest, CodeBadRequest, "variables must be a JSON object")
			return decoded{}, false
		}
	}
	if s := values.Get("extensions"); s != "" {
		if params.Extensions, err = decodeObject([]byte(s)); err != nil {
			refuse(w, r, http.StatusBadRequest, CodeBadRequest, "extensions must be a JSON object")
			return decoded{}, false
		}
	}
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		refuse(w, r, http.StatusBadRequest, CodeBadRequest, "the query parameter is missing")
		return decoded{}, false
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	return decoded{params: params, media: media, isGET: true, key: key}, true
}

// execute runs a decoded request: errors before execution get the
// status of a request error; an operation other than a query over GET is
// refused with 405; a subscription needs server-sent events or a WebSocket.
// A planned read is answered by plans; a query's answer without errors
// is kept in answers under key.
func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, d decoded, answers *Answers, plans *Plans) {
	if plans.answer(w, r, d, answers) {
		return
	}
	params, media, isGET, key := d.params, d.media, d.isGET, d.key
	ctx := r.Context()
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if hasCode(resp.Errors, CodePersistedQueryNotFound) {
			// A miss is temporary: no cache may keep it.
			w.Header().Set("Cache-Control", "private, no-cache, must-revalidate")
		}
		writeResponse(w, media, statusForRequestError(media, resp.Errors), resp)
		return
	}
	switch op := rc.Operation.Operation; {
	case isGET && op != ast.Query:
		w.Header().Set("Allow", "POST")
		refuse(w, r, http.StatusMethodNotAllowed, CodeBadRequest, fmt.Sprintf("a %s cannot be sent with GET: use POST", op))
		return
	case op == ast.Subscription:
		refuse(w, r, http.StatusBadRequest, CodeBadRequest, "a subscription needs a WebSocket (graphql-transport-ws) or server-sent events (Accept: text/event-stream)")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		refuse(w, r, http.StatusServiceUnavailable, CodeInternal, "the request was cancelled before it completed")
		return
	}
	body := writeResponse(w, media, http.StatusOK, resp)
	if body != nil && len(resp.Errors) == 0 && rc.Operation.Operation == ast.Query {
		answers.put(ctx, key, body)
	}
}

func hasCode(errs gqlerror.List, code string) bool {
	for _, e := range errs {
		if c, _ := e.Extensions["code"].(string); c == code {
			return true
		}
	}
	return false
}

// decodeBody reads a POST body strictly: a JSON object whose query is a
// string (or absent with a persisted query), operationName a string,
// variables and extensions objects; any of them may be null. It returns
// a message for the client when the body is not such an object.
func decodeBody(body []byte) (*graphql.RawParams, string) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, "the request body is empty: send a JSON object with a query"
	}
	fields, ok := requestFields(body)
	if !ok {
		var all map[string]json.RawMessage
		if err := json.Unmarshal(body, &all); err != nil {
			if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
				return nil, "batched requests are not supported: send one JSON object"
			}
			return nil, "the request body is not a JSON object: " + err.Error()
		}
		for i, name := range requestFieldNames {
			fields[i] = all[name]
		}
	}
	p := &graphql.RawParams{}
	var err error
	if p.Query, err = optionalString(fields[0]); err != nil {
		return nil, "query must be a string"
	}
	if p.OperationName, err = optionalString(fields[1]); err != nil {
		return nil, "operationName must be a string"
	}
	if raw := fields[2]; !isNull(raw) {
		if p.Variables, err = decodeObject(raw); err != nil {
			return nil, "variables must be a JSON object"
		}
	}
	if raw := fields[3]; !isNull(raw) {
		if p.Extensions, err = decodeObject(raw); err != nil {
			return nil, "extensions must be a JSON object"
		}
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, "the query is missing: send a JSON object with a query string"
	}
	return p, ""
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func optionalString(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	// raw comes from a validated document: a string without escapes, in
	// valid UTF-8, is its own text (most queries; decoding costs a scan).
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : n-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// decodeObject decodes a JSON object, keeping numbers as json.Number as
// gqlgen's own transports do.
func decodeObject(raw []byte) (map[string]any, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	if m, ok := decodeObjectFast(t); ok {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the object")
	}
	return m, nil
}

// Unsupported answers every request that no other transport took: 405
// for a method GraphQL over HTTP does not use, 415 for a POST whose body
// is not JSON. Add it last.
type Unsupported struct{}

var _ graphql.Transport = Unsupported{}

// Supports takes every request.
func (Unsupported) Supports(*http.Request) bool { return true }

// Do refuses the request.
func (Unsupported) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	switch r.Method {
	case http.MethodPost:
		w.Header().Set("Accept-Post", mediaJSON)
		refuse(w, r, http.StatusUnsupportedMediaType, CodeBadRequest, "send the request as Content-Type: application/json")
	case http.MethodGet:
		refuse(w, r, http.StatusBadRequest, CodeBadRequest, "this GET request cannot be served (an upgrade other than websocket?)")
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		refuse(w, r, http.StatusMethodNotAllowed, CodeBadRequest, fmt.Sprintf("method %s is not allowed: use GET or POST", r.Method))
	}
}

// header is h.Get(key) for a key already in canonical form, without
// canonicalising it again on every request.
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
