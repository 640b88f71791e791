package resolvers

import (
	"fmt"
	"sort"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// pageArgs are the Relay paging arguments of a connection field.
type pageArgs struct {
	first, last   *int
	after, before *string
}

// page is one window of an ordered list.
type page[T any] struct {
	items   []T
	cursors []string
	info    *model.PageInfo
	total   int
}

// paginate cuts a window out of items, which are sorted by key (ascending,
// or descending when desc). Cursors carry the key itself, so a cursor
// stays valid while items are added or removed around it.
func paginate[T any](items []T, key func(T) string, desc bool, a pageArgs) (*page[T], error) {
	start, end, err := a.bounds(len(items), func(i int) string { return key(items[i]) }, desc)
	if err != nil {
		return nil, err
	}
	p := &page[T]{items: items[start:end]}
	p.cut(start, end, len(items), func(i int) string { return key(items[i]) })
	return p, nil
}

// bounds are the positions [start, end) of the window the arguments ask
// of a list of n items, sorted by the key of each position (ascending, or
// descending when desc).
func (a pageArgs) bounds(n int, key func(int) string, desc bool) (start, end int, err error) {
	if err := a.check(); err != nil {
		return 0, 0, err
	}
	// Keys are made only where the binary searches probe (a list may hold
	// thousands of items). beyond reports whether key k lies after the
	// cursor key c in list order.
	beyond := func(k, c string) bool { return (k > c) != desc && k != c }
	start, end = 0, n
	if a.after != nil {
		c, err := listCursor(*a.after)
		if err != nil {
			return 0, 0, err
		}
		start = sort.Search(n, func(i int) bool { return beyond(key(i), c) })
	}
	if a.before != nil {
		c, err := listCursor(*a.before)
		if err != nil {
			return 0, 0, err
		}
		end = sort.Search(n, func(i int) bool { k := key(i); return k == c || beyond(k, c) })
	}
	if end < start {
		end = start
	}
	switch {
	case a.first != nil:
		end = min(end, start+*a.first)
	case a.last != nil:
		start = max(start, end-*a.last)
	default:
		end = min(end, start+defaultPageSize)
	}
	return start, end, nil
}

// cut fills in the page's cursors, page info and total for the window
// [start, end) of a list of n items, the key of each position by key.
func (p *page[T]) cut(start, end, n int, key func(int) string) {
	p.info = &model.PageInfo{HasPreviousPage: start > 0, HasNextPage: end < n}
	p.total = n
	p.cursors = make([]string, 0, end-start)
	for i := start; i < end; i++ {
		p.cursors = append(p.cursors, opaque.ListCursor(key(i)))
	}
	if k := len(p.cursors); k > 0 {
		p.info.StartCursor, p.info.EndCursor = &p.cursors[0], &p.cursors[k-1]
	}
}

// check rejects page sizes out of range.
func (a pageArgs) check() error {
	for _, n := range []struct {
		name string
		n    *int
	}{{"first", a.first}, {"last", a.last}} {
		if n.n != nil && (*n.n < 0 || *n.n > maxPageSize) {
			return badInput(fmt.Sprintf("%s must be between 0 and %d", n.name, maxPageSize))
		}
	}
	return nil
}

// window is the read model's form of the arguments, as paginate reads
// them: their cursors' keys, and the default page size.
func (a pageArgs) window() (hub.Window, error) {
	if err := a.check(); err != nil {
		return hub.Window{}, err
	}
	w := hub.Window{First: a.first, Last: a.last}
	for _, c := range []struct {
		cursor *string
		key    **string
	}{{a.after, &w.After}, {a.before, &w.Before}} {
		if c.cursor != nil {
			k, err := listCursor(*c.cursor)
			if err != nil {
				return hub.Window{}, err
			}
			*c.key = &k
		}
	}
	if w.First == nil && w.Last == nil {
		n := defaultPageSize
		w.First = &n
	}
	return w, nil
}

func listCursor(c string) (string, error) {
	k, ok := opaque.ParseListCursor(c)
	if !ok {
		return "", badInput(fmt.Sprintf("%q is not a cursor from this list", c))
	}
	return k, nil
}

// gqlgen generates a connection and an edge type per list; these are
// their shapes, so that one function builds any of them.
type (
	edgeShape[N any] interface {
		~struct {
			Cursor string `json:"cursor"`
			Node   N      `json:"node"`
		}
	}
	connectionShape[N, E any] interface {
		~struct {
			Edges      []*E            `json:"edges"`
			Nodes      []N             `json:"nodes"`
			PageInfo   *model.PageInfo `json:"pageInfo"`
			TotalCount int             `json:"totalCount"`
		}
	}
)

// connection pages items (sorted by key, see paginate) into the Relay
// connection C with edges E, each node made by view (asIs: the item).
func connection[C connectionShape[N, E], E edgeShape[N], T, N any](items []T, key func(T) string, desc bool, a pageArgs, view func([]T) []N) (*C, error) {
	p, err := paginate(items, key, desc, a)
	if err != nil {
		return nil, err
	}
	return connectionOf[C, E](view(p.items), p.cursors, p.info, p.total), nil
}

// connectionOf is the Relay connection C with edges E of a page's nodes,
// their cursors, its page info and the list's total.
func connectionOf[C connectionShape[N, E], E edgeShape[N], N any](nodes []N, cursors []string, info *model.PageInfo, total int) *C {
	edges := make([]*E, len(nodes))
	for i, n := range nodes {
		edges[i] = &E{Cursor: cursors[i], Node: n}
	}
	return &C{Edges: edges, Nodes: nodes, PageInfo: info, TotalCount: total}
}

// pageConnection is the Relay connection C with edges E of a page the
// read model cut, each node made by view (asIs: the item), each cursor
// the item's key.
func pageConnection[C connectionShape[N, E], E edgeShape[N], T, N any](p hub.ListPage[T], key func(*T) string, view func([]*T) []N) *C {
	cursors := make([]string, len(p.Items))
	info := &model.PageInfo{HasPreviousPage: p.HasPrevious, HasNextPage: p.HasNext}
	for i, it := range p.Items {
		cursors[i] = opaque.ListCursor(key(it))
	}
	if k := len(cursors); k > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[k-1]
	}
	return connectionOf[C, E](view(p.Items), cursors, info, p.Total)
}

// asIs is the view of items that are their own nodes.
func asIs[T any](items []T) []T { return items }
