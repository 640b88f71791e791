package resolvers

import (
	"convene/hub"
	"convene/opaque"
)

// localID returns the domain ID inside gid when it names an object of type
// t. Otherwise it returns a value that names nothing, so the domain
// reports the reference as not found in the field the client used.
func localID(t hub.EntityType, gid string) string {
	if got, id, ok := opaque.ParseGlobalID(gid); ok && got == t {
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
