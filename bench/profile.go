package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// profileNote is one pprof profile taken on the in-process server while a
// workload ran, with its top functions.
type profileNote struct {
	name, what string
	file       string
	top        string
	extra      string
}

type eventlogCalls struct{ Appends, Reads, Loads, Saves int64 }

// profiler takes profiles of the in-process server (Convene's handler).
type profiler struct {
	cfg *config
	res *results
	ip  *inprocServer
}

func (p *profiler) dir() string {
	d := filepath.Join(p.cfg.work, "profiles")
	os.MkdirAll(d, 0o755)
	return d
}

func (p *profiler) calls() eventlogCalls {
	var c eventlogCalls
	if _, b, err := fetch(p.ip.addr, httpRequest(p.ip.addr, "GET", "/debug/eventlog", nil)); err == nil {
		json.Unmarshal(b, &c)
	}
	return c
}

// cpu takes a CPU profile of d while load runs (load may be nil), and
// adds it to the results.
func (p *profiler) cpu(name, what string, d time.Duration, load func(d time.Duration) loadResult) (*profileNote, loadResult, eventlogCalls) {
	c0 := p.calls()
	var lr loadResult
	var wg sync.WaitGroup
	if load != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lr = load(d + 500*time.Millisecond)
		}()
		time.Sleep(250 * time.Millisecond)
	}
	secs := max(1, int(d.Seconds()))
	note := fetchProfile(p.ip.addr, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), filepath.Join(p.dir(), name+".cpu.pprof"), name, what)
	wg.Wait()
	c1 := p.calls()
	p.res.profiles = append(p.res.profiles, note)
	return note, lr, eventlogCalls{c1.Appends - c0.Appends, c1.Reads - c0.Reads, c1.Loads - c0.Loads, c1.Saves - c0.Saves}
}

func (p *profiler) heap(what string) {
	note := fetchProfile(p.ip.addr, "/debug/pprof/heap?gc=1", filepath.Join(p.dir(), "W5-idle.heap.pprof"), "W5-heap", what, "-sample_index=inuse_space")
	note.extra = fmt.Sprintf("RSS %.0f MB. %s", float64(procRSS(p.ip.pid()))/(1<<20), goroutineSummary(p.ip.addr))
	p.res.profiles = append(p.res.profiles, note)
}

// goroutineSummary counts the server's goroutines and names the largest
// groups by the function they were started with; goroutine stacks (8 KB
// and up each) are in RSS but not in the heap profile.
func goroutineSummary(addr string) string {
	_, b, err := fetch(addr, httpRequest(addr, "GET", "/debug/pprof/goroutine?debug=1", nil))
	if err != nil {
		return ""
	}
	blocks := strings.Split(string(b), "\n\n")
	if len(blocks) == 0 {
		return ""
	}
	total := strings.TrimPrefix(strings.SplitN(blocks[0], "\n", 2)[0], "goroutine profile: ")
	var groups []string
	for _, blk := range blocks {
		lines := strings.Split(strings.TrimSpace(blk), "\n")
		if strings.HasPrefix(lines[0], "goroutine profile:") {
			lines = lines[1:]
		}
		if len(lines) < 2 {
			continue
		}
		count := strings.Fields(lines[0])[0]
		// The outermost frame: the function the goroutine was started with.
		last := ""
		for _, l := range lines[1:] {
			if f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "#")); len(f) >= 2 {
				last = f[1]
			}
		}
		if i := strings.Index(last, "+0x"); i > 0 {
			last = last[:i]
		}
		if n, _ := strconv.Atoi(count); n >= 100 {
			groups = append(groups, fmt.Sprintf("%s × %s", count, last))
		}
	}
	return fmt.Sprintf("Goroutines: %s; groups of 100 or more, by the function they run: %s.", total, strings.Join(groups, "; "))
}

func (p *profiler) secs() time.Duration {
	if p.cfg.quick {
		return 2 * time.Second
	}
	return 5 * time.Second
}

