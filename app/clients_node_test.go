package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Helpers for the tests that run Node.js packages of their own: the typed
// clients (e2e/clients) and the browser test (e2e/browser). Like the
// subscription tests, they need `node` (20+) and `npm` on PATH and install
// the packages pinned in each directory's package-lock.json with `npm ci`,
// once, when they are missing.

var npmInstalls sync.Map // dir → *npmInstall

type npmInstall struct {
	once sync.Once
	err  error
}

// ensureNpmPackages makes sure dir's packages are installed: when one of
// the probe packages is missing from dir/node_modules, it runs `npm ci`.
func ensureNpmPackages(t *testing.T, dir string, probes ...string) {
	t.Helper()
	v, _ := npmInstalls.LoadOrStore(dir, &npmInstall{})
	in := v.(*npmInstall)
	in.once.Do(func() {
		for _, tool := range []string{"node", "npm"} {
			if _, err := exec.LookPath(tool); err != nil {
				in.err = fmt.Errorf("this test needs Node.js 20+ and npm on PATH (for %s): %v", dir, err)
				return
			}
		}
		installed := true
		for _, pkg := range probes {
			if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
				installed = false
			}
		}
		if installed {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			in.err = fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
		}
	})
	if in.err != nil {
		t.Fatal(in.err)
	}
}

// runNode runs a Node.js program in dir and returns its standard output;
// it fails the test, with both outputs, when the program fails or
// outlasts timeout.
func runNode(t *testing.T, dir string, timeout time.Duration, args ...string) []byte {
	t.Helper()
	out, err := runIn(dir, timeout, "node", args...)
	if err != nil {
		t.Fatalf("node %v (in %s): %v", args, dir, err)
	}
	return out
}

// runIn runs a command in dir; the error carries its output.
func runIn(dir string, timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %v", timeout, err)
	}
	if err != nil {
		return stdout.Bytes(), fmt.Errorf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes(), nil
}
