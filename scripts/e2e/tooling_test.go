//go:build e2e

// Tooling tests: provoke each way the workshop's tooling can fail (no
// Docker, daemon down, no permission, no buildx, a missing or wrong tool, a
// missing image or Dockerfile, an unknown step) and check that the user
// gets a non-zero exit and one clear line that says what to do.
//
// Commands that build or could change anything run in a temporary copy of the
// repository whose scripts/offline-bases.sh is guarded (testdata/
// offline-bases-guard.sh), so no case can build, pull or tag an image.
//
//	go test -count=1 -tags e2e -run Tooling -v ./scripts/e2e/
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/steps"
)

// helperEnv selects what TestToolingHelper does when the tooling test runs
// this test binary as a command.
const helperEnv = "LGI_TOOLING_HELPER"

// TestToolingHelper is not a test: run as a child process with helperEnv set,
// it is the e2e setup path, and prints what go test prints when setup fails.
func TestToolingHelper(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("run by TestTooling as a command")
	case "setup":
		e := setup(t)
		fmt.Printf("setup ok: %d steps (%s) in %s\n", len(e.vs), steps.Names(e.vs), e.repo)
	default:
		t.Fatalf("unknown %s=%q", helperEnv, os.Getenv(helperEnv))
	}
}

// A toolCase is one way to fail and the one line the user should see.
type toolCase struct {
	name string
	// copy runs the command in a temporary copy of the repository instead of
	// the repository itself; mutate, if set, changes that copy first.
	copy   bool
	mutate func(t *testing.T, root string)
	// cmd is the command; "$HELPER" runs the e2e setup path (TestToolingHelper).
	cmd []string
	env []string
	// wantCode is the exit code (0: any non-zero code).
	wantCode int
	// want is how the message line starts: the tool that speaks (but for
	// the e2e setup, whose lines go test prints), the cause, and mostly the
	// remedy.
	want string
}

