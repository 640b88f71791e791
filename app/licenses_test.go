package app

import (
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"convene/hub"
)

// TestLicences: Convene's own licence is Apache-2.0; every module the
// release binary embeds is listed, at its version, with its licence file
// copied beside the list; the playground's licences are served.
func TestLicences(t *testing.T) {
	own, err := os.ReadFile(repoPath("LICENSE"))
	if err != nil || !strings.Contains(string(own), "Apache License") || !strings.Contains(string(own), "Version 2.0, January 2004") {
		t.Fatalf("LICENSE is not the Apache License 2.0: %v", err)
	}
	list, err := os.ReadFile(repoPath("THIRD_PARTY_LICENSES.md"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "version", "-m", releaseBinary(t)).Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := 0
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "dep" {
			continue
		}
		deps++
		row := "| " + f[1] + " | " + f[2] + " | "
		if !strings.Contains(string(list), row) {
			t.Errorf("THIRD_PARTY_LICENSES.md does not list %s %s (run go run third_party/gen.go BINARY)", f[1], f[2])
			continue
		}
		files, _ := os.ReadDir(repoPath("third_party", "licenses", f[1]))
		if len(files) == 0 {
			t.Errorf("no licence file for %s", f[1])
		}
	}
	if rows := strings.Count(string(list), "\n| ") - 1; rows != deps {
		t.Errorf("THIRD_PARTY_LICENSES.md lists %d modules, the binary embeds %d", rows, deps)
	}
	s := startServer(t, t.TempDir(), hub.Options{})
	res, err := http.Get(s.url + "/playground/licenses/react@18.3.1.txt")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("the playground's licences are not served: %d", res.StatusCode)
	}
}
