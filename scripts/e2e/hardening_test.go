//go:build e2e

// Hardening tests: every variant runs under tight limits, the slim ones as a
// non-root user with no shell, survives abusive clients and a short load run
// on 127.0.0.1, and stops cleanly on SIGTERM. Each top-level test runs the variants in parallel
// (and in parallel with the other hardening tests); every abusive loop below
// is bounded in count and in time.
//
//	go test -count=1 -tags e2e -run 'Hardening|Abuse|Stop|Shell|NonRoot' -v ./scripts/e2e/
package e2e

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/load"
	"lean-go-images/scripts/internal/variants"
)

// hardened are the resource limits every variant must also serve under, on
// top of lockedDown.
var hardened = []string{"--pids-limit", "64", "--memory", "64m"}

// serverReadHeaderTimeout is readHeaderTimeout in main.go.
const serverReadHeaderTimeout = 5 * time.Second

// expectation is what the hardening tests expect of one variant.
type expectation struct {
	root  bool // runs as uid 0: only the naive baseline
	shell bool // has /bin/sh and a package manager in the image
}

var expected = map[string]expectation{
	"01-single-stage":   {root: true, shell: true},
	"02-multi-stage":    {shell: true},
	"03-distroless":     {},
	"04-scratch-static": {},
}

func expectationFor(t *testing.T, v variants.Variant) expectation {
	t.Helper()
	e, ok := expected[v.Name]
	if !ok {
		t.Fatalf("no hardening expectations for variant %s: add it to expected in scripts/e2e/hardening_test.go", v.Name)
	}
	return e
}

// startHardened starts image locked down and limited, waits until GET /
// answers, and returns the container ID and base URL.
func startHardened(t *testing.T, image string) (string, string) {
	t.Helper()
	id, url := start(t, image, hardened...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := dockercli.WaitHTTP(ctx, url+"/"); err != nil {
		logs, _ := exec.Command(dockercli.Bin, "logs", "--tail", "5", id).CombinedOutput()
		t.Fatalf("GET /: %v; container logs: %s", err, strings.TrimSpace(string(logs)))
	}
	return id, url
}

// inspectContainer decodes docker inspect's template output for container id.
func inspectContainer(t *testing.T, id, format string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := dockercli.Output(ctx, "inspect", "--format", format, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("docker inspect --format %s: %v: %s", format, err, out)
	}
}

// procStatus returns the fields of /proc/PID/status of the container's main
// process, read on the host.
func procStatus(t *testing.T, id string) map[string]string {
	t.Helper()
	var pid int
	inspectContainer(t, id, "{{.State.Pid}}", &pid)
	if pid <= 0 {
		t.Fatalf("container %.12s has no process (State.Pid %d)", id, pid)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the server's status on the host: %v (is the Docker daemon on another machine?)", err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return fields
}

func TestHardeningServesUnderLimits(t *testing.T) {
	t.Parallel()
	vs, repo := setup(t)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			e := expectationFor(t, v)
			id, _ := startHardened(t, v.Image(repo))

			var hc struct {
				ReadonlyRootfs bool
				CapDrop        []string
				SecurityOpt    []string
				PidsLimit      *int64
				Memory         int64
				NetworkMode    string
			}
			inspectContainer(t, id, "{{json .HostConfig}}", &hc)
			if !hc.ReadonlyRootfs || strings.Join(hc.CapDrop, ",") != "ALL" ||
				!strings.Contains(strings.Join(hc.SecurityOpt, ","), "no-new-privileges") ||
				hc.PidsLimit == nil || *hc.PidsLimit != 64 || hc.Memory != 64<<20 || hc.NetworkMode != "host" {
				t.Errorf("HostConfig does not hold the limits asked for: %+v", hc)
			}

			// What the kernel enforces on the running server.
			st := procStatus(t, id)
			for k, want := range map[string]string{
				"NoNewPrivs": "1",
				"CapEff":     "0000000000000000",
				"CapPrm":     "0000000000000000",
				"CapBnd":     "0000000000000000",
			} {
				if st[k] != want {
					t.Errorf("/proc/PID/status %s = %q, want %q", k, st[k], want)
				}
			}
			checkCgroupLimits(t, id)

			// The root filesystem really is read-only (only a variant with a
			// shell has a program to try writing with).
			if e.shell {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				_, err := dockercli.Output(ctx, "exec", id, "touch", "/written-by-e2e")
				var de *dockercli.Error
				if !errors.As(err, &de) || !strings.Contains(de.Stderr, "Read-only file system") {
					t.Errorf("writing to / in the container: %v, want Read-only file system", err)
				}
			}
			t.Logf("serves with %s %s; NoNewPrivs %s, CapEff %s", strings.Join(lockedDown, " "), strings.Join(hardened, " "), st["NoNewPrivs"], st["CapEff"])
		})
	}
}

