package main

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"convene/store"

	_ "modernc.org/sqlite" // to count events in the embedded FerretDB's file
)

// results is everything one run measured.
type results struct {
	cfg            *config
	machine        []kv
	gen            genStats
	startups       []time.Duration // Convene process start to /readyz 200
	uncleanStartup time.Duration   // the same with the full integrity check, as after a crash
	idleCPU        float64         // Convene binary's CPU use when idle, in cores
	startupDetail  string
	reads          []*readRow
	gcControl      []gcPhase    // the uncached fixed-rate phases on the binary with its collector off
	traceTails     []*tailTrace // the same phases on the in-process server, traced
	gcScan         string       // what a forced collection scanned on the in-process server
	w5Scan         [2]string    // the same before and after its W5 on the live transport
	mix            []*mixQuery
	sideBySide     []*sideBySide // the uncached targets' servers in turns
	w4             *w4Result
	w4pair         *w4PairResult
	replay         *replayResult
	w4flat         *w4FlatResult
	w5             []*w5Row
	profiles       []*profileNote
	scaling        *scalingResult
	pg             *pgResult
	soak           *soakResult
	warnings       []string
	began          time.Time
	took           time.Duration
}

type kv struct{ k, v string }

// convInproc names the rows of Convene's handler in the in-process server.
const convInproc = "Convene in-process, tailer off"

// convUncached names the rows of requests sent with a token, which the
// response cache (anonymous callers only) never answers.
const convUncached = "Convene with a token (uncached)"

// b1Name names B1's rows: net/http and encoding/json over the same data.
const b1Name = "B1 net/http+encoding/json"

// b2Name names B2's rows: Apollo Server on Node.js over the same data.
const b2Name = "B2 Apollo Server"

type readRow struct {
	wl, target  string
	peak, fixed loadResult
	verified    string
	hey         *heyResult // the fixed-rate phase again with hey (bench/hey.go), uncached rows
	gcs         int        // Convene's collections during the fixed-rate phase (-1: not Convene, or unknown)
}

func (r *results) warn(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	r.warnings = append(r.warnings, s)
	logf("WARNING: %s", s)
}

