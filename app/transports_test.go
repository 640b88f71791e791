package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/hub"
	"convene/playground"

	"github.com/coder/websocket"
)

// One operation, every transport: each operation below runs over POST,
// GET (queries), graphql-transport-ws, the legacy graphql-ws and
// server-sent events against one server with the demo data, and every
// transport must answer the same data and errors (a missing data entry
// and "data": null are told apart). The operations are the golden queries
// (testdata/queries), the playground's examples, and operations that
// take a variable of every scalar and input type, well and badly formed.

// wireResult is one GraphQL result as a transport delivered it, each
// entry normalised JSON text ("" when absent).
type wireResult struct {
	Data, Errors string
}

func (r wireResult) String() string {
	s := "{"
	if r.Data != "" {
		s += `"data":` + r.Data
	}
	if r.Errors != "" {
		if r.Data != "" {
			s += ","
		}
		s += `"errors":` + r.Errors
	}
	return s + "}"
}

// operation is one request: a document, its variables as JSON text, the
// token it is sent with, and how many results to take from a
// subscription before stopping it.
type operation struct {
	query, vars, token string
	name               string // the operationName, if any
	extensions         string // JSON text, if any
	take               int
}

// A graphqlTransport runs an operation and hands each result to emit until emit
// returns false, the operation ends, or ctx does; it returns the error
// that kept it from doing so.
type graphqlTransport struct {
	name   string
	stream func(ctx context.Context, s *testServer, op operation, emit func(wireResult) bool) error
}

var (
	overPOST      = graphqlTransport{"POST", streamPOST}
	overGET       = graphqlTransport{"GET", streamGET}
	overTransport = graphqlTransport{"graphql-transport-ws", func(ctx context.Context, s *testServer, op operation, emit func(wireResult) bool) error {
		return streamWS(ctx, s, "graphql-transport-ws", op, emit)
	}}
	overLegacy = graphqlTransport{"graphql-ws", func(ctx context.Context, s *testServer, op operation, emit func(wireResult) bool) error {
		return streamWS(ctx, s, "graphql-ws", op, emit)
	}}
	overSSE = graphqlTransport{"SSE", streamSSE}

	queryTransports        = []graphqlTransport{overPOST, overGET, overTransport, overLegacy, overSSE}
	mutationTransports     = []graphqlTransport{overPOST, overTransport, overLegacy, overSSE}
	subscriptionTransports = []graphqlTransport{overTransport, overLegacy, overSSE}
)

// run runs op over tr and returns its results: all of them, or the first
// op.take of a subscription.
func (tr graphqlTransport) run(t *testing.T, s *testServer, op operation) []wireResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var results []wireResult
	err := tr.stream(ctx, s, op, func(r wireResult) bool {
		results = append(results, r)
		return op.take == 0 || len(results) < op.take
	})
	if err != nil {
		t.Fatalf("%s: %v (after %v)", tr.name, err, results)
	}
	return results
}

// normalJSON re-encodes JSON text so that encodings of one value compare
// equal (spacing, escapes); numbers keep their text.
func normalJSON(raw []byte) (string, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return "", nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("invalid JSON %s: %w", raw, err)
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// decodeResult reads a GraphQL response object, telling an absent data
// entry from a null one.
func decodeResult(raw []byte) (wireResult, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return wireResult{}, fmt.Errorf("not a GraphQL response: %s: %w", raw, err)
	}
	for k := range m {
		if k != "data" && k != "errors" && k != "extensions" {
			return wireResult{}, fmt.Errorf("a response with an entry %q: %s", k, raw)
		}
	}
	data, err := normalJSON(m["data"])
	if err != nil {
		return wireResult{}, err
	}
	errs, err := normalJSON(m["errors"])
	return wireResult{Data: data, Errors: errs}, err
}

