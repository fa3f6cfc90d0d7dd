package main

import (
	"bytes"
	"context"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// fakeDocker is a docker client whose behaviour FAKE_DOCKER selects.
const fakeDocker = `#!/bin/sh
case "$FAKE_DOCKER" in
down) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1 ;;
perm) echo "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version\": dial unix /var/run/docker.sock: connect: permission denied" >&2; exit 1 ;;
esac
case "$1" in
version) echo 20.10.24; exit 0 ;;
info) echo '{"ServerVersion":"20.10.24","CgroupDriver":"cgroupfs","MemoryLimit":true,"PidsLimit":true}'; exit 0 ;;
image) echo "Error: No such image: $3" >&2; exit 1 ;;
esac
echo "fake docker: unexpected $*" >&2
exit 1
`

// writeExec writes an executable script into dir.
func writeExec(t *testing.T, dir, name, script string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// runMain runs reportMain and returns its exit status and what it logged.
func runMain(t *testing.T, args []string, steps string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	log.SetOutput(&buf)
	defer log.SetOutput(os.Stderr)
	code := reportMain(args, steps)
	return code, buf.String()
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args  []string
		steps string
		code  int
		want  string
	}{
		{[]string{"-nope"}, "", 2, "flag provided but not defined: -nope"},
		{[]string{"extra"}, "", 2, `report: unexpected argument "extra"`},
		{[]string{"-starts", "-1"}, "", 2, "report: -starts -1: want 0 or more"},
		{[]string{"-load", "50ms"}, "", 2, "report: -load 50ms: want 0 (no load run) or from 100ms to 5m0s"},
		{[]string{"-load", "-1s"}, "", 2, "report: -load -1s: want 0 (no load run)"},
		{[]string{"-load", "1h"}, "", 2, "report: -load 1h0m0s: want 0 (no load run) or from 100ms to 5m0s"},
		{[]string{"-load", "fast"}, "", 2, `invalid value "fast" for flag -load`},
		{nil, "05-nope", 2, `report: unknown step "05-nope": choose from 01-single-stage, 02-multi-stage, 03-distroless, 04-scratch-static`},
		{[]string{"-h"}, "", 0, "usage: report [flags]"},
	}
	for _, tt := range tests {
		code, out := runMain(t, tt.args, tt.steps)
		if code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("report %q (STEPS=%q): exit %d, output %q; want exit %d and %q", tt.args, tt.steps, code, out, tt.code, tt.want)
		}
	}
}

