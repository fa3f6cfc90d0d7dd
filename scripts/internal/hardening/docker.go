package hardening

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// The checks of a running container. They drive the docker CLI, and read
// the server's /proc and cgroup files on the host: the Docker daemon must
// run on this machine, as it must for the containers to be reached on
// 127.0.0.1 at all.

// Container is a hardened container that Start ran.
type Container struct {
	ID   string // empty when docker run failed
	Base string // the server's base URL, http://127.0.0.1:PORT
}

// Start runs image with Flags() and extra docker run flags (such as --name)
// on a free port of 127.0.0.1, as dockercli.Run does, and waits up to
// timeout for GET / to answer 200 Hello world!. The returned check, named
// NameServes, says whether it did. The caller must remove the container,
// whether it serves or not, when c.ID is set; when docker run failed,
// dockercli.Run has removed what it created.
func Start(ctx context.Context, image string, timeout time.Duration, extra ...string) (Container, Check) {
	port, err := dockercli.FreePort()
	if err != nil {
		return Container{}, fail(NameServes, "finding a free port: %v", err)
	}
	c := Container{Base: "http://127.0.0.1:" + strconv.Itoa(port)}
	t0 := time.Now()
	c.ID, err = dockercli.Run(ctx, dockercli.RunOptions{Image: image, Port: port, Args: slices.Concat(Flags(), extra)})
	if err != nil {
		return c, fail(NameServes, "did not start: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := dockercli.WaitHTTP(wctx, c.Base+"/")
	took := time.Since(t0)
	switch {
	case err != nil:
		return c, fail(NameServes, "did not serve: %v; container log: %s", err, dockercli.Logs(c.ID, 5))
	case body != Hello:
		return c, fail(NameServes, "GET / answered %q, want %q", body, Hello)
	}
	return c, pass(NameServes, "answered GET / with %q %v after docker run", body, took.Round(time.Millisecond))
}

// State is the part of docker inspect's .State the checks read.
type State struct {
	Running   bool
	Pid       int
	ExitCode  int
	OOMKilled bool
	Error     string
}

// HostConfig is the part of docker inspect's .HostConfig the checks read.
type HostConfig struct {
	ReadonlyRootfs bool
	CapDrop        []string
	SecurityOpt    []string
	PidsLimit      *int64
	Memory         int64
	NetworkMode    string
}

// inspected is what docker inspect says of a container.
type inspected struct {
	State      State
	HostConfig HostConfig
}

// inspect runs docker inspect on a container.
func inspect(ctx context.Context, id string) (inspected, error) {
	out, err := dockercli.Output(ctx, "inspect", "--format", "{{json .State}}\t{{json .HostConfig}}", id)
	if err != nil {
		return inspected{}, dockercli.Diagnose(err)
	}
	var in inspected
	st, hc, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
	if err := json.Unmarshal([]byte(st), &in.State); err != nil {
		return inspected{}, fmt.Errorf("docker inspect %.12s: %v", id, err)
	}
	if err := json.Unmarshal([]byte(hc), &in.HostConfig); err != nil {
		return inspected{}, fmt.Errorf("docker inspect %.12s: %v", id, err)
	}
	return in, nil
}

// InspectState returns a container's state.
func InspectState(ctx context.Context, id string) (State, error) {
	in, err := inspect(ctx, id)
	return in.State, err
}

// Process is the server process of a running container, as the kernel and
// the daemon see it.
type Process struct {
	PID int
	// HostConfig is the container's configuration, from the same docker
	// inspect that gave PID.
	HostConfig HostConfig
	// Status holds the fields of /proc/PID/status, read on the host, their
	// values with runs of blanks squeezed: "Uid" is "65532 65532 65532 65532".
	Status map[string]string
	// TopUID is the uid docker top shows for it, the container's only process.
	TopUID string
}

// UIDs returns the real, effective, saved and filesystem uids.
func (p Process) UIDs() []string { return strings.Fields(p.Status["Uid"]) }

// GIDs returns the real, effective, saved and filesystem gids.
func (p Process) GIDs() []string { return strings.Fields(p.Status["Gid"]) }

// InspectProcess reads who a running container's server process is, with
// one docker inspect: its configuration, its /proc/PID/status on the host,
// and docker top, which must show it as the only process, with the same uid.
// NonRoot and Limits judge what it returns.
func InspectProcess(ctx context.Context, id string) (Process, error) {
	in, err := inspect(ctx, id)
	if err != nil {
		return Process{}, err
	}
	p, err := readProcess(in.State.Pid)
	if err != nil {
		return Process{}, fmt.Errorf("container %.12s: %v", id, err)
	}
	p.HostConfig = in.HostConfig
	out, err := dockercli.Output(ctx, "top", id, "-o", "pid,uid,comm")
	if err != nil {
		return Process{}, dockercli.Diagnose(err)
	}
	if p.TopUID, err = topUID(string(out)); err != nil {
		return Process{}, err
	}
	if uids := p.UIDs(); p.TopUID != uids[0] {
		return Process{}, fmt.Errorf("docker top shows uid %q, /proc/%d/status Uid %s", p.TopUID, p.PID, p.Status["Uid"])
	}
	return p, nil
}

// topUID returns the uid of the only process in the output of docker top
// -o pid,uid,comm, and a one-line error when there is not exactly one.
func topUID(out string) (string, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	procs := lines[1:] // lines[0] is the header
	if len(procs) != 1 {
		shown := make([]string, len(procs))
		for i, l := range procs {
			shown[i] = strings.Join(strings.Fields(l), " ")
		}
		return "", fmt.Errorf("docker top shows %d processes, want only the server: %s", len(procs), strings.Join(shown, "; "))
	}
	f := strings.Fields(procs[0])
	if len(f) < 2 {
		return "", fmt.Errorf("docker top: unexpected line %q", procs[0])
	}
	return f[1], nil
}

// readProcess reads /proc/PID/status.
func readProcess(pid int) (Process, error) {
	if pid <= 0 {
		return Process{}, fmt.Errorf("no process (State.Pid %d)", pid)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Process{}, fmt.Errorf("reading the server's status on the host: %v (is the Docker daemon on another machine?)", err)
	}
	p := Process{PID: pid, Status: parseStatus(string(b))}
	if len(p.UIDs()) != 4 || len(p.GIDs()) != 4 {
		return Process{}, fmt.Errorf("/proc/%d/status: Uid %q Gid %q", pid, p.Status["Uid"], p.Status["Gid"])
	}
	return p, nil
}

// parseStatus returns the fields of a /proc/PID/status text.
func parseStatus(text string) map[string]string {
	fields := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return fields
}

// NonRoot expects the server to run as the image's USER, a numeric uid
// other than 0 (which Kubernetes' runAsNonRoot can verify), in every one of
// its uids, and outside the root group.
func NonRoot(p Process, imageUser string) Check {
	user, _, _ := strings.Cut(imageUser, ":")
	uids, gids := p.UIDs(), p.GIDs()
	switch {
	case len(uids) == 0:
		return fail(NameNonRoot, "no uid for the process")
	case !slices.ContainsFunc(uids, func(u string) bool { return u != "0" }):
		return fail(NameNonRoot, "runs as root (uid 0)")
	case slices.Contains(uids, "0"):
		return fail(NameNonRoot, "runs as root (uids %s)", strings.Join(uids, " "))
	}
	if n, err := strconv.Atoi(user); err != nil || n == 0 {
		return fail(NameNonRoot, "image USER %q is not a numeric non-root uid", imageUser)
	}
	for _, u := range uids {
		if u != user {
			return fail(NameNonRoot, "process uids %s, image USER %q", strings.Join(uids, " "), imageUser)
		}
	}
	if slices.Contains(gids, "0") {
		return fail(NameNonRoot, "runs in the root group (gid %s)", strings.Join(gids, " "))
	}
	return pass(NameNonRoot, "uid %s, gid %s", uids[0], gids[0])
}

// Limits expects what Flags asks for to hold on the running server: in the
// container's configuration (read-only root, every capability dropped,
// no-new-privileges, the pids and memory limits, the host network that
// dockercli.Run uses), and in the kernel (NoNewPrivs, empty capability
// sets, and the cgroup's memory and pids limits when the cgroup, v1 or v2,
// can be found on the host). p is what InspectProcess read.
func Limits(p Process) Check {
	if p.PID <= 0 {
		return fail(NameLimits, "no server process to check (PID %d)", p.PID)
	}
	cgroup, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", p.PID))
	return limitsCheck(p.HostConfig, p.Status, cgroupLimitFiles(string(cgroup)), os.ReadFile)
}

// limitsCheck judges the limits from what was read; readFile reads the
// cgroup files, files maps them to the content they must have.
func limitsCheck(hc HostConfig, status map[string]string, files map[string]string, readFile func(string) ([]byte, error)) Check {
	var problems, notes []string
	if !hc.ReadonlyRootfs || strings.Join(hc.CapDrop, ",") != "ALL" ||
		!strings.Contains(strings.Join(hc.SecurityOpt, ","), "no-new-privileges") ||
		hc.PidsLimit == nil || *hc.PidsLimit != PidsLimit || hc.Memory != MemoryLimit || hc.NetworkMode != "host" {
		problems = append(problems, fmt.Sprintf("HostConfig does not hold the flags asked for: %+v", hc))
	}
	for _, k := range []string{"NoNewPrivs", "CapEff", "CapPrm", "CapBnd"} {
		want := "0000000000000000"
		if k == "NoNewPrivs" {
			want = "1"
		}
		if status[k] != want {
			problems = append(problems, fmt.Sprintf("/proc/PID/status %s = %q, want %q", k, status[k], want))
		}
	}
	keys := make([]string, 0, len(files))
	for f := range files {
		keys = append(keys, f)
	}
	slices.Sort(keys)
	for _, f := range keys {
		b, err := readFile(f)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s not checked: %v", path.Base(f), err))
			continue
		}
		if got := strings.TrimSpace(string(b)); got != files[f] {
			problems = append(problems, fmt.Sprintf("%s = %s, want %s", f, got, files[f]))
		} else {
			notes = append(notes, fmt.Sprintf("%s %s", path.Base(f), got))
		}
	}
	if len(files) == 0 {
		notes = append(notes, "cgroup limits not checked: cgroup not found")
	}
	detail := "read-only, no capabilities, no-new-privileges"
	if len(notes) > 0 {
		detail += "; " + strings.Join(notes, ", ")
	}
	return failAll(NameLimits, problems, detail)
}

// cgroupLimitFiles returns the memory and pids limit files of the cgroup
// that a /proc/PID/cgroup text names, v1 or v2, and what they must hold.
func cgroupLimitFiles(procCgroup string) map[string]string {
	paths := map[string]string{} // controller -> path; "" for the v2 unified hierarchy
	for _, line := range strings.Split(strings.TrimSpace(procCgroup), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			paths[c] = parts[2]
		}
	}
	files := map[string]string{}
	if p, ok := paths["memory"]; ok {
		files["/sys/fs/cgroup/memory"+p+"/memory.limit_in_bytes"] = strconv.Itoa(MemoryLimit)
		files["/sys/fs/cgroup/pids"+paths["pids"]+"/pids.max"] = strconv.Itoa(PidsLimit)
	} else if p, ok := paths[""]; ok {
		files["/sys/fs/cgroup"+p+"/memory.max"] = strconv.Itoa(MemoryLimit)
		files["/sys/fs/cgroup"+p+"/pids.max"] = strconv.Itoa(PidsLimit)
	}
	return files
}

