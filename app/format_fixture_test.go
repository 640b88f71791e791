package app

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"convene/hub"
)

// testdata/format3 is a data directory written by the code before the
// registry of kinds (commit 402588b, store format 3), through the API as
// the demo data's admin: the demo data, then a progress
// report, a meeting scheduled, given an outcome and made private, a
// stakeholder's contacts, an editor token, all in a checkpoint; then two
// more changes in the log only (the server stopped without flushing).
// golden.json.gz is what fixtureQuery answered then, as the admin.
const fixtureQuery = `{
  stakeholders(first: 100) { totalCount nodes { id name version contacts { name email } commitments(first: 100) { totalCount } } }
  commitments(first: 100) { totalCount nodes { id reference title status progress version updatedAt targetCommunities { id } progressReports(first: 100) { totalCount nodes { progress note } } history(first: 100) { totalCount nodes { kind version fields { field before after } } } } }
  meetings(first: 100) { totalCount nodes { id title private version location participants { stakeholder { id } } outcomes { id summary } history(first: 50) { nodes { kind version fields { field before after } } } } }
  outcomes(first: 100) { totalCount nodes { id summary status commitments { id } } }
  tokens(first: 100) { totalCount nodes { id label role stakeholder { id } } }
  strategicPlans { id title pillars { id code objectives { id code commitments(first: 100) { totalCount } } } }
  communities { id name }
  commitmentStats { total averageProgress overdue byStatus { status count } byPillar { pillar { id } count averageProgress } bySector { sector count averageProgress } }
}`

// TestOpensFormat3Database opens that directory, twice (the second time
// from the checkpoint this code wrote), and finds every entity as it was.
func TestOpensFormat3Database(t *testing.T) {
	dir := t.TempDir()
	untar(t, filepath.Join("testdata", "format3", "data.tar.gz"), dir)
	want := compact(t, gunzip(t, filepath.Join("testdata", "format3", "golden.json.gz")))
	cfg, err := ParseConfig([]string{"--data-dir", dir, "--embedded-addr", "127.0.0.1:0", "--admin-token", testAdminToken, "--max-cost", "0"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, pass := range []string{"from the old checkpoint and log", "from this code's checkpoint"} {
		s := startServerConfig(t, cfg, hub.Options{})
		var got map[string]any
		s.mustDecode(s.do(true, fixtureQuery, nil), &got)
		if g := compact(t, mustJSON(t, got)); g != want {
			t.Fatalf("%s: the data differs from what the old code served:\ngot  %.2000s\nwant %.2000s", pass, g, want)
		}
		s.stop()
	}
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func untar(t *testing.T, path, dir string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := tar.NewReader(z)
	for {
		h, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o750)
		case tar.TypeReg:
			var out *os.File
			if out, err = os.Create(target); err == nil {
				_, err = io.Copy(out, r)
				out.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