// checkCgroupLimits reads the memory and pids limits of the container's
// cgroup, on the host, when the cgroup (v1 or v2) can be found there.
func checkCgroupLimits(t *testing.T, id string) {
	t.Helper()
	var pid int
	inspectContainer(t, id, "{{.State.Pid}}", &pid)
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Logf("cgroup limits not checked: %v", err)
		return
	}
	paths := map[string]string{} // controller -> path; "" for the v2 unified hierarchy
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			paths[c] = parts[2]
		}
	}
	files := map[string]string{} // limit file -> expected content
	if p, ok := paths["memory"]; ok {
		files["/sys/fs/cgroup/memory"+p+"/memory.limit_in_bytes"] = strconv.Itoa(64 << 20)
		files["/sys/fs/cgroup/pids"+paths["pids"]+"/pids.max"] = "64"
	} else if p, ok := paths[""]; ok {
		files["/sys/fs/cgroup"+p+"/memory.max"] = strconv.Itoa(64 << 20)
		files["/sys/fs/cgroup"+p+"/pids.max"] = "64"
	}
	for f, want := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Logf("cgroup limit not checked: %v", err)
			continue
		}
		if got := strings.TrimSpace(string(b)); got != want {
			t.Errorf("%s = %s, want %s", f, got, want)
		} else {
			t.Logf("kernel limit %s = %s", path.Base(f), got)
		}
	}
}

func TestNonRootUser(t *testing.T) {
	t.Parallel()
	vs, repo := setup(t)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			e := expectationFor(t, v)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			img, err := dockercli.InspectImage(ctx, v.Image(repo))
			if err != nil {
				t.Fatal(err)
			}
			user, _, _ := strings.Cut(img.Config.User, ":")
			configRoot := user == "" || user == "0" || user == "root"
			if configRoot != e.root {
				t.Errorf("image config User = %q; want root %v", img.Config.User, e.root)
			}
			if !e.root {
				// A numeric uid: Kubernetes' runAsNonRoot can verify it.
				if n, err := strconv.Atoi(user); err != nil || n == 0 {
					t.Errorf("image config User = %q, want a numeric non-zero uid", img.Config.User)
				}
			}

			id, _ := startHardened(t, v.Image(repo))
			// The kernel's view: real, effective, saved and filesystem uids.
			st := procStatus(t, id)
			uids, gids := strings.Fields(st["Uid"]), strings.Fields(st["Gid"])
			if len(uids) != 4 || len(gids) != 4 {
				t.Fatalf("/proc/PID/status Uid %q Gid %q", st["Uid"], st["Gid"])
			}
			for _, u := range uids {
				if (u == "0") != e.root || (!e.root && u != user) {
					t.Errorf("server process Uid = %s; want root %v (image User %q)", st["Uid"], e.root, img.Config.User)
					break
				}
			}
			if !e.root && slices.Contains(gids, "0") {
				t.Errorf("server process Gid = %s, want no root group", st["Gid"])
			}
			// The daemon's view, as docker top shows it.
			out, err := dockercli.Output(ctx, "top", id, "-o", "pid,uid,comm")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != 2 {
				t.Fatalf("docker top: want the server as the only process, got:\n%s", out)
			}
			if f := strings.Fields(lines[1]); len(f) < 2 || f[1] != uids[0] {
				t.Errorf("docker top uid %v, /proc says %s", f, uids[0])
			}
			t.Logf("image User %q; process Uid %s Gid %s; docker top: %s", img.Config.User, st["Uid"], st["Gid"], strings.Join(strings.Fields(lines[1]), " "))
		})
	}
}