func TestTooling(t *testing.T) {
	root, err := steps.Root()
	if err != nil {
		t.Fatal(err)
	}
	realDocker, err := exec.LookPath(dockercli.Bin)
	if err != nil {
		t.Fatalf("docker is not installed: %v", err)
	}
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := steps.Find(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	last := vs[len(vs)-1].Name
	names := strings.Join(strings.Fields(strings.ReplaceAll(steps.Names(vs), ",", " ")), " ")

	// PATH settings the cases use.
	path := os.Getenv("PATH")
	noDocker := pathWithout(t, path, "docker")
	fakeDocker := func(fixture string) string {
		return "PATH=" + install(t, filepath.Join(testdata, "fake-docker", fixture), "docker") + ":" + path
	}
	daemonDown := "DOCKER_HOST=unix:///nonexistent/lgi-tooling-test/docker.sock" // the real client's real failure
	noBuildx := "DOCKER_CONFIG=" + t.TempDir()                                   // hides ~/.docker/cli-plugins/docker-buildx

	// BIN_DIRs for scripts/tools.sh --check: one tool missing or wrong.
	binDir := func(tools ...string) string {
		dir := t.TempDir()
		for _, tool := range tools {
			name, _, _ := strings.Cut(tool, "-")
			copyFile(t, filepath.Join(testdata, "fake-tools", tool), filepath.Join(dir, name), 0o755)
		}
		return dir
	}
	diveMissing, diveOld := binDir("hadolint-2.14.0"), binDir("dive-v0.12.0", "hadolint-2.14.0")
	hadolintMissing, hadolintOld := binDir("dive-v0.13.1"), binDir("dive-v0.13.1", "hadolint-2.12.0")
	if out, err := exec.Command(filepath.Join(root, "scripts/tools.sh"), "--check").CombinedOutput(); err != nil {
		t.Logf("note: the repository's own tools fail scripts/tools.sh --check: %s", out)
	}
	pathNoShellcheck := pathWithout(t, path, "shellcheck")

	dropDockerfile := func(t *testing.T, root string) {
		if err := os.Remove(filepath.Join(root, last, "Dockerfile")); err != nil {
			t.Fatal(err)
		}
	}

	// What dockercli.Diagnose says, through the e2e setup and preflight.
	const (
		notInstalled = "docker is not installed: install Docker Engine with BuildKit"
		notRunning   = "the Docker daemon is not running: start it"
		noPermission = "no permission on the Docker socket (/var/run/docker.sock): add your user to the docker group"
		noBuildxLine = "preflight: docker buildx is missing: install the buildx plugin"
	)

	cases := []toolCase{
		// The e2e setup path (dockercli.Check, then the images).
		{name: "setup/docker not installed", cmd: []string{"$HELPER"}, env: []string{"PATH=" + noDocker},
			want: notInstalled},
		{name: "setup/daemon down", cmd: []string{"$HELPER"}, env: []string{daemonDown},
			want: notRunning},
		{name: "setup/daemon down, fake", cmd: []string{"$HELPER"}, env: []string{fakeDocker("daemon-down")},
			want: notRunning},
		{name: "setup/no permission on docker.sock", cmd: []string{"$HELPER"}, env: []string{fakeDocker("permission-denied")},
			want: noPermission},
		{name: "setup/image missing", cmd: []string{"$HELPER"}, env: []string{"IMAGE=lgi-missing-repo"},
			want: vs[0].Name + ": image lgi-missing-repo:" + vs[0].Name + ": no such image: run make all"},
		{name: "setup/Dockerfile missing", copy: true, mutate: dropDockerfile, cmd: []string{"$HELPER"},
			want: last + " has main.go but no Dockerfile"},

		// make run.
		{name: "make run/unknown STEP", cmd: []string{"make", "run", "STEP=nope"}, wantCode: 2,
			want: "make: unknown STEP 'nope': choose from " + names},
		{name: "make run/image missing", cmd: []string{"make", "run", "STEP=" + last, "IMAGE=lgi-missing-repo"}, wantCode: 2,
			want: "make: image lgi-missing-repo:" + last + " is missing: run make all (or make build-" + last + ")"},
		{name: "make run/docker not installed", cmd: []string{"make", "run", "STEP=" + last}, env: []string{"PATH=" + noDocker}, wantCode: 2,
			want: "preflight: " + notInstalled},
		{name: "make run/daemon down", cmd: []string{"make", "run", "STEP=" + last}, env: []string{daemonDown}, wantCode: 2,
			want: "preflight: " + notRunning},
		{name: "make run/no permission on docker.sock", cmd: []string{"make", "run", "STEP=" + last}, env: []string{fakeDocker("permission-denied")}, wantCode: 2,
			want: "preflight: " + noPermission},

		// make build-% (in the copy: it runs scripts/ensure-bases.sh first).
		{name: "make build/unknown step", copy: true, cmd: []string{"make", "build-nope"}, wantCode: 2,
			want: "make: unknown step 'nope': choose from " + names},
		{name: "make build/unknown step, docker not installed", copy: true, cmd: []string{"make", "build-nope"}, env: []string{"PATH=" + noDocker}, wantCode: 2,
			want: "make: unknown step 'nope': choose from " + names},
		{name: "make build/Dockerfile missing", copy: true, mutate: dropDockerfile, cmd: []string{"make", "build-" + last}, wantCode: 2,
			want: "make: " + last + "/Dockerfile is missing: restore it"},
		{name: "make build/docker not installed", copy: true, cmd: []string{"make", "build-" + last}, env: []string{"PATH=" + noDocker}, wantCode: 2,
			want: "preflight: " + notInstalled},
		{name: "make build/daemon down", copy: true, cmd: []string{"make", "build-" + last}, env: []string{daemonDown}, wantCode: 2,
			want: "preflight: " + notRunning},
		{name: "make build/no permission on docker.sock", copy: true, cmd: []string{"make", "build-" + last}, env: []string{fakeDocker("permission-denied")}, wantCode: 2,
			want: "preflight: " + noPermission},
		{name: "make build/buildx missing", copy: true, cmd: []string{"make", "build-" + last}, env: []string{noBuildx}, wantCode: 2,
			want: noBuildxLine},
		{name: "make build/buildx missing, docker 20.10", copy: true, cmd: []string{"make", "build-" + last},
			env: []string{fakeDocker("no-buildx-20.10"), "REAL_DOCKER=" + realDocker}, wantCode: 2,
			want: noBuildxLine},

		// scripts/tools.sh --check with BIN_DIR set.
		{name: "tools/dive missing", cmd: []string{"scripts/tools.sh", "--check"}, env: []string{"BIN_DIR=" + diveMissing}, wantCode: 1,
			want: "tools: dive is missing from " + diveMissing + ": run make tools"},
		{name: "tools/dive wrong version", cmd: []string{"scripts/tools.sh", "--check"}, env: []string{"BIN_DIR=" + diveOld}, wantCode: 1,
			want: "tools: " + diveOld + "/dive is v0.12.0, want v0.13.1: delete it and run make tools"},
		{name: "tools/hadolint missing", cmd: []string{"scripts/tools.sh", "--check"}, env: []string{"BIN_DIR=" + hadolintMissing}, wantCode: 1,
			want: "tools: hadolint is missing from " + hadolintMissing + ": run make tools"},
		{name: "tools/hadolint wrong version", cmd: []string{"scripts/tools.sh", "--check"}, env: []string{"BIN_DIR=" + hadolintOld}, wantCode: 1,
			want: "tools: " + hadolintOld + "/hadolint is 2.12.0, want 2.14.0: delete it and run make tools"},
		{name: "tools/shellcheck missing", cmd: []string{"scripts/tools.sh", "--check"},
			env: []string{"BIN_DIR=" + binDir("dive-v0.13.1", "hadolint-2.14.0"), "PATH=" + pathNoShellcheck}, wantCode: 1,
			want: "tools: shellcheck is missing: run make tools"},
		{name: "tools/unknown argument", cmd: []string{"scripts/tools.sh", "--nope"}, wantCode: 2,
			want: "tools: usage: scripts/tools.sh [--check]"},
	}

	// make report: a missing image and an unknown step. It runs in the
	// copy, so nothing it writes lands here.
	cases = append(cases,
		toolCase{name: "report/image missing", copy: true, cmd: []string{"make", "report", "IMAGE=lgi-missing-repo", "BIN=" + filepath.Join(root, "bin")}, wantCode: 2,
			want: "report: " + vs[0].Name + ": image lgi-missing-repo:" + vs[0].Name + " is missing: run make all"},
		toolCase{name: "report/unknown STEPS", copy: true, cmd: []string{"make", "report", "STEPS=nope", "BIN=" + filepath.Join(root, "bin")}, wantCode: 2,
			want: `report: unknown step "nope": choose from`},
	)

	parent := t
	var copyRoot string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := root
			if c.copy {
				if c.mutate != nil {
					dir = copyRepo(t, root, testdata)
					c.mutate(t, dir)
				} else {
					if copyRoot == "" {
						copyRoot = copyRepo(parent, root, testdata)
					}
					dir = copyRoot
				}
			}
			runToolCase(t, c, dir)
		})
	}
}

