// Command convene serves the Convene GraphQL hub.
//
//	go run .              serve (embedded FerretDB unless MONGODB_URI is set)
//	go run . seed         load the demo data into the configured database
//	go run . import FILE  load a plan from a file (see seed/FORMAT.md)
//	go run . backup FILE  write the event log to a file; restore FILE loads one
//	go run . token create issue a token (see --help)
//
// It reads the command line and the environment once (app.ParseConfig)
// and runs the application package; see the README for every setting.
package main

//go:generate go tool gqlgen generate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"convene/app"
	"convene/gateway"
	"convene/internal/sysmon"
)

func main() {
	text := gateway.NewTextHandler(os.Stderr) // slog's text format, written in batches
	logger := slog.New(text)
	cfg, err := app.ParseConfig(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		app.Usage(os.Stdout)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "convene: %v\nRun convene --help for every command and flag.\n", err)
		os.Exit(2)
	}
	if cfg.Serves() {
		// Re-executes once, before anything is opened; returns only when it did not.
		if err := sysmon.Reexec(); err != nil {
			logger.Warn("serving without the runtime setting "+sysmon.Setting, "err", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = app.Run(ctx, cfg, logger, os.Stdout, os.Stderr)
	if err != nil {
		logger.Error("convene stopped", "err", err)
	}
	text.Flush()
	if err != nil {
		os.Exit(1)
	}
}
