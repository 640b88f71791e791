package hub

import (
	"fmt"
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// The read model's current entities live in an arena: large byte slices,
// each of which the garbage collector marks as one object and never
// scans. The entities' strings, slices and pointers were most of the
// pointers in the live heap, and marking them took a core's CPU for tens
// of milliseconds each cycle, delaying every request served meanwhile.
//
// Why it is safe:
//   - An entity is copied whole into one chunk: its struct, its strings,
//     its slices' arrays and what its pointers point to. Every pointer it
//     holds then points into that same chunk, at a time zone heldZone
//     keeps alive, or at static data, so nothing it refers to can be
//     freed while the chunk lives.
//   - A chunk's bytes are written once. The read model replaces an entity,
//     it never changes one in place (commands copy it first), and a held
//     slice is full (len == cap), so an append to a copy's slice copies.
//     checkHeld verifies both in the tests.
//   - A pointer into a chunk keeps the whole chunk alive, like any
//     pointer into an object: a reader still using an entity after the
//     model's lock, or a view of the past, keeps its chunk. A chunk whose
//     entities were mostly replaced is left by moving its live ones into
//     the current chunk (ReadModel.leave); the collector frees it when
//     the last such pointer is gone.
type arena struct {
	chunks []*chunk // by number; nil once left
	free   []uint32 // numbers of left chunks, for new ones
	cur    *chunk
}

// chunk is one allocation of an arena. Each entity's block starts with a
// header word: the block's size and the chunk's number.
type chunk struct {
	n    uint32
	mem  []byte
	used uintptr
	live uintptr // the bytes of the blocks still held
}

const chunkSize = 1 << 20

// heldChecks makes the read model check each entity it lets go of for a
// change made in place (checkHeld); the tests turn it on.
var heldChecks bool

// CheckArenaWrites makes every read model check, each time it replaces or
// removes an entity, that nothing changed the old one in place in its
// arena: a panic names the field. It costs a walk of each entity written;
// tests call it before starting any hub.
func CheckArenaWrites() { heldChecks = true }

// hold copies e, an entity of kind k, into the arena and returns the copy.
func (a *arena) hold(k *kind, e entity) entity {
	src := k.addr(e)
	size := 8 + round8(k.layout.size) + k.layout.extra(src)
	c := a.room(size)
	base := unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.mem)), c.used)
	c.used += size
	c.live += size
	*(*uint64)(base) = uint64(size)<<32 | uint64(c.n)
	dst := unsafe.Add(base, 8)
	b := bump{block: dst, off: round8(k.layout.size)}
	k.layout.copyTo(dst, src, &b)
	return k.at(dst)
}

// room returns a chunk with size bytes free, starting a new one if the
// current one is too full.
func (a *arena) room(size uintptr) *chunk {
	if a.cur != nil && uintptr(len(a.cur.mem))-a.cur.used >= size {
		return a.cur
	}
	c := &chunk{mem: make([]byte, max(chunkSize, size))}
	if n := len(a.free); n > 0 {
		c.n, a.free = a.free[n-1], a.free[:n-1]
		a.chunks[c.n] = c
	} else {
		c.n = uint32(len(a.chunks))
		a.chunks = append(a.chunks, c)
	}
	a.cur = c
	return c
}

// release notes that the held entity e, of kind k, was replaced or
// removed. It returns e's chunk if that is now mostly dead bytes and not
// the one being filled: the caller moves its live entities out (leave).
func (a *arena) release(k *kind, e entity) *chunk {
	n, size := blockOf(k, e)
	c := a.chunks[n]
	c.live -= size
	if c != a.cur && c.live < c.used/2 {
		return c
	}
	return nil
}

// blockOf returns the number of the chunk holding e, of kind k, and the
// size of its block, from the block's header.
func blockOf(k *kind, e entity) (uint32, uintptr) {
	hdr := *(*uint64)(unsafe.Add(k.addr(e), -8))
	return uint32(hdr), uintptr(hdr >> 32)
}

// contains reports whether p points into c.
func (c *chunk) contains(p unsafe.Pointer) bool {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(c.mem)))
	return uintptr(p) >= start && uintptr(p) < start+uintptr(len(c.mem))
}

// drop forgets c, once its live entities were moved out.
func (a *arena) drop(c *chunk) {
	a.chunks[c.n] = nil
	a.free = append(a.free, c.n)
}

