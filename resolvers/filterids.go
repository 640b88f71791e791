package resolvers

import (
	"fmt"

	"convene/hub"
	"convene/opaque"
)

// filterIDs decodes the ID lists of one filter argument, keeping the first
// error as a BAD_USER_INPUT that names the argument's path (such as
// filter.pillarIds[0]), so that a filter can be built in one literal.
type filterIDs struct {
	arg string // the filter argument's name
	err error
}

func (d *filterIDs) ids(field string, t hub.EntityType, gids []string) []string {
	if d.err != nil {
		return nil
	}
	out, err := opaque.DecodeIDs(t, gids)
	if e, ok := err.(*opaque.IDError); ok {
		d.err = badInput(fmt.Sprintf("%s.%s[%d]: %v", d.arg, field, e.Index, e))
	}
	return out
}