// TestErrors checks the one line that each common failure prints, with a
// fake docker client: no Docker is needed.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	fake := writeExec(t, dir, "docker", fakeDocker)
	tool := writeExec(t, dir, "tool", "#!/bin/sh\nexit 0\n")
	defer func(bin string) { dockercli.Bin = bin }(dockercli.Bin)

	base := []string{"-out", dir, "-cache", filepath.Join(dir, "cache"), "-dive", tool, "-hadolint", tool}
	tests := []struct {
		name, bin, mode string
		args            []string
		want            string
	}{
		{"no docker", filepath.Join(dir, "absent"), "", nil, "report: docker is not installed"},
		{"daemon down", fake, "down", nil, "report: the Docker daemon is not running"},
		{"socket permission", fake, "perm", nil, "report: no permission on the Docker socket"},
		{"no dive", fake, "", []string{"-dive", filepath.Join(dir, "nodive")}, "report: dive not found at " + filepath.Join(dir, "nodive") + ": run make tools"},
		{"no hadolint", fake, "", []string{"-hadolint", filepath.Join(dir, "nohl")}, "report: hadolint not found at " + filepath.Join(dir, "nohl") + ": run make tools"},
		{"no image", fake, "", nil, "report: 03-distroless: image lean-go-images:03-distroless is missing: run make all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dockercli.Bin = tt.bin
			t.Setenv("FAKE_DOCKER", tt.mode)
			code, out := runMain(t, append(append([]string{}, base...), tt.args...), "03-distroless")
			if code != 1 || !strings.Contains(out, tt.want) || strings.Count(out, "\n") != 1 {
				t.Errorf("exit %d, output %q; want exit 1 and one line with %q", code, out, tt.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("the failed runs left files behind: %v", entries)
	}
}

func TestRunDive(t *testing.T) {
	dir := t.TempDir()
	good := string(readFixture(t, "dive/04-scratch-static.json"))
	// The fake dive fails when CI=true reaches it, and writes to --json.
	script := `#!/bin/sh
[ "$CI" = true ] && { echo "CI rules failed" >&2; exit 1; }
[ "$1 $2" = "--source docker-archive" ] || { echo "not an archive: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do [ "$1" = --json ] && out=$2; shift; done
[ -e "$out" ] && { echo "file exists" >&2; exit 1; }
cat "$FAKE_DIVE_JSON" > "$out"
`
	dive := writeExec(t, dir, "dive", script)
	archive := filepath.Join(dir, "04-scratch-static.tar")
	t.Setenv("CI", "true")

	goodFile := filepath.Join(dir, "good.json")
	os.WriteFile(goodFile, []byte(good), 0o644)
	t.Setenv("FAKE_DIVE_JSON", goodFile)
	d, err := runDive(context.Background(), dive, archive, "ref")
	if err != nil || d.EfficiencyScore != 1 {
		t.Fatalf("runDive = %+v, %v; want the fixture's score", d, err)
	}

	badFile := filepath.Join(dir, "bad.json")
	os.WriteFile(badFile, []byte(good[:200]), 0o644)
	t.Setenv("FAKE_DIVE_JSON", badFile)
	_, err = runDive(context.Background(), dive, archive, "ref")
	kept := archive + ".failed.json"
	if err == nil || !strings.Contains(err.Error(), "dive JSON "+kept+" is truncated") {
		t.Fatalf("truncated export: error %v, want one naming %s", err, kept)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the unreadable export was not kept: %v", err)
	}
	if _, err := os.Stat(archive + ".json"); err == nil {
		t.Error("runDive left its JSON behind")
	}

	if _, err = runDive(context.Background(), filepath.Join(dir, "false"), archive, "ref"); err == nil {
		t.Error("runDive with a missing binary: no error")
	}
}

func TestReadmesReady(t *testing.T) {
	write := func(files map[string]string) string {
		dir := t.TempDir()
		for name, text := range files {
			os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
		}
		return dir
	}
	marked := "<!-- results:begin -->\n<!-- results:end -->\n"
	tests := []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"README.md": marked, "README.es.md": marked}, ""},
		{map[string]string{"README.es.md": marked}, "README.md is missing: it holds the results tables"},
		{map[string]string{"README.md": marked, "README.es.md": "# sin marcas\n"}, "README.es.md has no <!-- results:begin --> … <!-- results:end --> markers"},
	}
	for _, tt := range tests {
		err := readmesReady(write(tt.files))
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("readmesReady(%v) = %v, want %q", tt.files, err, tt.want)
		}
	}
}

func TestRunJobs(t *testing.T) {
	var running, peak atomic.Int32
	job := func(err error) func(context.Context) error {
		return func(ctx context.Context) error {
			n := running.Add(1)
			defer running.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			select {
			case <-time.After(20 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			return err
		}
	}
	jobs := []func(context.Context) error{job(nil), job(nil), job(nil), job(nil), job(nil)}
	if err := runJobs(context.Background(), 2, jobs); err != nil {
		t.Fatal(err)
	}
	if peak.Load() != 2 {
		t.Errorf("%d jobs ran at once, want 2", peak.Load())
	}
	boom := errors.New("boom")
	jobs = []func(context.Context) error{job(boom), job(nil), job(nil), job(nil)}
	if err := runJobs(context.Background(), 1, jobs); err != boom {
		t.Errorf("runJobs = %v, want the first job's error", err)
	}
}

func TestCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "c.json")
	c := openCache[map[string]int](path)
	if _, ok := c.get("a"); ok {
		t.Fatal("an empty cache has an entry")
	}
	if err := c.put("a", map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	if v, ok := openCache[map[string]int](path).get("a"); !ok || v["x"] != 1 {
		t.Errorf("reopened cache: %v, %v", v, ok)
	}
	for _, content := range []string{"not json", `{"version":1,"entries":{"a":{"x":1}}}`} {
		os.WriteFile(path, []byte(content), 0o644)
		if _, ok := openCache[map[string]int](path).get("a"); ok {
			t.Errorf("cache file %q: entry read, want an empty cache", content)
		}
	}
}

func TestStageCommit(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.md")
	os.WriteFile(old, []byte("old"), 0o600)
	a, err := stage(old, []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(old); string(b) != "old" {
		t.Errorf("staging changed the file: %q", b)
	}
	// The second file cannot be written: nothing is replaced, nothing is left.
	if _, err := stage(filepath.Join(dir, "missing", "x"), nil); err == nil {
		t.Fatal("staging into a missing directory: no error")
	}
	discard([]staged{a})
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left %v behind, want only old.md", entries)
	}
	if err := writeFileAtomic(old, []byte("new")); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(old)
	if b, _ := os.ReadFile(old); string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Errorf("after writeFileAtomic: %q, mode %v; want new, 0600 kept", b, fi.Mode().Perm())
	}
}
