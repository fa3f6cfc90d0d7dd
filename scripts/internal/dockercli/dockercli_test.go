package dockercli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// What docker 28 and 20.10 clients print on stderr when things go wrong,
// copied from real runs.
const (
	daemonDown     = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
	permDenied     = `permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/version": dial unix /var/run/docker.sock: connect: permission denied`
	permDenied2010 = `Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version": dial unix /var/run/docker.sock: connect: permission denied`
	noSuchImage    = "Error response from daemon: no such image: lgi-missing:x: No such image: lgi-missing:x"
	diskFull       = "failed to register layer: write /var/lib/docker/overlay2/x/diff/y: no space left on device"
)

// fakeDocker writes a shell script standing in for docker, points Bin at it
// for the rest of the test, and returns the file where it records its
// arguments, one per line.
func fakeDocker(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	bin := filepath.Join(dir, "docker")
	body := "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + argsFile + "'\n" + script + "\n"
	if err := os.WriteFile(bin, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	old := Bin
	Bin = bin
	t.Cleanup(func() { Bin = old })
	return argsFile
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		script  string // "" leaves Bin pointing at a file that does not exist
		want    string
		wantErr string
	}{
		{"not installed", "", "", "docker is not installed: install Docker Engine"},
		{"daemon down", "echo '" + daemonDown + "' >&2; exit 1", "", "the Docker daemon is not running: start it"},
		{"socket permission", "echo '" + permDenied + "' >&2; exit 1", "", "no permission on the Docker socket (/var/run/docker.sock): add your user to the docker group"},
		{"socket permission, docker 20.10", "echo '" + permDenied2010 + "' >&2; exit 1", "", "no permission on the Docker socket"},
		{"other failure", "echo 'something odd' >&2; echo 'second line' >&2; exit 3", "", "docker version --format {{.Server.Version}}: something odd"},
		{"ok", "echo 20.10.24+dfsg1", "20.10.24+dfsg1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.script == "" {
				old := Bin
				Bin = filepath.Join(t.TempDir(), "docker")
				t.Cleanup(func() { Bin = old })
			} else {
				fakeDocker(t, tt.script)
			}
			got, err := Check(context.Background())
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Check() = %q, %v; want %q, nil", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check() error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("Check() error has several lines: %q", err)
			}
			t.Logf("user sees: %v", err)
		})
	}
}

func TestDiagnose(t *testing.T) {
	tests := []struct{ stderr, want string }{
		{daemonDown, "the Docker daemon is not running"},
		{"error during connect: Get \"http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.24/version\": open //./pipe/docker_engine: The system cannot find the file specified.", "the Docker daemon is not running"},
		{permDenied, "no permission on the Docker socket"},
		{permDenied2010, "no permission on the Docker socket"},
		{diskFull, "the disk is full"},
	}
	for _, tt := range tests {
		err := Diagnose(&Error{Args: []string{"version"}, Stderr: tt.stderr + "\n", Err: errors.New("exit status 1")})
		if !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Diagnose(%.40q...) = %q, want it to start with %q", tt.stderr, err, tt.want)
		}
	}
	other := &Error{Args: []string{"ps"}, Stderr: "boom", Err: errors.New("exit status 1")}
	if err := Diagnose(other); err != other {
		t.Errorf("Diagnose changed an unknown error: %v", err)
	}
	plain := errors.New("plain")
	if err := Diagnose(plain); err != plain {
		t.Errorf("Diagnose changed a non-docker error: %v", err)
	}
}

func TestErrorIsOneLine(t *testing.T) {
	e := &Error{Args: []string{"buildx", "build"}, Stderr: "\nERROR: first line\nsecond line\n", Err: errors.New("exit status 1")}
	if got, want := e.Error(), "docker buildx build: ERROR: first line"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{Args: []string{"ps"}, Err: errors.New("exit status 2")}
	if got, want := e.Error(), "docker ps: exit status 2"; got != want {
		t.Errorf("Error() with no stderr = %q, want %q", got, want)
	}
	if !errors.Is(e, e.Err) {
		t.Error("Error does not unwrap to the command's error")
	}
}

