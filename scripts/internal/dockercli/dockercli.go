// Package dockercli runs the docker command-line client for the workshop's
// scripts and tests, and turns its failures into one line that says what to do.
//
// It drives the CLI rather than the Engine API so that the project needs no
// module beyond the standard library, and sees Docker exactly as a user does.
package dockercli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ManagedLabel marks every container the tooling starts, so that they can be
// found and removed even after a crash (make clean does).
const ManagedLabel = "lean-go-images.managed=true"

// Bin is the docker client to run: $DOCKER (the Makefile's DOCKER), else
// docker. Tests may point it at a fake.
var Bin = cmp.Or(os.Getenv("DOCKER"), "docker")

// Error is a failed docker command with what it printed on stderr.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return fmt.Sprintf("docker %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Output runs docker with args and returns its standard output.
func Output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, Bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &Error{Args: args, Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}

// Check verifies that the docker client is installed and its daemon answers,
// and returns the server's version. Its errors say how to fix the problem.
func Check(ctx context.Context) (string, error) {
	if _, err := exec.LookPath(Bin); err != nil {
		return "", errors.New("docker is not installed: install Docker Engine with BuildKit (see README.md, Prerequisites)")
	}
	out, err := Output(ctx, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		return "", Diagnose(err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Diagnose rewrites the common ways a docker call fails into one actionable
// line, and returns any other error unchanged.
func Diagnose(err error) error {
	var de *Error
	if !errors.As(err, &de) {
		return err
	}
	s := de.Stderr
	switch {
	case strings.Contains(s, "permission denied") && strings.Contains(s, "docker.sock"):
		return errors.New("no permission on the Docker socket (/var/run/docker.sock): add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run as root")
	case strings.Contains(s, "Cannot connect to the Docker daemon"), strings.Contains(s, "Is the docker daemon running"), strings.Contains(s, "error during connect"):
		return errors.New("the Docker daemon is not running: start it (sudo systemctl start docker, or open Docker Desktop) and try again")
	case strings.Contains(s, "no space left on device"):
		return errors.New("the disk is full (no space left on device): free space, for example with docker system prune, and try again")
	}
	return err
}

// Image is the part of docker image inspect the workshop reads.
type Image struct {
	ID          string `json:"Id"`
	RepoTags    []string
	RepoDigests []string
	// Size is what the image store holds for the image: the classic store
	// counts its layers, uncompressed; the containerd store adds the
	// compressed blobs it keeps, nearly doubling it.
	Size         int64
	Architecture string
	Config       struct {
		User       string
		Entrypoint []string
		Cmd        []string
		Env        []string
		Labels     map[string]string
	}
	RootFS struct {
		Layers []string
	}
}

// InspectImage returns the image ref. A missing image is an error that
// names it and wraps ErrNoImage.
func InspectImage(ctx context.Context, ref string) (Image, error) {
	out, err := Output(ctx, "image", "inspect", ref)
	if err != nil {
		var de *Error
		if errors.As(err, &de) && strings.Contains(strings.ToLower(de.Stderr), "no such image") {
			return Image{}, fmt.Errorf("image %s: %w", ref, ErrNoImage)
		}
		return Image{}, Diagnose(err)
	}
	var imgs []Image
	if err := json.Unmarshal(out, &imgs); err != nil || len(imgs) != 1 {
		return Image{}, fmt.Errorf("docker image inspect %s: unexpected output: %v", ref, err)
	}
	return imgs[0], nil
}

// ErrNoImage reports that an image is not present locally.
var ErrNoImage = errors.New("no such image")

// ServerPort is the port the workshop's server listens on in its container:
// its default PORT, the one every Dockerfile EXPOSEs.
const ServerPort = 8080

// Container is a container that Run started.
type Container struct {
	// Name is lean-go-images-PID-N, chosen before docker run, so that a run
	// interrupted before docker printed the ID can still be removed.
	Name string
	ID   string
	// URL reaches the server through its published port: http://127.0.0.1:PORT.
	URL string
}

// Run starts image, detached, labelled and named, with the server's port
// published on a free port of 127.0.0.1 (-p 127.0.0.1:PORT:8080): the one way
// to reach a container on every engine, a local daemon, rootless Docker's
// network namespace and Docker Desktop's VM alike. flags go before the
// image. The caller must Remove(c.Name).
//
// docker run can fail after it has created the container (an image whose
// entrypoint does not exist): Run then removes the container itself, by
// name, and returns the error. A killed docker run may still have its
// container created by the daemon after a Remove, so a cancelled ctx does
// not stop docker run: Run lets it finish, then removes the container and
// returns ctx's error.
func Run(ctx context.Context, image string, flags ...string) (Container, error) {
	port, err := freePort()
	if err != nil {
		return Container{}, err
	}
	c := Container{
		Name: fmt.Sprintf("lean-go-images-%d-%d", os.Getpid(), runSeq.Add(1)),
		URL:  "http://127.0.0.1:" + strconv.Itoa(port),
	}
	// --pull never: a missing image is an error here, never a registry pull.
	args := slices.Concat([]string{"run", "--detach", "--pull", "never", "--label", ManagedLabel, "--name", c.Name,
		"--publish", fmt.Sprintf("127.0.0.1:%d:%d", port, ServerPort)}, flags, []string{image})
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	out, err := Output(rctx, args...)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		Remove(c.Name) // no such container is an error to ignore
		return Container{}, Diagnose(err)
	}
	c.ID = strings.TrimSpace(string(out))
	return c, nil
}

// runSeq numbers the containers Run names, in this process.
var runSeq atomic.Int64

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Remove force-removes containers. It uses a fresh context so that it still
// runs when the caller's context has been cancelled.
func Remove(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Output(ctx, append([]string{"rm", "--force", "--volumes"}, ids...)...)
	return err
}

// Logs returns the last n lines a container wrote (all of them when n <= 0),
// standard output and standard error together as docker logs prints them,
// on one line, joined by " / ", for error messages; "(none)" when there are
// none or docker logs fails. Like Remove, it uses a fresh context so that it
// still runs when the caller's context has ended, as it often has when
// something went wrong.
func Logs(id string, n int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tail := "all"
	if n > 0 {
		tail = strconv.Itoa(n)
	}
	out, err := exec.CommandContext(ctx, Bin, "logs", "--tail", tail, id).CombinedOutput()
	if err != nil {
		return "(none)"
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "(none)"
	}
	return strings.Join(lines, " / ")
}

// CheckBuildx verifies that the docker client has the buildx plugin, which
// every build here uses to run BuildKit.
func CheckBuildx(ctx context.Context) error {
	if _, err := Output(ctx, "buildx", "version"); err != nil {
		return errors.New("docker buildx is missing: install the buildx plugin (see README.md, Troubleshooting)")
	}
	return nil
}

// Engine is what the tooling records and needs to know of the Docker engine
// it talks to, from docker info.
type Engine struct {
	Version string `json:"version"` // the server's, ServerVersion
	// OS is the operating system the daemon runs on: the host's
	// ("Debian GNU/Linux 12 (bookworm)") or a VM's ("Docker Desktop").
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	Hostname string `json:"hostname"` // the daemon's machine's name
	Rootless bool   `json:"rootless"`
	// ImageStore is "containerd" for the containerd image store (the
	// default of Docker Desktop and of new Docker 29 installs), "classic"
	// for a graph driver such as overlay2.
	ImageStore    string `json:"imageStore"`
	StorageDriver string `json:"storageDriver"`
	CgroupVersion string `json:"cgroupVersion"`
	CgroupDriver  string `json:"cgroupDriver"` // "none" when the engine runs without cgroups
	// Limits is whether the engine enforces --memory and --pids-limit:
	// rootless Docker on cgroup v1 accepts both and enforces neither.
	Limits bool `json:"limits"`
}

// Info returns the engine behind the docker client, from docker info.
func Info(ctx context.Context) (Engine, error) {
	out, err := Output(ctx, "info", "--format", "{{json .}}")
	if err != nil {
		return Engine{}, Diagnose(err)
	}
	var info struct {
		ServerVersion, OperatingSystem, Architecture, Name, Driver string
		CgroupVersion, CgroupDriver                                string
		MemoryLimit, PidsLimit                                     bool
		SecurityOptions                                            []string
		DriverStatus                                               [][2]string
	}
	if err := json.Unmarshal(out, &info); err != nil {
		return Engine{}, fmt.Errorf("docker info: %v", err)
	}
	e := Engine{
		Version: info.ServerVersion, OS: info.OperatingSystem, Arch: info.Architecture, Hostname: info.Name,
		ImageStore: "classic", StorageDriver: info.Driver, CgroupVersion: info.CgroupVersion, CgroupDriver: info.CgroupDriver,
		Limits: info.CgroupDriver != "none" && info.MemoryLimit && info.PidsLimit,
	}
	for _, o := range info.SecurityOptions {
		e.Rootless = e.Rootless || o == "name=rootless"
	}
	for _, kv := range info.DriverStatus {
		if kv[0] == "driver-type" && strings.HasPrefix(kv[1], "io.containerd.snapshotter") {
			e.ImageStore = "containerd"
		}
	}
	return e, nil
}

// MemUsage is a container's memory use and limit, as docker stats reports
// them (rounded to 3 or 4 digits).
type MemUsage struct{ Used, Limit int64 }

// Stats samples the memory of running containers once, keyed by the name
// or ID each was given as.
func Stats(ctx context.Context, containers ...string) (map[string]MemUsage, error) {
	out, err := Output(ctx, append([]string{"stats", "--no-stream", "--format", "{{.Container}}\t{{.MemUsage}}"}, containers...)...)
	if err != nil {
		return nil, Diagnose(err)
	}
	mem := map[string]MemUsage{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, usage, _ := strings.Cut(line, "\t")
		used, limit, _ := strings.Cut(usage, "/")
		var m MemUsage
		var err1, err2 error
		m.Used, err1 = parseBytes(used)
		m.Limit, err2 = parseBytes(limit)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("docker stats %s: %v", name, err)
		}
		mem[name] = m
	}
	for _, c := range containers {
		if _, ok := mem[c]; !ok {
			return nil, fmt.Errorf("docker stats printed no memory use for %s", c)
		}
	}
	return mem, nil
}

// parseBytes reads a size as docker stats prints it: "2.156MiB", "64MiB",
// "23.54GiB", "512kB", "0B".
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("unexpected size %q", s)
	}
	f, err := strconv.ParseFloat(s[:i], 64)
	unit, ok := byteUnits[s[i:]]
	if err != nil || !ok {
		return 0, fmt.Errorf("unexpected size %q", s)
	}
	return int64(f*unit + 0.5), nil
}

var byteUnits = map[string]float64{
	"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
}
