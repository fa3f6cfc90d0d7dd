//go:build e2e

// Package e2e tests the workshop's real images end to end: it runs each one
// locked down, talks to it on 127.0.0.1 only, and checks the size promises.
//
// Run it with make e2e (which builds the images first), or:
//
//	go test -tags e2e ./scripts/e2e/
//
// It fails, rather than skips, when Docker is missing: a green run must mean
// the images were really tested.
package e2e

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/archive"
	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/hardening"
	"lean-go-images/scripts/internal/steps"
)

// TestMain runs the tests, then removes what they shared (sharedDir: the
// report binary).
func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// engineIndependent skips t under -short: its outcome does not depend on
// the Docker engine, so .ci/run runs it on one engine of its three.
func engineIndependent(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the outcome does not depend on the engine")
	}
}

// testEnv is what every e2e test runs against: the repository, the image
// repository (IMAGE, lean-go-images by default), the steps, and their
// images as docker image inspect saw them, by step name.
type testEnv struct {
	root   string
	repo   string
	vs     []steps.Step
	imgs   map[string]dockercli.Image
	engine dockercli.Engine
	// nativeDiff is false when the classic store's overlay2 diffs layers
	// without the kernel's help (rootless Docker, some kernels): docker
	// image inspect and docker history then count regular files only, not
	// the symlinks' targets that the layer sizes include.
	nativeDiff bool
}

// setup checks Docker, finds the repository and its steps, and inspects
// every step's image. It fails, not skips, when Docker or an image is
// missing.
func setup(t *testing.T) testEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := dockercli.Check(ctx); err != nil {
		t.Fatal(err)
	}
	engine, err := dockercli.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, err := steps.Root()
	if err != nil {
		t.Fatal(err)
	}
	vs, err := steps.Find(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	e := testEnv{root: root, repo: os.Getenv("IMAGE"), vs: vs, imgs: map[string]dockercli.Image{}, engine: engine, nativeDiff: true}
	out, err := dockercli.Output(ctx, "info", "--format", "{{json .DriverStatus}}")
	if err != nil {
		t.Fatal(err)
	}
	var status [][2]string
	if err := json.Unmarshal(out, &status); err != nil {
		t.Fatalf("docker info's DriverStatus %s: %v", out, err)
	}
	for _, kv := range status {
		e.nativeDiff = e.nativeDiff && kv != [2]string{"Native Overlay Diff", "false"}
	}
	if e.repo == "" {
		e.repo = "lean-go-images"
	}
	for _, v := range vs {
		img, err := dockercli.InspectImage(ctx, v.Image(e.repo))
		if err != nil {
			t.Fatalf("%s: %v: run make all", v.Name, err)
		}
		e.imgs[v.Name] = img
	}
	return e
}

// inspectSize is the Size that docker image inspect gives img on the
// classic image store: its layers' sizes, less the symlinks' targets
// without native diff.
func (e testEnv) inspectSize(img *archive.Image) int64 {
	n := img.Size()
	for _, l := range img.Layers {
		for _, f := range l.Files {
			if !e.nativeDiff && f.Type == tar.TypeSymlink {
				n -= int64(len(f.LinkName))
			}
		}
	}
	return n
}

// eachStep runs f on every step, each in a parallel subtest, after
// setup has checked Docker and the images.
func eachStep(t *testing.T, f func(t *testing.T, te testEnv, v steps.Step)) {
	t.Helper()
	te := setup(t)
	for _, v := range te.vs {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			f(t, te, v)
		})
	}
}

func TestServesLockedDownAndHealthy(t *testing.T) {
	eachStep(t, func(t *testing.T, te testEnv, v steps.Step) {
		// startHardened waits for GET / to answer Hello world!, locked
		// down (hardening.LockedDown) and limited. A 1 s interval runs the
		// image's own HEALTHCHECK command sooner than its 10 s default,
		// so the test does not wait for it.
		c := startHardened(t, v.Image(te.repo), "--health-interval", "1s")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		checkLockedDown(t, ctx, c.Name)
		if err := waitHealthy(ctx, c.Name); err != nil {
			t.Fatal(err)
		}
		t.Logf("Docker health status: healthy")
	})
}

