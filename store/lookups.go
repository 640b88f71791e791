package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
)

// FerretDB 1.x's SQLite backend answers a filter on _id alone with
// `WHERE _ferretdb_sjson->'$._id' = ?`, but the unique index it makes for
// _id is on `_ferretdb_sjson->"_id"`. SQLite cannot match the two
// expressions, so every lookup by _id scans its table and parses each
// document's JSON: 5–6 ms for a block of 256 events, and the quiet
// tailer's poll for the next position is such a lookup. lookupIndexes
// adds, in the SQLite file itself, an index on the pushdown's own
// expression (the lookup becomes a search of tens of microseconds).
// FerretDB does not list it and never needs to know: it is SQLite's to
// maintain, and dropping a collection drops it with the table.
type lookupIndexes struct {
	db      *sql.DB
	indexed sync.Map // collection name → true, once its table has the index
}

// lookupIndexSuffix names the index beside FerretDB's own, which are
// named table + "_" + the index's name.
const lookupIndexSuffix = "__convene_id_lookup"

// IndexLookups adds the _id lookup index to the collections of the
// embedded SQLite database under dir: at once to those created from now
// on (the log's blocks as they are made or first read), in the
// background to those already there, newest first. Start-up does not
// wait: until a table has its index, its lookups scan as before.
func (s *Store) IndexLookups(dir string) error {
	file := filepath.Join(dir, s.db.Name()+".sqlite")
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return fmt.Errorf("opening %s: %w", file, err)
	}
	db.SetMaxOpenConns(1)
	s.lookups = &lookupIndexes{db: db}
	go func() {
		names, err := s.lookups.collections()
		if err != nil {
			return // none yet, or the file is unreadable: later creations still index
		}
		slices.Reverse(names) // the log's last blocks are the ones read
		for _, name := range names {
			select {
			case <-s.closed:
				return
			default:
			}
			s.lookups.ensure(name)
		}
	}()
	return nil
}

// collections lists the database's collections, in name order.
func (x *lookupIndexes) collections() ([]string, error) {
	rows, err := x.db.Query(`SELECT name FROM _ferretdb_collections ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// ensure gives the collection's table the lookup index, once per process;
// a collection not created yet is tried again at the next call. A failure
// costs only speed, so it is not reported.
func (x *lookupIndexes) ensure(collection string) {
	if x == nil {
		return
	}
	if _, ok := x.indexed.Load(collection); ok {
		return
	}
	var table string
	err := x.db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = ?`, collection).Scan(&table)
	if err != nil {
		return
	}
	q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+lookupIndexSuffix, table)
	if _, err := x.db.Exec(q); err == nil {
		x.indexed.Store(collection, true)
	}
}

// close releases the SQLite connection.
func (x *lookupIndexes) close() error {
	if x == nil {
		return nil
	}
	return x.db.Close()
}