func httpRequest(req *http.Request, op operation) (int, wireResult, error) {
	if op.token != "" {
		req.Header.Set("Authorization", "Bearer "+op.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, wireResult{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, wireResult{}, err
	}
	r, err := decodeResult(body)
	return res.StatusCode, r, err
}

func requestBody(op operation) []byte {
	vars := op.vars
	if vars == "" {
		vars = "null"
	}
	q, _ := json.Marshal(op.query)
	name, _ := json.Marshal(op.name)
	ext := op.extensions
	if ext == "" {
		ext = "null"
	}
	return []byte(`{"query":` + string(q) + `,"operationName":` + string(name) + `,"variables":` + vars + `,"extensions":` + ext + `}`)
}

func streamPOST(ctx context.Context, s *testServer, op operation, emit func(wireResult) bool) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/graphql", bytes.NewReader(requestBody(op)))
	req.Header.Set("Content-Type", "application/json")
	_, r, err := httpRequest(req, op)
	if err == nil {
		emit(r)
	}
	return err
}

// getStatus runs op as a GET and returns the status with the result.
func getStatus(ctx context.Context, s *testServer, op operation) (int, wireResult, error) {
	q := url.Values{"query": {op.query}}
	if op.vars != "" {
		q.Set("variables", op.vars)
	}
	if op.name != "" {
		q.Set("operationName", op.name)
	}
	if op.extensions != "" {
		q.Set("extensions", op.extensions)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/graphql?"+q.Encode(), nil)
	req.Header.Set("Apollo-Require-Preflight", "true") // a GET needs it (CSRF prevention)
	return httpRequest(req, op)
}

func streamGET(ctx context.Context, s *testServer, op operation, emit func(wireResult) bool) error {
	_, r, err := getStatus(ctx, s, op)
	if err == nil {
		emit(r)
	}
	return err
}

// streamWS runs op on a connection of its own in the given subprotocol.
func streamWS(ctx context.Context, s *testServer, subprotocol string, op operation, emit func(wireResult) bool) error {
	ws, _, err := websocket.Dial(ctx, wsURL(s.url), &websocket.DialOptions{Subprotocols: []string{subprotocol}})
	if err != nil {
		return err
	}
	defer ws.CloseNow()
	ws.SetReadLimit(4 << 20)
	send := func(msg string) error { return ws.Write(ctx, websocket.MessageText, []byte(msg)) }
	init := `{"type":"connection_init"}`
	if op.token != "" {
		init = `{"type":"connection_init","payload":{"Authorization":"Bearer ` + op.token + `"}}`
	}
	start, next, stop := "subscribe", "next", "complete"
	if subprotocol == "graphql-ws" {
		start, next, stop = "start", "data", "stop"
	}
	if err := send(init); err != nil {
		return err
	}
	started := false
	for {
		_, raw, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		var msg struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(raw, &msg); err != nil {
			return fmt.Errorf("%s: %w", raw, err)
		}
		switch {
		case msg.Type == "ping" || msg.Type == "ka":
		case msg.Type == "connection_ack" && !started:
			started = true
			if err := send(`{"id":"1","type":"` + start + `","payload":` + string(requestBody(op)) + `}`); err != nil {
				return err
			}
		case msg.ID != "1":
			return fmt.Errorf("unexpected message %s", raw)
		case msg.Type == next:
			r, err := decodeResult(msg.Payload)
			if err != nil {
				return err
			}
			if !emit(r) {
				_ = send(`{"id":"1","type":"` + stop + `"}`)
				return nil
			}
		case msg.Type == "error":
			payload := msg.Payload
			if subprotocol == "graphql-ws" {
				payload = append(append([]byte{'['}, payload...), ']') // the legacy protocol's error is one error object
			}
			errs, err := normalJSON(payload)
			if err != nil {
				return err
			}
			emit(wireResult{Errors: errs})
			return nil
		case msg.Type == "complete":
			return nil
		default:
			return fmt.Errorf("unexpected message %s", raw)
		}
	}
}

// streamSSE runs op as server-sent events. A request refused before the
// stream starts is one result.
func streamSSE(ctx context.Context, s *testServer, op operation, emit func(wireResult) bool) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/graphql", bytes.NewReader(requestBody(op)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if op.token != "" {
		req.Header.Set("Authorization", "Bearer "+op.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(res.Body)
		r, err := decodeResult(body)
		if err == nil {
			emit(r)
		}
		return err
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
			if event == "complete" {
				return nil
			}
		case strings.HasPrefix(line, "data: ") && event == "next":
			r, err := decodeResult([]byte(strings.TrimPrefix(line, "data: ")))
			if err != nil {
				return err
			}
			if !emit(r) {
				return nil
			}
		case line == "":
			event = ""
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return fmt.Errorf("the stream ended without a complete event")
}

// sameOverEvery runs op over each transport and requires the results of
// the first from every other; it returns them.
func sameOverEvery(t *testing.T, s *testServer, transports []graphqlTransport, op operation) []wireResult {
	t.Helper()
	want := transports[0].run(t, s, op)
	if len(want) == 0 {
		t.Fatalf("%s: no result", transports[0].name)
	}
	for _, tr := range transports[1:] {
		got := tr.run(t, s, op)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s answers\n  %v\n%s answers\n  %v", tr.name, got, transports[0].name, want)
		}
	}
	return want
}

// fileOperations are the golden queries and the playground's examples
// that are not subscriptions, with their variables.
func fileOperations(t *testing.T) map[string]operation {
	t.Helper()
	ops := map[string]operation{}
	files, _ := filepath.Glob("testdata/queries/*.graphql")
	if len(files) == 0 {
		t.Fatal("no golden queries")
	}
	for _, file := range files {
		query, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		vars, _ := os.ReadFile(strings.TrimSuffix(file, ".graphql") + ".vars.json")
		ops["golden/"+filepath.Base(file)] = operation{query: string(query), vars: string(bytes.TrimSpace(vars))}
	}
	examples, err := playground.Examples()
	if err != nil || len(examples) == 0 {
		t.Fatalf("playground examples: %v", err)
	}
	for _, e := range examples {
		if !e.Subscription() {
			ops["playground/"+e.Name] = operation{query: e.Query, vars: e.Variables}
		}
	}
	return ops
}

// ci2 is a demo commitment (CPC-Belize's, pillar 2) with a history.
var ci2 = gid(hub.TypeCommitment, "C-2.1-002")

// variableQueries take a variable of every scalar and input type, well and
// badly formed, and explicit nulls. Each is a query, so it runs over GET too.
var variableQueries = map[string]operation{
	"Int":                {query: `query($n: Int) { commitments(first: $n) { totalCount nodes { reference } } }`, vars: `{"n": 2}`},
	"Int null":           {query: `query($n: Int) { commitments(first: $n) { totalCount nodes { reference } } }`, vars: `{"n": null}`},
	"Int absent":         {query: `query($n: Int) { commitments(first: $n) { totalCount pageInfo { hasNextPage } } }`, vars: `{}`},
	"Int with default":   {query: `query($n: Int = 3) { commitments(first: $n) { nodes { reference } } }`},
	"Int as 2.0":         {query: `query($n: Int) { commitments(first: $n) { nodes { reference } } }`, vars: `{"n": 2.0}`},
	"Int fractional":     {query: `query($n: Int) { commitments(first: $n) { totalCount } }`, vars: `{"n": 2.5}`},
	"Int out of range":   {query: `query($n: Int) { commitments(first: $n) { totalCount } }`, vars: `{"n": 3000000000}`},
	"Int as a string":    {query: `query($n: Int) { commitments(first: $n) { totalCount } }`, vars: `{"n": "2"}`},
	"Int over the limit": {query: `query($n: Int) { commitments(first: $n) { totalCount } }`, vars: `{"n": 101}`},
	"Int! missing":       {query: `query($n: Int!) { commitments(first: $n) { totalCount } }`, vars: `{}`},
	"Int in a nested field": {query: `query($id: ID!, $n: Int) { node(id: $id) { ... on Commitment { reference history(last: $n) { totalCount nodes { version kind } } progressReports(first: $n) { nodes { progress } } } } }`,
		vars: `{"id": "` + ci2 + `", "n": 1}`},
	"Boolean":                           {query: `query($o: Boolean) { commitments(first: 3, filter: {overdue: $o}) { totalCount nodes { reference overdue } } }`, vars: `{"o": true}`},
	"Boolean as a 1":                    {query: `query($o: Boolean) { commitments(filter: {overdue: $o}) { totalCount } }`, vars: `{"o": 1}`},
	"String":                            {query: `query($q: String) { commitments(first: 5, filter: {search: $q}) { totalCount nodes { reference } } }`, vars: `{"q": "youth"}`},
	"String with escapes":               {query: `query($q: String) { commitments(filter: {search: $q}) { totalCount } }`, vars: `{"q": "\"<&>\" \u00e9 \ud83d\ude00"}`},
	"ID":                                {query: `query($id: ID!) { stakeholder(id: $id) { name sector } }`, vars: `{"id": "U3Rha2Vob2xkZXI6cGZk"}`},
	"ID as an integer":                  {query: `query($id: ID!) { node(id: $id) { id } }`, vars: `{"id": 4}`},
	"ID list":                           {query: `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, vars: `{"ids": ["` + ci2 + `", "UGlsbGFyOnAy", "nonsense"]}`},
	"enum list":                         {query: `query($s: [Sector!]) { stakeholders(first: 3, filter: {sectors: $s}) { totalCount nodes { name sector } } }`, vars: `{"s": ["CIVIL_SOCIETY", "GOVERNMENT"]}`},
	"enum as a single value for a list": {query: `query($s: [Sector!]) { stakeholders(filter: {sectors: $s}) { totalCount } }`, vars: `{"s": "GOVERNMENT"}`},
	"enum unknown":                      {query: `query($s: [Sector!]) { stakeholders(filter: {sectors: $s}) { totalCount } }`, vars: `{"s": ["NOPE"]}`},
	"enum null in a non-null list":      {query: `query($s: [Sector!]) { stakeholders(filter: {sectors: $s}) { totalCount } }`, vars: `{"s": [null]}`},
	"input object": {query: `query($f: CommitmentFilter, $o: CommitmentOrder) { commitments(first: 4, filter: $f, orderBy: $o) { totalCount nodes { reference status dueDate } } }`,
		vars: `{"f": {"statuses": ["DELAYED", "AT_RISK", "ON_TRACK"], "dueBefore": "2015-01-01", "pillarIds": ["UGlsbGFyOnAy"]}, "o": {"field": "DUE_DATE", "direction": "DESC"}}`},
	"input object null":               {query: `query($f: CommitmentFilter) { commitments(filter: $f) { totalCount } }`, vars: `{"f": null}`},
	"input object with null fields":   {query: `query($f: CommitmentFilter) { commitments(filter: $f) { totalCount } }`, vars: `{"f": {"search": null, "overdue": null, "sectors": null}}`},
	"input object unknown field":      {query: `query($f: CommitmentFilter) { commitments(filter: $f) { totalCount } }`, vars: `{"f": {"colour": "red"}}`},
	"input object missing a field":    {query: `query($o: CommitmentOrder) { commitments(orderBy: $o) { totalCount } }`, vars: `{"o": {"direction": "ASC"}}`},
	"Date":                            {query: `query($d: Date) { commitments(filter: {dueAfter: $d}) { totalCount } }`, vars: `{"d": "2014-06-30"}`},
	"Date malformed":                  {query: `query($d: Date) { commitments(filter: {dueAfter: $d}) { totalCount } }`, vars: `{"d": "2014-02-30"}`},
	"DateTime":                        {query: `query($from: DateTime) { meetings(first: 2, filter: {from: $from}) { totalCount nodes { title startsAt } } }`, vars: `{"from": "2014-01-01T00:00:00Z"}`},
	"operation by name":               {query: `query A { plan: strategicPlans { title } } query B { communities { name } }`, vars: `{}`, name: "B"},
	"operation name missing":          {query: `query A { plan: strategicPlans { title } } query B { communities { name } }`},
	"operation name unknown":          {query: `query A { plan: strategicPlans { title } }`, name: "C"},
	"fragments and aliases":           {query: `query($id: ID!) { a: stakeholder(id: $id) { ...S } b: stakeholder(id: $id) { ...S } } fragment S on Stakeholder { name sector }`, vars: `{"id": "U3Rha2Vob2xkZXI6cGZk"}`},
	"skip and include":                {query: `query($yes: Boolean!) { communities @include(if: $yes) { name } plan: strategicPlans @skip(if: $yes) { title } }`, vars: `{"yes": true}`},
	"a parse error":                   {query: `{ commitments(first: 2) { totalCount }`},
	"an unknown field":                {query: `{ commitments { totalCount colour } }`},
	"@defer":                          {query: `{ commitmentByReference(reference: "C-2.1-002") { reference ... @defer { history(first: 1) { totalCount } } } }`},
	"@defer on a named fragment":      {query: `query { commitmentByReference(reference: "C-2.1-002") { reference ...H @defer(label: "h") } } fragment H on Commitment { outcomes { summary } }`},
	"introspection of the directives": {query: `{ __schema { directives { name locations args { name } } } }`},
	"a cost over the limit":           {query: `{ commitments(first: 100) { nodes { history(first: 100) { nodes { fields { field } } } progressReports(first: 100) { nodes { note } } } } }`},
}

func TestOneOperationEveryTransport(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})

	t.Run("queries", func(t *testing.T) {
		ops := fileOperations(t)
		for name, op := range variableQueries {
			ops["variables/"+name] = op
		}
		for name, op := range ops {
			t.Run(name, func(t *testing.T) {
				r := sameOverEvery(t, s, queryTransports, op)
				if len(r) != 1 {
					t.Fatalf("%d results to a query: %v", len(r), r)
				}
				if strings.Contains(r[0].Errors, `"INTERNAL"`) {
					t.Errorf("an INTERNAL error: %v", r[0])
				}
			})
		}
	})

	t.Run("mutations", func(t *testing.T) {
		testMutationsEveryTransport(t, s)
	})

	t.Run("referral mutations", func(t *testing.T) {
		testReferralMutationsEveryTransport(t, s)
	})

	t.Run("subscriptions", func(t *testing.T) {
		for name, op := range replaySubscriptions {
			t.Run(name, func(t *testing.T) {
				r := sameOverEvery(t, s, subscriptionTransports, op)
				if strings.Contains(fmt.Sprint(r), `"INTERNAL"`) {
					t.Errorf("an INTERNAL error: %v", r)
				}
				if op.take > 0 && len(r) != op.take && r[len(r)-1].Data != "" {
					t.Errorf("%d events, want %d: %v", len(r), op.take, r)
				}
			})
		}
		t.Run("over POST or GET", func(t *testing.T) {
			op := replaySubscriptions["Int, ID list and String variables"]
			req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(requestBody(op)))
			req.Header.Set("Content-Type", "application/json")
			if status, r, err := httpRequest(req, op); err != nil || status != http.StatusBadRequest || r.Data != "" || !strings.Contains(r.Errors, "BAD_REQUEST") {
				t.Errorf("a subscription over POST: %d %v %v", status, r, err)
			}
			if status, r, err := getStatus(context.Background(), s, op); err != nil || status != http.StatusMethodNotAllowed || r.Data != "" {
				t.Errorf("a subscription over GET: %d %v %v", status, r, err)
			}
		})
	})

	t.Run("persisted queries", func(t *testing.T) {
		query := `query($n: Int, $s: [Sector!]) { stakeholders(first: $n, filter: {sectors: $s}) { totalCount nodes { name } } }`
		sum := sha256.Sum256([]byte(query))
		ext := `{"persistedQuery": {"version": 1, "sha256Hash": "` + hex.EncodeToString(sum[:]) + `"}}`
		vars := `{"n": 2, "s": ["GOVERNMENT"]}`
		unknown := sameOverEvery(t, s, queryTransports, operation{extensions: ext, vars: vars})
		if !strings.Contains(unknown[0].Errors, "PERSISTED_QUERY_NOT_FOUND") {
			t.Fatalf("before it is sent: %v", unknown)
		}
		overPOST.run(t, s, operation{query: query, extensions: ext, vars: vars})
		r := sameOverEvery(t, s, queryTransports, operation{extensions: ext, vars: vars})
		if r[0].Errors != "" || !strings.Contains(r[0].Data, `"totalCount"`) {
			t.Errorf("by its hash, with Int and enum list variables: %v", r)
		}
	})

	t.Run("Int variables over the WebSocket", func(t *testing.T) {
		for _, tr := range []graphqlTransport{overTransport, overLegacy} {
			for _, name := range []string{"Int", "Int in a nested field"} {
				if r := tr.run(t, s, variableQueries[name]); len(r) != 1 || r[0].Errors != "" || r[0].Data == "" {
					t.Errorf("%s, %s: %v", tr.name, name, r)
				}
			}
			if r := tr.run(t, s, replaySubscriptions["Int, ID list and String variables"]); len(r) != 3 || strings.Contains(fmt.Sprint(r), `"errors"`) {
				t.Errorf("%s, a subscription with an Int variable: %v", tr.name, r)
			}
		}
	})

	t.Run("Int variables with the npm graphql-ws client", func(t *testing.T) {
		// The client Apollo's GraphQLWsLink and urql use, and the legacy
		// protocol's client side as e2e/subscribe.mjs speaks it.
		op := replaySubscriptions["Int, ID list and String variables"]
		want := overTransport.run(t, s, op)
		var vars map[string]any
		if err := json.Unmarshal([]byte(op.vars), &vars); err != nil {
			t.Fatal(err)
		}
		for _, protocol := range []string{"", "graphql-ws"} {
			sub := startSubscriber(t, "Int variables "+protocol, s.url, subOptions{query: op.query, vars: vars, count: op.take, timeout: 20 * time.Second, protocol: protocol})
			for i := range op.take {
				got, err := decodeResult([]byte(sub.next(15 * time.Second)))
				if err != nil || got != want[i] {
					t.Fatalf("%s: message %d is %v (%v), want %v", protocol, i, got, err, want[i])
				}
			}
		}
	})

	t.Run("@defer is not served", func(t *testing.T) {
		r := overPOST.run(t, s, variableQueries["introspection of the directives"])
		if !strings.Contains(r[0].Data, `"name":"include"`) || strings.Contains(r[0].Data, "defer") {
			t.Errorf("introspection: %v", r)
		}
		res, err := http.Get(s.url + "/schema.graphql")
		if err != nil {
			t.Fatal(err)
		}
		sdl, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || bytes.Contains(sdl, []byte("@defer")) {
			t.Errorf("/schema.graphql: %d, @defer listed: %v", res.StatusCode, bytes.Contains(sdl, []byte("@defer")))
		}
		for _, op := range []operation{variableQueries["@defer"], variableQueries["@defer on a named fragment"], replaySubscriptions["@defer"]} {
			for _, tr := range queryTransports {
				if tr.name == "POST" || tr.name == "GET" {
					if strings.HasPrefix(op.query, "subscription") {
						continue
					}
				}
				r := tr.run(t, s, op)
				if len(r) != 1 || r[0].Data != "" || !strings.Contains(r[0].Errors, `"GRAPHQL_VALIDATION_FAILED"`) || !strings.Contains(r[0].Errors, `Unknown directive \"@defer\"`) {
					t.Errorf("%s: %s answers %v", tr.name, op.query, r)
				}
			}
		}
		req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(requestBody(variableQueries["@defer"])))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "multipart/mixed; deferSpec=20220824, application/json")
		if status, r, err := httpRequest(req, operation{}); err != nil || status != http.StatusOK || r.Data != "" || !strings.Contains(r.Errors, "GRAPHQL_VALIDATION_FAILED") {
			t.Errorf("asking for multipart/mixed: %d %v %v", status, r, err)
		}
	})

	t.Run("request errors carry no data", func(t *testing.T) {
		for _, name := range []string{"a parse error", "an unknown field", "Int fractional", "enum unknown", "Int! missing"} {
			for _, tr := range queryTransports {
				if r := tr.run(t, s, variableQueries[name]); len(r) != 1 || r[0].Data != "" || r[0].Errors == "" {
					t.Errorf("%s, %s: %v", tr.name, name, r)
				}
			}
		}
		op := operation{query: `query($n: Int) { commitments(first: $n) { totalCount } }`, vars: `[1]`}
		for _, tr := range []graphqlTransport{overPOST, overGET, overSSE} {
			if r := tr.run(t, s, op); len(r) != 1 || r[0].Data != "" || !strings.Contains(r[0].Errors, `"BAD_REQUEST"`) {
				t.Errorf("%s, variables not an object: %v", tr.name, r)
			}
		}
		for _, protocol := range []string{"graphql-transport-ws", "graphql-ws"} {
			c := dialWS(t, s, protocol)
			c.send(`{"type":"connection_init"}`)
			c.expect("connection_ack")
			start := map[string]string{"graphql-transport-ws": "subscribe", "graphql-ws": "start"}[protocol]
			c.send(`{"id":"1","type":"` + start + `","payload":` + string(requestBody(op)) + `}`)
			c.expectClose(4400) // an invalid message, as the protocols say
		}
	})

	t.Run("a field error in an event", func(t *testing.T) {
		for _, tr := range subscriptionTransports {
			r := tr.run(t, s, replaySubscriptions["a field error in every event"])
			if len(r) != 2 {
				t.Fatalf("%s: %d results, want the stream to go on: %v", tr.name, len(r), r)
			}
			for _, e := range r {
				if e.Data != "null" || !strings.Contains(e.Errors, `"BAD_USER_INPUT"`) || !strings.Contains(e.Errors, `"path":["commitmentUpdated","commitment","history"]`) {
					t.Errorf("%s: an event whose non-null root failed came as %v, want data null and the error at its path from the root", tr.name, e)
				}
			}
		}
	})

	t.Run("the playground's live example", func(t *testing.T) {
		testLiveExampleEveryTransport(t, s)
	})
}