func run(ctx context.Context, cfg *config) error {
	res := &results{cfg: cfg, began: time.Now()}
	if err := os.MkdirAll(cfg.work, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf("convene benchmark: %s; phases of %s; servers on CPU %s, load on CPU %s (pinning %v)",
		cfg.scale, cfg.dur, serverCore, clientCore, pinning)

	bin := cfg.bin
	if bin == "" {
		bin = filepath.Join(cfg.work, "convene")
		logf("building the server: go build -o %s .", bin)
		if err := goBuild(cfg.root, bin); err != nil {
			return err
		}
	}
	if cfg.want("read") {
		if err := ensureApollo(filepath.Join(cfg.root, "bench", "apollo")); err != nil {
			return err
		}
	}
	res.machine = machineInfo(cfg)
	if len(cfg.only) == 1 && cfg.want("scaling") {
		return runScalingOnly(ctx, cfg, res, bin)
	}

	dataDir := filepath.Join(cfg.work, "data")
	logf("generating the dataset (%s) into %s (-load %s)", cfg.scale, dataDir, cfg.load)
	res.gen, err = generate(ctx, dataDir, cfg.scale, cfg.seed, cfg.load, func(s string) { logf("  %s", s) })
	if err != nil {
		return fmt.Errorf("generating the dataset: %w", err)
	}
	logf("dataset: %d events (%d progress reports) in %.0fs", res.gen.Events, res.gen.Reports, res.gen.Duration.Seconds())

	// The in-process server (B3, and Convene's handler with pprof) gets its
	// own copy of the database, so it can start while the binary does.
	inprocData := filepath.Join(cfg.work, "data-inproc")
	inproc := cfg.want("w5") || cfg.want("profile") || cfg.want("read")
	if inproc {
		os.RemoveAll(inprocData)
		if out, err := exec.Command("cp", "-a", dataDir, inprocData).CombinedOutput(); err != nil {
			return fmt.Errorf("copying the dataset: %v: %s", err, out)
		}
	}
	if err := pinSelf(); err != nil {
		res.warn("could not pin the load generator: %v", err)
	}
	runtime.GOMAXPROCS(1)
	token := "bench-" + randomHex(16)

	// ---- Start the binary (CPU 0) and the in-process server (CPU 1,
	// idle until its turn, then moved to CPU 0) side by side.
	var ip *inprocServer
	if inproc {
		if ip, err = startInproc(cfg, self, inprocData, token); err != nil {
			return err
		}
		defer ip.stop()
	}
	logf("starting the server: %s --data-dir %s ...", bin, dataDir)
	cv, err := startConvene(cfg, bin, dataDir, token, "convene")
	if err != nil {
		return err
	}
	defer func() { cv.stop() }() // cv is started again after the collector's control
	res.startups = append(res.startups, cv.ready)
	logf("convene ready in %s", cv.ready.Round(time.Millisecond))
	if ip != nil {
		if err := ip.waitReady("/readyz", 20*time.Minute); err != nil {
			return err
		}
		logf("in-process server ready in %s", ip.ready.Round(time.Millisecond))
		if err := verifyLoaded(res, ip.proc, "the in-process server"); err != nil {
			return err
		}
	}
	if err := verifyLoaded(res, cv.proc, "the server"); err != nil {
		return err
	}
	c0 := procCPU(cv.pid())
	time.Sleep(3 * time.Second)
	res.idleCPU = float64(procCPU(cv.pid())-c0) / float64(3*time.Second)
	logf("convene idle: %.0f%% of its core", 100*res.idleCPU)

	// ---- W5 on the binary first, while its heap is fresh (memory per subscriber)
	meetingID := globalID("Meeting", "meeting-00000")
	if cfg.want("w5") {
		fanOut(cfg, res, w5Server{target: w5Convene, addr: cv.addr, pid: cv.pid(), pub: publisher{addr: cv.addr, token: token, meetingID: meetingID}})
		// The reads run on a fresh start: the runtime never frees a
		// goroutine's descriptor, so a process that has held 10,000
		// subscribers' goroutines marks those descriptors in every
		// collection after (the in-process server's lines before and
		// after its W5 say how much).
		cv.stop()
		if cv, err = startConvene(cfg, bin, dataDir, token, "convene"); err != nil {
			return err
		}
		res.startups = append(res.startups, cv.ready)
	}

	// ---- Export, W1–W4 on the binary
	ex, err := exportData(gqlClient{addr: cv.addr})
	if err != nil {
		return fmt.Errorf("reading the dataset back from convene: %w", err)
	}
	if len(ex.Commitments) != cfg.scale.Commitments {
		return fmt.Errorf("exported %d commitments, %d were generated", len(ex.Commitments), cfg.scale.Commitments)
	}
	exportPath := filepath.Join(cfg.work, "export.json")
	if err := ex.save(exportPath); err != nil {
		return err
	}
	wls := readWorkloads(ex, cfg.seed)
	replay, recorded, err := record(cv.addr, wls)
	if err != nil {
		return err
	}
	replayPath := filepath.Join(cfg.work, "replay.json")
	if b, err := json.Marshal(replay); err == nil {
		os.WriteFile(replayPath, b, 0o644)
	}
	var uncached []uncachedPhase // the uncached rows' phases, run again with the collector off and traced
	var baselines []*baselineProc
	if cfg.want("read") {
		if baselines, err = startBaselines(cfg, self, exportPath, replayPath); err != nil {
			return err
		}
		defer stopBaselines(baselines)
	}
	if cfg.want("read") || cfg.only["mix"] {
		for _, wl := range wls {
			if !cfg.want("read") {
				break
			}
			res.reads = append(res.reads, measureRead(cfg, wl, "Convene", &reqSet{addr: cv.addr, pid: cv.pid(), reqs: posts(cv.addr, wl.gql), check: okGraphQL}, "served"))
		}
		// The same requests with a token: answers are cached for anonymous
		// callers only, so these rows show every request executed.
		for _, wl := range wls {
			if !cfg.want("read") {
				break
			}
			reqs := posts(cv.addr, wl.gql, "Authorization", "Bearer "+token)
			row := measureRead(cfg, wl, convUncached, &reqSet{addr: cv.addr, pid: cv.pid(), reqs: reqs, check: okGraphQL}, "served")
			uncached = append(uncached, uncachedPhase{row: row, bodies: wl.gql, check: okGraphQL})
			if row.hey = runHey(cfg, cv.addr, token, wl.gql[0], cfg.conns, row.fixed.Rate, cfg.dur); row.hey != nil {
				logf("%s %-26s hey at %6.0f req/s: p50 %7s p99 %7s max %7s %s", wl.name, convUncached, row.hey.rate,
					fmtDur(row.hey.p50), fmtDur(row.hey.p99), fmtDur(row.hey.max), row.hey.errs)
			}
			res.reads = append(res.reads, row)
		}
		if mix, err := mixWorkload(cfg.root, ex); err != nil {
			res.warn("the analyst's mix: %v", err)
		} else {
			// Some golden queries are the API's refusals (a bad cursor, a
			// page too large): any answer with status 200 counts.
			reqs := posts(cv.addr, mix.gql, "Authorization", "Bearer "+token)
			ok := func(status int, _ []byte) bool { return status == 200 }
			rs := &reqSet{addr: cv.addr, pid: cv.pid(), reqs: reqs, check: ok, byRequest: true}
			row := measureRead(cfg, mix, convUncached, rs, fmt.Sprintf("%d requests", len(reqs)))
			res.reads = append(res.reads, row)
			res.mix = mixByQuery(cfg.root, mix, rs, row.fixed, 3)
			res.renderMix(func(f string, a ...any) { fmt.Printf(f, a...) })
			uncached = append(uncached, uncachedPhase{row: row, bodies: mix.gql, check: ok})
		}
		if cfg.want("read") {
			res.sideBySide = runSideBySide(cfg, sideServers(cv, token, baselines), sideWorkloads(wls))
			// The baselines' rows follow at once, so that the rows too are
			// measured close together.
			measureBaselines(cfg, res, baselines, wls, recorded)
			stopBaselines(baselines)
		}
		// The tails' control needs the data directory: the binary stops
		// for it and starts again for what follows.
		cv.stop()
		res.gcControl = runGCControl(cfg, res, bin, dataDir, token, uncached)
		// Without the clean stop's marker this start checks every event
		// of the log, as a start after a crash does.
		if err := os.Remove(filepath.Join(dataDir, "ferretdb", store.CleanStopFile)); err != nil {
			res.warn("the start after an unclean stop is not measured: %v", err)
		}
		if cv, err = startConvene(cfg, bin, dataDir, token, "convene"); err != nil {
			return err
		}
		res.uncleanStartup = cv.ready
	}
	if cfg.want("w4") || cfg.want("w4pg") {
		res.w4 = runW4(cfg, res, cv, ex, token)
	}
	if cfg.want("w4") {
		res.w4pair = runW4Pair(cfg, res, cv, ex, bin, token)
	}
	if cfg.want("w4flat") {
		res.w4flat = runW4Flat(cfg, res, cv, ex, token)
	}
	if cfg.only["soak"] {
		res.soak = runSoak(cfg, res, cv, ex, token)
	}
	cv.stop()
	if cfg.want("w4pg") {
		res.pg = runW4PG(ctx, cfg, res, bin, dataDir, ex, token)
	}
	if cfg.want("replay") {
		res.replay = runReplay(cfg, res, bin, dataDir, token)
	}

	// ---- W5 baselines: raw broadcast, then B3 and Convene's transport in one process
	if cfg.want("w5") {
		addr := freeAddr()
		p, err := startProc(cfg.work, "rawws", addr, nil, self, "serve-rawws", "-addr", addr)
		if err != nil {
			return err
		}
		if err := p.waitReady("/healthz", time.Minute); err != nil {
			p.stop()
			return err
		}
		fanOut(cfg, res, w5Server{target: w5Raw, addr: addr, pid: p.pid(), pub: publisher{addr: addr, raw: true}})
		p.stop()
	}
	if ip != nil {
		if err := pinProc(ip.pid(), serverCore); err != nil {
			res.warn("moving the in-process server to CPU %s: %v", serverCore, err)
		}
		if cfg.want("read") && wls != nil {
			// The same requests to Convene's handler on a hub whose tailer
			// is off: what the binary would serve without its tailer's load.
			for _, wl := range wls {
				res.reads = append(res.reads, measureRead(cfg, wl, convInproc, &reqSet{addr: ip.addr, pid: ip.pid(), reqs: posts(ip.addr, wl.gql), check: okGraphQL}, "served"))
			}
		}
		// Before W5, for the same reason the binary restarts after its W5.
		if len(uncached) > 0 {
			res.traceTails = runTraceTails(cfg, res, ip, token, uncached)
		}
		if cfg.want("w5") {
			// Convene's transport, then B3, on the same process; it returns
			// its idle memory to the OS before each RSS reading.
			prof := &profiler{cfg: cfg, res: res, ip: ip}
			free := func() { fetch(ip.addr, httpRequest(ip.addr, "GET", "/debug/freeosmemory", nil)) }
			s := w5Server{target: w5Replica, addr: ip.addr, pid: ip.pid(), pub: publisher{addr: ip.addr, token: token, meetingID: meetingID}, freeMem: free}
			if cfg.want("profile") {
				n := cfg.subs[len(cfg.subs)-1]
				s.atLast = func() { prof.heap(fmt.Sprintf("W5 heap in use with %d idle subscribers (live transport)", n)) }
				s.duringLast = func(d time.Duration) {
					prof.cpu("W5", fmt.Sprintf("W5 fan-out to %d subscribers (live transport), one outcome a second", n), d, nil)
				}
			}
			res.w5Scan[0] = ip.gcScan()
			fanOut(cfg, res, s)
			res.w5Scan[1] = ip.gcScan()
			logf("in-process server after W5 on the live transport: %s", res.w5Scan[1])
			fanOut(cfg, res, w5Server{target: w5B3, addr: ip.b3, pid: ip.pid(), pub: publisher{addr: ip.b3, token: token, meetingID: meetingID}, freeMem: free})
		}
		if cfg.want("profile") {
			if err := runProfiles(cfg, res, ip, ex, wls, token); err != nil {
				res.warn("profiling: %v", err)
			}
		}
		ip.stop()
	}

	if cfg.want("scaling") {
		if res.scaling, err = runScaling(ctx, cfg, res, bin, token); err != nil {
			res.warn("scaling: %v", err)
		}
	}

	res.took = time.Since(res.began)
	report := res.render()
	fmt.Println()
	fmt.Println(report)
	if err := writeResults(cfg.results, report); err != nil {
		return err
	}
	logf("wrote %s (%s in all)", cfg.results, res.took.Round(time.Second))
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	crand.Read(b)
	return hex.EncodeToString(b)
}

func goBuild(root, out string) error {
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.Command("go", "build", "-o", out, ".")
		cmd.Dir = root
		b, err := cmd.CombinedOutput()
		if err == nil {
			return nil
		}
		lastErr = fmt.Errorf("go build: %v\n%s", err, b)
		if attempt < 3 {
			logf("the server does not build (%v); retrying in 60s", err)
			time.Sleep(60 * time.Second)
		}
	}
	return lastErr
}

