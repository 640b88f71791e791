package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// The GraphQL-over-HTTP audit: the npm graphql-http package's
// serverAudits, run by Node (e2e/audit.mjs) against the real server.
// Every MUST passes. Two SHOULDs fail by design (see
// gateway/README-section.md): 47DE and 80D8 expect application/json for
// clients that send Accept: */* or no Accept header, the rule before the
// spec's 2025 watershed; Convene answers application/graphql-response+json,
// as the current spec prefers. Run plainly, three MAYs fail by design too:
// GETs without a CSRF header are refused (see csrf in gateway/); run as a
// client configured for that (Apollo-Require-Preflight: true), every MAY
// passes.

// expectedAuditFailures are the audits that fail by design, per run.
var expectedAuditFailures = map[bool][]string{
	false: {"47DE", "80D8", "5A70", "D6D5", "6A70"},
	true:  {"47DE", "80D8"},
}

type auditLine struct {
	ID, Name, Level, Status, Reason string
	Summary                         map[string]struct{ Passed, Total int }
}

func runAudit(t *testing.T, url string, preflightHeader bool) (failed []string, summary map[string]struct{ Passed, Total int }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := []string{"audit.mjs", "--url", url}
	if preflightHeader {
		args = append(args, "--preflight-header")
	}
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = repoPath("e2e")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node e2e/audit.mjs: %v\n%s%s", err, out, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var l auditLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("audit output %q: %v", sc.Text(), err)
		}
		switch {
		case l.Summary != nil:
			summary = l.Summary
		case l.Status != "ok":
			failed = append(failed, l.ID)
			if !slices.Contains(expectedAuditFailures[preflightHeader], l.ID) {
				t.Errorf("audit %s %q: %s (%s)", l.ID, l.Name, l.Status, l.Reason)
			}
		}
	}
	if summary == nil {
		t.Fatalf("the audit printed no summary:\n%s", out)
	}
	return failed, summary
}

func gatewayAudit(t *testing.T, s *testServer) {
	ensureNodeDeps(t)
	for _, preflightHeader := range []bool{false, true} {
		failed, sum := runAudit(t, s.url+"/graphql", preflightHeader)
		how := "plain fetch"
		if preflightHeader {
			how = "with Apollo-Require-Preflight"
		}
		var counts []string
		for _, level := range []string{"MUST", "SHOULD", "MAY"} {
			counts = append(counts, fmt.Sprintf("%s %d/%d", level, sum[level].Passed, sum[level].Total))
		}
		t.Logf("graphql-http audit (%s): %s passed; failing: %s", how, strings.Join(counts, ", "), strings.Join(failed, " "))
		if m := sum["MUST"]; m.Total == 0 || m.Passed != m.Total {
			t.Errorf("MUST audits: %d of %d passed", m.Passed, m.Total)
		}
	}
}
