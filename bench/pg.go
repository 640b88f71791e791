package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"convene/internal/pgtest"
)

// pgResult is W4 and start-up on the postgresql backend (a throwaway
// PostgreSQL cluster), beside the SQLite rows of the same run.
type pgResult struct {
	gen           genStats
	firstStart    time.Duration // PostgreSQL: the first start on the loaded data
	restart       time.Duration // PostgreSQL: a restart after W4
	sqliteRestart time.Duration // SQLite: a restart after the run's W4 parts
	sqliteSeq     int64         // SQLite: the log's length at that restart
	seq           int64         // PostgreSQL: the log's length at its restart
	w4            *w4Result
	version       string
}

// runW4PG loads the run's dataset into a PostgreSQL database, serves it
// with the binary on --embedded-backend postgresql, and measures what the
// SQLite rows measure: start-up, W4 with its durability check, a restart.
// The SQLite database at sqliteDir is restarted first, for the restart row.
func runW4PG(ctx context.Context, cfg *config, res *results, bin, sqliteDir string, ex *export, token string) *pgResult {
	fail := func(err error) *pgResult {
		res.warn("W4 on PostgreSQL: %v", err)
		return nil
	}
	sq, err := startConvene(cfg, bin, sqliteDir, token, "convene-restart")
	if err != nil {
		return fail(err)
	}
	r := &pgResult{sqliteRestart: sq.ready}
	r.sqliteSeq, _ = readyzSeq(sq.addr)
	sq.stop()
	logf("SQLite: restart to ready in %s", r.sqliteRestart.Round(time.Millisecond))

	logf("starting a throwaway PostgreSQL (internal/pgtest)")
	pg, err := pgtest.Start()
	if err != nil {
		return fail(fmt.Errorf("starting PostgreSQL: %w", err))
	}
	defer pg.Remove()
	if err := pinPostgres(pg.Port); err != nil {
		res.warn("pinning PostgreSQL to CPU %s: %v", serverCore, err)
	}
	url, err := pg.CreateDatabase(ctx, "convene")
	if err != nil {
		return fail(err)
	}
	if conn, err := pgx.Connect(ctx, url); err == nil {
		_ = conn.QueryRow(ctx, "SHOW server_version").Scan(&r.version)
		conn.Close(ctx)
	}
	dataDir := filepath.Join(cfg.work, "data-pg")
	logf("generating the dataset (%s) into PostgreSQL %s on port %d (-load %s)", cfg.scale, r.version, pg.Port, cfg.load)
	if r.gen, err = generateOn(ctx, dataDir, url, cfg.scale, cfg.seed, cfg.load, func(s string) { logf("  %s", s) }); err != nil {
		return fail(fmt.Errorf("generating the dataset: %w", err))
	}
	logf("dataset on PostgreSQL: %d events in %.0fs", r.gen.Events, r.gen.Duration.Seconds())
	cv, err := startConveneOn(cfg, bin, dataDir, url, token, "convene-pg")
	if err != nil {
		return fail(err)
	}
	r.firstStart = cv.ready
	logf("convene on PostgreSQL ready in %s", cv.ready.Round(time.Millisecond))
	if err := verifyLoaded(res, cv.proc, "the server on PostgreSQL"); err != nil {
		cv.stop()
		return fail(err)
	}
	r.w4 = runW4(cfg, res, cv, ex, token)
	cv.stop()
	if cv, err = startConveneOn(cfg, bin, dataDir, url, token, "convene-pg-restart"); err != nil {
		return fail(err)
	}
	r.restart = cv.ready
	r.seq, _ = readyzSeq(cv.addr)
	cv.stop()
	logf("convene on PostgreSQL: restart to ready in %s", r.restart.Round(time.Millisecond))
	return r
}