// ensureApollo installs B2's packages from the committed lock file.
func ensureApollo(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@apollo", "server", "package.json")); err == nil {
		return nil
	}
	logf("installing Apollo Server for B2: npm ci in %s", dir)
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", dir, err, b)
	}
	return nil
}

// baselineProc is one baseline server, up from the export to the end of
// the reads: its rows and the side-by-side rounds.
type baselineProc struct {
	name string
	*proc
	rest bool // B1 answers GET /rest/… rather than POST /graphql
}

func (b *baselineProc) reqSet(wl *workload) *reqSet {
	if b.rest {
		return &reqSet{addr: b.addr, pid: b.pid(), reqs: gets(b.addr, wl.rest)}
	}
	return &reqSet{addr: b.addr, pid: b.pid(), reqs: posts(b.addr, wl.gql), check: okGraphQL}
}

// startBaselines starts B0, B1 and B2 on the server core, where they
// idle until their turn.
func startBaselines(cfg *config, self, exportPath, replayPath string) ([]*baselineProc, error) {
	type baseline struct {
		name string
		argv []string
		env  []string
		rest bool
	}
	apollo := filepath.Join(cfg.root, "bench", "apollo")
	var bs []*baselineProc
	for _, b := range []baseline{
		{name: "B0 net/http replay", argv: []string{self, "serve-b0", "-replay", replayPath}},
		{name: b1Name, argv: []string{self, "serve-b1", "-export", exportPath}, rest: true},
		{name: b2Name, argv: []string{"node", filepath.Join(apollo, "server.mjs"), "--export", exportPath}, env: []string{"NODE_ENV=production"}},
	} {
		addr := freeAddr()
		argv := b.argv
		apolloServer := b.name == b2Name
		if apolloServer {
			argv = append(argv, "--port", addr[strings.LastIndexByte(addr, ':')+1:])
		} else {
			argv = append(argv, "-addr", addr)
		}
		p, err := startProc(cfg.work, strings.Fields(b.name)[0], addr, b.env, argv...)
		if err != nil {
			stopBaselines(bs)
			return nil, err
		}
		bs = append(bs, &baselineProc{name: b.name, proc: p, rest: b.rest})
		if apolloServer {
			err = p.waitReadyReq(httpRequest(addr, "POST", "/graphql", gqlBody(`{ __typename }`, nil)), 60*time.Second)
		} else {
			err = p.waitReady("/healthz", 60*time.Second)
		}
		if err != nil {
			stopBaselines(bs)
			return nil, err
		}
	}
	return bs, nil
}