func TestOutputReturnsStdoutAndStderr(t *testing.T) {
	fakeDocker(t, "echo out; echo err >&2; exit 4")
	out, err := Output(context.Background(), "x")
	var de *Error
	if !errors.As(err, &de) || strings.TrimSpace(de.Stderr) != "err" || string(out) != "out\n" {
		t.Fatalf("Output = %q, %v; want stdout and an *Error with stderr", out, err)
	}
}

func TestInspectImage(t *testing.T) {
	fakeDocker(t, "echo '"+noSuchImage+"' >&2; exit 1")
	_, err := InspectImage(context.Background(), "lgi-missing:x")
	if !errors.Is(err, ErrNoImage) || !strings.Contains(err.Error(), "lgi-missing:x") {
		t.Errorf("missing image: err = %v, want ErrNoImage naming the image", err)
	}

	fakeDocker(t, "echo '"+daemonDown+"' >&2; exit 1")
	if _, err := InspectImage(context.Background(), "x"); err == nil || !strings.HasPrefix(err.Error(), "the Docker daemon is not running") {
		t.Errorf("daemon down: err = %v, want the daemon diagnosis", err)
	}

	fakeDocker(t, `echo '[{"Id":"sha256:abc","RepoTags":["x:1"],"Size":42,"Config":{"User":"65532:65532","Entrypoint":["/server"]}}]'`)
	img, err := InspectImage(context.Background(), "x:1")
	if err != nil {
		t.Fatal(err)
	}
	if img.ID != "sha256:abc" || img.Size != 42 || img.Config.User != "65532:65532" || img.Config.Entrypoint[0] != "/server" {
		t.Errorf("InspectImage = %+v", img)
	}

	fakeDocker(t, "echo '[]'")
	if _, err := InspectImage(context.Background(), "x:1"); err == nil || !strings.Contains(err.Error(), "unexpected output") {
		t.Errorf("empty inspect output: err = %v", err)
	}
}

func TestRunArgs(t *testing.T) {
	argsFile := fakeDocker(t, "echo 0123abcd")
	c, err := Run(context.Background(), "img:tag", "--read-only", "--memory", "64m")
	if err != nil || c.ID != "0123abcd" {
		t.Fatalf("Run = %+v, %v", c, err)
	}
	b, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(string(b)), " ")
	port := strings.TrimPrefix(c.URL, "http://127.0.0.1:")
	for _, want := range []string{
		"run --detach --pull never", // the workshop never pulls
		"--label " + ManagedLabel,
		"--name " + c.Name,
		"--publish 127.0.0.1:" + port + ":8080",
		"--read-only --memory 64m img:tag",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("docker %s: lacks %q", got, want)
		}
	}
	if !strings.HasSuffix(got, " img:tag") || strings.Contains(got, "--network") {
		t.Errorf("docker %s: the image must come last, and no --network", got)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		t.Errorf("URL %s: no port", c.URL)
	}

	fakeDocker(t, "echo '"+daemonDown+"' >&2; exit 1")
	if _, err := Run(context.Background(), "x"); err == nil || !strings.HasPrefix(err.Error(), "the Docker daemon is not running") {
		t.Errorf("Run with the daemon down: %v", err)
	}
}

