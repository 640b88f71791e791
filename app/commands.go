package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"convene/backup"
	"convene/export"
	"convene/hub"
	"convene/progress"
	"convene/seed"
	"convene/store"
)

// The commands that move a plan's data in and out: import, backup and
// restore, and the container image's health check.

// openForCommand opens the configured database for a one-off command,
// never seeding it, beside a running server too (useRunningServer).
func openForCommand(ctx context.Context, cfg Config, logger *slog.Logger, out io.Writer) (*App, error) {
	cfg, err := useRunningServer(cfg, logger)
	if err != nil {
		return nil, err
	}
	cfg.seedDemo = false
	return Open(ctx, cfg, logger, Options{Out: out})
}

// openStore connects to the configured database without loading a hub:
// backup and restore read and write the log alone. close releases it.
func openStore(ctx context.Context, cfg Config, logger *slog.Logger) (st *store.Store, close func(), err error) {
	if cfg, err = useRunningServer(cfg, logger); err != nil {
		return nil, nil, err
	}
	a := &App{logger: logger, stopped: make(chan struct{})}
	if err := a.openDatabase(ctx, cfg, logger); err != nil {
		a.Close(context.Background())
		return nil, nil, err
	}
	return a.store, func() { a.Close(context.Background()) }, nil
}

// backupCommand writes the event log to cfg.file, or to out without one.
func backupCommand(ctx context.Context, cfg Config, logger *slog.Logger, out, errOut io.Writer) error {
	st, done, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer done()
	w, name := out, "standard output"
	var f *os.File
	if cfg.file != "" && cfg.file != "-" {
		if f, err = os.OpenFile(cfg.file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return err
		}
		defer f.Close()
		w, name = f, cfg.file
	}
	meter := progress.New(errOut, "backup", "events", 0)
	n, err := backup.Write(ctx, st, w, func(done, total int) { meter.SetTotal(total); meter.Set(done) })
	meter.Done()
	if err != nil {
		if f != nil {
			os.Remove(cfg.file) // no half a backup under a backup's name
		}
		return err
	}
	if f != nil {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	logger.Info("backup written", "events", n, "to", name)
	return nil
}

// restoreCommand loads a backup into an empty database.
func restoreCommand(ctx context.Context, cfg Config, logger *slog.Logger, errOut io.Writer) error {
	f, err := os.Open(cfg.file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, done, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer done()
	meter := progress.New(errOut, "restore", "events", 0)
	n, err := backup.Restore(ctx, st, f, func(done, total int) { meter.SetTotal(total); meter.Set(done) })
	meter.Done()
	if err != nil {
		return err
	}
	if err := st.SetHead(ctx, int64(n)); err != nil {
		return err
	}
	logger.Info("backup restored", "events", n, "from", cfg.file)
	return nil
}

// importCommand loads a plan file, or progress reports from a .csv file,
// or with --dry-run only checks it.
func importCommand(ctx context.Context, cfg Config, logger *slog.Logger, out, errOut io.Writer) error {
	if strings.EqualFold(filepath.Ext(cfg.file), ".csv") {
		return importReportsCommand(ctx, cfg, logger, out, errOut)
	}
	data, err := os.ReadFile(cfg.file)
	if err != nil {
		return err
	}
	a, err := openForCommand(ctx, cfg, logger, out)
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	meter := progress.New(errOut, "import", "events", 0)
	rep, err := seed.Import(ctx, a.hub, data, seed.ImportOptions{DryRun: cfg.dryRun, Progress: func(done, total int) {
		meter.SetTotal(total)
		meter.Set(done)
	}})
	meter.Done()
	var problems seed.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintf(errOut, "%s: %s\n", cfg.file, p)
		}
		return fmt.Errorf("%s: %d problems; nothing was written", cfg.file, len(problems))
	}
	if err != nil {
		return err
	}
	switch {
	case cfg.dryRun:
		fmt.Fprintf(out, "%s: no problems; importing it would write %s\n", cfg.file, rep)
	case rep.Unchanged():
		fmt.Fprintf(out, "%s: %s\n", cfg.file, rep)
	default:
		fmt.Fprintf(out, "%s: imported %s\n", cfg.file, rep)
	}
	return nil
}

// importReportsCommand records the progress reports of a CSV file with
// the columns of the progress-reports export, all or nothing, as the
// system (an admin), or with --dry-run only checks them.
func importReportsCommand(ctx context.Context, cfg Config, logger *slog.Logger, out, errOut io.Writer) error {
	f, err := os.Open(cfg.file)
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := openForCommand(ctx, cfg, logger, out)
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	meter := progress.New(errOut, "import", "events", 0)
	actor := hub.Actor{Name: "convene import", Role: hub.ActorSystem}
	res, err := export.ImportProgressReports(ctx, a.hub, actor, f, export.ImportOptions{DryRun: cfg.dryRun, Progress: func(done, total int) {
		meter.SetTotal(total)
		meter.Set(done)
	}})
	meter.Done()
	if err != nil {
		return err
	}
	if len(res.Problems) > 0 {
		for _, e := range res.Problems {
			fmt.Fprintf(errOut, "%s: %s\n", cfg.file, e)
		}
		return fmt.Errorf("%s: %d problems; nothing was written", cfg.file, len(res.Problems))
	}
	if cfg.dryRun {
		fmt.Fprintf(out, "%s: no problems; importing it would write %d progress reports\n", cfg.file, res.Rows)
	} else {
		fmt.Fprintf(out, "%s: imported %d progress reports\n", cfg.file, res.Written)
	}
	return nil
}

// healthcheckCommand asks the server listening on cfg.addr whether it is
// ready (GET /readyz): the container image's HEALTHCHECK, which has no
// shell or HTTP client of its own.
func healthcheckCommand(ctx context.Context, cfg Config) error {
	host, port, err := net.SplitHostPort(cfg.addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: /readyz answered %s", res.Status)
	}
	return nil
}