// checkLockedDown checks that the container runs locked down: the flags
// hardening.Start passes begin with --read-only --cap-drop ALL
// --security-opt no-new-privileges, and docker inspect finds them applied.
func checkLockedDown(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	want := []string{"--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"}
	if flags := hardening.Flags(); len(flags) < len(want) || !slices.Equal(flags[:len(want)], want) {
		t.Errorf("hardening.Flags() = %q, want it to start with %q", flags, want)
	}
	out, err := dockercli.Output(ctx, "inspect", "--format", "{{json .HostConfig}}", id)
	if err != nil {
		t.Fatal(err)
	}
	var hc hardening.HostConfig
	if err := json.Unmarshal(out, &hc); err != nil {
		t.Fatalf("docker inspect: %v: %s", err, out)
	}
	if !hc.ReadonlyRootfs || !slices.Equal(hc.CapDrop, []string{"ALL"}) || !slices.Contains(hc.SecurityOpt, "no-new-privileges") {
		t.Errorf("container host config: read-only %v, cap drop %q, security options %q; want true, [ALL], no-new-privileges",
			hc.ReadonlyRootfs, hc.CapDrop, hc.SecurityOpt)
	}
}

// waitHealthy polls the container's Docker health status until it is healthy.
func waitHealthy(ctx context.Context, id string) error {
	var status string
	for {
		out, err := dockercli.Output(ctx, "inspect", "--format", "{{.State.Health.Status}}", id)
		if err != nil {
			return err
		}
		status = strings.TrimSpace(string(out))
		switch status {
		case "healthy":
			return nil
		case "unhealthy":
			log, _ := dockercli.Output(context.Background(), "inspect", "--format", "{{json .State.Health.Log}}", id)
			return fmt.Errorf("container became unhealthy: %s", log)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("health status still %q: %v", status, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestSizesShrinkToTheBinary: each step's image is smaller than the one
// before, and the last one is its binary and nothing else of note. Sizes are
// the sum of the layers read from docker save, the figure the report uses;
// on the classic image store it must equal docker image inspect's, and each
// layer's docker history's.
func TestSizesShrinkToTheBinary(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var prev int64
	var last *archive.Image
	for i, v := range e.vs {
		img, err := archive.Save(ctx, v.Image(e.repo), "", false)
		if err != nil {
			t.Fatal(err)
		}
		inspect := e.imgs[v.Name]
		t.Logf("%-18s %10d bytes (%s image store: docker image inspect says %d)", v.Name, img.Size(), e.engine.ImageStore, inspect.Size)
		if want := e.inspectSize(img); e.engine.ImageStore == "classic" && inspect.Size != want {
			t.Errorf("%s: the layers sum to %d bytes, docker image inspect says %d, want %d", v.Name, img.Size(), inspect.Size, want)
		}
		if i > 0 && img.Size() >= prev {
			t.Errorf("%s is %d bytes, not smaller than the step before (%d bytes)", v.Name, img.Size(), prev)
		}
		prev, last = img.Size(), img
	}
	final := e.vs[len(e.vs)-1]
	ep := last.Config.Config.Entrypoint
	if len(ep) == 0 {
		t.Fatalf("%s has no ENTRYPOINT", final.Name)
	}
	n, path := last.FS().Resolve(ep[0])
	if n == nil || !n.Regular() {
		t.Fatalf("%s: the entrypoint %s is not a file in the image", final.Name, ep[0])
	}
	t.Logf("%s binary %s: %d bytes", final.Name, path, n.Size)
	if n.Size > 6_000_000 {
		t.Errorf("%s binary is %d bytes, want at most 6 MB", final.Name, n.Size)
	}
	if over := float64(last.Size()-n.Size) / float64(n.Size); over < 0 || over > 0.01 {
		t.Errorf("%s image is %d bytes, binary %d: %.2f%% over, want within 1%%", final.Name, last.Size(), n.Size, 100*over)
	}
}
