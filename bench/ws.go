package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// ---------------------------------------------------------------- subscribers

// fleet is graphql-transport-ws subscribers of W5's subscription, each on
// its own connection, recording when each published event reaches it. It
// grows level by level (1,000, then 5,000, then 10,000), so a server keeps
// its subscribers from one level to the next.
type fleet struct {
	addr  string
	conns []*websocket.Conn // [0, n) are open
	n     int
	// recv[i][k] is client i's publish-to-receive latency of event k
	// (0: not received).
	recv     [][]time.Duration
	events   int // events are numbered 0..events-1
	dups     atomic.Int64
	unknown  atomic.Int64
	errMsgs  atomic.Int64
	firstErr atomic.Value
	received []atomic.Int64 // per event: how many clients have it
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	hc       *http.Client
	sub      []byte
}

func newFleet(addr string, maxN, events int) *fleet {
	ctx, cancel := context.WithCancel(context.Background())
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": subscriptionW5}})
	return &fleet{addr: addr, conns: make([]*websocket.Conn, maxN), recv: make([][]time.Duration, maxN), events: events,
		received: make([]atomic.Int64, events), ctx: ctx, cancel: cancel, sub: sub,
		hc: &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}}}
}

// grow opens subscriptions until there are n, at most 64 handshakes at a
// time.
func (f *fleet) grow(n int, timeout time.Duration) error {
	n = min(n, len(f.conns))
	deadline := time.Now().Add(timeout)
	sem := make(chan struct{}, 64)
	var mu sync.Mutex
	var failed int
	var firstErr error
	var wg sync.WaitGroup
	for i := f.n; i < n && time.Now().Before(deadline); i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := dialSubscriber(f.ctx, f.hc, f.addr, f.sub)
			if err != nil {
				mu.Lock()
				failed++
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				return
			}
			f.recv[i] = make([]time.Duration, f.events)
			f.conns[i] = c
			f.wg.Add(1)
			go f.read(i, c)
		}()
	}
	wg.Wait()
	f.n = n
	if failed > 0 {
		return fmt.Errorf("%d of %d subscribers failed to connect; first: %v", failed, n, firstErr)
	}
	return nil
}

func dialSubscriber(ctx context.Context, hc *http.Client, addr string, subscribe []byte) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, "ws://"+addr+"/graphql", &websocket.DialOptions{
		HTTPClient: hc, Subprotocols: []string{"graphql-transport-ws"}, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	if err := c.Write(dctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{}}`)); err != nil {
		c.CloseNow()
		return nil, err
	}
	for {
		_, msg, err := c.Read(dctx)
		if err != nil {
			c.CloseNow()
			return nil, fmt.Errorf("waiting for connection_ack: %w", err)
		}
		if bytes.Contains(msg, []byte(`"connection_ack"`)) {
			break
		}
	}
	if err := c.Write(dctx, websocket.MessageText, subscribe); err != nil {
		c.CloseNow()
		return nil, err
	}
	return c, nil
}

var (
	keySummary    = []byte(`"summary":"w5-`)
	keyRecordedAt = []byte(`"recordedAt":"`)
)

func (f *fleet) read(i int, c *websocket.Conn) {
	defer f.wg.Done()
	for {
		_, msg, err := c.Read(f.ctx)
		now := time.Now()
		if err != nil {
			return
		}
		switch {
		case bytes.Contains(msg, []byte(`"type":"ping"`)):
			c.Write(f.ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
			continue
		case !bytes.Contains(msg, []byte(`"type":"next"`)):
			if bytes.Contains(msg, []byte(`"type":"error"`)) || bytes.Contains(msg, []byte(`"type":"complete"`)) {
				f.errMsgs.Add(1)
				f.firstErr.CompareAndSwap(nil, string(msg))
			}
			continue
		}
		k, at, ok := parseW5(msg)
		if !ok || k < 0 || k >= f.events {
			f.unknown.Add(1)
			continue
		}
		if f.recv[i][k] != 0 {
			f.dups.Add(1)
			continue
		}
		f.recv[i][k] = max(now.Sub(at), time.Nanosecond)
		f.received[k].Add(1)
	}
}

// parseW5 finds the event number (in the summary "w5-<k>") and the
// outcome's recordedAt in a message, without decoding all of it.
func parseW5(msg []byte) (int, time.Time, bool) {
	i := bytes.Index(msg, keySummary)
	if i < 0 {
		return 0, time.Time{}, false
	}
	rest := msg[i+len(keySummary):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0, time.Time{}, false
	}
	k, err := strconv.Atoi(string(rest[:j]))
	if err != nil {
		return 0, time.Time{}, false
	}
	i = bytes.Index(msg, keyRecordedAt)
	if i < 0 {
		return 0, time.Time{}, false
	}
	rest = msg[i+len(keyRecordedAt):]
	j = bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0, time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(rest[:j]))
	return k, at, err == nil
}

