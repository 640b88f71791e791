package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// The fixed-rate check: the harness's own load generator (one scheduler
// goroutine on one core, latency from each request's scheduled time) is
// a suspect for the latency tails, so each uncached read's fixed-rate
// phase is repeated with `hey` (apt's `hey`, used only when installed) on
// the same core, at the same rate, with the same connections: when hey
// sees short tails where the harness sees long ones, the harness's are its
// own. hey sends one body (the workload's first) and waits for each
// answer before its next request, so a server's stall delays fewer of its
// requests than it delays the harness's: its tails are a floor.

type heyResult struct {
	rate          float64 // what hey sustained
	p50, p99, max time.Duration
	errs          string
}

var heyLine = map[string]*regexp.Regexp{
	"rps": regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`),
	"p50": regexp.MustCompile(`50% in ([0-9.]+) secs`),
	"p99": regexp.MustCompile(`99% in ([0-9.]+) secs`),
	"max": regexp.MustCompile(`Slowest:\s+([0-9.]+) secs`),
}

// runHey runs hey against addr's /graphql with body at rate for d, or
// returns nil when hey is not installed.
func runHey(cfg *config, addr, token string, body []byte, conns int, rate float64, d time.Duration) *heyResult {
	bin, err := exec.LookPath("hey")
	if err != nil || rate <= 0 {
		return nil
	}
	f := filepath.Join(cfg.work, "hey-body.json")
	if err := os.WriteFile(f, body, 0o644); err != nil {
		return &heyResult{errs: err.Error()}
	}
	conns = max(1, min(conns, int(rate))) // hey's rate is per connection
	argv := []string{bin, "-z", d.String(), "-c", strconv.Itoa(conns), "-q", fmt.Sprintf("%.2f", rate/float64(conns)),
		"-m", "POST", "-T", "application/json", "-D", f}
	if token != "" {
		argv = append(argv, "-H", "Authorization: Bearer "+token)
	}
	argv = append(argv, "http://"+addr+"/graphql")
	if pinning {
		argv = append([]string{"taskset", "-c", clientCore}, argv...)
	}
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return &heyResult{errs: fmt.Sprintf("%v: %.200s", err, out)}
	}
	r := &heyResult{}
	secs := func(k string) float64 {
		if m := heyLine[k].FindSubmatch(out); m != nil {
			v, _ := strconv.ParseFloat(string(m[1]), 64)
			return v
		}
		return 0
	}
	r.rate = secs("rps")
	r.p50, r.p99, r.max = time.Duration(secs("p50")*1e9), time.Duration(secs("p99")*1e9), time.Duration(secs("max")*1e9)
	if m := regexp.MustCompile(`\[(\d{3})\]\s+(\d+) responses`).FindAllSubmatch(out, -1); len(m) > 1 || (len(m) == 1 && string(m[0][1]) != "200") {
		r.errs = "not every answer had status 200"
	}
	return r
}
