package hardening

import (
	"context"
	"errors"
	"io"
	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/loopback"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// newServer starts a server built like the workshop's (main.go): the same
// routes, its MaxHeaderBytes, and the given ReadHeaderTimeout.
func newServer(t *testing.T, readHeaderTimeout time.Duration) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, Hello) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ReadHeaderTimeout = readHeaderTimeout
	srv.Config.MaxHeaderBytes = 8 << 10
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// newNaiveServer starts a server with none of the workshop's defences: it
// answers Hello world! to any method on any path, accepts 1 MB of headers
// and waits for them for ever.
func newNaiveServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, Hello) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestChecksPassOnTheServer(t *testing.T) {
	base := newServer(t, 300*time.Millisecond)
	ctx := context.Background()
	slow := make(chan SlowResult, 1)
	go func() { slow <- Slowloris(ctx, base) }()
	checks := []Check{
		OversizedHeaders(ctx, base),
		UnknownPaths(ctx, base),
		OtherMethods(ctx, base),
		Concurrent(ctx, base, ConcurrentConns),
		(<-slow).Check(300 * time.Millisecond),
		StillServing(ctx, base),
	}
	for _, c := range checks {
		if !c.OK {
			t.Errorf("%s failed: %s", c.Name, c.Detail)
		} else {
			t.Logf("%s: %s", c.Name, c.Detail)
		}
	}
	if c := checks[3]; c.Detail != "200 of 200 concurrent connections got 200" {
		t.Errorf("concurrent detail %q", c.Detail)
	}
}

func TestChecksFailOnANaiveServer(t *testing.T) {
	base := newNaiveServer(t)
	ctx := context.Background()
	tests := []struct {
		c    Check
		want string
	}{
		{OversizedHeaders(ctx, base), `a 64 KiB header got 200 OK "Hello world!", want 431`},
		{UnknownPaths(ctx, base), `GET /nope got 200 OK "Hello world!", want 404; GET /healthz/x got 200`},
		{OtherMethods(ctx, base), `POST / got 200 OK "Hello world!", want 405; POST /: Allow "", want "GET, HEAD"`},
	}
	for _, tt := range tests {
		if tt.c.OK || !strings.Contains(tt.c.Detail, tt.want) {
			t.Errorf("%s: ok %v, detail %q; want a failure with %q", tt.c.Name, tt.c.OK, tt.c.Detail, tt.want)
		}
	}
	// Without a ReadHeaderTimeout the connection stays open until the
	// client gives up: here at ctx's deadline.
	sctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	c := Slowloris(sctx, base).Check(300 * time.Millisecond)
	if c.OK || !strings.Contains(c.Detail, "kept a slowloris connection open for") || time.Since(t0) > 3*time.Second {
		t.Errorf("slowloris on a naive server: %+v after %v", c, time.Since(t0))
	}
}

func TestChecksFailOnAStoppedServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	ctx := context.Background()
	for _, c := range []Check{
		StillServing(ctx, base), Concurrent(ctx, base, 3), OversizedHeaders(ctx, base),
		Slowloris(ctx, base).Check(ReadHeaderTimeout),
	} {
		if c.OK || !strings.Contains(c.Detail, "connection refused") {
			t.Errorf("%s on a closed port: %+v, want connection refused", c.Name, c)
		}
	}
}

func TestSlowlorisStopsWhenCanceled(t *testing.T) {
	base := newNaiveServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	t0 := time.Now()
	r := Slowloris(ctx, base)
	if !r.Canceled || time.Since(t0) > 2*time.Second {
		t.Errorf("canceled after 300ms: %+v after %v", r, time.Since(t0))
	}
	if c := r.Check(ReadHeaderTimeout); c.OK || !strings.HasPrefix(c.Detail, "interrupted") {
		t.Errorf("check of a canceled run: %+v", c)
	}
}

