package store

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses, registered as "sqlite"
)

// ErrDamaged is returned at start for a database file that fails its
// integrity check: Convene refuses to serve a log it cannot read whole.
var ErrDamaged = errors.New("the database file is damaged")

// checkSQLiteFiles checks every database file under dir before FerretDB
// opens it: SQLite's own structural check, then the log's shape (blocks
// numbered from 0 without a hole, each full but the last written, every
// event parseable with its position, stream and state, positions
// contiguous). A damaged page inside a block
// the start does not replay would otherwise surface only when an old
// cursor is replayed, as a partial answer.
func checkSQLiteFiles(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := checkSQLiteFile(f); err != nil {
			return err
		}
	}
	return nil
}

func checkSQLiteFile(path string) error {
	damaged := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s; restore it from a backup (Convene does not serve part of a log)",
			ErrDamaged, path, fmt.Sprintf(format, args...))
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer db.Close()
	var problems []string
	rows, err := db.Query("PRAGMA quick_check")
	if err != nil {
		return damaged("%v", err)
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return damaged("%v", err)
		}
		problems = append(problems, p)
	}
	if err := rows.Err(); err != nil {
		return damaged("%v", err)
	}
	rows.Close()
	if len(problems) != 1 || problems[0] != "ok" {
		lines := strings.Split(strings.Join(problems, "\n"), "\n")
		if len(lines) > 3 {
			lines = append(lines[:3], fmt.Sprintf("and %d more problems", len(lines)-3))
		}
		return damaged("%s", strings.Join(lines, "; "))
	}

	blocks, err := logBlocks(db)
	if err != nil {
		return damaged("%v", err)
	}
	lastWritten := int64(-1)
	counts := make([]int64, len(blocks))
	for b, table := range blocks {
		var count, unparseable int64
		var lo, hi sql.NullInt64
		// NOT INDEXED: the _id index holds the positions without the
		// events; every row's text must be read and parsed.
		idOf := `CASE WHEN json_valid(_ferretdb_sjson) AND json_type(_ferretdb_sjson, '$.streamVersion') = 'text'
			AND json_type(_ferretdb_sjson, '$.state') = 'object'
			AND json_extract(_ferretdb_sjson, '$.seq') = CAST(json_extract(_ferretdb_sjson, '$._id') AS INTEGER)
			THEN CAST(json_extract(_ferretdb_sjson, '$._id') AS INTEGER) END`
		q := fmt.Sprintf(`SELECT count(*), min(%s), max(%s), count(*) - count(%s) FROM %q NOT INDEXED`, idOf, idOf, idOf, table)
		if err := db.QueryRow(q).Scan(&count, &lo, &hi, &unparseable); err != nil {
			return damaged("the log's block %d: %v", b, err)
		}
		if unparseable > 0 {
			return damaged("the log's block %d holds %d events that do not parse as events", b, unparseable)
		}
		if count > 0 {
			if first := int64(b)*blockSize + 1; lo.Int64 != first || hi.Int64-lo.Int64+1 != count {
				return damaged("the log's block %d holds %d events between %d and %d, want contiguous positions from %d",
					b, count, lo.Int64, hi.Int64, first)
			}
			lastWritten = int64(b)
		}
		counts[b] = count
	}
	for b := range lastWritten {
		if counts[b] != blockSize {
			return damaged("the log's block %d holds %d events, want %d: events are missing", b, counts[b], blockSize)
		}
	}
	return nil
}

// logBlocks maps each of the log's blocks, in order, to its SQLite table;
// a missing block number is damage.
func logBlocks(db *sql.DB) ([]string, error) {
	rows, err := db.Query(`SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil // not created by FerretDB yet
		}
		return nil, err
	}
	defer rows.Close()
	tables := map[int64]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, err
		}
		var b int64
		if n, _ := fmt.Sscanf(name, "events_%08d", &b); n == 1 && name == fmt.Sprintf("events_%08d", b) {
			tables[b] = table
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	nums := make([]int64, 0, len(tables))
	for b := range tables {
		nums = append(nums, b)
	}
	slices.Sort(nums)
	out := make([]string, len(nums))
	for i, b := range nums {
		if b != int64(i) {
			return nil, fmt.Errorf("the log's block %d is missing", i)
		}
		out[i] = tables[b]
	}
	return out, nil
}
