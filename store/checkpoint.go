package store

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"

	"convene/hub"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Checkpoints replace per-entity snapshot documents: on FerretDB's SQLite
// backend a replace by _id scans the collection inside the write lock, so
// appends queued behind snapshot flushes, and loading one JSON document
// per entity was slow at start-up (figures in bench/RESULTS.md). A
// checkpoint is written
// by inserts only: a few documents, each holding many entities' states
// (with their histories, so that history queries need no database) as
// concatenated BSON in one binary field, which FerretDB stores and returns
// without decoding. The price: MongoDB tools no longer show entities as
// ordinary documents; the events collection still shows every change.

// partBytes bounds a checkpoint document's encoded states before they are
// deflated: each insert is short, so an append waits behind at most one
// of them, and far below BSON's 16 MB document limit. Deflating costs
// less than it saves: FerretDB stores binary as base64 inside JSON text,
// which it decodes slowly.
const partBytes = 1 << 20

// checkpointDoc is one part of a checkpoint: the states of some of the
// entities changed in the log positions (From, To]. A checkpoint with
// From 0 holds every entity.
type checkpointDoc struct {
	ID         string `bson:"_id"`
	Checkpoint string `bson:"checkpoint"` // shared by the parts
	From       int64  `bson:"from"`
	To         int64  `bson:"to"`
	Part       int    `bson:"part"`
	Parts      int    `bson:"parts"`
	Count      int    `bson:"count"`
	Size       int    `bson:"size"`   // of the states inflated
	States     []byte `bson:"states"` // deflated concatenation of BSON documents, each a snapshotRecord
}

// snapshotRecord is an entity's state and history inside a checkpoint,
// with a commitment's progress reports; both in the read model's own
// encodings (hub.History, hub.Reports).
type snapshotRecord struct {
	State   hub.State   `bson:"state"`
	History hub.History `bson:"history"`
	Reports hub.Reports `bson:"reports,omitempty"`
}

// checkpointRef is a stored checkpoint document, for compaction.
type checkpointRef struct {
	id string
	to int64
}

// SaveSnapshots writes a checkpoint of the entities changed in the log
// positions (from, to], part by part. With from 0 it holds every entity
// and supersedes the checkpoints up to to, which are then deleted (those
// this instance knows of: loaded at start or written since). Each call
// writes a new checkpoint; a retried one leaves an incomplete one behind,
// which LoadSnapshots uses only for its states.
func (s *Store) SaveSnapshots(ctx context.Context, snaps []hub.Snapshot, from, to int64) error {
	blobs, counts, sizes, err := encodeParts(snaps)
	if err != nil {
		return err
	}
	nonce := make([]byte, 6)
	rand.Read(nonce)
	name := fmt.Sprintf("%020d-%s", to, hex.EncodeToString(nonce))
	var written []checkpointRef
	for i, blob := range blobs {
		d := checkpointDoc{ID: fmt.Sprintf("%s-%04d", name, i), Checkpoint: name, From: from, To: to,
			Part: i, Parts: len(blobs), Count: counts[i], Size: sizes[i], States: blob}
		if err := s.writeWithin(ctx, partTimeout, func(ctx context.Context) error { _, err := s.checkpoints.InsertOne(ctx, d); return err }); err != nil {
			s.remember(written...)
			return fmt.Errorf("writing checkpoint part %d of %d: %w", i+1, len(blobs), err)
		}
		written = append(written, checkpointRef{id: d.ID, to: to})
	}
	if from == 0 {
		s.compact(ctx, to)
	}
	s.remember(written...)
	return nil
}

func (s *Store) remember(refs ...checkpointRef) {
	s.mu.Lock()
	s.known = append(s.known, refs...)
	s.mu.Unlock()
}

// compact deletes the known checkpoint documents up to to, which a full
// checkpoint at to supersedes. One delete by _id at a time: FerretDB
// answers that from its primary key; a failure leaves the document for
// the next compaction.
func (s *Store) compact(ctx context.Context, to int64) {
	s.mu.Lock()
	var old, keep []checkpointRef
	for _, r := range s.known {
		if r.to <= to {
			old = append(old, r)
		} else {
			keep = append(keep, r)
		}
	}
	s.known = keep
	s.mu.Unlock()
	for i, r := range old {
		if _, err := s.checkpoints.DeleteOne(ctx, bson.D{{Key: "_id", Value: r.id}}); err != nil {
			s.remember(old[i:]...)
			return
		}
	}
}

// encodeParts encodes the snapshots into deflated blobs of about partBytes
// before deflation.
func encodeParts(snaps []hub.Snapshot) (blobs [][]byte, counts, sizes []int, err error) {
	var cur []byte
	n := 0
	flush := func() error {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestSpeed)
		if _, err := w.Write(cur); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		blobs, counts, sizes = append(blobs, buf.Bytes()), append(counts, n), append(sizes, len(cur))
		cur, n = cur[:0], 0
		return nil
	}
	for _, sn := range snaps {
		raw, err := bson.Marshal(snapshotRecord{State: sn.State, History: sn.History, Reports: sn.Reports})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("encoding the snapshot of %s: %w", sn.State.Type(), err)
		}
		if len(cur) > 0 && len(cur)+len(raw) > partBytes {
			if err := flush(); err != nil {
				return nil, nil, nil, err
			}
		}
		cur = append(cur, raw...)
		n++
	}
	if n > 0 || len(blobs) == 0 {
		if err := flush(); err != nil {
			return nil, nil, nil, err
		}
	}
	return blobs, counts, sizes, nil
}

