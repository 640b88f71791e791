//go:build unix

package app

import "syscall"

// processCPU is the CPU time the process has used, user and system, in
// nanoseconds, every thread counted (the collector's too).
func processCPU() int64 {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return -1
	}
	return u.Utime.Nano() + u.Stime.Nano()
}
