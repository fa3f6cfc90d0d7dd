//go:build e2e

// Hardening tests: every step runs under tight limits, the slim ones as a
// non-root user with no shell, survives abusive clients and a short load run
// on 127.0.0.1, and stops cleanly on SIGTERM. The checks themselves live in
// scripts/internal/hardening, which make report runs too; these tests hold
// each step to them. Each top-level test runs the steps in parallel
// (and in parallel with the other hardening tests); every abusive loop is
// bounded in count and in time.
//
//	go test -count=1 -tags e2e -run 'Hardening|Abuse|Stop|Shell|NonRoot' -v ./scripts/e2e/
package e2e

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/archive"
	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/hardening"
	"lean-go-images/scripts/internal/load"
	"lean-go-images/scripts/internal/steps"
)

// expectation is what the hardening tests expect of one step.
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

func expectationFor(t *testing.T, v steps.Step) expectation {
	t.Helper()
	e, ok := expected[v.Name]
	if !ok {
		t.Fatalf("no hardening expectations for step %s: add it to expected in scripts/e2e/hardening_test.go", v.Name)
	}
	return e
}

// startHardened starts image with hardening.Flags (locked down and
// limited) and any extra docker run flags, waits until GET / answers
// Hello world!, and returns the container. It is removed when the test
// ends, whether it passed or not.
func startHardened(t *testing.T, image string, extra ...string) dockercli.Container {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, serves := hardening.Start(ctx, image, 20*time.Second, extra...)
	if c.Name != "" {
		t.Cleanup(func() { dockercli.Remove(c.Name) })
	}
	if !serves.OK {
		t.Fatalf("with %s: %s", strings.Join(slices.Concat(hardening.Flags(), extra), " "), serves.Detail)
	}
	t.Logf("%s: %s", serves.Name, serves.Detail)
	return c
}

// expect fails the test with a check's detail unless it passed, and logs
// the evidence when it did.
func expect(t *testing.T, c hardening.Check) {
	t.Helper()
	if !c.OK {
		t.Errorf("%s: %s", c.Name, c.Detail)
		return
	}
	t.Logf("%s: %s", c.Name, c.Detail)
}

func TestHardeningServesUnderLimits(t *testing.T) {
	t.Parallel()
	eachStep(t, func(t *testing.T, te testEnv, v steps.Step) {
		e := expectationFor(t, v)
		c := startHardened(t, v.Image(te.repo))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		// The configuration, what the engine enforces and, when the daemon
		// runs here, what the kernel shows. An engine without cgroups
		// cannot enforce the limits: the check says so, and that is not
		// the image's failure.
		obs, err := hardening.Observe(ctx, te.engine, c.Name)
		if err != nil {
			t.Fatal(err)
		}
		o := obs[0]
		limits := hardening.Limits(o)
		if !te.engine.Limits && limits.Unenforced {
			t.Logf("%s: %s", limits.Name, limits.Detail)
		} else {
			expect(t, limits)
		}

		// The root filesystem really is read-only (only a step with a
		// shell has a program to try writing with).
		if e.shell {
			_, err = dockercli.Output(ctx, "exec", c.Name, "touch", "/written-by-e2e")
			var de *dockercli.Error
			if !errors.As(err, &de) || !strings.Contains(de.Stderr, "Read-only file system") {
				t.Errorf("writing to / in the container: %v, want Read-only file system", err)
			}
		}
	})
}

func TestNonRootUser(t *testing.T) {
	t.Parallel()
	eachStep(t, func(t *testing.T, te testEnv, v steps.Step) {
		e := expectationFor(t, v)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		img := te.imgs[v.Name]
		user, _, _ := strings.Cut(img.Config.User, ":")
		if configRoot := user == "" || user == "0" || user == "root"; configRoot != e.root {
			t.Errorf("image config User = %q; want root %v", img.Config.User, e.root)
		}

		c := startHardened(t, v.Image(te.repo))
		// The daemon's view (docker top) and, when the daemon runs here,
		// the kernel's (real, effective, saved and filesystem uids, mapped
		// back through a rootless engine's user namespace): they must agree.
		obs, err := hardening.Observe(ctx, te.engine, c.Name)
		if err != nil {
			t.Fatal(err)
		}
		o := obs[0]
		nonRoot := hardening.NonRoot(o, img.Config.User)
		if e.root {
			if nonRoot.OK || !strings.HasPrefix(nonRoot.Detail, "runs as root") {
				t.Errorf("the server does not run as root: %s", nonRoot.Detail)
			}
		} else {
			expect(t, nonRoot)
		}
		if o.Kernel == nil {
			t.Logf("kernel's view not read: %s", o.NoKernel)
		}
		t.Logf("image User %q; %s", img.Config.User, nonRoot.Detail)
	})
}