// runToolCase runs one case and checks its exit code and message line.
func runToolCase(t *testing.T, c toolCase, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := c.cmd
	helper := args[0] == "$HELPER"
	if helper {
		args = []string{os.Args[0], "-test.run=^TestToolingHelper$", "-test.count=1", "-test.v=false"}
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), c.env...)
	if helper {
		cmd.Env = append(cmd.Env, helperEnv+"=setup")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	took := time.Since(t0)
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", strings.Join(c.cmd, " "), err)
	}

	lines := messageLines(helper, stdout.String(), stderr.String())
	var problems []string
	switch {
	case code == 0:
		problems = append(problems, "exit code 0, want non-zero")
	case c.wantCode != 0 && code != c.wantCode:
		problems = append(problems, fmt.Sprintf("exit code %d, want %d", code, c.wantCode))
	}
	if len(lines) != 1 {
		problems = append(problems, fmt.Sprintf("%d message lines, want 1", len(lines)))
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, c.want) }) {
		problems = append(problems, fmt.Sprintf("no line starts with %q", c.want))
	}

	seen := fmt.Sprintf("$ %s %s\nexit %d after %v\nstderr:\n%s\nstdout:\n%s",
		strings.Join(c.env, " "), strings.Join(c.cmd, " "), code, took.Round(time.Millisecond),
		indent(stderr.String()), indent(tail(stdout.String(), 12)))
	switch {
	case len(problems) == 0:
		t.Logf("user sees (exit %d): %s", code, lines[0])
	default:
		t.Errorf("%s\n%s", strings.Join(problems, "; "), seen)
	}
}

