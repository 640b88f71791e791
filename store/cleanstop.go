package store

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The start-up check (checkSQLiteFiles) reads every event of the log:
// seconds at 100,000 events, and it grows with the log. Like a file
// system's fsck after an unclean unmount, it is skipped when the last stop
// was clean and nothing changed the files since: a clean stop writes a
// marker with each file's size and modification time, a start removes it
// before FerretDB opens them, so a process killed in between leaves none.
// A full check still runs at least once every fullCheckInterval, for damage
// that keeps a file's size and time (a failing disk).
const (
	CleanStopFile     = "clean-stop.json" // in the SQLite directory; delete it to have the next start check in full
	fullCheckInterval = 7 * 24 * time.Hour
)

// cleanStop is the marker's content.
type cleanStop struct {
	Checked time.Time  `json:"checked"` // when the files last passed the full check
	Files   []fileMark `json:"files"`
}

// fileMark is what the marker knows of one file of the directory.
type fileMark struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	Modified int64  `json:"modified"` // nanoseconds since the epoch
}

// filesOf lists the directory's files but the marker, by name.
func filesOf(dir string) ([]fileMark, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var marks []fileMark
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), CleanStopFile) || !e.Type().IsRegular() { // the marker and its temporary file
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		marks = append(marks, fileMark{Name: e.Name(), Size: info.Size(), Modified: info.ModTime().UnixNano()})
	}
	return marks, nil
}

// takeCleanStop removes the directory's marker and returns when the files
// last passed the full check, if the marker vouches for them as they are
// now and that check is recent enough; otherwise ok is false.
func takeCleanStop(dir string, now time.Time) (checked time.Time, ok bool) {
	path := filepath.Join(dir, CleanStopFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, false
	}
	if err := os.Remove(path); err != nil {
		return time.Time{}, false // a marker left behind could vouch for a later unclean stop
	}
	var m cleanStop
	if json.Unmarshal(b, &m) != nil || now.Sub(m.Checked) > fullCheckInterval || now.Before(m.Checked) {
		return time.Time{}, false
	}
	files, err := filesOf(dir)
	if err != nil || !slices.Equal(files, m.Files) {
		return time.Time{}, false
	}
	return m.Checked, true
}

// markCleanStop writes the marker, once FerretDB has closed the files.
func markCleanStop(dir string, checked time.Time, logger *slog.Logger) {
	files, err := filesOf(dir)
	if err == nil {
		var b []byte
		if b, err = json.Marshal(cleanStop{Checked: checked, Files: files}); err == nil {
			err = writeFileSynced(filepath.Join(dir, CleanStopFile), b)
		}
	}
	if err != nil {
		logger.Warn("could not note the clean stop; the next start checks the database files in full", "err", err)
	}
}

// writeFileSynced writes b to path through a temporary file, so that a
// crash leaves the whole marker or none.
func writeFileSynced(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
