package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"convene/hub"
	"convene/opaque"
)

// Subscribe runs a GraphQL subscription as v and returns its messages
// one by one (false when it has ended, as when ctx ends).
type Subscribe func(ctx context.Context, v hub.Viewer, query string, vars map[string]any) (next func() ([]byte, bool), err error)

// Options configure a Service.
type Options struct {
	Hub        *hub.Hub
	DB         *mongo.Database
	Box        *Box
	Policy     Policy
	Subscribe  Subscribe
	StillValid func(hub.Viewer) bool // whether a creator's token still authenticates
	Logger     *slog.Logger
	Schedule   Schedule
	LeaseTTL   time.Duration // default 15 s
}

// Service delivers every active webhook, each by one instance at a time.
type Service struct {
	opts   Options
	state  *state
	client *http.Client
	owner  string // this instance, in leases
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	running map[string]bool
}

// New returns a service; Start starts delivering.
func New(opts Options) *Service {
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 15 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	b := make([]byte, 8)
	rand.Read(b)
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{opts: opts, state: newState(opts.DB), client: opts.Policy.Client(), owner: hex.EncodeToString(b),
		ctx: ctx, cancel: cancel, running: map[string]bool{}}
}

// Start runs the deliverer until Close: every second it starts a worker
// for each active webhook that has none.
func (s *Service) Start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		if err := s.state.ensureIndexes(ctx); err != nil && s.ctx.Err() == nil {
			s.opts.Logger.Warn("creating the webhook deliveries' indexes", "err", err)
		}
		cancel()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			for _, w := range s.opts.Hub.Model().ActiveWebhooks() {
				s.mu.Lock()
				if !s.running[w.ID] && s.opts.StillValid(w.Viewer()) {
					s.running[w.ID] = true
					s.wg.Add(1)
					go s.work(w.ID)
				}
				s.mu.Unlock()
			}
			select {
			case <-t.C:
			case <-s.ctx.Done():
				return
			}
		}
	}()
}

// Close stops delivering and waits for the workers.
func (s *Service) Close() {
	s.cancel()
	s.wg.Wait()
}

// Instance names this instance in the leases it holds.
func (s *Service) Instance() string { return s.owner }

// Policy is the URL policy webhooks are held to.
func (s *Service) Policy() Policy { return s.opts.Policy }

// NewSecret returns a fresh secret and its sealed form.
func (s *Service) NewSecret() (secret, sealed string) {
	secret = NewSecret()
	return secret, s.opts.Box.Seal(secret)
}

// Deliveries returns the webhook's latest attempts, newest first.
func (s *Service) Deliveries(ctx context.Context, id string) ([]*Delivery, error) {
	return s.state.list(ctx, id)
}

// MessageID is the webhook-id of the event at seq to webhook: the same on
// every attempt, so a receiver can drop what it already has.
func MessageID(webhook string, seq int64) string { return fmt.Sprintf("msg_%s_%d", webhook, seq) }

// Test sends a test message to the webhook once and records the attempt.
func (s *Service) Test(ctx context.Context, w *hub.Webhook) (*Delivery, error) {
	b := make([]byte, 8)
	rand.Read(b)
	body, _ := json.Marshal(map[string]any{"type": "webhook.test", "webhook": opaque.GlobalID(hub.TypeWebhook, w.ID),
		"at": time.Now().UTC().Format(time.RFC3339)})
	d := s.attempt(ctx, w, "msg_test_"+hex.EncodeToString(b), 0, body, 1)
	return d, s.state.record(ctx, d)
}

// attempt POSTs one message.
func (s *Service) attempt(ctx context.Context, w *hub.Webhook, id string, seq int64, body []byte, n int) *Delivery {
	d := &Delivery{Webhook: w.ID, MessageID: id, Seq: seq, At: time.Now().UTC().Truncate(time.Millisecond), Attempt: n}
	start := time.Now()
	defer func() { d.Duration = time.Since(start) }()
	secret, err := s.opts.Box.Open(w.SealedSecret)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	if err := s.opts.Policy.CheckURL(ctx, w.URL); err != nil {
		d.Error = "the URL " + err.Error()
		return d
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err == nil {
		err = signedRequest(req, secret, id, d.At, body)
	}
	if err != nil {
		d.Error = err.Error()
		return d
	}
	resp, err := s.client.Do(req)
	if err != nil {
		d.Error = errorText(err)
		return d
	}
	defer resp.Body.Close()
	kept, _ := io.ReadAll(io.LimitReader(resp.Body, maxKept))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection may be reused
	d.Status, d.Response = resp.StatusCode, string(kept)
	if !d.OK() {
		d.Error = fmt.Sprintf("answered %s", resp.Status)
	}
	return d
}

// errorText says why a request failed, without the URL's query (which
// may hold the receiver's own credentials).
func errorText(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		err = ue.Unwrap()
	}
	if errors.Is(err, errRefusedAddress) {
		return "refused: " + err.Error()
	}
	return err.Error()
}