func (f *fleet) connected() int {
	n := 0
	for _, c := range f.conns[:f.n] {
		if c != nil {
			n++
		}
	}
	return n
}

// waitFor waits until every connected client has event k, or timeout.
func (f *fleet) waitFor(k int, timeout time.Duration) bool {
	want := int64(f.connected())
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if f.received[k].Load() >= want {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return f.received[k].Load() >= want
}

// latencies returns the sorted latencies of events from..to.
func (f *fleet) latencies(from, to int) (lat []time.Duration, missing int) {
	for i, r := range f.recv[:f.n] {
		if f.conns[i] == nil {
			continue
		}
		for k := from; k <= to; k++ {
			if r[k] == 0 {
				missing++
			} else {
				lat = append(lat, r[k])
			}
		}
	}
	slices.Sort(lat)
	return lat, missing
}

func (f *fleet) close() {
	f.cancel()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for _, c := range f.conns {
		if c == nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c.CloseNow()
		}()
	}
	wg.Wait()
	f.wg.Wait()
}

// ---------------------------------------------------------------- raw broadcast

// serveRawWS is W5's floor: a WebSocket server that accepts the
// graphql-transport-ws handshake and, for each POST /publish, encodes one
// message once and queues the same bytes to every subscriber (one writer
// goroutine and a bounded queue per connection, as Convene's live
// transport has). No GraphQL, no event log, no database.
func serveRawWS(args []string) error {
	fs := flag.NewFlagSet("serve-rawws", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	fs.Parse(args)
	type sub struct{ out chan []byte }
	var mu sync.Mutex
	subs := map[*sub]struct{}{}
	var seq atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		defer c.CloseNow()
		s := &sub{out: make(chan []byte, 16)}
		go func() {
			for {
				select {
				case b := <-s.out:
					if c.Write(ctx, websocket.MessageText, b) != nil {
						cancel()
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
		for {
			_, msg, err := c.Read(ctx)
			if err != nil {
				break
			}
			switch {
			case bytes.Contains(msg, []byte(`"connection_init"`)):
				select {
				case s.out <- []byte(`{"type":"connection_ack"}`):
				default:
				}
			case bytes.Contains(msg, []byte(`"subscribe"`)):
				mu.Lock()
				subs[s] = struct{}{}
				mu.Unlock()
			}
		}
		mu.Lock()
		delete(subs, s)
		mu.Unlock()
	})
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Summary string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		n := seq.Add(1)
		now := time.Now().UTC().Format(time.RFC3339Nano)
		msg, _ := json.Marshal(map[string]any{"id": "1", "type": "next", "payload": map[string]any{"data": map[string]any{
			"meetingOutcomeRecorded": map[string]any{
				"cursor": fmt.Sprintf("ZTo%d", n), "kind": "MeetingOutcomeRecorded", "at": now,
				"outcome": map[string]any{"id": fmt.Sprintf("TWVldGluZ091dGNvbWU6b3V0Y29tZS0%06d", n), "kind": "DECISION",
					"summary": in.Summary, "recordedAt": now,
					"meeting": map[string]any{"id": "TWVldGluZzptZWV0aW5nLTAwMDAw", "title": "Coordination meeting 1"},
					"owner":   nil},
			}}}})
		mu.Lock()
		dropped := 0
		for s := range subs {
			select {
			case s.out <- msg:
			default:
				dropped++
			}
		}
		count := len(subs)
		mu.Unlock()
		fmt.Fprintf(w, `{"subscribers":%d,"dropped":%d}`, count, dropped)
	})
	return listenAndServe(*addr, mux)
}

// ---------------------------------------------------------------- publisher

// publisher records W5's outcomes: through the GraphQL mutation (Convene,
// B3) or the raw server's /publish.
type publisher struct {
	addr, token, meetingID string
	raw                    bool
}

func (p publisher) publish(k int) error {
	summary := fmt.Sprintf("w5-%d", k)
	if p.raw {
		b, _ := json.Marshal(map[string]string{"summary": summary})
		status, body, err := fetch(p.addr, httpRequest(p.addr, "POST", "/publish", b))
		if err == nil && status != 200 {
			err = fmt.Errorf("HTTP %d: %s", status, short(body))
		}
		return err
	}
	body := gqlBody(mutationPublish, map[string]any{"in": map[string]any{"meetingId": p.meetingID, "kind": "DECISION", "summary": summary}})
	status, resp, err := fetch(p.addr, httpRequest(p.addr, "POST", "/graphql", body, "Authorization", "Bearer "+p.token))
	if err != nil {
		return err
	}
	if !okMutation(status, resp) {
		return fmt.Errorf("publishing: HTTP %d: %s", status, short(resp))
	}
	return nil
}

var errStopped = errors.New("stopped")
