package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// dockerfile is the Dockerfile's instructions, continuation lines joined.
func dockerfile(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(repoPath("Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(string(raw), "\\\n", " "), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return out
}

// readmeSection returns the text of a "## title" section of the README.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	raw, err := os.ReadFile(repoPath("README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("the README has no %q section", title)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// TestDockerfileBinaryStarts: the image is multi-stage, static, non-root,
// with a data volume and a health check on /readyz; the binary built as
// its build stage builds it starts with its settings and passes its
// health check. (No container engine here: the paths and ports the image
// fixes are the only settings replaced.)
func TestDockerfileBinaryStarts(t *testing.T) {
	lines := dockerfile(t)
	has := func(want string) {
		t.Helper()
		if !slices.Contains(lines, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	build := "RUN CGO_ENABLED=0 go " + strings.Join(releaseFlags[:3], " ") + ` "` + releaseFlags[3] + `" ` + releaseFlags[4] + " /out/convene . && mkdir -p /out/data"
	has(build)
	has("FROM gcr.io/distroless/static-debian12:nonroot")
	has("USER 65532:65532")
	has("ENV CONVENE_ADDR=:8080 CONVENE_DATA_DIR=/data")
	has(`VOLUME ["/data"]`)
	has(`HEALTHCHECK --interval=15s --timeout=5s --start-period=2m --retries=3 CMD ["/convene", "healthcheck"]`)
	has(`ENTRYPOINT ["/convene"]`)
	has(`CMD ["serve"]`)
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(strings.Join(lines, "\n"), -1)); n != 2 {
		t.Errorf("%d stages, want 2", n)
	}

	bin := releaseBinary(t)
	if out, err := exec.Command("go", "version", "-m", bin).Output(); err != nil || !strings.Contains(string(out), "CGO_ENABLED=0") {
		t.Fatalf("the binary is not static: %v\n%s", err, out)
	}
	p := startProcessEnv(t, "image", bin, []string{"CONVENE_ADDR=127.0.0.1:0", "CONVENE_DATA_DIR=" + filepath.Join(t.TempDir(), "data"),
		"CONVENE_EMBEDDED_ADDR=127.0.0.1:0"}, "serve")
	url := p.waitLog("url")
	addr := strings.TrimPrefix(url, "http://")
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		_, _, code := runCLI(t, bin, "healthcheck", "--addr", addr)
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the health check never passed")
		}
	}
	if _, stderr, code := runCLI(t, bin, "healthcheck", "--addr", "127.0.0.1:1"); code == 0 || !strings.Contains(stderr, "connect") {
		t.Errorf("a health check of nothing passed: %s", stderr)
	}
}

// startProcessEnv starts the binary with env added to a clean environment.
func startProcessEnv(t *testing.T, name, bin string, env []string, args ...string) *serverProcess {
	t.Helper()
	q := &serverProcess{t: t, name: name, done: make(chan struct{})}
	q.cmd = exec.Command(bin, args...)
	q.cmd.Stdout, q.cmd.Stderr = &q.logs, &q.logs
	q.cmd.Env = append(append(os.Environ(), "MONGODB_URI="), env...)
	if err := q.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { q.err = q.cmd.Wait(); close(q.done) }()
	t.Cleanup(func() {
		_ = q.cmd.Process.Kill()
		<-q.done
		if t.Failed() {
			t.Logf("%s log:\n%s", name, q.logs.String())
		}
	})
	return q
}

// TestComposeFile: deploy/compose.yaml parses; it runs a three-member
// replica set, two Convene replicas and a proxy; every image and every
// setting it names is documented in the README, and the proxy's
// configuration reaches both replicas.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile(repoPath("deploy/compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string
			Command     []string
			Environment map[string]string
			Ports       []string
		}
		Volumes map[string]any
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	deploy := readmeSection(t, "Deploy")
	readme, _ := os.ReadFile(repoPath("README.md"))
	var mongods, convenes int
	for name, s := range compose.Services {
		if s.Image == "" {
			t.Errorf("service %s names no image", name)
		} else if !strings.Contains(deploy, "`"+s.Image+"`") {
			t.Errorf("service %s: image %s is not in the README's Deploy section", name, s.Image)
		}
		for key := range s.Environment {
			if !strings.Contains(string(readme), "`"+key+"`") {
				t.Errorf("service %s: setting %s is not documented in the README", name, key)
			}
		}
		switch {
		case slices.Contains(s.Command, "--replSet"):
			mongods++
		case s.Image == "convene:latest":
			convenes++
			if !strings.Contains(s.Environment["MONGODB_URI"], "replicaSet=rs0") {
				t.Errorf("%s does not use the replica set: %v", name, s.Environment)
			}
		}
	}
	if mongods != 3 || convenes != 2 || compose.Services["proxy"].Image == "" {
		t.Errorf("%d mongods, %d Convene replicas, proxy %q", mongods, convenes, compose.Services["proxy"].Image)
	}
	caddy, err := os.ReadFile(repoPath("deploy/Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(caddy), "reverse_proxy convene1:8080 convene2:8080") || !strings.Contains(string(caddy), "health_uri /readyz") {
		t.Errorf("the Caddyfile does not balance both replicas on /readyz:\n%s", caddy)
	}
	for _, word := range []string{"TLS", "bind", "Sizing", "backup"} {
		if !strings.Contains(deploy, word) {
			t.Errorf("the Deploy section does not mention %s", word)
		}
	}
}