// TestLoopbackOnly: no check sends anything to an address off loopback.
func TestLoopbackOnly(t *testing.T) {
	ctx := context.Background()
	for _, base := range []string{"http://10.0.0.1:8080", "http://example.com:80", "ftp://127.0.0.1:21", "http://127.0.0.1"} {
		for _, c := range []Check{
			OversizedHeaders(ctx, base), UnknownPaths(ctx, base), OtherMethods(ctx, base),
			StillServing(ctx, base), Concurrent(ctx, base, 2), Slowloris(ctx, base).Check(ReadHeaderTimeout),
		} {
			if c.OK || !(strings.Contains(c.Detail, "loopback") || strings.Contains(c.Detail, "scheme") || strings.Contains(c.Detail, "no port")) {
				t.Errorf("%s on %s: %+v, want a refusal", c.Name, base, c)
			}
		}
	}
	// The checks' dialer is the loopback package's: it refuses off loopback
	// before connecting, and connects on loopback.
	if c, err := dial(ctx, "tcp", "192.0.2.1:80"); !errors.Is(err, loopback.ErrNotLoopback) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dialing 192.0.2.1: %v, want a refusal", err)
	}
	for _, network := range []string{"tcp4", "tcp6"} {
		ln, err := net.Listen(network, map[string]string{"tcp4": "127.0.0.1:0", "tcp6": "[::1]:0"}[network])
		if err != nil {
			t.Logf("no %s loopback here: %v", network, err)
			continue
		}
		c, err := dial(ctx, "tcp", ln.Addr().String())
		if err != nil {
			t.Errorf("dialing %s: %v", ln.Addr(), err)
		} else {
			c.Close()
		}
		ln.Close()
	}
}

func TestSlowResultCheck(t *testing.T) {
	timeout := ReadHeaderTimeout
	tests := []struct {
		r    SlowResult
		ok   bool
		want string
	}{
		{SlowResult{After: 5010 * time.Millisecond, Sent: 20}, true, "cut off after 5.01s (20 header bytes sent)"},
		{SlowResult{After: 5 * time.Second, Sent: 20, Data: "HTTP/1.1 408 Request Timeout\r\n"}, true, `answer "HTTP/1.1 408 Request Timeout"`},
		{SlowResult{After: 3 * time.Second}, false, "closed a slowloris connection after 3s, want about ReadHeaderTimeout 5s"},
		{SlowResult{After: 9 * time.Second}, false, "after 9s"},
		{SlowResult{After: 5 * time.Second, Full: true}, false, "the whole request went out"},
		{SlowResult{After: 15 * time.Second, Sent: 60, Err: &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}}, false, "kept a slowloris connection open for 15s (60 header bytes sent)"},
		{SlowResult{DialErr: errors.New("refused")}, false, "connecting: refused"},
	}
	for _, tt := range tests {
		c := tt.r.Check(timeout)
		if c.OK != tt.ok || !strings.Contains(c.Detail, tt.want) || c.Name != NameSlowloris {
			t.Errorf("%+v: %+v, want ok %v and %q", tt.r, c, tt.ok, tt.want)
		}
	}
}

// kernel returns a kernel view of a process with these /proc/PID/status
// ids, as readKernel makes it: mapped back through uid_map and gid_map.
func kernel(uid, gid, idMap string) *Kernel {
	k := &Kernel{PID: 4242, Status: parseStatus("Name:\tserver\nUid:\t" + uid + "\nGid:\t" + gid + "\n" +
		"NoNewPrivs:\t1\nCapEff:\t0000000000000000\nCapPrm:\t0000000000000000\nCapBnd:\t0000000000000000\n")}
	k.UIDs = unmap(strings.Fields(k.Status["Uid"]), idMap)
	k.GIDs = unmap(strings.Fields(k.Status["Gid"]), idMap)
	return k
}

const (
	identity = "         0          0 4294967295\n"
	rootless = "         0       1001          1\n         1     100000      65536\n"
)

func TestUnmap(t *testing.T) {
	tests := []struct {
		ids   string
		idMap string
		want  string
	}{
		{"65532 65532 65532 65532", identity, "65532 65532 65532 65532"},
		{"165531 165531 165531 165531", rootless, "65532 65532 65532 65532"},
		{"1001 100000 1001 1001", rootless, "0 1 0 0"},
		{"42", "", "42"},               // no map: as seen
		{"7", "bad line\n", "7"},       // a malformed map changes nothing
		{"200000", rootless, "200000"}, // outside every range
	}
	for _, tt := range tests {
		if got := strings.Join(unmap(strings.Fields(tt.ids), tt.idMap), " "); got != tt.want {
			t.Errorf("unmap(%s) = %s, want %s", tt.ids, got, tt.want)
		}
	}
}