// replaySubscriptions replay the demo data's log from its start (cursor
// "e:0"), so that every transport gets the same events.
var replaySubscriptions = map[string]operation{
	"Int, ID list and String variables": {query: `subscription($ids: [ID!], $after: String, $n: Int) {
		commitmentUpdated(filter: {commitmentIds: $ids}, after: $after) {
			kind cursor changedFields { field }
			commitment { reference history(last: $n) { totalCount nodes { version kind } } progressReports(first: $n) { nodes { progress } } }
		} }`, vars: `{"ids": ["` + ci2 + `"], "after": "ZTow", "n": 2}`, take: 3},
	"enum and input object variables": {query: `subscription($f: EventFilter, $after: String) { events(filter: $f, after: $after) { kind cursor } }`,
		vars: `{"f": {"entityTypes": ["COMMITMENT", "MEETING"], "kinds": null}, "after": "ZTow"}`, take: 4},
	"enum list variable": {query: `subscription($k: [OutcomeKind!], $after: String) { meetingOutcomeRecorded(filter: {kinds: $k}, after: $after) { cursor kind outcome { summary status } } }`,
		vars: `{"k": ["DECISION", "ACTION_ITEM"], "after": "ZTow"}`, take: 2},
	"a field error in every event": {query: `subscription($after: String, $n: Int) { commitmentUpdated(after: $after) { cursor commitment { history(first: $n) { totalCount } } } }`,
		vars: `{"after": "ZTow", "n": 101}`, take: 2},
	"a cursor that is not one": {query: `subscription($after: String) { commitmentUpdated(after: $after) { cursor } }`, vars: `{"after": "nope"}`},
	"Int fractional":           {query: `subscription($after: String, $n: Int) { commitmentUpdated(after: $after) { commitment { history(last: $n) { totalCount } } } }`, vars: `{"after": "ZTow", "n": 1.5}`},
	"an unknown field":         {query: `subscription { events { cursor colour } }`},
	"two root fields":          {query: `subscription { events { cursor } commitmentUpdated { cursor } }`},
	"@defer": {query: `subscription($after: String) { commitmentUpdated(after: $after) { cursor ... @defer { commitment { reference } } } }`,
		vars: `{"after": "ZTow"}`, take: 1},
}