var (
	makeTrailer = regexp.MustCompile(`^make(\[\d+\])?: \*\*\* .*Error \d+`)
	goRunExit   = regexp.MustCompile(`^exit status \d+$`)
	testLogLine = regexp.MustCompile(`^\s+\S+\.go:\d+: `)
)

// messageLines returns the lines that carry the failure's message: for a go
// test run, the test's log lines without their file:line; otherwise stderr
// without make's own "*** [target] Error N" trailer, which every failing
// recipe gets.
func messageLines(gotest bool, stdout, stderr string) []string {
	var lines []string
	if gotest {
		for _, l := range strings.Split(stdout, "\n") {
			if loc := testLogLine.FindStringIndex(l); loc != nil {
				lines = append(lines, strings.TrimSpace(l[loc[1]:]))
			}
		}
		return lines
	}
	for _, l := range strings.Split(stderr, "\n") {
		if strings.TrimSpace(l) == "" || makeTrailer.MatchString(l) {
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// cleanEnv is this process's environment without make's own settings (a
// make e2e run passes its jobserver) and the step selection, plus
// OFFLINE=1 so that no case contacts a registry. A case's env comes after
// it: for a key set twice, the last value wins.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "STEP", "STEPS", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", helperEnv:
			continue
		}
		env = append(env, kv)
	}
	return append(env, "OFFLINE=1")
}

// pathWithout returns a PATH with the same commands as path except the
// named ones: one directory of links to every other command.
func pathWithout(t *testing.T, path string, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range filepath.SplitList(path) {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if slices.ContainsFunc(names, func(n string) bool { return n == e.Name() }) {
				continue
			}
			link := filepath.Join(dir, e.Name())
			if _, err := os.Lstat(link); err == nil {
				continue // an earlier PATH entry wins, as it would
			}
			os.Symlink(filepath.Join(d, e.Name()), link)
		}
	}
	return dir
}

// install copies fixture into a new directory as name, executable, and
// returns the directory.
func install(t *testing.T, fixture, name string) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, fixture, filepath.Join(dir, name), 0o755)
	return dir
}

func copyFile(t *testing.T, from, to string, mode fs.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// copyRepo copies what the tooling needs of the repository (the module,
// Makefile, scripts and step directories; not .git, bin or .cache) to a
// temporary directory, with scripts/offline-bases.sh guarded so that nothing
// run there can build a base image, and returns the copy's root.
func copyRepo(t *testing.T, root, testdata string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		top := strings.Split(rel, string(filepath.Separator))[0]
		switch {
		case top == ".git" || top == "bin" || top == ".cache" || top == ".venv":
			return filepath.SkipDir
		case strings.Contains(rel, "testdata"):
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	scripts := filepath.Join(dst, "scripts")
	if err := os.Rename(filepath.Join(scripts, "offline-bases.sh"), filepath.Join(scripts, "offline-bases.real.sh")); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(testdata, "offline-bases-guard.sh"), filepath.Join(scripts, "offline-bases.sh"), 0o755)
	return dst
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