func TestRemove(t *testing.T) {
	argsFile := fakeDocker(t, "exit 0")
	if err := Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(argsFile); err == nil {
		t.Error("Remove() with no IDs ran docker")
	}
	if err := Remove("a", "b"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(argsFile)
	if got := strings.Join(strings.Fields(string(b)), " "); got != "rm --force --volumes a b" {
		t.Errorf("Remove ran docker %s", got)
	}
}

// fakeDockerLog is fakeDocker for several calls: the script appends each
// call's arguments, on one line, to the returned file.
func fakeDockerLog(t *testing.T, script string) string {
	t.Helper()
	calls := filepath.Join(t.TempDir(), "calls")
	fakeDocker(t, "echo \"$*\" >> '"+calls+"'\n"+script)
	return calls
}

// readCalls returns the calls fakeDockerLog recorded.
func readCalls(t *testing.T, calls string) []string {
	t.Helper()
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestRunNamesAndRemovesOnFailure(t *testing.T) {
	// docker run created the container, then failed to start it.
	calls := fakeDockerLog(t, `case "$1" in run) echo 'docker: Error response from daemon: failed to create shim task: exec: "/server": no such file or directory: unknown.' >&2; exit 127;; esac`)
	c, err := Run(context.Background(), "img:tag")
	if err == nil || c.Name != "" {
		t.Fatalf("Run = %+v, %v; want no container and an error", c, err)
	}
	got := readCalls(t, calls)
	prefix := fmt.Sprintf("--name lean-go-images-%d-", os.Getpid())
	if len(got) != 2 || !strings.Contains(got[0], prefix) {
		t.Fatalf("docker calls %q: want a run with %q, then rm", got, prefix)
	}
	name := strings.Fields(got[0][strings.Index(got[0], prefix):])[1]
	if want := "rm --force --volumes " + name; got[1] != want {
		t.Errorf("after the failed run: docker %s, want docker %s", got[1], want)
	}

	// Interrupted while docker run creates the container: the daemon would
	// create it anyway, so docker run finishes, and then the container goes.
	calls = filepath.Join(t.TempDir(), "calls")
	fakeDocker(t, `echo "$*" >> '`+calls+`'; case "$1" in run) sleep 0.3; echo created >> '`+calls+`'; echo id;; esac`)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if c, err := Run(ctx, "img:tag"); err != context.Canceled || c.Name != "" {
		t.Errorf("Run interrupted = %+v, %v; want no container and context.Canceled", c, err)
	}
	if got := readCalls(t, calls); len(got) != 3 || !strings.HasPrefix(got[0], "run ") || got[1] != "created" || !strings.HasPrefix(got[2], "rm --force --volumes lean-go-images-") {
		t.Errorf("docker calls %q: want a run that ends (created), then rm", got)
	}

	// Two runs get two names, and two ports.
	calls = fakeDockerLog(t, "echo id")
	a, _ := Run(context.Background(), "a")
	b, _ := Run(context.Background(), "a")
	if got := readCalls(t, calls); len(got) != 2 || a.Name == b.Name || a.URL == b.URL {
		t.Errorf("two runs: %q, %+v, %+v; want two names and two ports", got, a, b)
	}
}

func TestInfo(t *testing.T) {
	tests := []struct {
		name, info string
		want       Engine
	}{
		{"docker.io 20.10, rootful", `{"ServerVersion":"20.10.24+dfsg1","OperatingSystem":"Debian GNU/Linux 12 (bookworm)","Architecture":"x86_64","Name":"vm","Driver":"overlay2","DriverStatus":[["Backing Filesystem","extfs"]],"CgroupDriver":"cgroupfs","CgroupVersion":"1","MemoryLimit":true,"PidsLimit":true,"SecurityOptions":["name=seccomp,profile=default"]}`,
			Engine{Version: "20.10.24+dfsg1", OS: "Debian GNU/Linux 12 (bookworm)", Arch: "x86_64", Hostname: "vm", ImageStore: "classic", StorageDriver: "overlay2", CgroupVersion: "1", CgroupDriver: "cgroupfs", Limits: true}},
		{"rootless without cgroups", `{"ServerVersion":"20.10.24+dfsg1","Driver":"overlay2","CgroupDriver":"none","CgroupVersion":"1","MemoryLimit":false,"PidsLimit":false,"SecurityOptions":["name=seccomp,profile=default","name=rootless"]}`,
			Engine{Version: "20.10.24+dfsg1", Rootless: true, ImageStore: "classic", StorageDriver: "overlay2", CgroupVersion: "1", CgroupDriver: "none"}},
		{"containerd image store", `{"ServerVersion":"29.0.0","OperatingSystem":"Docker Desktop","Driver":"overlayfs","DriverStatus":[["driver-type","io.containerd.snapshotter.v1"]],"CgroupDriver":"cgroupfs","CgroupVersion":"2","MemoryLimit":true,"PidsLimit":true}`,
			Engine{Version: "29.0.0", OS: "Docker Desktop", ImageStore: "containerd", StorageDriver: "overlayfs", CgroupVersion: "2", CgroupDriver: "cgroupfs", Limits: true}},
	}
	for _, tt := range tests {
		argsFile := fakeDocker(t, "cat <<'EOF'\n"+tt.info+"\nEOF")
		got, err := Info(context.Background())
		if err != nil || got != tt.want {
			t.Errorf("%s: Info = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
		if b, _ := os.ReadFile(argsFile); strings.Join(strings.Fields(string(b)), " ") != "info --format {{json .}}" {
			t.Errorf("%s: docker %s", tt.name, b)
		}
	}
	fakeDocker(t, "echo '"+daemonDown+"' >&2; exit 1")
	if _, err := Info(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "the Docker daemon is not running") {
		t.Errorf("Info with the daemon down: %v", err)
	}
}

func TestStats(t *testing.T) {
	fakeDocker(t, `printf 'a\t2.156MiB / 64MiB\nb\t512kB / 23.54GiB\n'`)
	got, err := Stats(context.Background(), "a", "b")
	want := map[string]MemUsage{"a": {2260730, 64 << 20}, "b": {512000, 25275882537}}
	if err != nil || len(got) != 2 || got["a"] != want["a"] || got["b"] != want["b"] {
		t.Errorf("Stats = %v, %v; want %v", got, err, want)
	}
	if _, err := Stats(context.Background(), "a", "c"); err == nil || !strings.Contains(err.Error(), "no memory use for c") {
		t.Errorf("Stats without c: %v", err)
	}
	fakeDocker(t, `printf 'a\t-- / --\n'`)
	if _, err := Stats(context.Background(), "a"); err == nil || !strings.Contains(err.Error(), `unexpected size "--"`) {
		t.Errorf("Stats of a stopped container: %v", err)
	}
	for in, want := range map[string]int64{"0B": 0, "1.5kB": 1500, "64MiB": 64 << 20, " 2GB ": 2e9} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "12", "12 parsecs", "1.2.3MB"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q): no error", in)
		}
	}
}

func TestLogs(t *testing.T) {
	// The server logs to stderr: both streams count.
	argsFile := fakeDocker(t, "echo 'listening on :8080'; printf 'bind: address already in use\\n\\n  exit   1\\n' >&2")
	if got, want := Logs("c1", 5), "listening on :8080 / bind: address already in use / exit 1"; got != want {
		t.Errorf("Logs = %q, want %q", got, want)
	}
	b, _ := os.ReadFile(argsFile)
	if got := strings.Join(strings.Fields(string(b)), " "); got != "logs --tail 5 c1" {
		t.Errorf("Logs ran docker %s", got)
	}
	Logs("c1", 0)
	b, _ = os.ReadFile(argsFile)
	if got := strings.Join(strings.Fields(string(b)), " "); got != "logs --tail all c1" {
		t.Errorf("Logs(id, 0) ran docker %s", got)
	}

	fakeDocker(t, "exit 0")
	if got := Logs("c1", 5); got != "(none)" {
		t.Errorf("no logs: %q", got)
	}
	fakeDocker(t, "echo 'Error: No such container: c1' >&2; exit 1")
	if got := Logs("c1", 5); got != "(none)" {
		t.Errorf("docker logs failing: %q", got)
	}
}
