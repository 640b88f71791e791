package resolvers

import (
	"encoding/base64"
	"fmt"
	"sort"

	"convene/graph/model"
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
	for name, n := range map[string]*int{"first": a.first, "last": a.last} {
		if n != nil && (*n < 0 || *n > maxPageSize) {
			return nil, badInput(fmt.Sprintf("%s must be between 0 and %d", name, maxPageSize))
		}
	}
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = key(it)
	}
	// beyond reports whether k lies after the cursor key c in list order.
	beyond := func(k, c string) bool { return (k > c) != desc && k != c }
	start, end := 0, len(items)
	if a.after != nil {
		c, err := decodeCursor(*a.after)
		if err != nil {
			return nil, err
		}
		start = sort.Search(len(keys), func(i int) bool { return beyond(keys[i], c) })
	}
	if a.before != nil {
		c, err := decodeCursor(*a.before)
		if err != nil {
			return nil, err
		}
		end = sort.Search(len(keys), func(i int) bool { return keys[i] == c || beyond(keys[i], c) })
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
	for _, k := range keys[start:end] {
		p.cursors = append(p.cursors, encodeCursor(k))
	}
	if n := len(p.cursors); n > 0 {
		p.info.StartCursor, p.info.EndCursor = &p.cursors[0], &p.cursors[n-1]
	}
	return p, nil
}

func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + key))
}

func decodeCursor(c string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(raw) < 3 || string(raw[:3]) != "v1:" {
		return "", badInput(fmt.Sprintf("%q is not a cursor from this list", c))
	}
	return string(raw[3:]), nil
}
