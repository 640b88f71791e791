package resolvers

import (
	"context"

	"convene/hub"
	"convene/opaque"
)

// presentFields is what the viewer sees of the changed fields of an
// entity of type t (see opaque.PresentFields).
func presentFields(ctx context.Context, t hub.EntityType, fields []hub.FieldChange) []*hub.FieldChange {
	return opaque.PresentFields(viewer(ctx), t, fields)
}