// runProfiles profiles W1–W4 on Convene's handler in the in-process server,
// counts its calls to the event log, and profiles one tailer poll and the
// start-up's reads.
func runProfiles(cfg *config, res *results, ip *inprocServer, ex *export, wls []*workload, token string) error {
	p := &profiler{cfg: cfg, res: res, ip: ip}
	addr := ip.addr
	for _, wl := range wls {
		rs := &reqSet{addr: addr, pid: ip.pid(), reqs: posts(addr, wl.gql), check: okGraphQL}
		closedLoop(rs, cfg.conns, time.Second)
		note, lr, c := p.cpu(wl.name, wl.name+" "+wl.title+", closed loop", p.secs(), func(d time.Duration) loadResult { return closedLoop(rs, cfg.conns, d) })
		note.extra = fmt.Sprintf("%d requests in %.1fs (%.0f/s on the in-process server); calls to the event log meanwhile: %d appends, %d reads, %d snapshot loads, %d snapshot writes.",
			lr.Requests, lr.Wall.Seconds(), lr.throughput(), c.Appends, c.Reads, c.Loads, c.Saves)
		logf("profile %s: %s", wl.name, note.extra)
	}
	if cfg.want("w4") {
		var bodies [][]byte
		for i := range 1000 {
			c := ex.Commitments[(i*37)%len(ex.Commitments)]
			bodies = append(bodies, gqlBody(mutationW4, map[string]any{"in": map[string]any{
				"commitmentId": c.ID, "progress": 1 + i%99, "status": "ON_TRACK", "note": fmt.Sprintf("Profiled report %d", i)}}))
		}
		rs := &reqSet{addr: addr, pid: ip.pid(), reqs: posts(addr, bodies, "Authorization", "Bearer "+token), check: okMutation}
		note, lr, c := p.cpu("W4", "W4 reportProgress, closed loop", p.secs(), func(d time.Duration) loadResult { return closedLoop(rs, cfg.mutConns, d) })
		note.extra = fmt.Sprintf("%d mutations in %.1fs (%.0f/s; p50 %s); %d appends, %d snapshot writes meanwhile.",
			lr.Requests-lr.Errors, lr.Wall.Seconds(), lr.throughput(), fmtDur(lr.pct(50)), c.Appends, c.Saves)
		logf("profile W4: %s", note.extra)
	}

	// A read of the log's tail, once the server is idle again (the W4
	// profile's snapshot flush may still be running).
	waitIdle(ip.pid(), 30*time.Second)
	var poll struct {
		Seconds  float64 `json:"seconds"`
		Events   int     `json:"events"`
		Finished bool    `json:"finished"`
	}
	d := p.secs()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, b, err := fetch(addr, httpRequest(addr, "GET", fmt.Sprintf("/debug/tailpoll?seconds=%d", int(d.Seconds())+1), nil))
		if err == nil {
			json.Unmarshal(b, &poll)
		}
	}()
	time.Sleep(100 * time.Millisecond)
	note, _, _ := p.cpu("tailpoll", "A read of the log's tail: store.ReadAfter at the head of the log, nothing new (as hub.Open's CatchUp and the tailer make it)", d, nil)
	<-done
	if poll.Finished {
		note.extra = fmt.Sprintf("The read took %.2f s and returned %d events.", poll.Seconds, poll.Events)
	} else {
		note.extra = fmt.Sprintf("The read had not finished after %.1f s (cancelled).", poll.Seconds)
	}
	logf("profile tailpoll: %s", note.extra)
	var st struct {
		Snapshots     int     `json:"snapshots"`
		LoadSnapshots float64 `json:"loadSnapshotsSeconds"`
		FirstReadLog  float64 `json:"firstReadAfterSeconds"`
		Open          float64 `json:"hubOpenSeconds"`
	}
	if _, b, err := fetch(addr, httpRequest(addr, "GET", "/debug/startup", nil)); err == nil && json.Unmarshal(b, &st) == nil {
		res.startupDetail = fmt.Sprintf("hub.Open took %.2f s in the in-process server (on the other core, started beside the binary): LoadSnapshots %.2f s for %d snapshots, then the first ReadAfter (CatchUp) %.2f s.",
			st.Open, st.LoadSnapshots, st.Snapshots, st.FirstReadLog)
		logf("start-up: %s", res.startupDetail)
		file := filepath.Join(p.dir(), "startup.cpu.pprof")
		note := &profileNote{name: "startup", what: "Start-up: hub.Open (LoadSnapshots, then CatchUp's ReadAfter)", file: file, extra: res.startupDetail}
		note.top = renderProfile(file)
		res.profiles = append(res.profiles, note)
	}
	return nil
}

func fetchProfile(addr, path, file, name, what string, pprofArgs ...string) *profileNote {
	note := &profileNote{name: name, what: what, file: file}
	status, body, err := fetch(addr, httpRequest(addr, "GET", path, nil))
	if err != nil || status != 200 {
		note.top = fmt.Sprintf("(no profile: HTTP %d %v)", status, err)
		return note
	}
	if err := os.WriteFile(file, body, 0o644); err != nil {
		note.top = err.Error()
		return note
	}
	note.top = renderProfile(file, pprofArgs...)
	return note
}

// renderProfile is the top of a profile by flat time and, for a CPU
// profile, by cumulative time.
func renderProfile(file string, pprofArgs ...string) string {
	args := append([]string{"tool", "pprof", "-top", "-nodecount=15"}, pprofArgs...)
	out, err := exec.Command("go", append(args, file)...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(go tool pprof: %v) %s", err, out)
	}
	top := pprofTable(string(out))
	if len(pprofArgs) == 0 { // a CPU profile: also by cumulative time, without the runtime's frames
		out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=25", "-hide=^runtime\\.|^internal/runtime", file).CombinedOutput()
		if err == nil {
			lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			for i, l := range lines {
				if strings.HasPrefix(strings.TrimSpace(l), "flat") {
					top += "\n\nBy cumulative time (runtime frames hidden):\n" + strings.Join(lines[i:], "\n")
					break
				}
			}
		}
	}
	return top
}

// pprofTable keeps pprof's summary lines and table, not the file header.
func pprofTable(out string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Build ID:") || strings.HasPrefix(l, "Time:") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// waitIdle waits (up to max) until the process uses under 10% of a core.
func waitIdle(pid int, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		c0 := procCPU(pid)
		time.Sleep(time.Second)
		if procCPU(pid)-c0 < 100*time.Millisecond {
			return
		}
	}
}