// leave moves the live entities of chunk c to the arena's current chunk,
// then drops c; call it under m.mu.
func (m *ReadModel) leave(c *chunk) {
	for _, k := range kinds {
		if k.layout == nil {
			continue
		}
		t := m.tables[k.n]
		for n, e := range t.byNum {
			if e == nil || !c.contains(k.addr(e)) {
				continue
			}
			moved := m.arena.hold(k, e)
			_, size := blockOf(k, e)
			c.live -= size
			t.byNum[n] = moved
			switch k {
			case Commitments.kind:
				m.commitmentIndex.moved(int32(n), moved.(*Commitment))
			case Outcomes.kind:
				m.commitmentIndex.kept.outcomes.orders.Store(nil) // built again by the next reader, from the moved copies
			}
		}
	}
	if c.live != 0 {
		panic(fmt.Sprintf("hub: %d bytes held in arena chunk %d by no table", c.live, c.n))
	}
	m.arena.drop(c)
}

// layout says where a type holds pointers, for copying a value of it
// into a chunk.
type layout struct {
	size  uintptr
	parts []pointerPart
}

// pointerPart is a pointer-holding word of a layout, by offset.
type pointerPart struct {
	off  uintptr
	kind pointerKind
	elem *layout // a slice's element or a pointer's target
}

type pointerKind uint8

const (
	partString pointerKind = iota
	partSlice
	partPointer
	partTime // a time.Time, whose zone is a pointer
)

var timeType = reflect.TypeFor[time.Time]()

// layoutOf describes t, or returns nil for a type holding what a chunk
// cannot: maps, interfaces, channels, functions, unsafe pointers.
func layoutOf(t reflect.Type) *layout {
	return layoutIn(t, map[reflect.Type]*layout{})
}

func layoutIn(t reflect.Type, seen map[reflect.Type]*layout) *layout {
	if l, ok := seen[t]; ok {
		return l // a recursive type: its parts are being filled
	}
	l := &layout{size: t.Size()}
	seen[t] = l
	if !l.add(t, 0, seen) {
		return nil
	}
	return l
}

