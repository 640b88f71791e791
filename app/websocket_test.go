package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"convene/hub"

	"github.com/coder/websocket"
)

// Raw WebSocket tests: the protocol's close codes and keep-alive, the
// legacy subprotocol, and the sharing of one execution between identical
// subscriptions.

type wsClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialWS(t *testing.T, s *testServer, subprotocol string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &wsClient{t: t, ws: ws}
}

func (c *wsClient) send(msg string) {
	c.t.Helper()
	if err := c.ws.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatal(err)
	}
}

// next reads one message, or returns the close status when the server
// closed the socket.
func (c *wsClient) next() (map[string]any, websocket.StatusCode) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.ws.Read(ctx)
	if status := websocket.CloseStatus(err); status != -1 {
		return nil, status
	}
	if err != nil {
		c.t.Fatalf("reading: %v", err)
	}
	var msg map[string]any
	if err := json.Unmarshal(data, &msg); err != nil {
		c.t.Fatalf("%s: %v", data, err)
	}
	return msg, -1
}

// expect reads until a message of type typ, skipping keep-alives.
func (c *wsClient) expect(typ string) map[string]any {
	c.t.Helper()
	for {
		msg, status := c.next()
		if status != -1 {
			c.t.Fatalf("closed with %d while waiting for %s", status, typ)
		}
		if msg["type"] == "ping" || msg["type"] == "ka" {
			continue
		}
		if msg["type"] != typ {
			c.t.Fatalf("got %v, want a %s message", msg, typ)
		}
		return msg
	}
}

func (c *wsClient) expectClose(code websocket.StatusCode) {
	c.t.Helper()
	for {
		msg, status := c.next()
		if status == -1 {
			if msg["type"] == "ping" || msg["type"] == "ka" || msg["type"] == "connection_ack" {
				continue
			}
			c.t.Fatalf("got %v, want close %d", msg, code)
		}
		if status != code {
			c.t.Fatalf("closed with %d, want %d", status, code)
		}
		return
	}
}

const decisionSubscription = `{"query":"subscription($k: [OutcomeKind!]) { meetingOutcomeRecorded(filter: {kinds: $k}) { cursor outcome { summary kind } } }","variables":{"k":["DECISION"]}}`

func TestWebSocketCloseCodes(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.wsInit = 300 * time.Millisecond
	s := startServerConfig(t, cfg, hub.Options{})

	t.Run("4408 no connection_init in time", func(t *testing.T) {
		dialWS(t, s, "graphql-transport-ws").expectClose(4408)
	})
	t.Run("4429 a second connection_init", func(t *testing.T) {
		c := dialWS(t, s, "graphql-transport-ws")
		c.send(`{"type":"connection_init"}`)
		c.expect("connection_ack")
		c.send(`{"type":"connection_init"}`)
		c.expectClose(4429)
	})
	t.Run("4401 subscribe before connection_ack", func(t *testing.T) {
		c := dialWS(t, s, "graphql-transport-ws")
		c.send(`{"id":"1","type":"subscribe","payload":` + decisionSubscription + `}`)
		c.expectClose(4401)
	})
	t.Run("4409 two subscriptions with one id", func(t *testing.T) {
		c := dialWS(t, s, "graphql-transport-ws")
		c.send(`{"type":"connection_init"}`)
		c.expect("connection_ack")
		c.send(`{"id":"1","type":"subscribe","payload":` + decisionSubscription + `}`)
		c.send(`{"id":"1","type":"subscribe","payload":` + decisionSubscription + `}`)
		c.expectClose(4409)
	})
	t.Run("4403 a wrong token", func(t *testing.T) {
		c := dialWS(t, s, "graphql-transport-ws")
		c.send(`{"type":"connection_init","payload":{"Authorization":"Bearer wrong"}}`)
		c.expectClose(4403)
	})
	t.Run("4400 a message that is not JSON", func(t *testing.T) {
		c := dialWS(t, s, "graphql-transport-ws")
		c.send(`{"type":"connection_init"}`)
		c.expect("connection_ack")
		c.send(`not json`)
		c.expectClose(4400)
	})
	t.Run("ping is answered with pong", func(t *testing.T) {
		c := dialWS(t, s, "graphql-transport-ws")
		c.send(`{"type":"connection_init"}`)
		c.expect("connection_ack")
		c.send(`{"type":"ping","payload":{"n":1}}`)
		if msg := c.expect("pong"); fmt.Sprint(msg["payload"]) != "map[n:1]" {
			t.Fatalf("pong %v", msg)
		}
	})
	t.Run("an invalid query is an error message, not a close", func(t *testing.T) {
		c := dialWS(t, s, "graphql-transport-ws")
		c.send(`{"type":"connection_init"}`)
		c.expect("connection_ack")
		c.send(`{"id":"q","type":"subscribe","payload":{"query":"subscription { nope }"}}`)
		if msg := c.expect("error"); msg["id"] != "q" || !strings.Contains(fmt.Sprint(msg["payload"]), "nope") {
			t.Fatalf("error message %v", msg)
		}
	})
}

