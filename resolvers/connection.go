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
	if err := a.check(); err != nil {
		return nil, err
	}
	// Keys are made only where the binary searches probe and for the page
	// (a list may hold thousands of items). beyond reports whether key k
	// lies after the cursor key c in list order.
	beyond := func(k, c string) bool { return (k > c) != desc && k != c }
	start, end := 0, len(items)
	if a.after != nil {
		c, err := listCursor(*a.after)
		if err != nil {
			return nil, err
		}
		start = sort.Search(len(items), func(i int) bool { return beyond(key(items[i]), c) })
	}
	if a.before != nil {
		c, err := listCursor(*a.before)
		if err != nil {
			return nil, err
		}
		end = sort.Search(len(items), func(i int) bool { k := key(items[i]); return k == c || beyond(k, c) })
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
	p := &page[T]{
		items: items[start:end],
		info:  &model.PageInfo{HasPreviousPage: start > 0, HasNextPage: end < len(items)},
		total: len(items),
	}
	p.cursors = make([]string, 0, end-start)
	for _, it := range p.items {
		p.cursors = append(p.cursors, opaque.ListCursor(key(it)))
	}
	if n := len(p.cursors); n > 0 {
		p.info.StartCursor, p.info.EndCursor = &p.cursors[0], &p.cursors[n-1]
	}
	return p, nil
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
	nodes := view(p.items)
	edges := make([]*E, len(nodes))
	for i, n := range nodes {
		edges[i] = &E{Cursor: p.cursors[i], Node: n}
	}
	return &C{Edges: edges, Nodes: nodes, PageInfo: p.info, TotalCount: p.total}, nil
}

// pageConnection is the Relay connection C with edges E of a page the
// read model cut, each node made by view (asIs: the item), each cursor
// the item's key.
func pageConnection[C connectionShape[N, E], E edgeShape[N], T, N any](p hub.ListPage[T], key func(*T) string, view func([]*T) []N) *C {
	nodes := view(p.Items)
	edges := make([]*E, len(nodes))
	cursors := make([]string, len(nodes))
	info := &model.PageInfo{HasPreviousPage: p.HasPrevious, HasNextPage: p.HasNext}
	for i, n := range nodes {
		cursors[i] = opaque.ListCursor(key(p.Items[i]))
		edges[i] = &E{Cursor: cursors[i], Node: n}
	}
	if k := len(edges); k > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[k-1]
	}
	return &C{Edges: edges, Nodes: nodes, PageInfo: info, TotalCount: p.Total}
}

// asIs is the view of items that are their own nodes.
func asIs[T any](items []T) []T { return items }