// The distroless and scratch images must have no shell to exec into and no
// package manager; the first two, as a control, must have both.
func TestNoShellNoPackageManager(t *testing.T) {
	t.Parallel()
	vs, repo := setup(t)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			e := expectationFor(t, v)
			image := v.Image(repo)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			// No network at all: this container serves nothing.
			name := fmt.Sprintf("lgi-e2e-shell-%s-%d", v.Name, time.Now().UnixNano())
			t.Cleanup(func() { dockercli.Remove(name) })
			_, err := dockercli.Output(ctx, "run", "--rm", "--pull", "never", "--name", name,
				"--label", dockercli.ManagedLabel, "--network", "none",
				"--entrypoint", "/bin/sh", image, "-c", "true")
			if e.shell {
				if err != nil {
					t.Errorf("control: /bin/sh -c true in %s failed: %v", v.Name, err)
				}
			} else {
				var de *dockercli.Error
				var exit *exec.ExitError
				switch {
				case err == nil:
					t.Errorf("/bin/sh -c true ran in %s: the image has a shell", v.Name)
				case !errors.As(err, &de) || !strings.Contains(de.Stderr, "/bin/sh") ||
					!strings.Contains(strings.ToLower(de.Stderr), "no such file or directory"):
					t.Errorf("/bin/sh failed, but not because it is missing: %v", err)
				case !errors.As(err, &exit) || exit.ExitCode() != 127:
					t.Errorf("docker run --entrypoint /bin/sh exited %v, want 127 (command not found)", err)
				default:
					t.Logf("docker run --entrypoint /bin/sh: exit 127: %s", strings.TrimSpace(strings.SplitN(de.Stderr, "\n", 2)[0]))
				}
			}

			// The baseline's filesystem is close to a gigabyte; listing it
			// proves nothing the shell check above has not.
			if v.Name == "01-single-stage" {
				return
			}
			files, err := listFiles(ctx, image)
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, f := range files {
				switch path.Dir(f) {
				case "bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin":
				default:
					continue
				}
				switch path.Base(f) {
				case "sh", "bash", "dash", "ash", "busybox",
					"apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm":
					found = append(found, f)
				}
			}
			switch {
			case e.shell && !slices.Contains(found, "usr/bin/dpkg"):
				t.Errorf("control: no usr/bin/dpkg among %d files of %s (found %v): the listing is broken", len(files), v.Name, found)
			case !e.shell && len(found) > 0:
				t.Errorf("%s holds a shell or package manager: %v", v.Name, found)
			}
			t.Logf("%d files and links; shells and package managers: %v", len(files), found)
			if v.Name == "04-scratch-static" {
				var own []string
				for _, f := range files {
					switch f {
					case ".dockerenv", "dev/console", "etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab":
						// Added by Docker to every container, not part of the image.
					default:
						own = append(own, f)
					}
				}
				if len(own) != 1 || own[0] != "server" {
					t.Errorf("scratch image holds %v, want only server", own)
				}
			}
		})
	}
}

// listFiles returns the non-directory entries of image's filesystem, from
// docker export of a container that is created but never started.
func listFiles(ctx context.Context, image string) ([]string, error) {
	out, err := dockercli.Output(ctx, "create", "--pull", "never", "--label", dockercli.ManagedLabel, "--network", "none", image)
	if err != nil {
		return nil, dockercli.Diagnose(err)
	}
	id := strings.TrimSpace(string(out))
	defer dockercli.Remove(id)

	cmd := exec.CommandContext(ctx, dockercli.Bin, "export", id)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var files []string
	tr := tar.NewReader(stdout)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, fmt.Errorf("docker export %s: %v %s", image, err, strings.TrimSpace(stderr.String()))
		}
		if hdr.Typeflag != tar.TypeDir {
			files = append(files, strings.TrimPrefix(path.Clean(hdr.Name), "/"))
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("docker export %s: %v %s", image, err, strings.TrimSpace(stderr.String()))
	}
	return files, nil
}

// plainClient talks to the server with no proxy and no connection reuse.
var plainClient = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	Timeout:   10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// send sends one request and returns the answer and its body.
func send(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, string(body)
}