func stopBaselines(bs []*baselineProc) {
	for _, b := range bs {
		b.stop()
	}
}

// measureBaselines measures each baseline's rows of W1–W3, one server at
// a time, after checking its answers against Convene's.
func measureBaselines(cfg *config, res *results, bs []*baselineProc, wls []*workload, recorded [][][]byte) {
	for _, b := range bs {
		for i, wl := range wls {
			rs := b.reqSet(wl)
			verified := verifySame(res, b.name, wl, rs, recorded[i])
			res.reads = append(res.reads, measureRead(cfg, wl, b.name, rs, verified))
		}
	}
}

// baseline is the started baseline called name, or nil.
func baseline(bs []*baselineProc, name string) *baselineProc {
	for _, b := range bs {
		if b.name == name {
			return b
		}
	}
	return nil
}

// inprocServer is the harness's serve-inproc process.
type inprocServer struct {
	*proc
	b3 string // B3's address; proc.addr is Convene's handler's
}

// gcScan is what a forced collection on the in-process server scanned
// (/debug/gcscan), or "" when it cannot be read.
func (ip *inprocServer) gcScan() string {
	status, body, err := fetch(ip.addr, httpRequest(ip.addr, "GET", "/debug/gcscan", nil))
	if err != nil || status != 200 {
		return ""
	}
	return gcScanLine(body)
}