// recordDecision records a DECISION outcome over HTTP.
func recordDecision(t *testing.T, s *testServer, summary string) {
	t.Helper()
	meeting := s.app.hub.Model().Meetings(hub.MeetingFilter{Statuses: []hub.MeetingStatus{hub.Held}})[0]
	var out struct {
		RecordMeetingOutcome struct{ UserErrors []userError }
	}
	s.mutate(`mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { userErrors { field message } } }`,
		map[string]any{"in": map[string]any{"meetingId": gid(hub.TypeMeeting, meeting.ID), "kind": "DECISION", "summary": summary}}, &out)
	if len(out.RecordMeetingOutcome.UserErrors) > 0 {
		t.Fatal(out.RecordMeetingOutcome.UserErrors)
	}
}

func TestLegacyGraphQLWSProtocol(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	c := dialWS(t, s, "graphql-ws")
	c.send(`{"type":"connection_init","payload":{}}`)
	c.expect("connection_ack")
	c.send(`{"id":"7","type":"start","payload":` + decisionSubscription + `}`)
	time.Sleep(100 * time.Millisecond)
	recordDecision(t, s, "Legacy clients hear this")
	msg := c.expect("data")
	if msg["id"] != "7" || !strings.Contains(fmt.Sprint(msg["payload"]), "Legacy clients hear this") {
		t.Fatalf("data message %v", msg)
	}
	c.send(`{"id":"7","type":"stop"}`)
	if msg := c.expect("complete"); msg["id"] != "7" {
		t.Fatalf("complete %v", msg)
	}
}

// TestIdenticalSubscriptionsShareOneExecution: fifty subscribers of one
// operation run one execution and all receive the message; another
// selection runs a second; when they leave, nothing is left running.
func TestIdenticalSubscriptionsShareOneExecution(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	baseline := runtime.NumGoroutine()
	var clients []*wsClient
	for i := range 50 {
		c := dialWS(t, s, "graphql-transport-ws")
		c.send(`{"type":"connection_init"}`)
		c.expect("connection_ack")
		c.send(fmt.Sprintf(`{"id":"s%d","type":"subscribe","payload":%s}`, i, decisionSubscription))
		clients = append(clients, c)
	}
	other := dialWS(t, s, "graphql-transport-ws")
	other.send(`{"type":"connection_init"}`)
	other.expect("connection_ack")
	other.send(`{"id":"o","type":"subscribe","payload":{"query":"subscription { meetingOutcomeRecorded { outcome { summary } } }"}}`)
	waitFor(t, "subscriptions to start", func() bool { _, subs := s.app.live.Count(); return subs == 51 })
	if executions, _ := s.app.live.Count(); executions != 2 {
		t.Fatalf("%d executions for 2 distinct subscriptions", executions)
	}
	recordDecision(t, s, "Shared by fifty")
	for i, c := range clients {
		msg := c.expect("next")
		if msg["id"] != fmt.Sprint("s", i) || !strings.Contains(fmt.Sprint(msg["payload"]), "Shared by fifty") {
			t.Fatalf("subscriber %d got %v", i, msg)
		}
	}
	other.expect("next")
	for _, c := range append(clients, other) {
		c.ws.Close(websocket.StatusNormalClosure, "")
	}
	waitFor(t, "executions to stop", func() bool { e, _ := s.app.live.Count(); return e == 0 && s.app.live.Connections() == 0 })
	waitFor(t, "goroutines to return to the baseline", func() bool { return runtime.NumGoroutine() <= baseline+5 })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal(errors.New("timed out waiting for " + what))
}

// TestWebSocketLogsItsLineWhenItCloses: the transport serves a connection
// after the HTTP handler has returned; the request's log line still comes
// when the connection closes, with its duration.
func TestWebSocketLogsItsLineWhenItCloses(t *testing.T) {
	logs := &syncBuffer{}
	s := startServerLogger(t, testConfig(t.TempDir()), slog.New(slog.NewTextHandler(logs, nil)))
	ws := dialWS(t, s, "graphql-transport-ws")
	ws.send(`{"type":"connection_init"}`)
	ws.expect("connection_ack")
	if strings.Contains(logs.String(), "websocket closed") {
		t.Fatalf("logged as closed while open:\n%s", logs)
	}
	ws.ws.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), `msg="websocket closed"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no line for the closed WebSocket:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if line := logs.String(); !strings.Contains(line, "transport=ws") || !strings.Contains(line, "status=101") {
		t.Fatalf("the WebSocket's line: %s", line)
	}
}
