package app

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/hub"
	"convene/store"
)

// A replay that cannot read the log ends with an UNAVAILABLE error that
// names the cursor to resume after, on both WebSocket subprotocols and
// over SSE; once the database is back, the replay resumes from there.

const replayQuery = `subscription($after: String) { events(after: $after) { cursor kind } }`

func TestReplayWithoutTheDatabaseEndsWithACodedError(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir, hub.Options{}).stop() // leaves a checkpoint of the demo data
	s := startServer(t, dir, hub.Options{})   // memory holds none of the log's events
	after := base64.RawURLEncoding.EncodeToString([]byte("e:1"))

	addr := mongoAddr(t, s.app.embedded.URI)
	s.app.embedded.Stop()
	restarted := false
	restart := func() { // the database back on its address
		emb, err := store.StartEmbedded(filepath.Join(dir, "ferretdb"), addr, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		s.app.embedded, restarted = emb, true
	}
	defer func() {
		if !restarted {
			restart() // for Close
		}
	}()

	vars, _ := json.Marshal(map[string]any{"after": after})
	payload := `{"query":` + string(mustJSON(t, replayQuery)) + `,"variables":` + string(vars) + `}`
	check := func(transport string, e map[string]any) {
		t.Helper()
		ext, _ := e["extensions"].(map[string]any)
		if ext["code"] != "UNAVAILABLE" || ext["resumeAfter"] != after || !strings.Contains(e["message"].(string), after) {
			t.Fatalf("%s: the replay ended with %v, want UNAVAILABLE with resumeAfter %q", transport, e, after)
		}
	}

	c := dialWS(t, s, "graphql-transport-ws")
	c.send(`{"type":"connection_init"}`)
	c.expect("connection_ack")
	c.send(`{"id":"1","type":"subscribe","payload":` + payload + `}`)
	msg := c.awaitMessage("error")
	errs, _ := msg["payload"].([]any)
	if msg["id"] != "1" || len(errs) != 1 {
		t.Fatalf("graphql-transport-ws: %v", msg)
	}
	check("graphql-transport-ws", errs[0].(map[string]any))

	legacy := dialWS(t, s, "graphql-ws")
	legacy.send(`{"type":"connection_init","payload":{}}`)
	legacy.expect("connection_ack")
	legacy.send(`{"id":"2","type":"start","payload":` + payload + `}`)
	msg = legacy.awaitMessage("error")
	if msg["id"] != "2" {
		t.Fatalf("graphql-ws: %v", msg)
	}
	check("graphql-ws", msg["payload"].(map[string]any))

	events := sseEvents(t, s, payload)
	if len(events) != 2 || events[0].name != "next" || events[1].name != "complete" {
		t.Fatalf("SSE: %+v, want one next with the error, then complete", events)
	}
	var res response
	if err := json.Unmarshal([]byte(events[0].data), &res); err != nil || len(res.Errors) != 1 {
		t.Fatalf("SSE: %s: %v", events[0].data, err)
	}
	e := map[string]any{"message": res.Errors[0].Message, "extensions": res.Errors[0].Extensions}
	check("SSE", e)

	// With the database back, the replay resumes after resumeAfter.
	restart()
	c.send(`{"id":"3","type":"subscribe","payload":` + payload + `}`)
	msg = c.expect("next")
	want := base64.RawURLEncoding.EncodeToString([]byte("e:2"))
	if got := msg["payload"].(map[string]any)["data"].(map[string]any)["events"].(map[string]any)["cursor"]; msg["id"] != "3" || got != want {
		t.Fatalf("the resumed replay's first message is %v, want the event at 2", msg)
	}
}

// awaitMessage reads, for up to 30 s, until a message of type typ,
// skipping keep-alives: a replay waits for the database a few seconds
// before it gives up.
func (c *wsClient) awaitMessage(typ string) map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", typ, err)
		}
		var msg map[string]any
		if err := json.Unmarshal(data, &msg); err != nil {
			c.t.Fatalf("%s: %v", data, err)
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

func mongoAddr(t *testing.T, uri string) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

type sseEvent struct{ name, data string }

// sseEvents posts a subscription for an event stream and reads its
// events until the server ends it.
func sseEvents(t *testing.T, s *testServer, payload string) []sseEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/graphql", strings.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event:"):
			cur.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			cur.data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		case line == "" && cur.name != "":
			out = append(out, cur)
			cur = sseEvent{}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the event stream: %v (got %+v)", err, out)
	}
	return out
}
