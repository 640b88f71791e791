package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"convene/hub"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// The README runs: every example in README.md is executed against a fresh
// server with the demo data, so that the documentation cannot drift from
// the product. The README's "Tests" section states the rules this test
// applies.

// readmeBlock is one fenced block of the README.
type readmeBlock struct {
	line   int    // of the opening fence
	info   string // the info string: sh, graphql, json, json variables, text
	body   string
	marker string // the <!-- readme-test: … --> comment just above, if any
	vars   string // for graphql: the json variables block that follows
}

var readmeMarker = regexp.MustCompile(`^<!-- readme-test: (.+) -->$`)

// readmeBlocks splits README.md into its fenced blocks (indented ones
// included, such as those in list items).
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	f, err := os.Open(repoPath("README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks  []readmeBlock
		cur     *readmeBlock
		indent  string
		lastTxt string // the last non-blank line outside blocks
		n       int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &readmeBlock{line: n, info: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
			indent = line[:len(line)-len(strings.TrimLeft(line, " "))]
			if m := readmeMarker.FindStringSubmatch(lastTxt); m != nil {
				cur.marker = m[1]
			}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.body += strings.TrimPrefix(line, indent) + "\n"
		case trimmed != "":
			lastTxt = trimmed
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: a block is never closed", cur.line)
	}
	// A json variables block belongs to the GraphQL block before it.
	var out []readmeBlock
	for _, b := range blocks {
		if b.info == "json variables" {
			if len(out) == 0 || out[len(out)-1].info != "graphql" {
				t.Fatalf("README.md:%d: variables that follow no GraphQL block", b.line)
			}
			out[len(out)-1].vars = b.body
			continue
		}
		out = append(out, b)
	}
	return out
}

func TestReadmeExamplesRun(t *testing.T) {
	blocks := readmeBlocks(t)
	work := t.TempDir()
	data := filepath.Join(work, "data")
	if err := os.MkdirAll(data, 0o750); err != nil {
		t.Fatal(err)
	}
	// The server's admin token sits where `go run .` keeps it, so that the
	// examples' TOKEN=$(cat data/admin-token) reads it.
	if err := os.WriteFile(filepath.Join(data, "admin-token"), []byte(testAdminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// "Your own plan" keeps its server's data in myplan/.
	if err := os.MkdirAll(filepath.Join(work, "myplan"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "myplan", "admin-token"), []byte(testAdminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]string{"--data-dir", data, "--embedded-addr", "127.0.0.1:0"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s := startServerConfig(t, cfg, hub.Options{})
	addr := strings.TrimPrefix(s.url, "http://")

	counts := map[string]int{}
	for _, b := range blocks {
		where := fmt.Sprintf("README.md:%d", b.line)
		action, detail, _ := strings.Cut(b.marker, " ")
		switch {
		case b.info == "":
			t.Errorf("%s: a block without an info string (sh, graphql, json, text)", where)
		case action == "skip":
			if detail == "" {
				t.Errorf("%s: skipped without a reason", where)
			}
			counts["not run"]++
		case b.info == "json" || b.info == "text":
			counts["shown, not run ("+b.info+")"]++ // answers and listings
		case b.info == "sh":
			counts["shell blocks run"]++
			runReadmeShell(t, where, work, strings.ReplaceAll(b.body, "localhost:8080", addr))
		case b.info == "graphql":
			counts["GraphQL documents run"]++
			runReadmeGraphQL(t, where, s, b, action, detail)
		default:
			t.Errorf("%s: unknown info string %q", where, b.info)
		}
	}
	t.Logf("README.md: %d blocks: %v", len(blocks), counts)
	if counts["shell blocks run"] == 0 || counts["GraphQL documents run"] == 0 {
		t.Fatalf("found no examples to run: %v", counts)
	}
}

// readmeShellPrelude runs before each shell block: strict bash, and a curl
// (the real one) that fails on an HTTP error and on an answer that
// reports GraphQL errors or userErrors.
const readmeShellPrelude = `set -euo pipefail
curl() {
	local out
	if ! out=$(command curl --silent --show-error --fail-with-body "$@"); then
		printf '%s\n' "$out"
		return 1
	fi
	printf '%s\n' "$out"
	case $out in
	*'"errors":'* | *'"userErrors":[{'*) echo "curl: the answer reports errors" >&2; return 1 ;;
	esac
}
`

func runReadmeShell(t *testing.T, where, dir, script string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", readmeShellPrelude+script)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("%s: the shell example failed (%v):\n%s\noutput:\n%s", where, err, script, out.String())
	}
}

// runReadmeGraphQL runs a query or mutation over HTTP as the admin, and a
// subscription with the npm graphql-ws client, replaying from the start of
// the log; with the marker "expect CODE" it must fail with that code.
func runReadmeGraphQL(t *testing.T, where string, s *testServer, b readmeBlock, action, detail string) {
	t.Helper()
	vars := map[string]any{}
	if b.vars != "" {
		if err := json.Unmarshal([]byte(b.vars), &vars); err != nil {
			t.Errorf("%s: the variables do not parse: %v", where, err)
			return
		}
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: b.body})
	if err != nil || len(doc.Operations) != 1 {
		t.Errorf("%s: not one GraphQL operation: %v", where, err)
		return
	}
	if op := doc.Operations[0]; op.Operation == ast.Subscription {
		field := op.SelectionSet[0].(*ast.Field).Name
		if _, ok := vars["after"]; !ok && op.VariableDefinitions.ForName("after") != nil {
			vars["after"] = base64.RawURLEncoding.EncodeToString([]byte("e:0")) // the log's start
		}
		sub := startSubscriber(t, where, s.url, subOptions{query: b.body, vars: vars, token: testAdminToken, count: 1})
		var event map[string]any
		sub.nextEvent(20*time.Second, field, &event)
		return
	}
	r := s.as(testAdminToken, b.body, vars)
	switch {
	case action == "expect":
		if r.code() != detail {
			t.Errorf("%s: want the error %s, got %s", where, detail, r.body)
		}
	case len(r.Errors) > 0 || len(r.Data) == 0 || string(r.Data) == "null" || strings.Contains(r.body, `"userErrors":[{`):
		t.Errorf("%s: the GraphQL example failed:\n%s\nanswer: %s", where, b.body, r.body)
	}
}
