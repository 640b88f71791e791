// Command bench is Convene's benchmark harness: it generates a synthetic
// dataset, serves it with the Convene binary pinned to one core, loads it
// from the other core, runs the same workloads against the baselines in the
// same run, and writes the table to bench/RESULTS.md. See bench/README.md.
//
//	go run ./bench            # default scale, about 25 minutes on a 2-core machine
//	go run ./bench -quick     # small scale, short phases, about 7 minutes
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	quick        bool
	scale        scale
	seed         uint64
	dur          time.Duration // each closed-loop and fixed-rate phase
	warm         time.Duration
	conns        int
	mutConns     int
	subs         []int
	w5Events     int
	w4flatWrites int
	work         string
	results      string
	load         string
	bin          string
	only         map[string]bool
	scalingSizes []int
	soakDur      time.Duration
	soakSubs     int
	soakRate     float64
	root         string
	args         []string
}

func (c *config) want(what string) bool { return len(c.only) == 0 || c.only[what] }

func main() {
	if len(os.Args) > 1 {
		servers := map[string]func([]string) error{
			"serve-b0": serveB0, "serve-b1": serveB1,
			"serve-rawws": serveRawWS, "serve-inproc": serveInproc, "generate": serveGenerate,
		}
		if fn, ok := servers[os.Args[1]]; ok {
			if err := fn(os.Args[2:]); err != nil && !errors.Is(err, errStopped) {
				fmt.Fprintln(os.Stderr, os.Args[1]+":", err)
				os.Exit(1)
			}
			return
		}
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	cfg := &config{args: args}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.BoolVar(&cfg.quick, "quick", false, "small dataset and short phases (about 7 minutes); files and results in "+filepath.Join("bench", ".work", "quick"))
	st := fs.Int("stakeholders", 0, "stakeholders to generate (default 200; -quick 50)")
	cm := fs.Int("commitments", 0, "commitments to generate (default 10000; -quick 1000)")
	mt := fs.Int("meetings", 0, "meetings to generate (default 2000; -quick 200)")
	oc := fs.Int("outcomes", 0, "outcomes to generate (default 20000; -quick 2000)")
	ev := fs.Int("events", 0, "events in the log, progress reports making up the rest (default 100000; -quick 10000)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "random seed of the dataset and the request mix")
	fs.DurationVar(&cfg.dur, "duration", 0, "length of each closed-loop and each fixed-rate phase (default 6s; -quick 2s)")
	fs.IntVar(&cfg.conns, "conns", 32, "connections of the closed-loop phases")
	fs.IntVar(&cfg.mutConns, "mutation-conns", 8, "connections of the W4 phases")
	subs := fs.String("subscribers", "", "W5 subscriber counts, comma-separated (default 1000,5000,10000; -quick 200,1000)")
	fs.IntVar(&cfg.w5Events, "w5-events", 0, "outcomes published per W5 run, one a second (default 10; -quick 3)")
	fs.IntVar(&cfg.w4flatWrites, "w4flat-writes", 0, "W4 flat's writes to W4's 200 commitments (default 50000; -quick 10000)")
	fs.StringVar(&cfg.work, "work", "", "scratch directory: binaries, database, logs, profiles (default bench/.work; -quick bench/.work/quick)")
	fs.StringVar(&cfg.results, "results", "", "where to write the results (default bench/RESULTS.md; -quick <work>/RESULTS.md)")
	fs.StringVar(&cfg.load, "load", "bulk", "how the dataset reaches the database: bulk (commands on an in-memory log, then ordered batch inserts) or commands (each event appended as a server does; ~3.5 min at default scale)")
	fs.StringVar(&cfg.bin, "server-bin", "", "benchmark this server binary instead of building one from the module (go build -o bench/.work/convene .)")
	only := fs.String("only", "", "run only these parts, comma-separated: read (W1-W3, the analyst's mix, the baselines and the side-by-side rounds), mix (the mix alone), w4 (one instance, then two), w4flat, replay, w5, profile, w4pg (W4 and start-up on PostgreSQL), scaling; and soak, never in the default run")
	sizes := fs.String("scaling-sizes", "", "the scaling part's dataset sizes, in commitments, comma-separated (default 1000,10000,100000; -quick 1000,10000)")
	fs.DurationVar(&cfg.soakDur, "soak-duration", 5*time.Minute, "the soak's length after its warm-up (-only soak)")
	fs.IntVar(&cfg.soakSubs, "soak-subscribers", 100, "the soak's subscriber slots, each connecting and leaving every 0.5-3 s")
	fs.Float64Var(&cfg.soakRate, "soak-writes", 50, "the soak's writes a second")
	noPin := fs.Bool("no-pin", false, "do not pin the servers and the load generator to separate cores")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	def := func(v *int, full, quick int) {
		if *v == 0 {
			*v = full
			if cfg.quick {
				*v = quick
			}
		}
	}
	def(st, 200, 50)
	def(cm, 10000, 1000)
	def(mt, 2000, 200)
	def(oc, 20000, 2000)
	def(ev, 100000, 10000)
	def(&cfg.w5Events, 10, 3)
	def(&cfg.w4flatWrites, 50000, 10000)
	cfg.scale = scale{Stakeholders: *st, Commitments: *cm, Meetings: *mt, Outcomes: *oc, Events: *ev}
	if cfg.dur == 0 {
		cfg.dur = 6 * time.Second
		if cfg.quick {
			cfg.dur = 2 * time.Second
		}
	}
	cfg.warm = min(2*time.Second, cfg.dur/2)
	if *subs == "" {
		*subs = "1000,5000,10000"
		if cfg.quick {
			*subs = "200,1000"
		}
	}
	for _, s := range strings.Split(*subs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad -subscribers %q", *subs)
		}
		cfg.subs = append(cfg.subs, n)
	}
	if *sizes == "" {
		*sizes = "1000,10000,100000"
		if cfg.quick {
			*sizes = "1000,10000"
		}
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			return nil, fmt.Errorf("bad -scaling-sizes %q", *sizes)
		}
		cfg.scalingSizes = append(cfg.scalingSizes, n)
	}
	if *only != "" {
		cfg.only = map[string]bool{}
		for _, p := range strings.Split(*only, ",") {
			cfg.only[strings.TrimSpace(p)] = true
		}
	}
	if cfg.load != "bulk" && cfg.load != "commands" {
		return nil, fmt.Errorf("-load is bulk or commands")
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	cfg.root = root
	if cfg.work == "" {
		cfg.work = filepath.Join(root, "bench", ".work")
		if cfg.quick { // a quick run keeps its own files, not the full run's
			cfg.work = filepath.Join(cfg.work, "quick")
		}
	}
	if cfg.results == "" {
		cfg.results = filepath.Join(root, "bench", "RESULTS.md")
		if cfg.quick {
			cfg.results = filepath.Join(cfg.work, "RESULTS.md")
		}
	}
	if *noPin || runtime.NumCPU() < 2 {
		pinning = false
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		pinning = false
	}
	return cfg, nil
}

// moduleRoot finds the convene module's directory from the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(b), "module convene\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("run from inside the convene module (no go.mod for module convene above %s)", dir)
		}
	}
}

func logf(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