func TestNonRoot(t *testing.T) {
	nonroot := kernel("65532\t65532\t65532\t65532", "65532\t65532\t65532\t65532", identity)
	tests := []struct {
		name string
		o    Observed
		user string
		ok   bool
		want string
	}{
		{"top and kernel", Observed{TopUID: "65532", Kernel: nonroot}, "65532:65532", true, "uid 65532, gid 65532 (docker top and /proc)"},
		{"docker top only", Observed{TopUID: "65532", NoKernel: "the daemon does not run on this machine"}, "65532:65532", true, "uid 65532 (docker top)"},
		{"rootless, no docker top", Observed{TopErr: errors.New("unable to get all container pids"),
			Kernel: kernel("165531\t165531\t165531\t165531", "165531\t165531\t165531\t165531", rootless)}, "65532:65532", true,
			"uid 65532, gid 65532 (/proc); docker top failed: unable to get all container pids"},
		{"nothing seen", Observed{TopErr: errors.New("no pids"), NoKernel: "the daemon does not run on this machine"}, "65532", false,
			"the server's uid could not be seen: docker top failed (no pids) and the daemon does not run on this machine"},
		{"disagree", Observed{TopUID: "0", Kernel: nonroot}, "65532", false, "docker top shows uid 0, /proc/4242/status uid 65532"},
		{"root", Observed{TopUID: "0", Kernel: kernel("0\t0\t0\t0", "0\t0\t0\t0", identity)}, "", false, "runs as root (uid 0)"},
		{"root, rootless", Observed{Kernel: kernel("1001\t1001\t1001\t1001", "1001\t1001\t1001\t1001", rootless)}, "", false, "runs as root (uid 0)"},
		{"saved uid 0", Observed{Kernel: kernel("1000\t0\t1000\t1000", "1000\t1000\t1000\t1000", identity)}, "1000", false, "runs as root (uids 1000 0 1000 1000)"},
		{"named user", Observed{TopUID: "65532", Kernel: nonroot}, "nonroot", false, `image USER "nonroot" is not a numeric non-root uid`},
		{"other uid", Observed{TopUID: "1000", Kernel: kernel("1000\t1000\t1000\t1000", "1000\t1000\t1000\t1000", identity)}, "65532", false,
			`process uids 1000 1000 1000 1000, image USER "65532"`},
		{"root group", Observed{TopUID: "65532", Kernel: kernel("65532\t65532\t65532\t65532", "0\t0\t0\t0", identity)}, "65532", false, "runs in the root group"},
	}
	for _, tt := range tests {
		c := NonRoot(tt.o, tt.user)
		if c.OK != tt.ok || !strings.Contains(c.Detail, tt.want) {
			t.Errorf("%s: NonRoot = %+v, want ok %v and %q", tt.name, c, tt.ok, tt.want)
		}
	}
}

func TestTopUID(t *testing.T) {
	uid, err := topUID("PID                 UID                 COMMAND\n4242                65532               server\n")
	if err != nil || uid != "65532" {
		t.Errorf("one process: %q, %v", uid, err)
	}
	_, err = topUID("PID UID COMMAND\n4242 0 sh\n4250 0 server\n")
	if err == nil || err.Error() != "docker top shows 2 processes, want only the server: 4242 0 sh; 4250 0 server" {
		t.Errorf("two processes: %v", err)
	}
	if _, err := topUID(""); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("no output: %v, want a one-line error", err)
	}
}

func TestStopCheck(t *testing.T) {
	if c := stopCheck(123456789*time.Nanosecond, State{}); !c.OK || c.Detail != "stopped in 123ms, exit code 0" {
		t.Errorf("a quick stop: %+v", c)
	}
	c := stopCheck(10*time.Second+3*time.Millisecond, State{ExitCode: 137})
	if c.OK || !strings.Contains(c.Detail, "docker stop took 10.003s, want under 2s") || !strings.Contains(c.Detail, "exit code 137") {
		t.Errorf("a SIGKILL after 10s: %+v", c)
	}
}