// pinPostgres moves the postmaster listening on port, and its children,
// to the server core, where the SQLite rows' database runs (inside the
// server); sessions forked later inherit the postmaster's CPU.
func pinPostgres(port int) error {
	procs := sampleProcs()
	master := 0
	for pid, p := range procs {
		if p.name != "postgres" {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(cmd), "-p\x00"+strconv.Itoa(port)+"\x00") {
			master = pid
		}
	}
	if master == 0 {
		return fmt.Errorf("no postmaster on port %d", port)
	}
	for pid, p := range procs {
		if pid == master || p.ppid == master {
			if err := pinProc(pid, serverCore); err != nil {
				return err
			}
		}
	}
	return nil
}

// countEventsPG is countEvents on the postgresql backend: FerretDB keeps
// each collection in a table of the schema named after the database, each
// document in its _jsonb column, and their names in
// _ferretdb_database_metadata.
func countEventsPG(url string) (count, distinct, maxSeq int64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, 0, 0, err
	}
	defer conn.Close(ctx)
	const schema = "convene"
	rows, err := conn.Query(ctx, `SELECT _jsonb->>'table' FROM `+pgx.Identifier{schema, "_ferretdb_database_metadata"}.Sanitize()+
		` WHERE _jsonb->>'_id' ~ '^events_[0-9]+$'`)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("finding the log's tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, 0, 0, err
	}
	if len(tables) == 0 {
		return 0, 0, 0, fmt.Errorf("no tables of the log in schema %s", schema)
	}
	var selects []string
	for _, t := range tables {
		selects = append(selects, `SELECT (_jsonb->>'seq')::bigint AS seq FROM `+pgx.Identifier{schema, t}.Sanitize())
	}
	q := `SELECT count(*), count(DISTINCT seq), coalesce(max(seq), 0) FROM (` + strings.Join(selects, " UNION ALL ") + `) AS log`
	err = conn.QueryRow(ctx, q).Scan(&count, &distinct, &maxSeq)
	return count, distinct, maxSeq, err
}

func (r *pgResult) render(p func(string, ...any), res *results) {
	p("\n## W4 and start-up on PostgreSQL (`-only w4pg`)\n\n")
	p("The same dataset (%d events, loaded in %.0fs) in a throwaway PostgreSQL %s cluster (`internal/pgtest`: initdb in a\n", r.gen.Events, r.gen.Duration.Seconds(), r.version)
	p("temporary directory, a free loopback port, pinned to CPU %s with the server), served by the same binary with\n", serverCore)
	p("`--embedded-backend postgresql --postgresql-url …`; the SQLite column is this run's.\n\n")
	p("| | SQLite | PostgreSQL | PostgreSQL / SQLite |\n|---|--:|--:|--:|\n")
	dur := func(what string, s, g time.Duration) {
		p("| %s | %s | %s | %s |\n", what, fmtDur(s), fmtDur(g), ratio(g.Seconds(), s.Seconds()))
	}
	if len(res.startups) > 0 {
		dur("start-up to ready, first start on the loaded data", res.startups[0], r.firstStart)
	}
	p("| restart to ready, after W4 (log at %d and %d events) | %s | %s | %s |\n", r.sqliteSeq, r.seq,
		fmtDur(r.sqliteRestart), fmtDur(r.restart), ratio(r.restart.Seconds(), r.sqliteRestart.Seconds()))
	if s, g := res.w4, r.w4; s != nil && g != nil {
		p("| W4 peak (%d connections, closed loop) | %.0f req/s | %.0f req/s | %s |\n", res.cfg.mutConns, s.peak.throughput(), g.peak.throughput(), ratio(g.peak.throughput(), s.peak.throughput()))
		p("| W4 at half the peak: rate | %.0f req/s | %.0f req/s | %s |\n", s.fixed.Rate, g.fixed.Rate, ratio(g.fixed.Rate, s.fixed.Rate))
		dur("W4 at half the peak: p50", s.fixed.pct(50), g.fixed.pct(50))
		dur("W4 at half the peak: p99", s.fixed.pct(99), g.fixed.pct(99))
		p("| W4 errors | %d | %d | |\n", s.errors, g.errors)
		check := map[bool]string{true: "nothing lost or duplicated", false: "**mismatch**"}
		p("| W4 durability check | %s | %s | |\n", check[s.ok], check[g.ok])
		p("\nPostgreSQL's W4 check: %s.\n", g.detail)
	}
}
