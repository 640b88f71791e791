package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// repairSQLiteFile undoes the half-made creations (repair) in the
// database file at path, before FerretDB opens it.
func repairSQLiteFile(path string, logger *slog.Logger) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer db.Close()
	c, err := sqliteCatalog(db)
	if err != nil {
		return fmt.Errorf("reading the collections of %s: %w", path, err)
	}
	return repair(sqliteRepairer{db}, c, path, logger)
}

// sqliteCatalog reads _ferretdb_collections (an index's SQL name is its
// table's name, "_" and its own) and sqlite_master.
func sqliteCatalog(db *sql.DB) (catalog, error) {
	var c catalog
	rows, err := db.Query(`SELECT name, table_name, settings FROM _ferretdb_collections`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return c, nil // not created by FerretDB yet
		}
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var coll ferretCollection
		var settings string
		if err := rows.Scan(&coll.name, &coll.table, &settings); err != nil {
			return c, err
		}
		var s struct {
			Indexes []struct{ Name string } `json:"indexes"`
		}
		if err := json.Unmarshal([]byte(settings), &s); err != nil {
			return c, fmt.Errorf("the settings of collection %s: %w", coll.name, err)
		}
		for _, ix := range s.Indexes {
			coll.indexes = append(coll.indexes, coll.table+"_"+ix.Name)
			coll.hasID = coll.hasID || ix.Name == "_id_"
		}
		c.collections = append(c.collections, coll)
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	objects, err := db.Query(`SELECT type, name, tbl_name FROM sqlite_master
		WHERE type IN ('table', 'index') AND sql IS NOT NULL
		AND tbl_name NOT LIKE '\_ferretdb\_%' ESCAPE '\' AND tbl_name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return c, err
	}
	defer objects.Close()
	for objects.Next() {
		var kind, name, table string
		if err := objects.Scan(&kind, &name, &table); err != nil {
			return c, err
		}
		if kind == "table" {
			c.tables = append(c.tables, name)
		} else {
			c.indexes = append(c.indexes, [2]string{name, table})
		}
	}
	return c, objects.Err()
}

type sqliteRepairer struct{ db *sql.DB }

func (r sqliteRepairer) isEmpty(table string) (bool, error) {
	var one int
	err := r.db.QueryRow(fmt.Sprintf(`SELECT 1 FROM %q LIMIT 1`, table)).Scan(&one)
	if err == sql.ErrNoRows {
		return true, nil
	}
	return false, err
}

func (r sqliteRepairer) dropTable(table string) error {
	_, err := r.db.Exec(fmt.Sprintf(`DROP TABLE %q`, table))
	return err
}

func (r sqliteRepairer) dropIndex(index string) error {
	_, err := r.db.Exec(fmt.Sprintf(`DROP INDEX %q`, index))
	return err
}

func (r sqliteRepairer) removeCollection(c ferretCollection) error {
	if _, err := r.db.Exec(`DELETE FROM _ferretdb_collections WHERE table_name = ?`, c.table); err != nil {
		return err
	}
	return r.dropTable(c.table)
}
