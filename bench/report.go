package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

func machineInfo(cfg *config) []kv {
	out := []kv{{"CPUs (nproc)", fmt.Sprint(runtime.NumCPU())}}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				out = append(out, kv{"CPU model", strings.TrimSpace(l[strings.IndexByte(l, ':')+1:])})
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		out = append(out, kv{"memory", fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))})
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		out = append(out, kv{"Linux", strings.TrimSpace(string(b))})
	}
	out = append(out, kv{"Go", runtime.Version()})
	if b, err := exec.Command("node", "--version").Output(); err == nil {
		out = append(out, kv{"Node.js", strings.TrimSpace(string(b))})
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		want := map[string]string{
			"github.com/99designs/gqlgen": "gqlgen", "github.com/FerretDB/FerretDB": "FerretDB (embedded)",
			"go.mongodb.org/mongo-driver/v2": "MongoDB Go driver", "github.com/coder/websocket": "coder/websocket",
		}
		for _, d := range bi.Deps {
			if name, ok := want[d.Path]; ok {
				out = append(out, kv{name, d.Version})
			}
		}
	}
	for _, pkg := range []string{"@apollo/server", "graphql"} {
		b, err := os.ReadFile(filepath.Join(cfg.root, "bench", "apollo", "node_modules", pkg, "package.json"))
		var v struct{ Version string }
		if err == nil && json.Unmarshal(b, &v) == nil {
			out = append(out, kv{"npm " + pkg, v.Version})
		}
	}
	pin := "servers on CPU " + serverCore + " (taskset -c " + serverCore + "), load generator on CPU " + clientCore + " (GOMAXPROCS=1)"
	if !pinning {
		pin = "none (fewer than 2 CPUs, no taskset, or -no-pin)"
	}
	out = append(out, kv{"pinning", pin})
	return out
}

const notesMarker = "<!-- Everything below this line is kept when the harness rewrites this file. -->"

