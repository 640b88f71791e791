package hub

import "math"

// Commitments form trees: a child names its parent (ParentID) and its
// weight in the parent's roll-up. A parent's rolled-up progress is the
// weighted mean of its children's (their own rolled-up progress when they
// have children, else their progress), cancelled children left out. It is
// stored in the parent's state: whatever changes a child's contribution
// (a report, its weight, a move, its creation) is appended together with
// a ProgressRolledUp event for each ancestor whose roll-up moves, as one
// batch (batch.go). So history, replays, resumed subscriptions, webhooks
// and other instances read the parents' changes from the log like any
// other, and no reader sees a child's change without its parents'.

// KindProgressRolledUp is the kind of the event that moves a parent's
// rolled-up progress.
const KindProgressRolledUp = "ProgressRolledUp"

// maxTreeDepth bounds the levels of a commitment tree, and so the events
// one change of a leaf appends.
const maxTreeDepth = 5

// maxWeight bounds a child's weight.
const maxWeight = 1_000_000

// SubCommitments returns the commitments whose parent is id, in reference order.
func (m *ReadModel) SubCommitments(id string) []*Commitment {
	return sorted(m, func(m *ReadModel) []*Commitment { return Commitments.linked(m, "parent", id) },
		func(a, b *Commitment) bool { return naturalKey(a.ID) < naturalKey(b.ID) })
}

// checkTree checks cm's parent: it exists, the actor
// may edit it (linking changes its roll-up), no cycle, no tree deeper
// than maxTreeDepth. old is cm before the change (nil for a new one).
func (h *Hub) checkTree(c *checker, actor Actor, old, cm *Commitment) {
	if cm.ParentID == "" || (old != nil && old.ParentID == cm.ParentID) {
		return
	}
	m := h.model
	m.mu.RLock()
	defer m.mu.RUnlock()
	parent := Commitments.get(m, cm.ParentID)
	if parent == nil {
		c.exists(false, "commitment", "parentId")
		return
	}
	if canEditCommitment(actor, parent) != nil {
		c.add(CodeNotAllowed, "you may not change this commitment, and a child changes its parent's rolled-up progress: "+
			"choose a parent your stakeholder takes part in", "parentId")
		return
	}
	depth := 1 // of the parent
	for p := parent; p != nil; p = Commitments.get(m, p.ParentID) {
		if p.ID == cm.ID {
			c.add(CodeInvalid, "this would make a cycle: the parent is the commitment itself or one of its descendants", "parentId")
			return
		}
		if p.ParentID != "" {
			depth++
		}
	}
	if depth+m.height(cm.ID) > maxTreeDepth {
		c.add(CodeNotAllowed, "a commitment tree has at most 5 levels", "parentId")
	}
}

// checkWeight returns the weight as stored: 0 for the default, 1.
func checkWeight(c *checker, w *float64) float64 {
	switch {
	case w == nil || *w == 1:
		return 0
	case math.IsNaN(*w) || *w <= 0 || *w > maxWeight:
		c.add(CodeInvalid, "must be more than 0 and at most 1000000", "weight")
		return 0
	}
	return *w
}

// height counts the levels of the tree under id, id's own included; call
// it under m.mu.
func (m *ReadModel) height(id string) int {
	h := 0
	for _, ch := range Commitments.linked(m, "parent", id) {
		h = max(h, m.height(ch.ID))
	}
	return h + 1
}

// hasOpenChildren reports whether a child of id is neither completed nor
// cancelled.
func (m *ReadModel) hasOpenChildren(id string) bool {
	for _, ch := range m.SubCommitments(id) {
		if isOpen(ch.Status) {
			return true
		}
	}
	return false
}

// rollUps returns the ProgressRolledUp events that e, a commitment's
// change not yet applied, makes its ancestors' roll-ups need, in order:
// each is built on the state the one before leaves. Their positions
// follow e's.
func (h *Hub) rollUps(e *Event) []*Event {
	c := Commitments.Of(e.State)
	if c == nil {
		return nil
	}
	m := h.model
	m.mu.RLock()
	defer m.mu.RUnlock()
	old := Commitments.get(m, c.ID)
	if c.ParentID == "" && (old == nil || old.ParentID == "") {
		return nil
	}
	changed := map[string]*Commitment{c.ID: c} // states after e and the events so far
	current := func(id string) *Commitment {
		if v := changed[id]; v != nil {
			return v
		}
		return Commitments.get(m, id)
	}
	var todo []string
	if old != nil && old.ParentID != "" && old.ParentID != c.ParentID {
		todo = append(todo, old.ParentID)
	}
	if c.ParentID != "" {
		todo = append(todo, c.ParentID)
	}
	var out []*Event
	for len(todo) > 0 && len(out) < 4*maxTreeDepth {
		id := todo[0]
		todo = todo[1:]
		p := current(id)
		if p == nil {
			continue
		}
		next := *p
		next.RolledUp = m.rolledUp(id, changed)
		if equalRollUp(p.RolledUp, next.RolledUp) {
			continue
		}
		re := h.event(KindProgressRolledUp, e.Actor, e.At, p, &next)
		re.Seq = e.Seq + int64(len(out)) + 1
		out = append(out, re)
		changed[id] = &next
		if next.ParentID != "" {
			todo = append(todo, next.ParentID)
		}
	}
	return out
}

// rolledUp is the roll-up of parent's children, those in changed as they
// are there (their parent may have changed too); call it under m.mu.
func (m *ReadModel) rolledUp(parent string, changed map[string]*Commitment) *float64 {
	var sum, weights float64
	add := func(ch *Commitment) {
		if ch.ParentID == parent && ch.Status != Cancelled {
			sum += ch.Weight() * ch.RolledUpProgress()
			weights += ch.Weight()
		}
	}
	for _, ch := range Commitments.linked(m, "parent", parent) {
		if changed[ch.ID] == nil {
			add(ch)
		}
	}
	for _, ch := range changed {
		add(ch)
	}
	if weights == 0 {
		return nil
	}
	v := math.Round(sum/weights*100) / 100
	return &v
}

func equalRollUp(a, b *float64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
