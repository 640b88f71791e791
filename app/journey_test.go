package app

import (
	"path/filepath"
	"strings"
	"testing"

	"convene/hub"
)

// TestOwnPlanJourney: an empty database, a plan imported from a file,
// edited by mutations, backed up and restored into a second database,
// which answers exactly as the first.
func TestOwnPlanJourney(t *testing.T) {
	bin := releaseBinary(t)
	cfg := testConfig(t.TempDir())
	cfg.seedDemo = false
	s1 := startServerConfig(t, cfg, hub.Options{})
	uri := s1.app.embedded.URI
	if n := s1.app.hub.Model().Seq(); n != 0 {
		t.Fatalf("an empty start holds %d events", n)
	}

	out, stderr, code := runCLI(t, bin, "import", repoPath("seed", "example-plan.yaml"), "--mongodb-uri", uri)
	if code != 0 || !strings.Contains(out, "imported 1 new plan") {
		t.Fatalf("import: %s %s", out, stderr)
	}
	eventually(t, "the server to see the import", func() bool { return len(s1.app.hub.Model().Plans()) == 1 })
	plan := s1.app.hub.Model().Plans()[0]
	pillar := s1.app.hub.Model().PillarsOf(plan.ID)[0]
	objectives := s1.app.hub.Model().ObjectivesOf(pillar.ID)
	moe := s1.app.hub.Model().Stakeholders(hub.StakeholderFilter{Search: "Education"})[0]

	in := func(m map[string]any) map[string]any { return map[string]any{"in": m} }
	for _, step := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"updatePillar", updatePillarM, in(map[string]any{"id": gid(hub.TypePillar, pillar.ID), "title": "Prevention and early help", "expectedVersion": 1})},
		{"createObjective", createObjectiveM, in(map[string]any{"pillarId": gid(hub.TypePillar, pillar.ID), "code": "1.3", "title": "Safe streets"})},
		{"updateObjective", updateObjectiveM, in(map[string]any{"id": gid(hub.TypeObjective, objectives[1].ID), "archived": true})},
		{"createCommitment", createCommitM, in(map[string]any{"objectiveId": gid(hub.TypeObjective, objectives[0].ID), "leadId": gid(hub.TypeStakeholder, moe.ID),
			"title": "Teachers trained as mentors", "startDate": "2016-03-01", "dueDate": "2016-11-30"})},
	} {
		if errs := errorCodes(dig(planOp(s1, step.query, step.vars), step.name)); len(errs) > 0 {
			t.Fatalf("%s: %v", step.name, errs)
		}
	}
	backup := filepath.Join(t.TempDir(), "backup.ndjson")
	if _, stderr, code := runCLI(t, bin, "backup", backup, "--mongodb-uri", uri); code != 0 {
		t.Fatalf("backup: %s", stderr)
	}
	dir2 := t.TempDir()
	if _, stderr, code := runCLI(t, bin, "restore", backup, "--data-dir", dir2, "--embedded-addr", "127.0.0.1:0"); code != 0 {
		t.Fatalf("restore: %s", stderr)
	}
	s2 := startServer(t, dir2, hub.Options{})
	for _, q := range answers {
		if a, b := s1.do(true, q, nil), s2.do(true, q, nil); a.body != b.body {
			t.Errorf("%s\nbefore: %.500s\nafter:  %.500s", q, a.body, b.body)
		}
	}
	var stats struct{ CommitmentStats struct{ Total int } }
	s2.query(`{ commitmentStats { total } }`, nil, &stats)
	if stats.CommitmentStats.Total != 2 {
		t.Errorf("restored: %d commitments, want 2", stats.CommitmentStats.Total)
	}
}