// testMutationsEveryTransport runs mutations over POST, both WebSocket
// protocols and SSE. One that changes state runs on a commitment of each
// transport's own, made alike; the others fail without changing anything
// and run on the same commitment everywhere. Over GET a mutation is 405.
func testMutationsEveryTransport(t *testing.T, s *testServer) {
	fresh := func() string {
		r := overPOST.run(t, s, operation{token: testAdminToken,
			query: `mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) { commitment { id } userErrors { message } } }`,
			vars: `{"in": {"objectiveId": "` + gid(hub.TypeObjective, "o2-1") + `", "leadId": "` + gid(hub.TypeStakeholder, "cpu") + `",
				"title": "One mutation, every transport", "startDate": "2014-01-01", "dueDate": "2014-12-31",
				"indicators": [{"name": "Youth reached", "unit": "people", "baseline": 0, "target": 200}]}}`})
		var out struct {
			CreateCommitment struct{ Commitment struct{ ID string } }
		}
		if err := json.Unmarshal([]byte(r[0].Data), &out); err != nil || out.CreateCommitment.Commitment.ID == "" {
			t.Fatalf("createCommitment: %v (%v)", r, err)
		}
		return out.CreateCommitment.Commitment.ID
	}
	const report = `mutation($in: ReportProgressInput!) { reportProgress(input: $in) {
		commitment { progress status version completionLevel indicators { name latestValue } }
		progressReport { progress status note reportedBy { name role } }
		userErrors { code field message } } }`
	const update = `mutation($id: ID!, $v: Int, $title: String, $due: Date, $communities: [ID!], $description: String) {
		updateCommitment(input: {id: $id, expectedVersion: $v, title: $title, dueDate: $due, communityIds: $communities, description: $description}) {
			commitment { title dueDate description version targetCommunities { name } }
			userErrors { code field message } } }`
	changes := []struct {
		name, query, vars string
	}{
		{"reportProgress: Int, Float, enum, String, ID and a list of input objects", report,
			`{"in": {"commitmentId": %q, "expectedVersion": 1, "progress": 40, "status": "DELAYED", "note": "First cohort \u2014 \"reached\"", "indicatorValues": [{"name": "Youth reached", "value": 85.5}]}}`},
		{"reportProgress: a Float sent as an integer, status null", report,
			`{"in": {"commitmentId": %q, "expectedVersion": 2, "progress": 60, "status": null, "note": "More", "indicatorValues": [{"name": "Youth reached", "value": 120}]}}`},
		{"updateCommitment: variables in the input object, an explicit null", update,
			`{"id": %q, "v": 3, "title": "Renamed", "due": "2015-03-31", "communities": ["` + gid(hub.TypeCommunity, "collet") + `"], "description": null}`},
	}
	ids := map[string]string{}
	for _, tr := range mutationTransports {
		ids[tr.name] = fresh()
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			var want []wireResult
			for _, tr := range mutationTransports {
				got := tr.run(t, s, operation{query: c.query, vars: fmt.Sprintf(c.vars, ids[tr.name]), token: testAdminToken})
				if len(got) != 1 || got[0].Errors != "" || !strings.Contains(got[0].Data, `"userErrors":[]`) {
					t.Fatalf("%s: %v", tr.name, got)
				}
				if want == nil {
					want = got
				} else if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s answers\n  %v\n%s answers\n  %v", tr.name, got, mutationTransports[0].name, want)
				}
			}
		})
	}

	failures := map[string]operation{
		"a stale expectedVersion": {query: report, vars: `{"in": {"commitmentId": "` + ci2 + `", "expectedVersion": 1, "progress": 50, "note": "stale"}}`},
		"progress out of range":   {query: report, vars: `{"in": {"commitmentId": "` + ci2 + `", "progress": 101, "note": "too far"}}`},
		"progress not an Int":     {query: report, vars: `{"in": {"commitmentId": "` + ci2 + `", "progress": "half", "note": "n"}}`},
		"a Float as a string":     {query: report, vars: `{"in": {"commitmentId": "` + ci2 + `", "progress": 50, "note": "n", "indicatorValues": [{"name": "x", "value": "1.5"}]}}`},
		"an unknown enum value":   {query: report, vars: `{"in": {"commitmentId": "` + ci2 + `", "progress": 50, "status": "DONE", "note": "n"}}`},
		"a required field null":   {query: report, vars: `{"in": {"commitmentId": "` + ci2 + `", "progress": null, "note": "n"}}`},
		"the input missing":       {query: report, vars: `{}`},
	}
	ci2State := operation{query: `query($id: ID!) { node(id: $id) { ... on Commitment { version progress status progressReports { totalCount } } } }`, vars: `{"id": "` + ci2 + `"}`}
	before := overPOST.run(t, s, ci2State)
	for name, op := range failures {
		op.token = testAdminToken
		t.Run(name, func(t *testing.T) {
			r := sameOverEvery(t, s, mutationTransports, op)
			if strings.Contains(fmt.Sprint(r), `"INTERNAL"`) {
				t.Errorf("an INTERNAL error: %v", r)
			}
		})
	}
	t.Run("without a token", func(t *testing.T) {
		op := operation{query: report, vars: `{"in": {"commitmentId": "` + ci2 + `", "progress": 50, "note": "n"}}`}
		r := sameOverEvery(t, s, mutationTransports, op)
		if !strings.Contains(fmt.Sprint(r), "UNAUTHENTICATED") {
			t.Errorf("an anonymous mutation: %v", r)
		}
	})
	t.Run("over GET", func(t *testing.T) {
		op := operation{query: report, vars: `{"in": {"commitmentId": "` + ci2 + `", "progress": 50, "note": "n"}}`, token: testAdminToken}
		status, r, err := getStatus(context.Background(), s, op)
		if err != nil || status != http.StatusMethodNotAllowed || r.Data != "" || !strings.Contains(r.Errors, "use POST") {
			t.Errorf("a mutation over GET: %d %v %v", status, r, err)
		}
	})
	if after := overPOST.run(t, s, ci2State); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the failed mutations changed %s: %v, then %v", ci2, before, after)
	}
}