func (l *layout) add(t reflect.Type, off uintptr, seen map[reflect.Type]*layout) bool {
	if t == timeType {
		l.parts = append(l.parts, pointerPart{off: off, kind: partTime})
		return true
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.String:
		l.parts = append(l.parts, pointerPart{off: off, kind: partString})
		return true
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !l.add(f.Type, off+f.Offset, seen) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := range t.Len() {
			if !l.add(t.Elem(), off+uintptr(i)*t.Elem().Size(), seen) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Pointer:
		elem := layoutIn(t.Elem(), seen)
		if elem == nil {
			return false
		}
		kind := partSlice
		if t.Kind() == reflect.Pointer {
			kind = partPointer
		}
		l.parts = append(l.parts, pointerPart{off: off, kind: kind, elem: elem})
		return true
	}
	return false
}

// sliceHeader is a slice's representation.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// zeroWord is where a held empty, non-nil slice points.
var zeroWord uint64

func round8(n uintptr) uintptr { return (n + 7) &^ 7 }

// extra is the bytes the value at p holds outside itself, each piece
// rounded up to a word.
func (l *layout) extra(p unsafe.Pointer) uintptr {
	var n uintptr
	for _, pt := range l.parts {
		at := unsafe.Add(p, pt.off)
		switch pt.kind {
		case partString:
			n += round8(uintptr(len(*(*string)(at))))
		case partSlice:
			s := (*sliceHeader)(at)
			n += round8(uintptr(s.len) * pt.elem.size)
			if len(pt.elem.parts) > 0 {
				for i := range s.len {
					n += pt.elem.extra(unsafe.Add(s.data, uintptr(i)*pt.elem.size))
				}
			}
		case partPointer:
			if q := *(*unsafe.Pointer)(at); q != nil {
				n += round8(pt.elem.size) + pt.elem.extra(q)
			}
		}
	}
	return n
}

// bump hands out a block's bytes in order. It keeps an offset, not a
// pointer to the next byte: once the block is used up that pointer would
// point past its chunk, at memory the collector may have freed or given to
// another object, and the collector throws on such a pointer if it meets
// one (in a write barrier, or scanning the stack).
type bump struct {
	block unsafe.Pointer
	off   uintptr
}

func (b *bump) take(n uintptr) unsafe.Pointer {
	if n == 0 {
		return unsafe.Pointer(&zeroWord)
	}
	p := unsafe.Add(b.block, b.off)
	b.off += round8(n)
	return p
}

// copyTo copies the value at src to dst, and what it holds outside
// itself to b's bytes.
func (l *layout) copyTo(dst, src unsafe.Pointer, b *bump) {
	copy(unsafe.Slice((*byte)(dst), l.size), unsafe.Slice((*byte)(src), l.size))
	for _, pt := range l.parts {
		d, s := unsafe.Add(dst, pt.off), unsafe.Add(src, pt.off)
		switch pt.kind {
		case partString:
			str := *(*string)(s)
			if str == "" {
				*(*string)(d) = ""
				continue
			}
			q := b.take(uintptr(len(str)))
			copy(unsafe.Slice((*byte)(q), len(str)), str)
			*(*string)(d) = unsafe.String((*byte)(q), len(str))
		case partSlice:
			sh := *(*sliceHeader)(s)
			if sh.data == nil {
				*(*sliceHeader)(d) = sliceHeader{}
				continue
			}
			size := pt.elem.size
			q := b.take(uintptr(sh.len) * size)
			for i := range sh.len {
				pt.elem.copyTo(unsafe.Add(q, uintptr(i)*size), unsafe.Add(sh.data, uintptr(i)*size), b)
			}
			*(*sliceHeader)(d) = sliceHeader{data: q, len: sh.len, cap: sh.len}
		case partPointer:
			q := *(*unsafe.Pointer)(s)
			if q == nil {
				*(*unsafe.Pointer)(d) = nil
				continue
			}
			r := b.take(pt.elem.size)
			pt.elem.copyTo(r, q, b)
			*(*unsafe.Pointer)(d) = r
		case partTime:
			*(*time.Time)(d) = heldTime(*(*time.Time)(s))
		}
	}
}

// heldTime returns t with a zone that lives as long as the process: UTC
// and Local are static, and any other zone is replaced by a fixed one
// with its name and offset at t, kept in heldZones.
func heldTime(t time.Time) time.Time {
	if loc := t.Location(); loc == time.UTC || loc == time.Local || loc == heldZone(t) {
		return t
	}
	return t.In(heldZone(t))
}

type zoneKey struct {
	name   string
	offset int
}

var heldZones struct {
	sync.Mutex
	by map[zoneKey]*time.Location
}

func heldZone(t time.Time) *time.Location {
	name, offset := t.Zone()
	key := zoneKey{name, offset}
	heldZones.Lock()
	defer heldZones.Unlock()
	loc := heldZones.by[key]
	if loc == nil {
		if heldZones.by == nil {
			heldZones.by = map[zoneKey]*time.Location{}
		}
		loc = time.FixedZone(name, offset)
		heldZones.by[key] = loc
	}
	return loc
}

// checkHeld returns an error if the held entity e, of kind k, points
// anywhere but into its own chunk, at a held zone or at nothing: what a
// change in place would leave, which the collector could free under it.
func (a *arena) checkHeld(k *kind, e entity) error {
	p := k.addr(e)
	n, _ := blockOf(k, e)
	if int(n) >= len(a.chunks) || a.chunks[n] == nil || !a.chunks[n].contains(p) {
		return fmt.Errorf("%s %s: not in the chunk its header names", k.Type, e.meta().ID)
	}
	return k.layout.check(p, a.chunks[n])
}

func (l *layout) check(p unsafe.Pointer, c *chunk) error {
	inside := func(q unsafe.Pointer) bool { return q == nil || q == unsafe.Pointer(&zeroWord) || c.contains(q) }
	for _, pt := range l.parts {
		at := unsafe.Add(p, pt.off)
		switch pt.kind {
		case partString:
			if s := *(*string)(at); !inside(unsafe.Pointer(unsafe.StringData(s))) {
				return fmt.Errorf("string %q at offset %d is outside the chunk", s, pt.off)
			}
		case partSlice:
			s := (*sliceHeader)(at)
			if !inside(s.data) || s.len != s.cap {
				return fmt.Errorf("slice at offset %d is outside the chunk or not full (len %d, cap %d)", pt.off, s.len, s.cap)
			}
			for i := range s.len {
				if err := pt.elem.check(unsafe.Add(s.data, uintptr(i)*pt.elem.size), c); err != nil {
					return err
				}
			}
		case partPointer:
			q := *(*unsafe.Pointer)(at)
			if !inside(q) {
				return fmt.Errorf("pointer at offset %d is outside the chunk", pt.off)
			}
			if q != nil {
				if err := pt.elem.check(q, c); err != nil {
					return err
				}
			}
		case partTime:
			t := *(*time.Time)(at)
			if loc := t.Location(); loc != time.UTC && loc != time.Local && loc != heldZone(t) {
				return fmt.Errorf("time at offset %d has a zone not held", pt.off)
			}
		}
	}
	return nil
}
