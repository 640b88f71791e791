package app

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// tryLock takes an exclusive lock on f without waiting; busy when another
// handle holds it. Windows locks are mandatory, so the lock covers one
// byte far past the content, which others may still read.
func tryLock(f *os.File) (busy bool, err error) {
	var o windows.Overlapped
	o.OffsetHigh = 1 // 4 GiB in
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &o)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	return false, err
}