func startInproc(cfg *config, self, dataDir, token string) (*inprocServer, error) {
	addr, b3 := freeAddr(), freeAddr()
	os.MkdirAll(filepath.Join(cfg.work, "profiles"), 0o755)
	p, err := startProcOn(clientCore, cfg.work, "inproc", addr, nil, self, "serve-inproc",
		"-live-addr", addr, "-b3-addr", b3, "-data-dir", dataDir, "-admin-token", token,
		"-startup-profile", filepath.Join(cfg.work, "profiles", "startup.cpu.pprof"))
	if err != nil {
		return nil, err
	}
	return &inprocServer{proc: p, b3: b3}, nil
}

func (s *inprocServer) stop() {
	if s != nil {
		s.proc.stop()
	}
}

// convene is the Convene binary serving the generated data.
type convene struct {
	*proc
	embedded string // the embedded FerretDB's address
	dataDir  string
	pgURL    string // the PostgreSQL backend's database; empty: SQLite in dataDir
}

// countEvents counts the log's events in the server's database.
func (c *convene) countEvents() (count, distinct, maxSeq int64, err error) {
	if c.pgURL != "" {
		return countEventsPG(c.pgURL)
	}
	return countEvents(c.dataDir)
}

func startConvene(cfg *config, bin, dataDir, token, name string) (*convene, error) {
	return startConveneOn(cfg, bin, dataDir, "", token, name)
}

// startConveneOn starts the binary on the embedded FerretDB on the
// PostgreSQL database at pgURL, or on SQLite in dataDir when pgURL is empty.
func startConveneOn(cfg *config, bin, dataDir, pgURL, token, name string) (*convene, error) {
	return startConveneEnv(cfg, bin, dataDir, pgURL, token, name, nil)
}

