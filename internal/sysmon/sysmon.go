// Package sysmon keeps the Go runtime's system monitor out of its deep
// sleep while a server idles between requests.
//
// When every P is idle, sysmon sleeps on a futex, and the first system
// call after that (the read of the next request) wakes it; it then ticks
// every 20 µs until the P is idle again. When requests arrive one at a
// time, as they do below a server's peak, every request pays that wake-up,
// a few ticks and their context switches on the server's core: about a
// fifth of its CPU at half its peak rate (bench/RESULTS.md). The runtime
// skips the deep sleep only while GODEBUG's schedtrace is set, so the
// server re-executes itself once with the longest interval the runtime
// accepts; sysmon then backs off to a 10 ms tick when there is nothing to
// retake, and prints one scheduler line to stderr each time the machine's
// monotonic clock passes a multiple of that interval (24.8 days).
package sysmon

import (
	"os"
	"strings"
	"syscall"
)

// Setting is the GODEBUG entry Reexec adds.
const Setting = "schedtrace=2147483647"

// Reexec replaces the process with the same executable, arguments and
// environment plus Setting in GODEBUG, unless GODEBUG already sets
// schedtrace (so the second run, or an operator's own choice, such as
// schedtrace=0 to keep the runtime's default, goes on). It returns only
// when it did not re-execute: nil when there was nothing to do, or why
// exec failed (the caller goes on without the setting).
func Reexec() error {
	godebug := os.Getenv("GODEBUG")
	if setsSchedtrace(godebug) {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if godebug != "" {
		godebug += ","
	}
	env := append(environWithout("GODEBUG"), "GODEBUG="+godebug+Setting)
	return syscall.Exec(exe, os.Args, env)
}

func setsSchedtrace(godebug string) bool {
	for entry := range strings.SplitSeq(godebug, ",") {
		if key, _, _ := strings.Cut(entry, "="); strings.TrimSpace(key) == "schedtrace" {
			return true
		}
	}
	return false
}

func environWithout(name string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, name+"=") {
			env = append(env, kv)
		}
	}
	return env
}
