package app

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/hub"
)

// TestTypedClients is the frontend developer's check (e2e/clients):
// graphql-codegen generates TypeScript types from the committed
// schema.graphqls and the clients' operations without errors, tsc accepts
// them against Apollo Client's and urql's typed APIs, and an Apollo Client
// script and an urql script each run a query, a mutation and a
// subscription against the real server.
func TestTypedClients(t *testing.T) {
	dir := repoPath("e2e", "clients")
	ensureNpmPackages(t, dir, "@apollo/client", "@urql/core", "@graphql-codegen/cli", "typescript", "graphql-ws", "ws")

	t.Run("codegen", func(t *testing.T) {
		t.Parallel()
		if out, err := runIn(dir, 2*time.Minute, "node", filepath.Join("node_modules", ".bin", "graphql-codegen"), "--config", "codegen.yml"); err != nil {
			t.Fatalf("graphql-codegen: %v", err)
		} else if strings.Contains(string(out), "✖") {
			t.Fatalf("graphql-codegen reported a failure:\n%s", out)
		}
		if _, err := runIn(dir, 2*time.Minute, "node", filepath.Join("node_modules", ".bin", "tsc"), "-p", "tsconfig.json"); err != nil {
			t.Fatalf("tsc over the generated types: %v", err)
		}
	})

	s := startServer(t, t.TempDir(), hub.Options{})
	meeting := gid(hub.TypeMeeting, "m-2015-09")
	for _, client := range []string{"apollo", "urql"} {
		t.Run(client, func(t *testing.T) {
			t.Parallel()
			out := runNode(t, dir, time.Minute, client+".mjs", "--url", s.url, "--token", testAdminToken, "--meeting", meeting)
			var report struct {
				OK                            bool
				Query, Mutation, Subscription string
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &report); err != nil || !report.OK || report.Mutation == "" || report.Subscription == "" {
				t.Fatalf("%s client: %s (%v)", client, out, err)
			}
		})
	}
}
