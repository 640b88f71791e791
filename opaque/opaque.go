// Package opaque encodes the identifiers the API hands to clients and
// takes back: global IDs, list cursors and event cursors. Clients treat
// them as opaque strings; their shape is this package's business alone.
package opaque

import (
	"encoding/base64"
	"strconv"
	"strings"

	"convene/hub"
)

// Global IDs are base64url("Type:id"). The type prefix lets node(id) find
// any object and stops an ID of one type being used as another.

// GlobalID is the opaque ID clients see for an entity.
func GlobalID(t hub.EntityType, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(t) + ":" + id))
}

// AppendGlobalID appends GlobalID(t, id) to dst, allocating nothing when
// dst has room: the fast path writes IDs straight into its answer.
func AppendGlobalID(dst []byte, t hub.EntityType, id string) []byte {
	var raw [64]byte
	return base64.RawURLEncoding.AppendEncode(dst, append(append(append(raw[:0], t...), ':'), id...))
}

// ParseGlobalID splits a global ID into its type and domain ID.
func ParseGlobalID(gid string) (hub.EntityType, string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(gid, "="))
	if err != nil {
		return "", "", false
	}
	t, id, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" {
		return "", "", false
	}
	return hub.EntityType(t), id, true
}

// List cursors are base64url("v1:" + the item's sort key): a cursor stays
// valid while items are added or removed around it.

// ListCursor is the cursor of the item with this sort key.
func ListCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + key))
}

// ParseListCursor returns the sort key inside a list cursor.
func ParseListCursor(c string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(raw) < 3 || string(raw[:3]) != "v1:" {
		return "", false
	}
	return string(raw[3:]), true
}

// Event cursors are base64url("e:" + a position in the event log).

// EventCursor is the cursor of the event at seq.
func EventCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e:" + strconv.FormatInt(seq, 10)))
}

// ParseEventCursor returns the log position inside an event cursor.
func ParseEventCursor(c string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), "e:")
	n, perr := strconv.ParseInt(digits, 10, 64)
	if !ok || perr != nil || n < 0 {
		return 0, false
	}
	return n, true
}