// errChanged ends a worker's round: the webhook or its creator's token
// changed, and the worker starts again (or stops) as they now say.
var errChanged = errors.New("the webhook or its creator's token changed")

// work delivers one webhook while it is active and its creator's token
// valid, whenever this instance holds its lease.
func (s *Service) work(id string) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.running, id)
		s.mu.Unlock()
	}()
	for s.ctx.Err() == nil {
		w := hub.Webhooks.Get(s.opts.Hub.Model(), id)
		if w == nil || !w.Active() || !s.opts.StillValid(w.Viewer()) {
			return
		}
		if l := s.acquire(id); l != nil {
			if err := s.deliverHeld(w, l); err != nil && !errors.Is(err, errChanged) && s.ctx.Err() == nil {
				s.opts.Logger.Warn("webhook deliveries paused", "webhook", opaque.GlobalID(hub.TypeWebhook, id), "err", err)
			}
		}
		select {
		case <-time.After(s.opts.LeaseTTL / 5):
		case <-s.ctx.Done():
		}
	}
}

// deliverHeld delivers the webhook's messages in order while the lease
// holds and the webhook is as it was; it returns to be started again.
func (s *Service) deliverHeld(w *hub.Webhook, l *lease) error {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	h := &held{l: *l}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		s.keep(ctx, w, h)
	}()

	c, err := s.state.cursor(ctx, w.ID)
	if err != nil {
		return err
	}
	if err := s.state.prune(ctx, w.ID, time.Now()); err != nil {
		return err
	}
	if c == nil {
		c = &Cursor{Webhook: w.ID, Seq: w.StartSeq}
	}
	if w.RewindVersion > c.Rewound {
		*c = Cursor{Webhook: w.ID, Seq: w.Rewind, Rewound: w.RewindVersion}
		if err := s.state.saveCursor(ctx, c); err != nil {
			return err
		}
	}
	field, query := Document(w.Stream)
	var filter any
	if w.Filter != "" {
		if err := json.Unmarshal([]byte(w.Filter), &filter); err != nil {
			return err
		}
	}
	next, err := s.opts.Subscribe(ctx, w.Viewer(), query, map[string]any{"filter": filter, "after": opaque.EventCursor(c.Seq)})
	if err != nil {
		return err
	}
	for {
		body, ok := next()
		if !ok {
			return ctx.Err()
		}
		seq, err := messageSeq(body, field)
		if err != nil {
			return fmt.Errorf("%w: %.300s", err, body)
		}
		if seq <= c.Seq {
			continue
		}
		if err := s.deliverOne(ctx, w, h, c, seq, body); err != nil {
			return err
		}
	}
}

// deliverOne delivers the message at seq until the receiver takes it,
// the webhook is given up, or ctx ends.
func (s *Service) deliverOne(ctx context.Context, w *hub.Webhook, h *held, c *Cursor, seq int64, body []byte) error {
	id := MessageID(w.ID, seq)
	for {
		if c.Next != nil {
			select {
			case <-time.After(time.Until(*c.Next)):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !h.valid() || ctx.Err() != nil {
			return ctx.Err()
		}
		// Judged at delivery time: a token revoked, or the webhook changed,
		// since the event was read stops this delivery.
		if now := hub.Webhooks.Get(s.opts.Hub.Model(), w.ID); now == nil || now.Version != w.Version || !s.opts.StillValid(w.Viewer()) {
			return errChanged
		}
		d := s.attempt(ctx, w, id, seq, body, c.Attempts+1)
		if ctx.Err() != nil && !d.OK() {
			return ctx.Err() // stopped mid-attempt: not the receiver's failure
		}
		if d.OK() {
			*c = Cursor{Webhook: w.ID, Seq: seq, Rewound: c.Rewound}
		} else {
			c.Attempts++
			if c.First == nil {
				c.First = &d.At
			}
			next, ok := s.opts.Schedule.Next(c.Attempts, *c.First, time.Now())
			if !ok {
				_ = s.state.record(ctx, d)
				_, err := s.opts.Hub.DisableWebhook(ctx, w.ID, fmt.Sprintf("deliveries failed for 3 days (%d attempts; the last: %s)", c.Attempts, d.Error))
				*c = Cursor{Webhook: w.ID, Seq: c.Seq, Rewound: c.Rewound}
				if serr := s.state.saveCursor(ctx, c); err == nil {
					err = serr
				}
				return err
			}
			d.NextRetry, c.Next = &next, &next
		}
		if err := s.state.record(ctx, d); err != nil {
			return err
		}
		if err := s.state.saveCursor(ctx, c); err != nil {
			return err
		}
		if d.OK() {
			return nil
		}
	}
}

// messageSeq reads the log position of a subscription message.
func messageSeq(body []byte, field string) (int64, error) {
	var m struct {
		Data map[string]struct {
			Cursor string `json:"cursor"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return 0, err
	}
	seq, ok := opaque.ParseEventCursor(m.Data[field].Cursor)
	if !ok {
		return 0, errors.New("the subscription sent a message without a cursor")
	}
	return seq, nil
}