// startConveneEnv is startConveneOn with more environment variables.
func startConveneEnv(cfg *config, bin, dataDir, pgURL, token, name string, env []string) (*convene, error) {
	addr, emb := freeAddr(), freeAddr()
	args := []string{bin, "--addr", addr, "--data-dir", dataDir, "--embedded-addr", emb, "--admin-token", token, "--seed-demo=false"}
	if pgURL != "" {
		args = append(args, "--embedded-backend", "postgresql", "--postgresql-url", pgURL)
	}
	// A benchmark measures the server, not its rate limiter: turned off
	// where this build has the setting.
	flags := serverFlags(bin)
	if flags["rate-limit"] {
		args = append(args, "--rate-limit=0")
	}
	p, err := startProc(cfg.work, name, addr, append([]string{"CONVENE_RATE_LIMIT=0"}, env...), args...)
	if err != nil {
		return nil, err
	}
	if err := p.waitReady("/readyz", 20*time.Minute); err != nil {
		p.stop()
		return nil, err
	}
	return &convene{proc: p, embedded: emb, dataDir: dataDir, pgURL: pgURL}, nil
}

// serverFlags lists the flags the server binary accepts, from its -h.
func serverFlags(bin string) map[string]bool {
	out, _ := exec.Command(bin, "-h").CombinedOutput()
	flags := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], "-") {
			flags[strings.TrimLeft(f[0], "-")] = true
		}
	}
	return flags
}

func (c *convene) stop() {
	if c != nil {
		c.proc.stop()
	}
}

// waitReadyReq sends req until it answers 200, for up to timeout.
func (p *proc) waitReadyReq(req []byte, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited during start-up; see %s:\n%s", p.name, p.log, tail(p.log, 20))
		default:
		}
		if status, _, err := fetch(p.addr, req); err == nil && status == 200 {
			p.ready = time.Since(p.start)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s; see %s:\n%s", p.name, timeout, p.log, tail(p.log, 20))
}

// readyzSeq is the position of the server's read model, from /readyz.
func readyzSeq(addr string) (int64, error) {
	status, body, err := fetch(addr, httpRequest(addr, "GET", "/readyz", nil))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(body))
	if status != 200 || len(f) == 0 {
		return 0, fmt.Errorf("/readyz: HTTP %d %s", status, body)
	}
	return strconv.ParseInt(f[len(f)-1], 10, 64)
}

// verifyLoaded checks that a server (named by who) serves what was
// generated.
func verifyLoaded(res *results, cv *proc, who string) error {
	sc := res.cfg.scale
	seq, err := readyzSeq(cv.addr)
	if err != nil {
		return err
	}
	var counts map[string]struct {
		TotalCount int `json:"totalCount"`
	}
	if err := (gqlClient{addr: cv.addr}).do(`{ stakeholders(first: 1) { totalCount } commitments(first: 1) { totalCount }
		meetings(first: 1) { totalCount } outcomes(first: 1) { totalCount } }`, nil, &counts); err != nil {
		return fmt.Errorf("counting what the server serves: %w", err)
	}
	want := map[string]int{"stakeholders": sc.Stakeholders, "commitments": sc.Commitments, "meetings": sc.Meetings, "outcomes": sc.Outcomes}
	var bad []string
	for k, n := range want {
		if counts[k].TotalCount != n {
			bad = append(bad, fmt.Sprintf("%s: %d served, %d generated", k, counts[k].TotalCount, n))
		}
	}
	if seq != res.gen.Events {
		bad = append(bad, fmt.Sprintf("events: read model at %d, %d generated", seq, res.gen.Events))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s did not load the generated data: %s", who, strings.Join(bad, "; "))
	}
	logf("verified: %s serves %d stakeholders, %d commitments, %d meetings, %d outcomes at event %d", who,
		sc.Stakeholders, sc.Commitments, sc.Meetings, sc.Outcomes, seq)
	return nil
}

func posts(addr string, bodies [][]byte, headers ...string) [][]byte {
	out := make([][]byte, len(bodies))
	for i, b := range bodies {
		out[i] = httpRequest(addr, "POST", "/graphql", b, headers...)
	}
	return out
}

func gets(addr string, paths []string) [][]byte {
	out := make([][]byte, len(paths))
	for i, p := range paths {
		out[i] = httpRequest(addr, "GET", p, nil)
	}
	return out
}

