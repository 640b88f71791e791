package app

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// lockFileName is the file in the data directory that the process running
// the embedded database there holds locked (tryLock) for as long as it
// runs. It names that database's URI, so that a command started beside a
// running server uses the server's database instead of opening the same
// files a second time; the kernel drops the lock when the process ends,
// however it ends, so a stale file never blocks a restart.
const lockFileName = "convene.lock"

// dataDirLock is a held lock on a data directory.
type dataDirLock struct{ f *os.File }

// errDataDirBusy says another process holds the data directory's lock.
type errDataDirBusy struct {
	dir    string
	holder string // what the lock file says: the database's URI and the holder's pid; empty while it starts
}

func (e *errDataDirBusy) Error() string {
	if e.holder == "" {
		return fmt.Sprintf("the data directory %s is in use by another convene process that is still starting; wait for it, stop it, or use another --data-dir", e.dir)
	}
	return fmt.Sprintf("the data directory %s is in use by another convene process (%s); stop it, use another --data-dir, or share its database with --mongodb-uri", e.dir, e.holder)
}

// lockDataDir takes dir's lock without waiting; when another process
// holds it, the error is an *errDataDirBusy.
func lockDataDir(dir string) (*dataDirLock, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if busy, err := tryLock(f); busy || err != nil {
		f.Close()
		if busy {
			return nil, &errDataDirBusy{dir: dir, holder: lockHolder(path)}
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err != nil { // what an earlier holder wrote
		f.Close()
		return nil, err
	}
	return &dataDirLock{f: f}, nil
}

// publish names the embedded database's URI in the lock file.
func (l *dataDirLock) publish(uri string) error {
	if _, err := fmt.Fprintf(l.f, "%s\npid %d\n", uri, os.Getpid()); err != nil {
		return err
	}
	return l.f.Sync()
}

// release gives the lock up (after the embedded database has stopped).
func (l *dataDirLock) release() {
	if l != nil {
		l.f.Close()
	}
}

// lockHolder is the lock file's description of its holder, on one line.
func lockHolder(path string) string {
	b, _ := os.ReadFile(path)
	return strings.Join(strings.Fields(string(b)), " ")
}

// runningDatabase returns the URI of the embedded database that another
// process (a running server) serves from dir, or "" when none does. A
// holder that is still starting is given a few seconds to publish it.
func runningDatabase(dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, lockFileName)); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := lockDataDir(dir)
		var busy *errDataDirBusy
		switch {
		case err == nil:
			l.release() // nobody runs there: the command opens it itself
			return "", nil
		case !errors.As(err, &busy):
			return "", err
		}
		if uri := firstLine(filepath.Join(dir, lockFileName)); strings.HasPrefix(uri, "mongodb://") {
			return uri, nil
		}
		if time.Now().After(deadline) {
			return "", err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func firstLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	return strings.TrimSpace(sc.Text())
}
