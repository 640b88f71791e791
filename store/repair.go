package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// FerretDB's SQLite backend creates a collection in separate statements,
// each committed on its own: CREATE TABLE, the row naming it in
// _ferretdb_collections, CREATE INDEX for _id, the row's index list; an
// index likewise (CREATE INDEX, then the list). A process killed between
// two of them leaves a table or an index the metadata does not name, and
// FerretDB then fails every later creation of that collection or index
// with "already exists": the log could not open its next block again.
// repairInterruptedCreations undoes such half-made creations before
// FerretDB opens the file. Nothing it removes can hold data a client
// wrote: a table the metadata does not name was never visible to an
// insert, and an index holds no data of its own.

// ferretCollection is a row of _ferretdb_collections.
type ferretCollection struct {
	name, table string
	indexes     map[string]bool // SQLite index names the metadata lists
}

// repairInterruptedCreations drops, in the database file at path, the
// tables and indexes FerretDB's metadata does not name, and removes a
// collection whose creation stopped before its _id index was recorded
// if it holds nothing. It says what it did on logger.
func repairInterruptedCreations(path string, logger *slog.Logger) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer db.Close()
	colls, err := ferretCollections(db)
	if err != nil || colls == nil {
		return err
	}
	byTable := map[string]*ferretCollection{}
	for _, c := range colls {
		byTable[c.table] = c
	}
	type object struct{ kind, name, table string }
	var objects []object
	rows, err := db.Query(`SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("listing %s: %w", path, err)
	}
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.kind, &o.name, &o.table); err != nil {
			rows.Close()
			return err
		}
		objects = append(objects, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	repaired := func(what, name string) {
		logger.Warn("removed what an interrupted collection or index creation left", "file", path, what, name)
	}
	for _, o := range objects {
		reserved := strings.HasPrefix(o.table, "_ferretdb_") || strings.HasPrefix(o.table, "sqlite_")
		c := byTable[o.table]
		switch {
		case reserved:
		case o.kind == "table" && c == nil:
			if err := dropIfEmpty(db, path, o.name); err != nil {
				return err
			}
			repaired("table", o.name)
		case o.kind == "index" && c != nil && !c.indexes[o.name] && !strings.HasSuffix(o.name, "__id_"):
			// The _id index of a collection whose list lacks it is left
			// to the case below: it is what makes positions unique.
			if _, err := db.Exec(fmt.Sprintf(`DROP INDEX %q`, o.name)); err != nil {
				return fmt.Errorf("dropping the unrecorded index %s in %s: %w", o.name, path, err)
			}
			repaired("index", o.name)
		}
	}
	for _, c := range colls {
		if c.indexes[c.table+"__id_"] {
			continue
		}
		empty, err := isEmpty(db, c.table)
		if err != nil {
			return fmt.Errorf("reading %s in %s: %w", c.table, path, err)
		}
		if !empty {
			continue // not a creation this repair can undo; FerretDB serves it as it is
		}
		if _, err := db.Exec(`DELETE FROM _ferretdb_collections WHERE table_name = ?`, c.table); err != nil {
			return fmt.Errorf("removing the half-made collection %s from %s: %w", c.name, path, err)
		}
		if _, err := db.Exec(fmt.Sprintf(`DROP TABLE %q`, c.table)); err != nil {
			return fmt.Errorf("dropping the half-made collection %s in %s: %w", c.name, path, err)
		}
		repaired("collection", c.name)
	}
	return nil
}

// ferretCollections reads FerretDB's list of collections (nil when the
// file has none yet).
func ferretCollections(db *sql.DB) ([]*ferretCollection, error) {
	rows, err := db.Query(`SELECT name, table_name, settings FROM _ferretdb_collections`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil
		}
		return nil, err
	}
	defer rows.Close()
	var out []*ferretCollection
	for rows.Next() {
		var name, table, settings string
		if err := rows.Scan(&name, &table, &settings); err != nil {
			return nil, err
		}
		var s struct {
			Indexes []struct {
				Name string `json:"name"`
			} `json:"indexes"`
		}
		if err := json.Unmarshal([]byte(settings), &s); err != nil {
			return nil, fmt.Errorf("the settings of collection %s: %w", name, err)
		}
		c := &ferretCollection{name: name, table: table, indexes: map[string]bool{}}
		for _, ix := range s.Indexes {
			c.indexes[table+"_"+ix.Name] = true
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func isEmpty(db *sql.DB, table string) (bool, error) {
	var one int
	err := db.QueryRow(fmt.Sprintf(`SELECT 1 FROM %q LIMIT 1`, table)).Scan(&one)
	if err == sql.ErrNoRows {
		return true, nil
	}
	return false, err
}

// dropIfEmpty drops a table the metadata does not name. One that holds
// rows was not made by an interrupted creation: that is damage.
func dropIfEmpty(db *sql.DB, path, table string) error {
	empty, err := isEmpty(db, table)
	if err != nil {
		return fmt.Errorf("reading the unrecorded table %s in %s: %w", table, path, err)
	}
	if !empty {
		return fmt.Errorf("%w: %s: table %s holds rows but no collection names it; restore it from a backup", ErrDamaged, path, table)
	}
	if _, err := db.Exec(fmt.Sprintf(`DROP TABLE %q`, table)); err != nil {
		return fmt.Errorf("dropping the unrecorded table %s in %s: %w", table, path, err)
	}
	return nil
}