// LoadSnapshots reads every checkpoint and returns the entity states they
// hold, later checkpoints' after earlier ones' (an entity may come more
// than once: the caller keeps its highest version), and the watermark:
// the log position up to which complete checkpoints, chained from 0,
// hold every change.
func (s *Store) LoadSnapshots(ctx context.Context) ([]hub.Snapshot, int64, error) {
	cur, err := s.checkpoints.Find(ctx, bson.D{}, options.Find().SetBatchSize(16))
	if err != nil {
		return nil, 0, fmt.Errorf("reading checkpoints: %w", classify(err))
	}
	defer cur.Close(ctx)
	type part struct {
		doc   checkpointDoc
		snaps []hub.Snapshot
		err   error
	}
	var parts []*part
	work := make(chan *part)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for p := range work {
				p.snaps, p.err = decodePart(p.doc)
			}
		})
	}
	for cur.Next(ctx) {
		p := new(part)
		if err := cur.Decode(&p.doc); err != nil {
			close(work)
			wg.Wait()
			return nil, 0, fmt.Errorf("reading checkpoint %v: %w", cur.Current.Lookup("_id"), err)
		}
		parts = append(parts, p)
		work <- p
	}
	close(work)
	wg.Wait()
	if err := cur.Err(); err != nil {
		return nil, 0, fmt.Errorf("reading checkpoints: %w", err)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].doc.ID < parts[j].doc.ID }) // by To
	var out []hub.Snapshot
	complete := map[string]int{}
	refs := make([]checkpointRef, 0, len(parts))
	for _, p := range parts {
		if p.err != nil {
			return nil, 0, fmt.Errorf("decoding checkpoint %s: %w", p.doc.ID, p.err)
		}
		out = append(out, p.snaps...)
		complete[p.doc.Checkpoint]++
		refs = append(refs, checkpointRef{id: p.doc.ID, to: p.doc.To})
	}
	s.mu.Lock()
	s.known = refs
	s.mu.Unlock()
	var ranges [][2]int64
	for _, p := range parts {
		if p.doc.Part == 0 && complete[p.doc.Checkpoint] == p.doc.Parts {
			ranges = append(ranges, [2]int64{p.doc.From, p.doc.To})
		}
	}
	return out, watermark(ranges), nil
}

// watermark is how far the ranges (from, to] cover the log from 0 without
// a hole.
func watermark(ranges [][2]int64) int64 {
	sort.Slice(ranges, func(i, j int) bool { return ranges[i][0] < ranges[j][0] })
	var w int64
	for _, r := range ranges {
		if r[0] > w {
			break
		}
		w = max(w, r[1])
	}
	return w
}

func decodePart(d checkpointDoc) ([]hub.Snapshot, error) {
	states := make([]byte, d.Size)
	r := flate.NewReader(bytes.NewReader(d.States))
	if _, err := io.ReadFull(r, states); err != nil {
		return nil, fmt.Errorf("inflating states: %w", err)
	}
	if n, _ := r.Read(make([]byte, 1)); n != 0 {
		return nil, errors.New("inflating states: longer than recorded")
	}
	out := make([]hub.Snapshot, 0, d.Count)
	for b := states; len(b) > 0; {
		raw, rest, ok := bsoncoreDocument(b)
		if !ok {
			return nil, errors.New("truncated state")
		}
		var r snapshotRecord
		if err := bson.Unmarshal(raw, &r); err != nil {
			return nil, err
		}
		if r.State.Type() == "" {
			return nil, errors.New("a state of no known type")
		}
		sn := hub.Snapshot{State: r.State, History: r.History, Reports: r.Reports}
		if err := upgradeSnapshot(raw, &sn); err != nil {
			return nil, err
		}
		out = append(out, sn)
		b = rest
	}
	packBytes(out)
	return out, nil
}

// packBytes copies the snapshots' histories and reports, which point into
// the inflated part (and so keep every state's bytes alive), into one
// allocation. One object for the part instead of two an entity: the
// collector sweeps one span where it swept hundreds after every cycle.
// Each slice is full (len == cap), so the read model's next append to one
// copies it out rather than writing over its neighbour.
func packBytes(snaps []hub.Snapshot) {
	var n int
	for _, sn := range snaps {
		n += len(sn.History) + len(sn.Reports)
	}
	slab := make([]byte, 0, n)
	take := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		at := len(slab)
		slab = append(slab, b...)
		return slab[at:len(slab):len(slab)]
	}
	for i := range snaps {
		snaps[i].History = take(snaps[i].History)
		snaps[i].Reports = take(snaps[i].Reports)
	}
}

// bsoncoreDocument splits the first BSON document (length-prefixed) off b.
func bsoncoreDocument(b []byte) (doc, rest []byte, ok bool) {
	if len(b) < 5 {
		return nil, nil, false
	}
	n := int(int32(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24))
	if n < 5 || n > len(b) {
		return nil, nil, false
	}
	return b[:n], b[n:], true
}