// TestAbuse runs abusive clients against every variant, on 127.0.0.1, then
// checks that the server still answers. The slowloris clients, which take
// ReadHeaderTimeout to be cut off, all start first and run alongside the
// other checks, so the test lasts about ReadHeaderTimeout however few
// tests -parallel lets run at once.
func TestAbuse(t *testing.T) {
	t.Parallel()
	vs, repo := setup(t)
	type target struct {
		id, url string
		slow    chan slowResult
	}
	targets := make([]target, len(vs))
	for i, v := range vs {
		id, url := startHardened(t, v.Image(repo))
		slow := make(chan slowResult, 1)
		go func() { slow <- slowloris(strings.TrimPrefix(url, "http://")) }()
		targets[i] = target{id, url, slow}
	}
	for i, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			id, url := targets[i].id, targets[i].url
			t.Run("OversizedHeaders", func(t *testing.T) {
				h := http.Header{"X-Big": {strings.Repeat("a", 64<<10)}}
				if resp, body := send(t, "GET", url+"/", h); resp.StatusCode != 431 {
					t.Errorf("64 KiB header: %s %q, want 431", resp.Status, body)
				}
			})
			t.Run("UnknownPaths", func(t *testing.T) {
				for _, p := range []string{"/nope", "/healthz/x", "/index.html", "/.env", "/server"} {
					if resp, body := send(t, "GET", url+p, nil); resp.StatusCode != 404 || body != "404 page not found\n" {
						t.Errorf("GET %s: %s %q, want 404", p, resp.Status, body)
					}
				}
			})
			t.Run("OtherMethods", func(t *testing.T) {
				for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
					resp, body := send(t, m, url+"/", nil)
					if resp.StatusCode != 405 {
						t.Errorf("%s /: %s %q, want 405", m, resp.Status, body)
					}
					if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
						t.Errorf("%s /: Allow %q, want \"GET, HEAD\"", m, allow)
					}
				}
				if resp, body := send(t, "HEAD", url+"/", nil); resp.StatusCode != 200 || body != "" {
					t.Errorf("HEAD /: %s %q, want 200 and no body", resp.Status, body)
				}
			})
			t.Run("ConcurrentConnections", func(t *testing.T) { concurrent(t, strings.TrimPrefix(url, "http://"), 200) })
			t.Run("Slowloris", func(t *testing.T) { checkSlowloris(t, <-targets[i].slow) })

			// Still serving, still the same container, never out of memory.
			if resp, body := send(t, "GET", url+"/", nil); resp.StatusCode != 200 || body != "Hello world!" {
				t.Errorf("GET / after the abuse: %s %q, want 200 Hello world!", resp.Status, body)
			}
			var st struct {
				Running      bool
				OOMKilled    bool
				RestartCount int
			}
			inspectContainer(t, id, "{{json .State}}", &st)
			if !st.Running || st.OOMKilled {
				t.Errorf("container state after the abuse: %+v", st)
			}
		})
	}
}

// TestHardeningUnderLoad runs the load generator against each variant in
// turn (not in parallel: the numbers would share the CPUs), under the same
// limits: no request may fail and the container may not run out of memory
// or processes. LGI_LOAD_DURATION sets each run's length (default 1s; the
// report uses load's default of 5s).
func TestHardeningUnderLoad(t *testing.T) {
	vs, repo := setup(t)
	d := time.Second
	if s := os.Getenv("LGI_LOAD_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatalf("LGI_LOAD_DURATION=%q: %v", s, err)
		}
	}
	var base float64
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			id, url := startHardened(t, v.Image(repo))
			ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
			defer cancel()
			res, err := load.Run(ctx, load.Options{URL: url + "/", Duration: d, Conns: load.DefaultConns})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 || res.Requests == 0 {
				t.Errorf("%d requests, %d errors (first: %s)", res.Requests, res.Errors, res.FirstError)
			}
			var st struct{ Running, OOMKilled bool }
			inspectContainer(t, id, "{{json .State}}", &st)
			if !st.Running || st.OOMKilled {
				t.Errorf("container state after the load: %+v", st)
			}
			if base == 0 {
				base = res.RequestsPerSec
			}
			t.Logf("%s; %.2fx the first variant", res, res.RequestsPerSec/base)
		})
	}
}

// slowResult is how a slowloris connection ended.
type slowResult struct {
	dialErr error
	after   time.Duration // from connecting to the server closing
	sent    int           // header bytes sent by then
	full    bool          // the whole request went out: not trickled long enough
	data    string        // whatever the server answered before closing
	err     error         // the read error that ended it (nil for a clean EOF)
}

