package gateway

import (
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
)

// costCache keeps the statistics of measured operations. An operation's
// depth and aliases are its document's, and its cost is a function of the
// document, the list sizes and the values of the variables it reads (the
// first and last of connections, the arguments of plain lists), so an
// operation asked again with the same sizes and values is not measured
// again: a commitment by id costs the same whatever the id.
type costCache struct {
	mu      sync.RWMutex
	sizes   map[string]int // what every kept cost was measured with
	entries map[costKey]*costEntry
}

// costKey names an operation: its document's text and its name.
type costKey struct{ query, operation string }

// costEntry is what is kept of one operation: the variables its cost
// reads, and its statistics by those variables' values (valuesKey).
type costEntry struct {
	vars  []string
	stats map[string]*CostStats
}

const (
	// maxCostOperations bounds the operations kept, maxCostValues the
	// variables' values kept for one of them.
	maxCostOperations = 1000
	maxCostValues     = 256
)

// sameSizes reports whether a and b are the same map (not equal ones:
// comparing their contents would cost about what measuring does).
func sameSizes(a, b map[string]int) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// get returns the kept statistics of k measured with sizes and vars, or nil.
func (c *costCache) get(k costKey, sizes map[string]int, vars map[string]any) *CostStats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.entries[k]
	if e == nil || !sameSizes(c.sizes, sizes) {
		return nil
	}
	if len(e.vars) == 0 {
		return e.stats[""]
	}
	var buf [64]byte
	vk, ok := valuesKey(buf[:0], e.vars, vars)
	if !ok {
		return nil
	}
	return e.stats[string(vk)]
}

// put keeps the statistics of k, measured with sizes and vars, whose cost
// read the variables named in read. Other sizes than the kept ones drop
// every kept statistic.
func (c *costCache) put(k costKey, sizes map[string]int, read map[string]bool, vars map[string]any, s *CostStats) {
	names := slices.Sorted(maps.Keys(read))
	vk, ok := valuesKey(nil, names, vars)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || !sameSizes(c.sizes, sizes) {
		c.sizes, c.entries = sizes, map[costKey]*costEntry{}
	}
	e := c.entries[k]
	if e == nil || !slices.Equal(e.vars, names) {
		if e == nil && len(c.entries) >= maxCostOperations {
			clear(c.entries)
		}
		e = &costEntry{vars: names, stats: map[string]*CostStats{}}
		c.entries[k] = e
	}
	if len(e.stats) >= maxCostValues {
		clear(e.stats)
	}
	e.stats[string(vk)] = s
}

// valuesKey appends to dst a text naming the values of the variables
// named; false when one holds what it cannot name.
func valuesKey(dst []byte, names []string, vars map[string]any) ([]byte, bool) {
	for _, name := range names {
		var ok bool
		if dst, ok = appendValueKey(dst, vars[name]); !ok {
			return dst, false
		}
	}
	return dst, true
}

// appendValueKey appends a text for a coerced variable value that differs
// between any two values that are not the same (each kind has its tag,
// strings their length).
func appendValueKey(dst []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(dst, 'n'), true
	case bool:
		if v {
			return append(dst, 't'), true
		}
		return append(dst, 'f'), true
	case string:
		return appendKeyString(dst, 's', v), true
	case json.Number:
		return appendKeyString(dst, 'N', string(v)), true
	case int:
		return strconv.AppendInt(append(dst, 'i'), int64(v), 10), true
	case int32:
		return strconv.AppendInt(append(dst, 'j'), int64(v), 10), true
	case int64:
		return strconv.AppendInt(append(dst, 'I'), v, 10), true
	case float64:
		return strconv.AppendUint(append(dst, 'F'), math.Float64bits(v), 16), true
	case []any:
		dst = append(dst, '[')
		for _, x := range v {
			var ok bool
			if dst, ok = appendValueKey(dst, x); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		dst = append(dst, '{')
		for _, k := range slices.Sorted(maps.Keys(v)) {
			dst = appendKeyString(dst, 'k', k)
			var ok bool
			if dst, ok = appendValueKey(dst, v[k]); !ok {
				return dst, false
			}
		}
		return append(dst, '}'), true
	}
	return dst, false
}

func appendKeyString(dst []byte, tag byte, s string) []byte {
	dst = append(dst, tag)
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, ':')
	return append(dst, s...)
}