func writeResults(path, report string) error {
	notes := "\n" + notesMarker + "\n"
	if b, err := os.ReadFile(path); err == nil {
		if i := bytes.Index(b, []byte(notesMarker)); i >= 0 {
			notes = "\n" + string(b[i:])
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(report+notes), 0o644)
}

func (r *results) find(wl, target string) *readRow {
	for _, row := range r.reads {
		if row.wl == wl && (row.target == target || strings.HasPrefix(row.target, target+" ")) && (target != "Convene" || row.target == "Convene") {
			return row
		}
	}
	return nil
}

func (r *results) findW5(n int, target string) *w5Row {
	for _, row := range r.w5 {
		if row.n == n && row.target == target {
			return row
		}
	}
	return nil
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func (r *results) render() string {
	var b strings.Builder
	cfg := r.cfg
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Convene benchmark results\n\n")
	p("Written by `go run ./bench%s` on %s (%s in all). How to run it and what each\n",
		strings.TrimRight(" "+strings.Join(cfg.args, " "), " "), r.began.UTC().Format("2006-01-02 15:04 UTC"), r.took.Round(time.Second))
	p("figure means: [README.md](README.md). Servers run alone on one core, the load generator on the other;\n")
	p("peak is a closed loop of %d connections (%d for W4) for %s, latency a fixed rate at 50%% of that peak for %s,\n", cfg.conns, cfg.mutConns, cfg.dur, cfg.dur)
	p("counted from each request's scheduled time (no coordinated omission).\n\n")
	if cfg.quick {
		p("**Quick mode: a small dataset and short phases. The targets are stated for the default scale; this run only shows the harness works.**\n\n")
	}

	p("## Machine\n\n| | |\n|---|---|\n")
	for _, m := range r.machine {
		p("| %s | %s |\n", m.k, m.v)
	}
	p("\n## Dataset\n\n")
	p("%s (seed %d), generated through the hub's commands (`-load %s`) in %.0f s: %d events, %d of them progress reports.\n",
		cfg.scale, cfg.seed, cfg.load, r.gen.Duration.Seconds(), r.gen.Events, r.gen.Reports)
	if len(r.startups) > 0 {
		s := slices.Clone(r.startups)
		slices.Sort(s)
		var parts []string
		for _, d := range r.startups {
			parts = append(parts, fmtDur(d))
		}
		p("Convene start-up to ready (process start to `/readyz` 200): %s.\n", strings.Join(parts, ", "))
	}
	if r.uncleanStartup > 0 {
		p("The same after an unclean stop (no clean-stop marker, so the start checks every event of the log, as after a crash): %s.\n", fmtDur(r.uncleanStartup))
	}
	if r.startupDetail != "" {
		p("%s\n", r.startupDetail)
	}
	p("Convene binary idle, right after start-up: %.0f%% of its core.\n", 100*r.idleCPU)

	p("\n## Requests (W1–W4)\n\n")
	p("| workload | server | peak req/s | p50 @ 50%% | p99 @ 50%% | p99.9 @ 50%% | server CPU / request | vs B0 | vs B1 | vs B2 | other load | answers |\n")
	p("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	titles := map[string]string{}
	for _, wl := range readWorkloads(&export{}, 0) {
		titles[wl.name] = wl.title
	}
	titles[mixName] = mixTitle
	for _, wl := range []string{"W1", "W2", "W3", mixName} {
		for _, row := range r.reads {
			if row.wl != wl {
				continue
			}
			vs := [3]string{"", "", ""}
			if row.target == "Convene" || row.target == convUncached || row.target == convInproc {
				for i, bname := range []string{"B0", "B1", "B2"} {
					if base := r.find(wl, bname); base != nil {
						vs[i] = ratio(row.peak.throughput(), base.peak.throughput())
					}
				}
			}
			peak := fmt.Sprintf("%.0f", row.peak.throughput())
			if row.peak.ClientCPU > 0.9 {
				peak += " ⚠client-bound"
			}
			errs := ""
			if e := row.peak.Errors + row.fixed.Errors; e > 0 {
				errs = fmt.Sprintf("; **%d errors**", e)
			}
			p("| %s %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s%s |\n", wl, titles[wl], row.target, peak,
				fmtDur(row.fixed.pct(50)), fmtDur(row.fixed.pct(99)), fmtDur(row.fixed.pct(99.9)), fmtDur(row.peak.cpuPerRequest()), vs[0], vs[1], vs[2],
				foreign(row.peak, row.fixed), row.verified, errs)
		}
	}
	if w := r.w4; w != nil {
		check := "no event lost or duplicated"
		if !w.ok {
			check = "**MISMATCH**"
		}
		p("| W4 reportProgress (durable) | Convene | %.0f | %s | %s | %s | %s | | | | %s | %s: %s |\n", w.peak.throughput(),
			fmtDur(w.fixed.pct(50)), fmtDur(w.fixed.pct(99)), fmtDur(w.fixed.pct(99.9)), fmtDur(w.peak.cpuPerRequest()), foreign(w.peak, w.fixed), check, w.detail)
	}
	if w := r.w4pair; w != nil {
		for _, row := range w.rows {
			for _, l := range []struct {
				who string
				l   loadResult
			}{{"A, holding the embedded database", row.a}, {"B", row.b}} {
				errs := ""
				if l.l.Errors > 0 {
					errs = fmt.Sprintf("; **%d errors**", l.l.Errors)
				}
				p("| W4 two instances, %s: %s | Convene | %.0f | %s | %s | %s | | | | | %s | %.0f%% of the writes (closed loop of %d each)%s |\n", row.name, l.who,
					l.l.throughput(), fmtDur(l.l.pct(50)), fmtDur(l.l.pct(99)), fmtDur(l.l.pct(99.9)), foreign(row.a, row.b), 100*row.share(l.l), pairConns, errs)
			}
		}
	}
	r.renderHey(p)
	r.renderGCControl(p)
	r.renderTraceTails(p)
	r.renderMix(p)
	p("\nserver CPU / request: the server process's user+system time over the peak phase (/proc/<pid>/stat, 10 ms ticks) per\n")
	p("answer, which other processes on its core inflate far less than they do the rates and latencies.\n")
	p("vs Bn: Convene's peak throughput over the baseline's. B0 answers each request with the bytes Convene answered it with\n")
	p("(plain net/http, no execution): the machine's limit. B1 is net/http + encoding/json over the same data (REST). B2 is\n")
	p("Apollo Server %s on Node.js, same schema subset, same data in memory. \"answers\": each baseline's responses compared,\n", r.machineValue("npm @apollo/server"))
	p("as JSON, with Convene's (data and errors; Convene adds a cost report in `extensions`). ⚠client-bound: the load generator\n")
	p("used more than 90%% of its core, so the figure is a floor. \"other load\": the largest share of the server's core, then\n")
	p("of the generator's, that processes outside this benchmark used during the row's phases (this machine may be shared).\n")

	if w := r.w4pair; w != nil {
		p("W4 two instances: a second server process on the first one's embedded database (`--mongodb-uri`), both on the\n")
		p("servers' core, each under a closed loop of %d connections for %s at once; latencies are the closed loop's. %s.\n", pairConns, cfg.dur, w.detail)
	}
	r.renderSideBySide(p)
	if rp := r.replay; rp != nil {
		p("\n## Replay after a restart\n\n")
		p("The binary restarted on the database W4 left (its memory then holds none of the log), one graphql-transport-ws\n")
		p("subscription `events(after:)` replaying the log's last %d events: first message after **%s**, all %d after %s",
			replayEvents, fmtDur(rp.first), rp.events, fmtDur(rp.last))
		if rp.err != "" {
			p("; it ended early: %s", rp.err)
		}
		p(".\n")
	}
	if w := r.w4flat; w != nil {
		p("\n## W4 flat: %d writes to the same %d commitments\n\n", w.writes, w.targets)
		p("W4's mutation, one write after another on %d connections (a closed loop), %.0f writes a second over %.0f s;\n", cfg.mutConns, float64(w.writes)/w.wall.Seconds(), w.wall.Seconds())
		p("each write's latency by its place in the sequence (every commitment gets one report in %d writes).\n\n", w.targets)
		p("| writes | p50 | p99 |\n|---|--:|--:|\n")
		k := min(1000, w.writes/2)
		row := func(from, to int) {
			l := w.window(from, to)
			p("| %d–%d | %s | %s |\n", from+1, to, fmtDur(percentile(l, 50)), fmtDur(percentile(l, 99)))
		}
		row(0, k)
		for i := range 10 {
			row(i*w.writes/10, (i+1)*w.writes/10)
		}
		row(w.writes-k, w.writes)
		if w.errors > 0 {
			p("\n**%d errors**; the first: %s\n", w.errors, w.firstErr)
		}
	}

	if len(r.w5) > 0 {
		p("\n## Subscription fan-out (W5)\n\n")
		p("One outcome a second (%d per run, after a warm-up one) to every subscriber of `meetingOutcomeRecorded` over\n", cfg.w5Events)
		p("graphql-transport-ws, subscribers added level by level on one server process; latency from the outcome's\n")
		p("`recordedAt` (set before the event is written) to its arrival at each subscriber. CPU per event from the server's\n")
		p("/proc/<pid>/stat over the publishing window, less the idle CPU of the same subscribers over the same time (raw:\n")
		p("not subtracted; n/a when the server already used ≥ 20%% of its core while idle). Memory: RSS with every\n")
		p("subscriber connected and idle, less RSS before the first, per subscriber. The in-process server returns its idle\n")
		p("memory to the OS (debug.FreeOSMemory) before each reading; the binary cannot be asked to, and its RSS barely moves, as\n")
		p("its start-up leaves far more idle heap than the subscribers need. \"in-process\" and B3 share one process\n")
		p("(`serve-inproc`: the same hub, its tailer off, behind Convene's live transport, then gqlgen's transport.Websocket).\n\n")
		p("| subscribers | server | connected | p50 | p99 | max | missing | CPU/event | raw CPU/event | idle CPU | RSS | KB/subscriber | CPU vs B3 | other load |\n")
		p("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, row := range r.w5 {
			vs := ""
			if row.target == w5Convene {
				if b3 := r.findW5(row.n, w5B3); b3 != nil && row.cpuPerEvent() > 0 {
					vs = fmt.Sprintf("%.1f× less", float64(b3.cpuPerEvent())/float64(row.cpuPerEvent()))
				}
			}
			if row.target == w5Replica {
				if b3 := r.findW5(row.n, w5B3); b3 != nil && row.cpuPerEvent() > 0 {
					vs = fmt.Sprintf("%.1f× less", float64(b3.cpuPerEvent())/float64(row.cpuPerEvent()))
				}
			}
			cpu := fmtDur(row.cpuPerEvent())
			if row.saturated() {
				cpu = "n/a (busy when idle)"
			}
			mem := fmt.Sprintf("%.1f", row.kbPerSub())
			if row.memNote != "" {
				mem = "(" + mem + ": " + row.memNote + ")"
			}
			idle := "–"
			if row.idleWin > 0 {
				idle = fmt.Sprintf("%.0f ms/s", float64(row.idleCPU.Milliseconds())/row.idleWin.Seconds())
			}
			mx := time.Duration(0)
			if len(row.lat) > 0 {
				mx = row.lat[len(row.lat)-1]
			}
			p("| %d | %s | %d | %s | %s | %s | %d | %s | %s | %s | %.0f MB | %s | %s | %s |\n", row.n, row.target, row.connected,
				fmtDur(percentile(row.lat, 50)), fmtDur(percentile(row.lat, 99)), fmtDur(mx), row.missing,
				cpu, fmtDur(row.rawCPUPerEvent()), idle, float64(row.rss1)/(1<<20), mem, vs, foreign(loadResult{ForeignSrv: row.foreignSrv, ForeignCli: row.foreignCli}))
		}
		for _, row := range r.w5 {
			if row.note != "" {
				p("\n- %d %s: %s", row.n, row.target, strings.TrimPrefix(row.note, "; "))
			}
		}
		p("\n")
		if r.w5Scan[0] != "" && r.w5Scan[1] != "" {
			p("\nOn the in-process server, before its W5 %s; after the live transport's subscribers had all left, %s.\n", r.w5Scan[0], r.w5Scan[1])
			p("The runtime never frees a goroutine's descriptor, so what the subscribers' goroutines left is marked in every\n")
			p("collection after; the binary restarts after its own W5, before the reads.\n")
		}
	}

	if r.pg != nil {
		r.pg.render(p, r)
	}
	if r.soak != nil {
		r.soak.render(p)
	}
	if r.scaling != nil {
		r.scaling.render(p)
	}
	p("\n## Targets\n\n| target | measured | |\n|---|---|---|\n")
	for _, t := range r.targets() {
		p("| %s | %s | %s |\n", t[0], t[1], t[2])
	}
	if cfg.quick {
		p("\n(Quick mode: verdicts at a small scale, for the harness's sake only.)\n")
	}

	if len(r.profiles) > 0 {
		p("\n## Profiles\n\n")
		p("Taken with pprof on `serve-inproc` (the bench's copy of Convene's GraphQL handler on the same hub, store and\n")
		p("resolvers, plus net/http/pprof and a count of the hub's event-log calls; its tailer off), pinned like the server,\n")
		p("under the same workloads; the files are in `%s`.\n",
			relPath(cfg.root, filepath.Join(cfg.work, "profiles")))
		p("Inspect one with `go tool pprof -http : <file>`.\n")
		for _, n := range r.profiles {
			p("\n### %s\n\n%s\n\n```\n%s\n```\n", n.what, n.extra, n.top)
		}
	}
	if len(r.warnings) > 0 {
		p("\n## Warnings\n\n")
		for _, w := range r.warnings {
			p("- %s\n", strings.ReplaceAll(w, "\n", " "))
		}
	}
	return b.String()
}

// foreign shows how busy other processes kept the two cores.
func foreign(rs ...loadResult) string {
	var s, c float64
	for _, r := range rs {
		s, c = max(s, r.ForeignSrv), max(c, r.ForeignCli)
	}
	out := fmt.Sprintf("%.0f%% / %.0f%%", 100*s, 100*c)
	if s > 0.1 || c > 0.1 {
		out += " ⚠"
	}
	return out
}

func relPath(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

func (r *results) machineValue(k string) string {
	for _, m := range r.machine {
		if m.k == k {
			return m.v
		}
	}
	return ""
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// targets checks the targets against this run.
func (r *results) targets() [][3]string {
	var out [][3]string
	add := func(t, m string, ok bool) { out = append(out, [3]string{t, m, verdict(ok)}) }
	thr := func(wl, t string) float64 {
		if row := r.find(wl, t); row != nil {
			return row.peak.throughput()
		}
		return 0
	}
	if c, b0, b2 := thr("W1", "Convene"), thr("W1", "B0"), thr("W1", "B2"); c > 0 && b0 > 0 && b2 > 0 {
		add("W1 ≥ 50% of B0 throughput", fmt.Sprintf("%.0f%% (%.0f vs %.0f req/s)", 100*c/b0, c, b0), c >= 0.5*b0)
		add("W1 ≥ 5× B2", fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)", c/b2, c, b2), c >= 5*b2)
	}
	if c, b1, b2 := thr("W2", "Convene"), thr("W2", "B1"), thr("W2", "B2"); c > 0 && b1 > 0 && b2 > 0 {
		add("W2 ≥ 25% of B1", fmt.Sprintf("%.0f%% (%.0f vs %.0f req/s)", 100*c/b1, c, b1), c >= 0.25*b1)
		add("W2 ≥ 5× B2", fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)", c/b2, c, b2), c >= 5*b2)
	}
	for _, n := range r.profiles {
		if n.name == "W2" {
			add("W2 zero database round trips per query", n.extra, strings.Contains(n.extra, " 0 appends") && strings.Contains(n.extra, " 0 snapshot loads"))
		}
	}
	// Issue 13's targets, on the rows every request of which is executed.
	// Beside each rate ratio, the same ratio of the servers' CPU time per
	// request: what a free core would show on a machine shared with other
	// work.
	cpu := func(wl, t string) time.Duration {
		if row := r.find(wl, t); row != nil {
			return row.peak.cpuPerRequest()
		}
		return 0
	}
	// The verdict reads the side-by-side rounds' median when they ran (the
	// rows compare servers measured minutes apart).
	for _, wl := range []string{"W1", "W2"} {
		if c, b1, b2 := thr(wl, convUncached), thr(wl, "B1"), thr(wl, "B2"); c > 0 && b1 > 0 && b2 > 0 {
			ok := c >= 0.5*b1 && c >= 5*b2
			m := ""
			if sb := r.sideOf(wl); sb != nil {
				r1, r2 := median(sb.ratios(0, 1)), median(sb.ratios(0, 2))
				ok = r1 >= 0.5 && r2 >= 5
				m = fmt.Sprintf("side by side, the median of %d rounds: %.2f× B1, %.2f× B2 (by CPU per request %.2f×, %.2f×); the rows: ",
					len(sb.rounds), r1, r2, median(sb.cpuRatios(0, 1)), median(sb.cpuRatios(0, 2)))
			}
			m += fmt.Sprintf("%.2f× B1, %.2f× B2 (%.0f req/s)", c/b1, c/b2, c)
			if cc, c1, c2 := cpu(wl, convUncached), cpu(wl, "B1"), cpu(wl, "B2"); cc > 0 && c1 > 0 && c2 > 0 {
				m += fmt.Sprintf("; by CPU per request %.2f× B1, %.2f× B2 (%s vs %s and %s)", float64(c1)/float64(cc), float64(c2)/float64(cc), fmtDur(cc), fmtDur(c1), fmtDur(c2))
			}
			add(fmt.Sprintf("%s without the response cache ≥ 0.5× B1 and ≥ 5× B2", wl), m, ok)
		}
	}
	var tails []string
	tailsOK, tailRows := true, 0
	for _, wl := range []string{"W1", "W2", "W3", mixName} {
		if row := r.find(wl, convUncached); row != nil {
			tailRows++
			tailsOK = tailsOK && row.fixed.pct(99) < 5*time.Millisecond
			tails = append(tails, fmt.Sprintf("%s %s at %.0f req/s", wl, fmtDur(row.fixed.pct(99)), row.fixed.Rate))
		}
	}
	if tailRows > 0 {
		add("every uncached workload's p99 < 5 ms at half its peak", strings.Join(tails, "; "), tailsOK)
	}
	if len(r.gcControl) > 0 {
		var off []string
		offOK := true
		for _, c := range r.gcControl {
			offOK = offOK && c.fixed.pct(99) < 5*time.Millisecond
			off = append(off, fmt.Sprintf("%s %s (%s collections)", c.row.wl, fmtDur(c.fixed.pct(99)), countOrUnknown(c.gcs)))
		}
		add("(the same, the collector off: what is left when its cause is removed)", strings.Join(off, "; "), offOK)
	}
	if len(r.traceTails) > 0 {
		var named []string
		for _, tt := range r.traceTails {
			named = append(named, tt.wl+": "+tt.cause())
		}
		add("(the tails' cause, traced: what the requests over p99 waited on)", strings.Join(named, "; "), true)
	}
	if row := r.find(mixName, convUncached); row != nil {
		add("the analyst's mix, uncached: p50 and p99 ≤ 10 ms at half its peak", fmt.Sprintf("p50 %s, p99 %s at %.0f req/s (peak %.0f)",
			fmtDur(row.fixed.pct(50)), fmtDur(row.fixed.pct(99)), row.fixed.Rate, row.peak.throughput()), row.fixed.pct(99) <= 10*time.Millisecond)
	}
	if sr := r.scaling; sr != nil && len(sr.scales) > 1 {
		byRate, byCPU := 0, 0
		for _, name := range sr.names {
			if r := sr.ratios[name]; r.rate >= 0.8 {
				byRate++
			}
			if r := sr.ratios[name]; r.cpu >= 0.8 {
				byCPU++
			}
		}
		add(fmt.Sprintf("each page of 50 at %d commitments ≥ 0.8× the rate at %d", sr.scales[len(sr.scales)-1].commitments, sr.scales[0].commitments),
			fmt.Sprintf("%d of %d rows by rate, %d of %d by the server's CPU per request (the scaling tables)", byRate, len(sr.names), byCPU, len(sr.names)),
			byRate == len(sr.names) || byCPU == len(sr.names))
	}
	for _, target := range []string{"Convene", convUncached} {
		if row := r.find("W3", target); row != nil {
			name := fmt.Sprintf("W3 p99 < 5 ms at %d commitments", r.cfg.scale.Commitments)
			if target != "Convene" {
				name = "(" + name + ", without the response cache)"
			}
			add(name, fmt.Sprintf("p99 %s at %.0f req/s (50%% of peak); closed-loop p99 %s", fmtDur(row.fixed.pct(99)), row.fixed.Rate, fmtDur(row.peak.pct(99))),
				row.fixed.pct(99) < 5*time.Millisecond)
		}
	}
	if w := r.w4; w != nil {
		add("W4 p50 ≤ 5 ms (embedded FerretDB), no lost or duplicated event",
			fmt.Sprintf("p50 %s at %.0f/s (50%% of the %.0f/s peak); %s", fmtDur(w.fixed.pct(50)), w.fixed.Rate, w.peak.throughput(), w.detail),
			w.fixed.pct(50) <= 5*time.Millisecond && w.ok)
	}
	if w := r.w4pair; w != nil {
		var parts []string
		ok := w.ok
		for _, row := range w.rows {
			for _, l := range []loadResult{row.a, row.b} {
				ok = ok && l.Errors == 0 && 3*row.share(l) >= 1 && l.pct(99) < time.Second
			}
			parts = append(parts, fmt.Sprintf("%s: %.0f%% / %.0f%%, p99 %s / %s, errors %d / %d", row.name, 100*row.share(row.a), 100*row.share(row.b),
				fmtDur(row.a.pct(99)), fmtDur(row.b.pct(99)), row.a.Errors, row.b.Errors))
		}
		add("W4 on two instances: each ≥ a third of the writes, p99 < 1 s, no errors", strings.Join(parts, "; "), ok)
	}
	if rp := r.replay; rp != nil {
		add(fmt.Sprintf("Replay of %d events after a restart: first message < 1 s", replayEvents),
			fmt.Sprintf("first after %s, all %d after %s", fmtDur(rp.first), rp.events, fmtDur(rp.last)), rp.first > 0 && rp.first < time.Second && rp.err == "")
	}
	if w := r.w4flat; w != nil {
		k := min(1000, w.writes/2)
		first, last := percentile(w.window(0, k), 50), percentile(w.window(w.writes-k, w.writes), 50)
		add(fmt.Sprintf("W4 flat over %d writes to %d commitments: the last %d writes' p50 ≤ 1.5× the first %d's", w.writes, w.targets, k, k),
			fmt.Sprintf("first %s, last %s (%.2f×), %d errors", fmtDur(first), fmtDur(last), float64(last)/float64(first), w.errors),
			float64(last) <= 1.5*float64(first) && w.errors == 0)
	}
	if len(r.cfg.subs) > 0 {
		n := slices.Max(r.cfg.subs)
		if c := r.findW5(n, w5Convene); c != nil {
			add(fmt.Sprintf("W5 p99 ≤ 250 ms at %d subscribers", n), fmt.Sprintf("p99 %s, %d missing", fmtDur(percentile(c.lat, 99)), c.missing),
				percentile(c.lat, 99) <= 250*time.Millisecond && c.missing == 0 && len(c.lat) > 0)
			// The binary's RSS hardly moves: its start-up leaves the heap
			// with far more free memory than 10,000 subscribers take, so the
			// figure is the in-process live transport's (same code, a
			// settled heap), with the heap profile to back it.
			if rp := r.findW5(n, w5Replica); rp != nil {
				add("W5 ≤ 20 KB resident memory per idle subscriber", fmt.Sprintf("%.1f KB (in-process live transport, RSS %.0f MB with %d subscribers; the binary's RSS, %.0f MB, moved by %.1f KB a subscriber: its start-up leaves far more heap idle than they need)",
					rp.kbPerSub(), float64(rp.rss1)/(1<<20), rp.connected, float64(c.rss1)/(1<<20), c.kbPerSub()), rp.kbPerSub() > 0 && rp.kbPerSub() <= 20)
			}
			cpuRow, where := c, "binary"
			if c.cpuPerEvent() == 0 {
				cpuRow, where = r.findW5(n, w5Replica), "in-process live transport: the binary was busy while idle"
			}
			if b3 := r.findW5(n, w5B3); b3 != nil && cpuRow != nil && cpuRow.cpuPerEvent() > 0 {
				x := float64(b3.cpuPerEvent()) / float64(cpuRow.cpuPerEvent())
				m := fmt.Sprintf("%.1f× (%s vs %s per event; %s)", x, fmtDur(cpuRow.cpuPerEvent()), fmtDur(b3.cpuPerEvent()), where)
				if rp := r.findW5(n, w5Replica); rp != nil && rp != cpuRow && rp.cpuPerEvent() > 0 {
					m += fmt.Sprintf("; in-process live transport, same process as B3: %.1f× (%s)", float64(b3.cpuPerEvent())/float64(rp.cpuPerEvent()), fmtDur(rp.cpuPerEvent()))
				}
				if raw := r.findW5(n, w5Raw); raw != nil && raw.cpuPerEvent() > 0 {
					m += fmt.Sprintf("; the raw broadcast floor is %s, %.1f× less than B3", fmtDur(raw.cpuPerEvent()), float64(b3.cpuPerEvent())/float64(raw.cpuPerEvent()))
				}
				add("W5 ≥ 10× less CPU per event than B3", m, x >= 10)
			}
		}
	}
	if len(r.startups) > 0 {
		s := slices.Clone(r.startups)
		slices.Sort(s)
		add("Start-up to ready ≤ 5 s", fmt.Sprintf("median %s, max %s over %d starts", fmtDur(s[len(s)/2]), fmtDur(s[len(s)-1]), len(s)), s[len(s)-1] <= 5*time.Second)
	}
	return out
}

// renderHey writes the fixed-rate check of the uncached rows against hey.
func (r *results) renderHey(p func(string, ...any)) {
	var rows []*readRow
	for _, row := range r.reads {
		if row.fixed.PacerLate != nil && (row.target == convUncached || row.target == b1Name) {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return
	}
	p("\nThe fixed-rate phases of the uncached rows and of B1: the harness's own pacer, and the same phases again with `hey`.\n")
	p("\"pacer late\": how long after its scheduled time the harness's pacer (sleeping in the kernel between requests) handed\n")
	p("each request out, a lateness of the generator's that the harness's latencies include; \"from hand-out\": the same\n")
	p("requests' latencies counted from that moment instead (a wait for a free connection still counts). hey (bench/hey.go):\n")
	p("the same rate, connections and core, the workload's first request only; it waits for each answer, so its tails are a floor.\n")
	p("\"busy\": the server's CPU time over the phase's wall time; \"CPU a request\": the server's CPU time per request at this\n")
	p("rate, and in brackets at its peak (a request that arrives alone, on an idle server, costs more than one of a closed loop's).\n\n")
	p("| workload | rate | busy | CPU a request | harness p50 | harness p99 | pacer late p50 | p99 | from hand-out p50 | p99 | hey rate | hey p50 | hey p99 | hey slowest | |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, row := range rows {
		f, who := row.fixed, "uncached"
		if row.target == b1Name {
			who = "B1"
		}
		hey := "| | | | |"
		if h := row.hey; h != nil {
			hey = fmt.Sprintf("%.0f | %s | %s | %s | %s |", h.rate, fmtDur(h.p50), fmtDur(h.p99), fmtDur(h.max), h.errs)
		}
		p("| %s %s | %.0f | %.0f%% | %s (%s) | %s | %s | %s | %s | %s | %s | %s\n", row.wl, who, f.Rate, 100*f.busy(), fmtDur(f.cpuPerRequest()), fmtDur(row.peak.cpuPerRequest()), fmtDur(f.pct(50)), fmtDur(f.pct(99)),
			fmtDur(percentile(f.PacerLate, 50)), fmtDur(percentile(f.PacerLate, 99)), fmtDur(percentile(f.Handed, 50)), fmtDur(percentile(f.Handed, 99)), hey)
	}
}
