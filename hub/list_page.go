package hub

import (
	"slices"
	"sort"
)

// ListPage is one window of a list that a filter selects.
type ListPage[T any] struct {
	Items                []*T
	HasPrevious, HasNext bool // items outside the window, before and after it
	Total                int  // the whole list's length
}

// pageOf returns the window w of the items each yields, in the order of
// their keys (key, its parts and desc as inKeyOrder takes them). A window
// of the first or last items without a cursor is selected as the items
// pass, keeping only the window's; any other window sorts them all.
func pageOf[T any](each func(yield func(*T)), parts func(*T) (sortKey, bool), key func(*T) string, desc bool, w Window) ListPage[T] {
	if w.After == nil && w.Before == nil {
		if p, ok := selectPage(each, parts, desc, w); ok {
			return p
		}
	}
	var all []*T
	each(func(v *T) { all = append(all, v) })
	return sortedWindow(inKeyOrder(all, parts, key, desc), key, desc, w)
}

// keyedItem is an item with its key in parts.
type keyedItem[T any] struct {
	key sortKey
	v   *T
}

// selectPage is pageOf's window of the first (or, without First, the
// last) items, kept in a heap as the items pass; false when w names
// neither or an item's parts cannot stand for its key.
func selectPage[T any](each func(yield func(*T)), parts func(*T) (sortKey, bool), desc bool, w Window) (ListPage[T], bool) {
	var k int
	fromEnd := false
	switch {
	case w.First != nil:
		k = *w.First
	case w.Last != nil:
		k, fromEnd = *w.Last, true
	default:
		return ListPage[T]{}, false
	}
	// ahead reports whether a comes before b among those the window takes
	// (from the end: the list's order reversed).
	ahead := func(a, b *sortKey) bool { return (a.compare(b) < 0) != (desc != fromEnd) }
	heap := make([]keyedItem[T], 0, min(k, 128)) // its top is the one the window would drop first
	n, exact := 0, true
	each(func(v *T) {
		kp, ok := parts(v)
		exact = exact && ok
		n++
		switch {
		case !exact || k == 0:
		case len(heap) < k:
			heap = append(heap, keyedItem[T]{kp, v})
			for i := len(heap) - 1; i > 0; {
				up := (i - 1) / 2
				if !ahead(&heap[up].key, &heap[i].key) {
					break
				}
				heap[up], heap[i] = heap[i], heap[up]
				i = up
			}
		case ahead(&kp, &heap[0].key):
			heap[0] = keyedItem[T]{kp, v}
			for i := 0; ; {
				last := i
				for _, c := range []int{2*i + 1, 2*i + 2} {
					if c < len(heap) && ahead(&heap[last].key, &heap[c].key) {
						last = c
					}
				}
				if last == i {
					break
				}
				heap[i], heap[last] = heap[last], heap[i]
				i = last
			}
		}
	})
	if !exact {
		return ListPage[T]{}, false
	}
	slices.SortFunc(heap, func(a, b keyedItem[T]) int {
		if ahead(&a.key, &b.key) {
			return -1
		}
		return 1
	})
	p := ListPage[T]{Items: make([]*T, len(heap)), Total: n}
	for i, h := range heap {
		p.Items[i] = h.v
	}
	if fromEnd {
		slices.Reverse(p.Items)
		p.HasPrevious = n > k
	} else {
		p.HasNext = n > k
	}
	return p, true
}

// sortedWindow cuts the window w out of items sorted by key (descending when
// desc); cursors are keys, so a cursor keeps its place while items come
// and go around it.
func sortedWindow[T any](items []*T, key func(*T) string, desc bool, w Window) ListPage[T] {
	beyond := func(k, c string) bool { return (k > c) != desc && k != c }
	start, end := 0, len(items)
	if w.After != nil {
		start = sort.Search(len(items), func(i int) bool { return beyond(key(items[i]), *w.After) })
	}
	if w.Before != nil {
		end = sort.Search(len(items), func(i int) bool { k := key(items[i]); return k == *w.Before || beyond(k, *w.Before) })
	}
	end = max(end, start)
	switch {
	case w.First != nil:
		end = min(end, start+*w.First)
	case w.Last != nil:
		start = max(start, end-*w.Last)
	}
	return ListPage[T]{Items: items[start:end], HasPrevious: start > 0, HasNext: end < len(items), Total: len(items)}
}