func TestLimits(t *testing.T) {
	pids := int64(64)
	good := HostConfig{ReadonlyRootfs: true, CapDrop: []string{"ALL"}, SecurityOpt: []string{"no-new-privileges"}, PidsLimit: &pids, Memory: 64 << 20}
	enforcing := dockercli.Engine{Limits: true, CgroupDriver: "cgroupfs", CgroupVersion: "2"}
	k := kernel("65532\t65532\t65532\t65532", "65532\t65532\t65532\t65532", identity)
	k.Cgroup = map[string]string{
		"/sys/fs/cgroup/system.slice/docker-abc.scope/memory.max": "67108864",
		"/sys/fs/cgroup/system.slice/docker-abc.scope/pids.max":   "64",
	}
	leaky := kernel("65532\t65532\t65532\t65532", "65532\t65532\t65532\t65532", identity)
	leaky.Status["NoNewPrivs"], leaky.Status["CapEff"] = "0", "00000000a80425fb"
	leaky.Cgroup = map[string]string{"/sys/fs/cgroup/x/pids.max": "max"}
	bad := good
	bad.ReadonlyRootfs = false
	tests := []struct {
		name      string
		o         Observed
		ok, unenf bool
		want      []string
	}{
		{"enforced, kernel read", Observed{Engine: enforcing, HostConfig: good, MemLimit: 64 << 20, Kernel: k}, true, false,
			[]string{"read-only, no capabilities, no-new-privileges (configuration and kernel); memory limit 64 MiB in docker stats; memory.max 67108864, pids.max 64"}},
		{"enforced, daemon elsewhere", Observed{Engine: enforcing, HostConfig: good, MemLimit: 64 << 20, NoKernel: "the daemon does not run on this machine"}, true, false,
			[]string{"the kernel's view not read: the daemon does not run on this machine"}},
		{"rootless without cgroups", Observed{Engine: dockercli.Engine{CgroupDriver: "none", CgroupVersion: "1"}, HostConfig: good, Kernel: k}, false, true,
			[]string{"limits not enforced by this engine: it runs without cgroups (docker info: cgroup driver none, cgroup v1)"}},
		{"stats disagree", Observed{Engine: enforcing, HostConfig: good, MemLimit: 23 << 30, Kernel: k}, false, false,
			[]string{"docker stats reports a memory limit of"}},
		{"broken", Observed{Engine: enforcing, HostConfig: bad, MemLimit: 64 << 20, Kernel: leaky}, false, false,
			[]string{"HostConfig does not hold", `NoNewPrivs = "0", want "1"`, `CapEff = "00000000a80425fb"`, "/sys/fs/cgroup/x/pids.max = max, want 64"}},
		{"no cgroups, but capabilities left", Observed{Engine: dockercli.Engine{CgroupDriver: "none"}, HostConfig: good, Kernel: leaky}, false, false,
			[]string{`CapEff = "00000000a80425fb"`}},
	}
	for _, tt := range tests {
		c := Limits(tt.o)
		if c.OK != tt.ok || c.Unenforced != tt.unenf || c.Name != NameLimits {
			t.Errorf("%s: Limits = %+v, want ok %v, unenforced %v", tt.name, c, tt.ok, tt.unenf)
		}
		for _, w := range tt.want {
			if !strings.Contains(c.Detail, w) {
				t.Errorf("%s: detail %q lacks %q", tt.name, c.Detail, w)
			}
		}
	}
}

func TestCgroupLimitFiles(t *testing.T) {
	v1 := "12:pids:/docker/abc\n5:memory:/docker/abc\n1:name=systemd:/docker/abc\n"
	got := cgroupLimitFiles(v1)
	if !got["/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes"] || !got["/sys/fs/cgroup/pids/docker/abc/pids.max"] || len(got) != 2 {
		t.Errorf("cgroup v1: %v", got)
	}
	if got := cgroupLimitFiles("0::/system.slice/docker-abc.scope\n"); !got["/sys/fs/cgroup/system.slice/docker-abc.scope/memory.max"] || len(got) != 2 {
		t.Errorf("cgroup v2: %v", got)
	}
	if got := cgroupLimitFiles(""); len(got) != 0 {
		t.Errorf("no cgroup: %v", got)
	}
	if wantLimit("/a/memory.max") != "67108864" || wantLimit("/a/pids.max") != "64" {
		t.Error("wantLimit")
	}
}

func TestFlags(t *testing.T) {
	if got := strings.Join(Flags(), " "); got != "--read-only --cap-drop ALL --security-opt no-new-privileges --pids-limit 64 --memory 64m" {
		t.Errorf("Flags() = %s", got)
	}
	if len(UnservedPaths) == 0 || len(RefusedMethods) == 0 || StopGrace <= StopWithin {
		t.Errorf("UnservedPaths %q, RefusedMethods %q, StopGrace %v", UnservedPaths, RefusedMethods, StopGrace)
	}
	if len(Names) != 10 {
		t.Errorf("%d check names", len(Names))
	}
	if c := Skipped(NameLimits, "did not serve"); c.OK || c.Detail != "not run: did not serve" {
		t.Errorf("Skipped = %+v", c)
	}
}
