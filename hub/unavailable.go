package hub

import "errors"

// ErrUnavailable means the event log cannot be reached or cannot write
// (the database is down, unreachable or out of space): the command was
// not acknowledged and changed nothing this instance knows of. Clients
// may retry later; a retry with expectedVersion is safe either way.
var ErrUnavailable = errors.New("the database is unavailable")