// Survived expects the server to still answer GET / with 200 Hello world!
// after the abuse, from the same container, running and never killed for
// lack of memory.
func Survived(ctx context.Context, id, base string) Check {
	c := StillServing(ctx, base)
	if !c.OK {
		return c
	}
	st, err := InspectState(ctx, id)
	switch {
	case err != nil:
		return fail(NameStillServing, "%v", err)
	case !st.Running || st.OOMKilled:
		return fail(NameStillServing, "container state: running %v, OOM-killed %v, exit code %d", st.Running, st.OOMKilled, st.ExitCode)
	}
	return pass(NameStillServing, "%s; still running, never OOM-killed", c.Detail)
}

// Stop stops a container with docker stop, which sends SIGTERM and waits
// StopGrace before SIGKILL. It expects the server to exit 0, gracefully, in
// under StopWithin.
func Stop(ctx context.Context, id string) Check {
	t0 := time.Now()
	_, err := dockercli.Output(ctx, "stop", "--time", strconv.Itoa(int(StopGrace/time.Second)), id)
	took := time.Since(t0)
	if err != nil {
		return fail(NameGracefulStop, "%v", dockercli.Diagnose(err))
	}
	st, err := InspectState(ctx, id)
	if err != nil {
		return fail(NameGracefulStop, "%v", err)
	}
	return stopCheck(took, st)
}

// stopCheck judges a docker stop that took took and left the container in st.
func stopCheck(took time.Duration, st State) Check {
	var problems []string
	if took >= StopWithin {
		problems = append(problems, fmt.Sprintf("docker stop took %v, want under %v: SIGTERM is not handled (SIGKILL after %v)", took.Round(time.Millisecond), StopWithin, StopGrace))
	}
	if st.Running || st.ExitCode != 0 || st.OOMKilled {
		problems = append(problems, fmt.Sprintf("after docker stop: running %v, exit code %d, OOM-killed %v, want exit code 0", st.Running, st.ExitCode, st.OOMKilled))
	}
	return failAll(NameGracefulStop, problems, fmt.Sprintf("stopped in %v, exit code 0", took.Round(time.Millisecond)))
}
