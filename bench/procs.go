package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverCore and clientCore are the CPUs the servers and the load
// generator are pinned to.
var (
	serverCore = "0"
	clientCore = "1"
	pinning    = true
)

// proc is a server process started by the harness.
type proc struct {
	name  string
	cmd   *exec.Cmd
	log   string
	addr  string // host:port it serves HTTP on
	start time.Time
	ready time.Duration // from start to the first good readiness answer
	done  chan struct{}
}

// startProc starts argv pinned to the server core, logging to work/<name>.log.
func startProc(work, name, addr string, env []string, argv ...string) (*proc, error) {
	return startProcOn(serverCore, work, name, addr, env, argv...)
}

// startProcOn starts argv pinned to core.
func startProcOn(core, work, name, addr string, env []string, argv ...string) (*proc, error) {
	if pinning {
		argv = append([]string{"taskset", "-c", core}, argv...)
	}
	logPath := filepath.Join(work, name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &proc{name: name, cmd: cmd, log: logPath, addr: addr, done: make(chan struct{})}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	return p, nil
}

// pid is the server's own process id (taskset execs it in place).
func (p *proc) pid() int { return p.cmd.Process.Pid }

// waitReady polls GET path until it answers 200, for up to timeout.
func (p *proc) waitReady(path string, timeout time.Duration) error {
	return p.waitReadyReq(httpRequest(p.addr, "GET", path, nil), timeout)
}

// stop sends SIGTERM and waits, then kills.
func (p *proc) stop() {
	if p == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func tail(path string, lines int) string {
	b, _ := os.ReadFile(path)
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

// clkTck is USER_HZ, the unit of /proc/<pid>/stat times; 100 on Linux.
const clkTck = 100

// procCPU is the process's user+system CPU time so far.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14: utime
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15: stime
	return time.Duration(ut+st) * time.Second / clkTck
}

// procRSS is the process's resident set size in bytes.
func procRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// pinProc moves every thread of a running process to core.
func pinProc(pid int, core string) error {
	if !pinning {
		return nil
	}
	out, err := exec.Command("taskset", "-a", "-p", "-c", core, strconv.Itoa(pid)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset: %v: %s", err, out)
	}
	return nil
}

// pinSelf moves every thread of this process to the client core and keeps
// the Go scheduler to one P, so the load generator uses one core.
func pinSelf() error {
	if !pinning {
		return nil
	}
	out, err := exec.Command("taskset", "-a", "-p", "-c", clientCore, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset: %v: %s", err, out)
	}
	return nil
}

// coreBusy is how long a CPU has been busy (not idle, not waiting for I/O)
// since boot, from /proc/stat.
func coreBusy(core string) time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || f[0] != "cpu"+core {
			continue
		}
		var total, idle int64
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			total += n
			if i == 3 || i == 4 { // idle, iowait
				idle += n
			}
		}
		return time.Duration(total-idle) * time.Second / clkTck
	}
	return 0
}

// foreignMeter measures how much of the two cores other processes (not the
// server under test, not the load generator) used during a phase: this
// machine may be shared.
type foreignMeter struct {
	pid                      int
	start                    time.Time
	srv0, cli0, busy0, busy1 time.Duration
	procs                    map[int]procSample
	srvUsed                  time.Duration // the server's own CPU time, once stopped
}

func startForeign(pid int) *foreignMeter {
	m := &foreignMeter{pid: pid, start: time.Now(), busy0: coreBusy(serverCore), busy1: coreBusy(clientCore), cli0: cpuTime(), procs: sampleProcs()}
	if pid > 0 {
		m.srv0 = procCPU(pid)
	}
	return m
}

// stop returns the share of each core (0–1) that other processes used.
func (m *foreignMeter) stop() (server, client float64) {
	wall := time.Since(m.start)
	if m.pid > 0 {
		m.srvUsed = procCPU(m.pid) - m.srv0
	}
	if !pinning || wall <= 0 {
		return 0, 0
	}
	srv := time.Duration(0)
	if m.pid > 0 {
		srv = procCPU(m.pid) - m.srv0
	}
	// The harness's other children (an idle server waiting its turn) are
	// not other load either.
	var own0, own1 time.Duration
	self := os.Getpid()
	for pid, p := range sampleProcs() {
		if p.ppid != self || pid == m.pid {
			continue
		}
		switch d := p.cpu - m.procs[pid].cpu; p.core {
		case serverCore:
			own0 += d
		case clientCore:
			own1 += d
		}
	}
	s := float64(coreBusy(serverCore)-m.busy0-srv-own0) / float64(wall)
	c := float64(coreBusy(clientCore)-m.busy1-(cpuTime()-m.cli0)-own1) / float64(wall)
	return max(s, 0), max(c, 0)
}

type procSample struct {
	name string
	ppid int
	cpu  time.Duration
	core string // the CPU it last ran on
}

// sampleProcs reads every process's name, parent and CPU time.
func sampleProcs() map[int]procSample {
	out := map[int]procSample{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open || close+2 > len(s) {
			continue
		}
		f := strings.Fields(s[close+2:])
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ps := procSample{name: s[open+1 : close], ppid: ppid, cpu: time.Duration(ut+st) * time.Second / clkTck}
		if len(f) > 36 {
			ps.core = f[36] // field 39: processor
		}
		out[pid] = ps
	}
	return out
}

// busiestOthers names the processes outside the benchmark (not this
// process, its children or the server under test) that used the most CPU
// since m started.
func (m *foreignMeter) busiestOthers() string {
	now := sampleProcs()
	wall := time.Since(m.start)
	self := os.Getpid()
	type use struct {
		name string
		cpu  time.Duration
	}
	var uses []use
	for pid, p := range now {
		if pid == self || pid == m.pid || p.ppid == self {
			continue
		}
		d := p.cpu - m.procs[pid].cpu
		if d > wall/20 {
			uses = append(uses, use{p.name, d})
		}
	}
	sort.Slice(uses, func(i, j int) bool { return uses[i].cpu > uses[j].cpu })
	var parts []string
	for _, u := range uses[:min(3, len(uses))] {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", u.name, 100*float64(u.cpu)/float64(wall)))
	}
	return strings.Join(parts, ", ")
}
