package hardening

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/loopback"
)

// The checks of a running container. They learn what they judge from the
// engine (docker inspect, docker top, docker stats, docker info), which
// works wherever the daemon runs: on this machine, in rootless Docker's
// user namespace, or in Docker Desktop's VM. The kernel's own view, the
// server's /proc/PID files and its cgroup, is read on top only when the
// daemon provably runs on this machine, in a child of this PID namespace.

// Start runs image with Flags() and extra docker run flags, through
// dockercli.Run (its port published on 127.0.0.1), and waits up to timeout
// for GET / to answer 200 Hello world!. The returned check, named
// NameServes, says whether it did. The caller must remove the container
// when c.Name is set, whether it serves or not; when docker run failed,
// dockercli.Run has removed what it created.
func Start(ctx context.Context, image string, timeout time.Duration, extra ...string) (dockercli.Container, Check) {
	t0 := time.Now()
	c, err := dockercli.Run(ctx, image, slices.Concat(Flags(), extra)...)
	if err != nil {
		return c, fail(NameServes, "did not start: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := loopback.WaitOK(wctx, c.URL+"/")
	took := time.Since(t0)
	switch {
	case err != nil:
		return c, fail(NameServes, "did not serve: %v; container log: %s", err, dockercli.Logs(c.Name, 5))
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
}

// HostConfig is the part of docker inspect's .HostConfig the checks read.
type HostConfig struct {
	ReadonlyRootfs bool
	CapDrop        []string
	SecurityOpt    []string
	PidsLimit      *int64
	Memory         int64
}

// container is what docker inspect says of a container.
type container struct {
	Path       string // the program it runs
	State      State
	HostConfig HostConfig
}

// inspect runs docker inspect on a container.
func inspect(ctx context.Context, id string) (container, error) {
	out, err := dockercli.Output(ctx, "container", "inspect", id)
	if err != nil {
		return container{}, dockercli.Diagnose(err)
	}
	var cs []container
	if err := json.Unmarshal(out, &cs); err != nil || len(cs) != 1 {
		return container{}, fmt.Errorf("docker inspect %.12s: unexpected output (%v)", id, err)
	}
	return cs[0], nil
}

// InspectState returns a container's state.
func InspectState(ctx context.Context, id string) (State, error) {
	c, err := inspect(ctx, id)
	return c.State, err
}

// Observed is what is known of a running container's server process.
type Observed struct {
	Engine     dockercli.Engine
	HostConfig HostConfig
	// TopUID is the uid docker top shows for the container's only process;
	// TopErr says why there is none (rootless Docker without cgroups cannot
	// list a container's processes).
	TopUID string
	TopErr error
	// MemUsed and MemLimit are the memory use and limit docker stats
	// reports, in bytes; 0 when the engine has no cgroups to report them.
	MemUsed, MemLimit int64
	// Kernel is the kernel's view, nil when it was not read; NoKernel then
	// says why.
	Kernel   *Kernel
	NoKernel string
}

// Kernel is the server process as this machine's kernel shows it.
type Kernel struct {
	PID int
	// Status holds the fields of /proc/PID/status, blanks squeezed.
	Status map[string]string
	// UIDs and GIDs are the real, effective, saved and filesystem ids, in
	// the container's user namespace: a rootless engine's mapping
	// (65532 is 165531 on the host) is undone.
	UIDs, GIDs []string
	// Cgroup maps the cgroup limit files found to their content.
	Cgroup map[string]string
}

// Observe learns what the checks judge of running containers: from the
// engine, and from the kernel when the daemon provably runs here. One
// docker stats call, which takes a second or two, samples them all.
func Observe(ctx context.Context, eng dockercli.Engine, ids ...string) ([]Observed, error) {
	mem := map[string]dockercli.MemUsage{}
	if eng.Limits && len(ids) > 0 {
		var err error
		if mem, err = dockercli.Stats(ctx, ids...); err != nil {
			return nil, err
		}
	}
	obs := make([]Observed, len(ids))
	for i, id := range ids {
		c, err := inspect(ctx, id)
		if err != nil {
			return nil, err
		}
		o := Observed{Engine: eng, HostConfig: c.HostConfig, MemUsed: mem[id].Used, MemLimit: mem[id].Limit}
		if out, err := dockercli.Output(ctx, "top", id, "-o", "pid,uid,comm"); err != nil {
			o.TopErr = dockercli.Diagnose(err)
		} else if o.TopUID, err = topUID(string(out)); err != nil {
			return nil, err
		}
		o.Kernel, o.NoKernel = readKernel(c.State.Pid, c.Path, eng.Limits)
		obs[i] = o
	}
	return obs, nil
}

// readKernel reads the server's /proc files, or says why it did not. The
// PID that docker inspect gives is the daemon's view: it names the server
// here only if this machine's process of that PID runs the container's
// program as the first process of its own PID namespace (NSpid: PID 1).
// Docker Desktop's daemon, in a VM, fails that test. The cgroup's limit
// files are read only when the engine uses cgroups: without, the process
// sits in its user's cgroup, whose limits are not the container's.
func readKernel(pid int, program string, cgroups bool) (*Kernel, string) {
	const elsewhere = "the daemon does not run on this machine"
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil || pid <= 0 {
		return nil, elsewhere
	}
	k := &Kernel{PID: pid, Status: parseStatus(string(b))}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	argv0, _, _ := strings.Cut(string(cmdline), "\x00")
	if ns := strings.Fields(k.Status["NSpid"]); len(ns) < 2 || ns[0] != strconv.Itoa(pid) || ns[len(ns)-1] != "1" || argv0 != program {
		return nil, elsewhere
	}
	uidMap, _ := os.ReadFile(fmt.Sprintf("/proc/%d/uid_map", pid))
	gidMap, _ := os.ReadFile(fmt.Sprintf("/proc/%d/gid_map", pid))
	k.UIDs = unmap(strings.Fields(k.Status["Uid"]), string(uidMap))
	k.GIDs = unmap(strings.Fields(k.Status["Gid"]), string(gidMap))
	if len(k.UIDs) != 4 || len(k.GIDs) != 4 {
		return nil, fmt.Sprintf("/proc/%d/status: Uid %q Gid %q", pid, k.Status["Uid"], k.Status["Gid"])
	}
	k.Cgroup = map[string]string{}
	if !cgroups {
		return k, ""
	}
	cgroup, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	for f := range cgroupLimitFiles(string(cgroup)) {
		if b, err := os.ReadFile(f); err == nil {
			k.Cgroup[f] = strings.TrimSpace(string(b))
		}
	}
	return k, ""
}

// unmap translates ids as this machine sees them into the ids of the user
// namespace whose /proc/PID/uid_map (or gid_map) text is idMap: each line
// maps a range of ids inside to a range outside. An id outside every range
// is left as it is.
func unmap(ids []string, idMap string) []string {
	out := slices.Clone(ids)
	for _, line := range strings.Split(idMap, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		inside, err1 := strconv.ParseInt(f[0], 10, 64)
		outside, err2 := strconv.ParseInt(f[1], 10, 64)
		count, err3 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		for i, id := range ids {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && n >= outside && n < outside+count {
				out[i] = strconv.FormatInt(inside+n-outside, 10)
			}
		}
	}
	return out
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
// its uids, and outside the root group. The uid comes from docker top and,
// where they could be read, from the kernel's /proc files, which must agree.
func NonRoot(o Observed, imageUser string) Check {
	var uids, gids []string
	var seen []string
	if o.TopUID != "" {
		uids = []string{o.TopUID}
		seen = append(seen, "docker top")
	}
	if k := o.Kernel; k != nil {
		if o.TopUID != "" && k.UIDs[0] != o.TopUID {
			return fail(NameNonRoot, "docker top shows uid %s, /proc/%d/status uid %s", o.TopUID, k.PID, k.UIDs[0])
		}
		uids, gids = k.UIDs, k.GIDs
		seen = append(seen, "/proc")
	}
	if len(uids) == 0 {
		return fail(NameNonRoot, "the server's uid could not be seen: docker top failed (%v) and %s", o.TopErr, o.NoKernel)
	}
	user, _, _ := strings.Cut(imageUser, ":")
	switch {
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
	detail := "uid " + uids[0]
	if len(gids) > 0 {
		detail += ", gid " + gids[0]
	}
	detail += " (" + strings.Join(seen, " and ") + ")"
	if o.TopUID == "" {
		detail += fmt.Sprintf("; docker top failed: %v", o.TopErr)
	}
	return pass(NameNonRoot, "%s", detail)
}

// Limits expects what Flags asks for to hold on the running server: in the
// container's configuration (read-only root, every capability dropped,
// no-new-privileges, the pids and memory limits), in what the engine
// enforces (docker info, and the memory limit docker stats reports), and,
// when the kernel's view was read, in the kernel (NoNewPrivs, empty
// capability sets, the cgroup's memory and pids limits). An engine that
// cannot enforce the limits makes the check Unenforced, not failed: the
// image is not at fault.
func Limits(o Observed) Check {
	var problems, notes []string
	hc := o.HostConfig
	if !hc.ReadonlyRootfs || strings.Join(hc.CapDrop, ",") != "ALL" ||
		!strings.Contains(strings.Join(hc.SecurityOpt, ","), "no-new-privileges") ||
		hc.PidsLimit == nil || *hc.PidsLimit != PidsLimit || hc.Memory != MemoryLimit {
		problems = append(problems, fmt.Sprintf("HostConfig does not hold the flags asked for: %+v", hc))
	}
	if o.Engine.Limits && o.MemLimit != MemoryLimit {
		problems = append(problems, fmt.Sprintf("docker stats reports a memory limit of %d bytes, want %d", o.MemLimit, MemoryLimit))
	}
	if k := o.Kernel; k != nil {
		for _, f := range []string{"NoNewPrivs", "CapEff", "CapPrm", "CapBnd"} {
			want := "0000000000000000"
			if f == "NoNewPrivs" {
				want = "1"
			}
			if k.Status[f] != want {
				problems = append(problems, fmt.Sprintf("/proc/PID/status %s = %q, want %q", f, k.Status[f], want))
			}
		}
		for _, f := range slices.Sorted(maps.Keys(k.Cgroup)) {
			if w := wantLimit(f); k.Cgroup[f] != w {
				problems = append(problems, fmt.Sprintf("%s = %s, want %s", f, k.Cgroup[f], w))
			} else {
				notes = append(notes, fmt.Sprintf("%s %s", path.Base(f), k.Cgroup[f]))
			}
		}
	}
	detail := "read-only, no capabilities, no-new-privileges"
	switch {
	case o.Kernel == nil:
		detail += " (in the container's configuration; the kernel's view not read: " + o.NoKernel + ")"
	default:
		detail += " (configuration and kernel)"
	}
	if o.Engine.Limits {
		detail += fmt.Sprintf("; memory limit %d MiB in docker stats", o.MemLimit>>20)
	}
	if len(notes) > 0 {
		detail += "; " + strings.Join(notes, ", ")
	}
	if len(problems) > 0 {
		return fail(NameLimits, "%s", strings.Join(problems, "; "))
	}
	if !o.Engine.Limits {
		return Check{Name: NameLimits, Unenforced: true, Detail: "limits not enforced by this engine: it runs without cgroups (docker info: cgroup driver " +
			o.Engine.CgroupDriver + ", cgroup v" + o.Engine.CgroupVersion + "); " + detail}
	}
	return pass(NameLimits, "%s", detail)
}

// wantLimit returns what a cgroup limit file must hold.
func wantLimit(file string) string {
	if strings.HasPrefix(path.Base(file), "memory.") {
		return strconv.Itoa(MemoryLimit)
	}
	return strconv.Itoa(PidsLimit)
}

// cgroupLimitFiles returns the memory and pids limit files of the cgroup
// that a /proc/PID/cgroup text names, v1 or v2.
func cgroupLimitFiles(procCgroup string) map[string]bool {
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
	files := map[string]bool{}
	if p, ok := paths["memory"]; ok {
		files["/sys/fs/cgroup/memory"+p+"/memory.limit_in_bytes"] = true
		files["/sys/fs/cgroup/pids"+paths["pids"]+"/pids.max"] = true
	} else if p, ok := paths[""]; ok {
		files["/sys/fs/cgroup"+p+"/memory.max"] = true
		files["/sys/fs/cgroup"+p+"/pids.max"] = true
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