// record asks Convene every W1–W3 request once: B0 replays these bytes,
// and B1 and B2 must answer the same.
func record(addr string, wls []*workload) ([]replayEntry, [][][]byte, error) {
	var replay []replayEntry
	recorded := make([][][]byte, len(wls))
	for i, wl := range wls {
		for _, body := range wl.gql {
			status, resp, ct, err := fetchCT(addr, httpRequest(addr, "POST", "/graphql", body))
			if err != nil || !okGraphQL(status, resp) {
				return nil, nil, fmt.Errorf("%s on convene: HTTP %d %v: %s", wl.name, status, err, short(resp))
			}
			replay = append(replay, replayEntry{Body: string(body), Response: string(resp), ContentType: ct})
			recorded[i] = append(recorded[i], resp)
		}
	}
	return replay, recorded, nil
}

// verifySame compares a baseline's answers with Convene's.
func verifySame(res *results, name string, wl *workload, rs *reqSet, want [][]byte) string {
	n := min(len(rs.reqs), 50)
	bad := 0
	for i := range n {
		status, body, err := fetch(rs.addr, rs.reqs[i])
		if err != nil || status != 200 || !sameJSON(body, want[i]) {
			if bad == 0 {
				res.warn("%s answers %s differently from Convene (HTTP %d %v): %s", name, wl.name, status, err, jsonDiff(body, want[i]))
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Sprintf("%d/%d answers differ", bad, n)
	}
	return fmt.Sprintf("same JSON (%d checked)", n)
}

func measureRead(cfg *config, wl *workload, target string, rs *reqSet, verified string) *readRow {
	closedLoop(rs, cfg.conns, cfg.warm)
	peak := closedLoop(rs, cfg.conns, cfg.dur)
	gcs := -1
	before := -1
	if strings.HasPrefix(target, "Convene") {
		before = gcCycles(rs.addr)
	}
	fixed := fixedRate(rs, cfg.conns, peak.throughput()/2, cfg.dur)
	if before >= 0 {
		if after := gcCycles(rs.addr); after >= 0 {
			gcs = after - before
		}
	}
	logf("%s %-26s peak %8.0f req/s (client CPU %3.0f%%) | at %6.0f req/s: p50 %7s p99 %7s | errors %d | other processes: %.0f%% of CPU %s, %.0f%% of CPU %s",
		wl.name, target, peak.throughput(), 100*peak.ClientCPU, fixed.Rate, fmtDur(fixed.pct(50)), fmtDur(fixed.pct(99)), peak.Errors+fixed.Errors,
		100*max(peak.ForeignSrv, fixed.ForeignSrv), serverCore, 100*max(peak.ForeignCli, fixed.ForeignCli), clientCore)
	if e := peak.FirstErr + fixed.FirstErr; e != "" {
		logf("  first error: %s", e)
	}
	noteOthers(wl.name+" "+target, peak, fixed)
	return &readRow{wl: wl.name, target: target, peak: peak, fixed: fixed, verified: verified, gcs: gcs}
}

// ---------------------------------------------------------------- W4

type w4Result struct {
	peak, fixed          loadResult
	acks, errors         int
	dSeq, dVer, dEvents  int64
	eventsBefore, maxSeq int64
	ok                   bool
	detail               string
	targets              int
}

func runW4(cfg *config, res *results, cv *convene, ex *export, token string) *w4Result {
	targets := w4Targets(cfg, ex)
	var bodies [][]byte
	for i := range 1000 {
		c := targets[i%len(targets)]
		bodies = append(bodies, gqlBody(mutationW4, map[string]any{"in": map[string]any{
			"commitmentId": c.ID, "progress": 1 + i%99, "status": "ON_TRACK", "note": fmt.Sprintf("Benchmark report %d", i)}}))
	}
	rs := &reqSet{addr: cv.addr, pid: cv.pid(), reqs: posts(cv.addr, bodies, "Authorization", "Bearer "+token), check: okMutation}
	r := &w4Result{targets: len(targets)}
	v0, err := versions(cv.addr, targets)
	seq0, err2 := readyzSeq(cv.addr)
	ev0, _, _, err3 := cv.countEvents()
	if err = firstErr(err, err2, err3); err != nil {
		res.warn("W4: reading the state before: %v", err)
		return nil
	}
	warm := closedLoop(rs, cfg.mutConns, cfg.warm)
	r.peak = closedLoop(rs, cfg.mutConns, cfg.dur)
	r.fixed = fixedRate(rs, cfg.mutConns, r.peak.throughput()/2, cfg.dur)
	for _, l := range []loadResult{warm, r.peak, r.fixed} {
		r.acks += l.Requests - l.Errors
		r.errors += l.Errors
	}
	logf("W4 %-26s peak %8.0f req/s | at %6.0f req/s: p50 %7s p99 %7s | errors %d",
		"Convene reportProgress", r.peak.throughput(), r.fixed.Rate, fmtDur(r.fixed.pct(50)), fmtDur(r.fixed.pct(99)), r.errors)
	if e := r.peak.FirstErr + r.fixed.FirstErr + warm.FirstErr; e != "" {
		logf("  first error: %s", e)
	}
	v1, err := versions(cv.addr, targets)
	seq1, err2 := readyzSeq(cv.addr)
	ev1, distinct, maxSeq, err3 := cv.countEvents()
	if err = firstErr(err, err2, err3); err != nil {
		res.warn("W4: reading the state after: %v", err)
		return r
	}
	for id, v := range v1 {
		r.dVer += int64(v - v0[id])
	}
	r.dSeq, r.dEvents, r.eventsBefore, r.maxSeq = seq1-seq0, ev1-ev0, ev0, maxSeq
	r.ok = r.dSeq == int64(r.acks) && r.dVer == int64(r.acks) && r.dEvents == int64(r.acks) && maxSeq == ev1 && distinct == ev1
	r.detail = fmt.Sprintf("%d acknowledged; +%d events in the database (now %d, %d distinct seq, highest %d); read model +%d; commitment versions +%d",
		r.acks, r.dEvents, ev1, distinct, maxSeq, r.dSeq, r.dVer)
	logf("W4 check: %s: %v", r.detail, map[bool]string{true: "no event lost or duplicated", false: "MISMATCH"}[r.ok])
	if !r.ok {
		res.warn("W4: %s", r.detail)
	}
	return r
}

// noteOthers logs which processes outside the benchmark were busy.
func noteOthers(what string, rs ...loadResult) {
	for _, r := range rs {
		if (r.ForeignSrv > 0.1 || r.ForeignCli > 0.1) && r.Others != "" {
			logf("  other processes during %s: %s", what, r.Others)
			return
		}
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func versions(addr string, cs []*exCommitment) (map[string]int, error) {
	out := map[string]int{}
	for from := 0; from < len(cs); from += 100 {
		var ids []string
		for _, c := range cs[from:min(from+100, len(cs))] {
			ids = append(ids, c.ID)
		}
		var r struct {
			Nodes []struct {
				ID      string `json:"id"`
				Version int    `json:"version"`
			} `json:"nodes"`
		}
		if err := (gqlClient{addr: addr}).do(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Commitment { version } } }`, map[string]any{"ids": ids}, &r); err != nil {
			return nil, err
		}
		for _, n := range r.Nodes {
			out[n.ID] = n.Version
		}
	}
	return out, nil
}

// countEvents reads the log's tables (one per block of events, the
// collections events_00000000, events_00000001, …) in the embedded
// FerretDB's SQLite file directly (read-only, beside the running server):
// how many events, how many distinct seq, and the largest seq. FerretDB
// itself would decode every document to count them (about 1 ms an event);
// SQLite answers in a second or two.
func countEvents(dataDir string) (count, distinct, maxSeq int64, err error) {
	path := filepath.Join(dataDir, "ferretdb", "convene.sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, 0, 0, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name FROM _ferretdb_collections WHERE name GLOB 'events_[0-9]*'`)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("finding the log's tables in %s: %w", path, err)
	}
	var selects []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			rows.Close()
			return 0, 0, 0, err
		}
		selects = append(selects, fmt.Sprintf(`SELECT _ferretdb_sjson->>'$.seq' AS seq FROM %q`, table))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, 0, err
	}
	if len(selects) == 0 {
		return 0, 0, 0, fmt.Errorf("no tables of the log in %s", path)
	}
	q := `SELECT count(*), count(DISTINCT seq), coalesce(max(seq), 0) FROM (` + strings.Join(selects, " UNION ALL ") + `)`
	err = db.QueryRow(q).Scan(&count, &distinct, &maxSeq)
	return count, distinct, maxSeq, err
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}