// slowloris trickles a request's headers one byte every 250 ms and never
// finishes them, until the server closes the connection. Bounded: at most
// len(request) bytes, and the connection's own deadline ends everything
// ReadHeaderTimeout + 10 s after connecting.
func slowloris(addr string) slowResult {
	const every = 250 * time.Millisecond
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return slowResult{dialErr: err}
	}
	defer conn.Close()
	t0 := time.Now()
	conn.SetDeadline(t0.Add(serverReadHeaderTimeout + 10*time.Second))

	done := make(chan slowResult, 1)
	go func() {
		b, err := io.ReadAll(conn) // returns when the server closes the connection
		done <- slowResult{after: time.Since(t0), data: string(b), err: err}
	}()

	request := "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Slow: " + strings.Repeat("a", 200)
	tick := time.NewTicker(every)
	defer tick.Stop()
	sent := 0
	for {
		select {
		case r := <-done:
			r.sent, r.full = sent, sent == len(request)
			return r
		case <-tick.C:
			if sent < len(request) {
				if _, err := conn.Write([]byte{request[sent]}); err == nil {
					sent++
				}
			}
		}
	}
}

// checkSlowloris expects the server to have cut the connection off at its
// ReadHeaderTimeout: not much sooner, and not much later.
func checkSlowloris(t *testing.T, r slowResult) {
	t.Helper()
	const slack = 3 * time.Second
	if r.dialErr != nil {
		t.Fatal(r.dialErr)
	}
	var ne net.Error
	if errors.As(r.err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a slowloris connection open for %v (%d header bytes sent), past ReadHeaderTimeout %v", r.after.Round(time.Millisecond), r.sent, serverReadHeaderTimeout)
	}
	if r.after < serverReadHeaderTimeout-time.Second || r.after > serverReadHeaderTimeout+slack {
		t.Errorf("the server closed the slowloris connection after %v, want about ReadHeaderTimeout %v (+%v slack)", r.after.Round(time.Millisecond), serverReadHeaderTimeout, slack)
	}
	if r.full {
		t.Errorf("the whole request went out before the server closed the connection: the test did not trickle long enough")
	}
	first, _, _ := strings.Cut(r.data, "\r\n")
	t.Logf("cut off after %v and %d header bytes; answer %q; read error %v", r.after.Round(time.Millisecond), r.sent, first, r.err)
}

// concurrent opens n connections first, so that all of them are open at
// once, then sends one GET / on each and expects n answers of 200.
func concurrent(t *testing.T, addr string, n int) {
	deadline := time.Now().Add(15 * time.Second)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("opening connection %d of %d: %v", len(conns)+1, n, err)
		}
		c.SetDeadline(deadline)
		conns = append(conns, c)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok       int
		failures []string
	)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, err := getOn(c)
			mu.Lock()
			defer mu.Unlock()
			if err == nil && status == 200 {
				ok++
			} else if len(failures) < 5 {
				failures = append(failures, fmt.Sprintf("connection %d: status %d, %v", i, status, err))
			}
		}()
	}
	wg.Wait()
	if ok != n {
		t.Errorf("%d of %d concurrent connections answered 200; first failures: %s", ok, n, strings.Join(failures, "; "))
	}
	t.Logf("%d concurrent connections: %d answered 200", n, ok)
}

func getOn(c net.Conn) (int, error) {
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && string(body) != "Hello world!" {
		err = fmt.Errorf("body %q", body)
	}
	return resp.StatusCode, err
}

// docker stop sends SIGTERM and waits 10 s before SIGKILL. The server must
// shut down gracefully well before that, and exit 0.
func TestStopIsGraceful(t *testing.T) {
	t.Parallel()
	vs, repo := setup(t)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			id, _ := startHardened(t, v.Image(repo))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			t0 := time.Now()
			if _, err := dockercli.Output(ctx, "stop", "--time", "10", id); err != nil {
				t.Fatal(err)
			}
			took := time.Since(t0)
			var st struct {
				Running   bool
				ExitCode  int
				OOMKilled bool
				Error     string
			}
			inspectContainer(t, id, "{{json .State}}", &st)
			if took >= 2*time.Second {
				t.Errorf("docker stop took %v, want under 2s: SIGTERM is not handled (SIGKILL after 10s)", took.Round(time.Millisecond))
			}
			if st.Running || st.ExitCode != 0 || st.OOMKilled {
				t.Errorf("after docker stop: %+v, want exit code 0", st)
			}
			logs, _ := exec.CommandContext(ctx, dockercli.Bin, "logs", id).CombinedOutput()
			t.Logf("docker stop: %v, exit code %d; logs: %q", took.Round(time.Millisecond), st.ExitCode, strings.TrimSpace(string(logs)))
		})
	}
}
