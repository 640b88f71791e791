package store

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// FerretDB creates a collection in separate statements, each committed
// on its own: CREATE TABLE, the metadata row naming it, CREATE INDEX for
// _id, the row's index list; an index likewise (CREATE INDEX, then the
// list). A process killed between two of them leaves a table or an index
// the metadata does not name, and FerretDB then fails every later
// creation of that collection or index with "already exists": the log
// could not open its next block again. The embedded FerretDB's start
// undoes such half-made creations before FerretDB opens the database
// (SQLite: repairSQLiteFile; PostgreSQL: repairPostgreSQL). Nothing
// removed can hold data a client wrote: a table the metadata does not
// name was never visible to an insert, and an index holds no data of
// its own.

// catalog is what one FerretDB database holds: its metadata's
// collections beside the tables and indexes the SQL database has.
type catalog struct {
	collections []ferretCollection
	tables      []string    // tables outside FerretDB's own
	indexes     [][2]string // {index, its table}, outside FerretDB's own tables
}

// ferretCollection is one collection as FerretDB's metadata records it.
type ferretCollection struct {
	name, table string
	indexes     []string // the SQL names of the indexes it lists
	hasID       bool     // whether the list has the _id index
}

// halfMade is what a repair removes.
type halfMade struct {
	tables      []string           // named by no collection
	indexes     []string           // on a collection's table, not in its list
	collections []ferretCollection // listed without their _id index
}

// interrupted finds the half-made creations in c; the lookup indexes
// Convene adds itself are not among them. A collection whose
// list lacks its _id index is removed whole (its indexes with it),
// since that index is what makes the log's positions unique.
func interrupted(c catalog) halfMade {
	var h halfMade
	byTable := map[string]*ferretCollection{}
	for i, coll := range c.collections {
		byTable[coll.table] = &c.collections[i]
		if !coll.hasID {
			h.collections = append(h.collections, coll)
		}
	}
	for _, t := range c.tables {
		if byTable[t] == nil {
			h.tables = append(h.tables, t)
		}
	}
	for _, ix := range c.indexes {
		if strings.HasSuffix(ix[0], lookupIndexSuffix) {
			continue // Convene's own (lookups.go), never in FerretDB's list
		}
		if coll := byTable[ix[1]]; coll != nil && coll.hasID && !slices.Contains(coll.indexes, ix[0]) {
			h.indexes = append(h.indexes, ix[0])
		}
	}
	return h
}

// repairer is one backend's way to undo a half-made creation.
type repairer interface {
	isEmpty(table string) (bool, error)
	dropTable(table string) error
	dropIndex(index string) error
	removeCollection(c ferretCollection) error // its metadata row, then its table
}

// repair undoes the half-made creations of c in db (where names it for
// errors and the log). A table no collection names that holds rows was
// not made by an interrupted creation: that is damage, and it is left.
// A collection without its _id index that holds rows is left as it is.
func repair(db repairer, c catalog, where string, logger *slog.Logger) error {
	h := interrupted(c)
	done := func(what, name string) {
		logger.Warn("removed what an interrupted collection or index creation left", "database", where, what, name)
	}
	for _, t := range h.tables {
		empty, err := db.isEmpty(t)
		if err != nil {
			return fmt.Errorf("reading the unrecorded table %s in %s: %w", t, where, err)
		}
		if !empty {
			return fmt.Errorf("%w: %s: table %s holds rows but no collection names it; restore it from a backup", ErrDamaged, where, t)
		}
		if err := db.dropTable(t); err != nil {
			return fmt.Errorf("dropping the unrecorded table %s in %s: %w", t, where, err)
		}
		done("table", t)
	}
	for _, ix := range h.indexes {
		if err := db.dropIndex(ix); err != nil {
			return fmt.Errorf("dropping the unrecorded index %s in %s: %w", ix, where, err)
		}
		done("index", ix)
	}
	for _, coll := range h.collections {
		empty, err := db.isEmpty(coll.table)
		if err != nil {
			return fmt.Errorf("reading %s in %s: %w", coll.table, where, err)
		}
		if !empty {
			continue
		}
		if err := db.removeCollection(coll); err != nil {
			return fmt.Errorf("removing the half-made collection %s from %s: %w", coll.name, where, err)
		}
		done("collection", coll.name)
	}
	return nil
}