// testLiveExampleEveryTransport runs the playground's subscription
// examples (live, no cursor) over every transport at once and records
// outcomes until each has received one: the last one recorded then
// reached every transport (each was subscribed before it), and must
// arrive alike.
func testLiveExampleEveryTransport(t *testing.T, s *testServer) {
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, e := range examples {
		if !e.Subscription() {
			continue
		}
		ran++
		t.Run(e.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			type delivery struct {
				transport string
				result    wireResult
			}
			deliveries := make(chan delivery)
			ended := make(chan error, len(subscriptionTransports))
			for _, tr := range subscriptionTransports {
				go func() {
					ended <- tr.stream(ctx, s, operation{query: e.Query, vars: e.Variables}, func(r wireResult) bool {
						select {
						case deliveries <- delivery{tr.name, r}:
							return true
						case <-ctx.Done():
							return false
						}
					})
				}()
			}
			received := map[string][]wireResult{}
			collect := func(d time.Duration) {
				timer := time.NewTimer(d)
				defer timer.Stop()
				for {
					select {
					case got := <-deliveries:
						received[got.transport] = append(received[got.transport], got.result)
					case err := <-ended:
						t.Fatalf("a subscription ended: %v (%v)", err, received)
					case <-timer.C:
						return
					}
				}
			}
			var summary string
			for probe := 1; len(received) < len(subscriptionTransports); probe++ {
				if probe > 20 {
					t.Fatalf("not every transport delivered an outcome: %v", received)
				}
				summary = fmt.Sprintf("%s over every transport, probe %d", e.Name, probe)
				r := overPOST.run(t, s, operation{token: testAdminToken,
					query: `mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { userErrors { message } } }`,
					vars:  `{"in": {"meetingId": "` + gid(hub.TypeMeeting, "m-2015-09") + `", "kind": "DECISION", "summary": "` + summary + `"}}`})
				if !strings.Contains(r[0].Data, `"userErrors":[]`) {
					t.Fatalf("recording an outcome: %v", r)
				}
				collect(300 * time.Millisecond)
			}
			last := func(name string) (wireResult, bool) {
				rs := received[name]
				return rs[len(rs)-1], strings.Contains(rs[len(rs)-1].Data, summary)
			}
			for deadline := time.Now().Add(10 * time.Second); ; collect(100 * time.Millisecond) {
				all := true
				for _, tr := range subscriptionTransports {
					_, ok := last(tr.name)
					all = all && ok
				}
				if all {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%q did not reach every transport: %v", summary, received)
				}
			}
			want, _ := last(subscriptionTransports[0].name)
			if want.Errors != "" {
				t.Errorf("errors: %v", want)
			}
			for _, tr := range subscriptionTransports[1:] {
				if got, _ := last(tr.name); got != want {
					t.Errorf("%s delivered\n  %v\n%s delivered\n  %v", tr.name, got, subscriptionTransports[0].name, want)
				}
			}
		})
	}
	if ran == 0 {
		t.Fatal("no subscription among the playground's examples")
	}
}
