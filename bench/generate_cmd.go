package main

import (
	"context"
	"flag"
	"fmt"
)

// serveGenerate is `go run ./bench generate -commitments N -dir D`: one
// scaling dataset into D, kept, so that a start-up can be profiled on it
// (`go run ./bench serve-inproc -startup-profile …`, or the binary with
// --data-dir D).
func serveGenerate(args []string) error {
	fs := flag.NewFlagSet("generate", flag.ExitOnError)
	n := fs.Int("commitments", 100_000, "commitments (the scaling part's dataset of that size)")
	dir := fs.String("dir", "bench/.work/data-generated", "the data directory to write (removed first)")
	seed := fs.Uint64("seed", 1, "the random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc := scalingScaleOf(*n)
	logf("generating %s into %s", sc, *dir)
	gen, err := generate(context.Background(), *dir, sc, *seed, "bulk", func(s string) { logf("  %s", s) })
	if err != nil {
		return err
	}
	fmt.Printf("generated %d events in %s\n", gen.Events, gen.Duration.Round(1e6))
	return nil
}