// The distroless and scratch images must have no shell to exec into and no
// package manager; the first two, as a control, must have both.
func TestNoShellNoPackageManager(t *testing.T) {
	t.Parallel()
	eachStep(t, func(t *testing.T, te testEnv, v steps.Step) {
		e := expectationFor(t, v)
		image := v.Image(te.repo)
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
		img, err := archive.Save(ctx, image, "", false)
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		img.FS().Walk(func(p string, n *archive.Node) {
			if n.Type != tar.TypeDir {
				files = append(files, p)
			}
		})
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
			if len(files) != 1 || files[0] != "server" {
				t.Errorf("scratch image holds %v, want only server", files)
			}
		}
	})
}

// TestAbuse runs abusive clients against every step, on 127.0.0.1, then
// checks that the server still answers. The slowloris clients, which take
// ReadHeaderTimeout to be cut off, all start first and run alongside the
// other checks, so the test lasts about ReadHeaderTimeout however few
// tests -parallel lets run at once.
func TestAbuse(t *testing.T) {
	t.Parallel()
	te := setup(t)
	vs, repo := te.vs, te.repo
	type target struct {
		c    dockercli.Container
		slow chan hardening.SlowResult
	}
	ctx := context.Background()
	targets := make([]target, len(vs))
	for i, v := range vs {
		c := startHardened(t, v.Image(repo))
		slow := make(chan hardening.SlowResult, 1)
		go func() { slow <- hardening.Slowloris(ctx, c.URL) }()
		targets[i] = target{c, slow}
	}
	for i, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			c := targets[i].c
			t.Run("OversizedHeaders", func(t *testing.T) { expect(t, hardening.OversizedHeaders(ctx, c.URL)) })
			t.Run("UnknownPaths", func(t *testing.T) { expect(t, hardening.UnknownPaths(ctx, c.URL)) })
			t.Run("OtherMethods", func(t *testing.T) { expect(t, hardening.OtherMethods(ctx, c.URL)) })
			t.Run("ConcurrentConnections", func(t *testing.T) {
				expect(t, hardening.Concurrent(ctx, c.URL, hardening.ConcurrentConns))
			})
			t.Run("Slowloris", func(t *testing.T) {
				expect(t, (<-targets[i].slow).Check(hardening.ReadHeaderTimeout))
			})
			// Still serving, still the same container, never out of memory.
			expect(t, hardening.Survived(ctx, c.Name, c.URL))
		})
	}
}

// TestHardeningUnderLoad runs the load generator against each step in
// turn (not in parallel: the numbers would share the CPUs), under the same
// limits: no request may fail and the container may not run out of memory
// or processes. LGI_LOAD_DURATION sets each run's length (default 1s; make
// report runs its own, interleaved, load rounds).
func TestHardeningUnderLoad(t *testing.T) {
	te := setup(t)
	vs, repo := te.vs, te.repo
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
			c := startHardened(t, v.Image(repo))
			ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
			defer cancel()
			res, err := load.Run(ctx, load.Options{URL: c.URL + "/", Duration: d, Conns: load.DefaultConns})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 || res.Requests == 0 {
				t.Errorf("%d requests, %d errors (first: %s)", res.Requests, res.Errors, res.FirstError)
			}
			st, err := hardening.InspectState(ctx, c.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Running || st.OOMKilled {
				t.Errorf("container state after the load: %+v", st)
			}
			if base == 0 {
				base = res.RequestsPerSec
			}
			t.Logf("%s; %.2fx the first step", res, res.RequestsPerSec/base)
		})
	}
}

// docker stop sends SIGTERM and waits 10 s before SIGKILL. The server must
// shut down gracefully well before that, and exit 0.
func TestStopIsGraceful(t *testing.T) {
	t.Parallel()
	eachStep(t, func(t *testing.T, te testEnv, v steps.Step) {
		c := startHardened(t, v.Image(te.repo))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		expect(t, hardening.Stop(ctx, c.Name))
		t.Logf("logs: %s", dockercli.Logs(c.Name, 0))
	})
}
