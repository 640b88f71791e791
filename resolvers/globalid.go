package resolvers

import (
	"encoding/base64"
	"strings"

	"convene/hub"
)

// Global IDs are opaque to clients: base64url("Type:id"). The type prefix
// lets node(id) find any object and stops an ID of one type being used as
// another.

// GlobalID is the opaque ID clients see for an entity.
func GlobalID(t hub.EntityType, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(t) + ":" + id))
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

// localID returns the domain ID inside gid when it names an object of type
// t. Otherwise it returns a value that names nothing, so the domain
// reports the reference as not found in the field the client used.
func localID(t hub.EntityType, gid string) string {
	if got, id, ok := ParseGlobalID(gid); ok && got == t {
		return id
	}
	return "\x00" + gid
}

func localIDs(t hub.EntityType, gids []string) []string {
	if gids == nil {
		return nil
	}
	out := make([]string, len(gids))
	for i, g := range gids {
		out[i] = localID(t, g)
	}
	return out
}

func optionalLocalID(t hub.EntityType, gid *string) string {
	if gid == nil {
		return ""
	}
	return localID(t, *gid)
}
