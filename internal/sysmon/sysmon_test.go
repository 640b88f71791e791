package sysmon

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain runs the child of TestReexec: it prints its pid and GODEBUG,
// re-executes, and prints them again in the process that exec made.
func TestMain(m *testing.M) {
	if os.Getenv("SYSMON_TEST_CHILD") == "1" {
		fmt.Printf("pid=%d GODEBUG=%s\n", os.Getpid(), os.Getenv("GODEBUG"))
		if err := Reexec(); err != nil {
			fmt.Println("error:", err)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestReexec(t *testing.T) {
	for _, tc := range []struct {
		name, godebug string // "-": GODEBUG unset
		want          []string
	}{
		{"unset", "-", []string{"GODEBUG=", "GODEBUG=" + Setting}},
		{"empty", "", []string{"GODEBUG=", "GODEBUG=" + Setting}},
		{"other settings kept", "madvdontneed=1", []string{"GODEBUG=madvdontneed=1", "GODEBUG=madvdontneed=1," + Setting}},
		{"operator's schedtrace respected", "gctrace=0,schedtrace=0", []string{"GODEBUG=gctrace=0,schedtrace=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(environWithout("GODEBUG"), "SYSMON_TEST_CHILD=1")
			if tc.godebug != "-" {
				cmd.Env = append(cmd.Env, "GODEBUG="+tc.godebug)
			}
			out, err := cmd.Output() // stdout only: the runtime may print a scheduler line to stderr
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("child printed %d lines, want %d (one a run):\n%s", len(lines), len(tc.want), out)
			}
			var pid string
			for i, line := range lines {
				p, godebug, _ := strings.Cut(line, " ")
				if godebug != tc.want[i] {
					t.Errorf("run %d: %s, want %s", i+1, godebug, tc.want[i])
				}
				if i > 0 && p != pid {
					t.Errorf("run %d is %s, the first %s: exec should keep the process", i+1, p, pid)
				}
				pid = p
			}
		})
	}
}

func TestSetsSchedtrace(t *testing.T) {
	for godebug, want := range map[string]bool{
		"": false, "gctrace=1": false, "schedtracex=1": false, "xschedtrace=1": false,
		"schedtrace=0": true, "gctrace=1, schedtrace=1000": true, Setting: true,
	} {
		if got := setsSchedtrace(godebug); got != want {
			t.Errorf("setsSchedtrace(%q) = %v, want %v", godebug, got, want)
		}
	}
}
