package hardening

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/load"
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
		if !c.OK || c.Err() != nil {
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
		if tt.c.OK || !strings.Contains(tt.c.Detail, tt.want) || tt.c.Err() == nil {
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
	// The checks' dialer is load's: it refuses off loopback before
	// connecting, and connects on loopback.
	if c, err := dial(ctx, "tcp", "192.0.2.1:80"); !errors.Is(err, load.ErrNotLoopback) {
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

func TestNonRoot(t *testing.T) {
	proc := func(uid, gid string) Process {
		return Process{Status: parseStatus("Name:\tserver\nUid:\t" + uid + "\nGid:\t" + gid + "\n")}
	}
	tests := []struct {
		p    Process
		user string
		ok   bool
		want string
	}{
		{proc("65532\t65532\t65532\t65532", "65532\t65532\t65532\t65532"), "65532:65532", true, "uid 65532, gid 65532"},
		{proc("0\t0\t0\t0", "0\t0\t0\t0"), "", false, "runs as root (uid 0)"},
		{proc("1000\t0\t1000\t1000", "1000\t1000\t1000\t1000"), "1000", false, "runs as root (uids 1000 0 1000 1000)"},
		{proc("65532\t65532\t65532\t65532", "65532\t65532\t65532\t65532"), "nonroot", false, `image USER "nonroot" is not a numeric non-root uid`},
		{proc("1000\t1000\t1000\t1000", "1000\t1000\t1000\t1000"), "65532", false, `process uids 1000 1000 1000 1000, image USER "65532"`},
		{proc("65532\t65532\t65532\t65532", "0\t0\t0\t0"), "65532", false, "runs in the root group"},
		{Process{}, "65532", false, "no uid"},
	}
	for _, tt := range tests {
		c := NonRoot(tt.p, tt.user)
		if c.OK != tt.ok || !strings.Contains(c.Detail, tt.want) {
			t.Errorf("NonRoot(Uid %q, %q) = %+v, want ok %v and %q", tt.p.Status["Uid"], tt.user, c, tt.ok, tt.want)
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

func TestLimitsWithoutAProcess(t *testing.T) {
	if c := Limits(Process{}); c.OK || c.Name != NameLimits || !strings.Contains(c.Detail, "no server process") {
		t.Errorf("Limits(Process{}) = %+v", c)
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

func TestLimitsCheck(t *testing.T) {
	pids := int64(64)
	good := HostConfig{ReadonlyRootfs: true, CapDrop: []string{"ALL"}, SecurityOpt: []string{"no-new-privileges"}, PidsLimit: &pids, Memory: 64 << 20, NetworkMode: "host"}
	status := map[string]string{"NoNewPrivs": "1", "CapEff": "0000000000000000", "CapPrm": "0000000000000000", "CapBnd": "0000000000000000"}
	files := cgroupLimitFiles("0::/system.slice/docker-abc.scope\n")
	read := func(content map[string]string) func(string) ([]byte, error) {
		return func(f string) ([]byte, error) {
			if c, ok := content[f]; ok {
				return []byte(c + "\n"), nil
			}
			return nil, os.ErrNotExist
		}
	}
	limits := map[string]string{
		"/sys/fs/cgroup/system.slice/docker-abc.scope/memory.max": "67108864",
		"/sys/fs/cgroup/system.slice/docker-abc.scope/pids.max":   "64",
	}
	if c := limitsCheck(good, status, files, read(limits)); !c.OK || c.Detail != "read-only, no capabilities, no-new-privileges; memory.max 67108864, pids.max 64" {
		t.Errorf("all limits hold: %+v", c)
	}
	if c := limitsCheck(good, status, files, read(nil)); !c.OK || !strings.Contains(c.Detail, "memory.max not checked") {
		t.Errorf("cgroup files unreadable: %+v, want a pass that says so", c)
	}
	bad := good
	bad.ReadonlyRootfs = false
	badStatus := map[string]string{"NoNewPrivs": "0", "CapEff": "00000000a80425fb", "CapPrm": "0000000000000000", "CapBnd": "0000000000000000"}
	limits["/sys/fs/cgroup/system.slice/docker-abc.scope/pids.max"] = "max"
	c := limitsCheck(bad, badStatus, files, read(limits))
	for _, want := range []string{"HostConfig does not hold", `NoNewPrivs = "0", want "1"`, `CapEff = "00000000a80425fb"`, "pids.max = max, want 64"} {
		if c.OK || !strings.Contains(c.Detail, want) {
			t.Errorf("broken limits: %+v, want %q", c, want)
		}
	}
}

func TestCgroupLimitFiles(t *testing.T) {
	v1 := "12:pids:/docker/abc\n5:memory:/docker/abc\n1:name=systemd:/docker/abc\n"
	got := cgroupLimitFiles(v1)
	if got["/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes"] != "67108864" || got["/sys/fs/cgroup/pids/docker/abc/pids.max"] != "64" || len(got) != 2 {
		t.Errorf("cgroup v1: %v", got)
	}
	if got := cgroupLimitFiles(""); len(got) != 0 {
		t.Errorf("no cgroup: %v", got)
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
