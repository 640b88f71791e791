package hub

// Every test of the package checks that what the read model lets go of
// was never changed in place in its arena.
func init() { CheckArenaWrites() }
