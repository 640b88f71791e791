package store

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses, registered as "sqlite"
)

// ErrDamaged is returned at start for a database file that fails its
// integrity check: Convene refuses to serve a log it cannot read whole.
var ErrDamaged = errors.New("the database file is damaged")

// checkSQLiteFiles checks every database file under dir before FerretDB
// opens it. It first undoes creations a killed process left half made
// (repairSQLiteFile), then runs SQLite's own structural check,
// then checks the log's shape: blocks numbered from 0 without a hole,
// each full but the last written, every event parseable with its
// position, stream and state, positions contiguous. A damaged page inside
// a block the start does not replay would otherwise surface only when an
// old cursor is replayed, as a partial answer.
func checkSQLiteFiles(dir string, logger *slog.Logger) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := repairSQLiteFile(f, logger); err != nil {
			return err
		}
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
	counts := make([]int64, len(blocks))
	errs := make([]error, len(blocks))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for b := range next {
				counts[b], errs[b] = checkBlock(db, int64(b), blocks[b])
			}
		})
	}
	for b := range blocks {
		next <- b
	}
	close(next)
	wg.Wait()
	lastWritten := int64(-1)
	for b, err := range errs {
		if err != nil {
			return damaged("the log's block %d %v", b, err)
		}
		if counts[b] > 0 {
			lastWritten = int64(b)
		}
	}
	for b := range lastWritten {
		if counts[b] != blockSize {
			return damaged("the log's block %d holds %d events, want %d: events are missing", b, counts[b], blockSize)
		}
	}
	return nil
}

// checkBlock reads every event of block b (from its table, not an index,
// so that every row's text is read) and checks it parses as an event at
// a position of the block, the positions contiguous from the block's
// first. It returns how many events the block holds. The parsing is Go's,
// several times faster than SQLite's JSON functions here.
func checkBlock(db *sql.DB, b int64, table string) (int64, error) {
	rows, err := db.Query(fmt.Sprintf(`SELECT _ferretdb_sjson FROM %q NOT INDEXED`, table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	first := b*blockSize + 1
	var seen [blockSize]bool
	var n, last int64
	for rows.Next() {
		var doc sql.RawBytes
		if err := rows.Scan(&doc); err != nil {
			return 0, err
		}
		seq, ok := eventSeq(doc)
		if !ok {
			return 0, fmt.Errorf("holds an event that does not parse (after position %d)", last)
		}
		if seq < first || seq >= first+blockSize || seen[seq-first] {
			return 0, fmt.Errorf("holds position %d, outside %d–%d or twice", seq, first, first+blockSize-1)
		}
		seen[seq-first], n, last = true, n+1, max(last, seq)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if n > 0 && last-first+1 != n {
		return 0, fmt.Errorf("holds %d events up to position %d, want contiguous positions from %d: events are missing", n, last, first)
	}
	return n, nil
}

// eventSeq returns the position of a stored event (FerretDB's JSON of an
// eventDoc), or false when the text is not an event.
func eventSeq(doc []byte) (int64, bool) {
	if !json.Valid(doc) || !bytes.Contains(doc, []byte(`"streamVersion":"`)) || !bytes.Contains(doc, []byte(`"state":{`)) {
		return 0, false
	}
	key := []byte(`"_id":"`)
	i := bytes.Index(doc, key)
	if i < 0 || len(doc) < i+len(key)+20 {
		return 0, false
	}
	seq, err := strconv.ParseInt(string(doc[i+len(key):i+len(key)+20]), 10, 64)
	return seq, err == nil
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
