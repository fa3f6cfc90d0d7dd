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
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/hardening"
	"lean-go-images/scripts/internal/variants"
)

// lockedDown are the docker run flags every variant must serve with.
var lockedDown = hardening.LockedDown

// setup checks Docker and returns the variants and the image repository.
func setup(t *testing.T) ([]variants.Variant, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := dockercli.Check(ctx); err != nil {
		t.Fatal(err)
	}
	root, err := variants.Root()
	if err != nil {
		t.Fatal(err)
	}
	vs, err := variants.Find(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	repo := os.Getenv("IMAGE")
	if repo == "" {
		repo = "lean-go-images"
	}
	for _, v := range vs {
		if _, err := dockercli.InspectImage(ctx, v.Image(repo)); err != nil {
			t.Fatalf("%s: %v: run make all", v.Name, err)
		}
	}
	return vs, repo
}

// start runs image locked down on a free loopback port and returns the
// container ID and the server's base URL. The container is removed when the
// test ends, whether it passed or not.
func start(t *testing.T, image string, extra ...string) (string, string) {
	t.Helper()
	port, err := dockercli.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append(append([]string{}, lockedDown...), extra...)
	id, err := dockercli.Run(ctx, dockercli.RunOptions{Image: image, Port: port, Args: args})
	if id != "" {
		t.Cleanup(func() { dockercli.Remove(id) })
	}
	if err != nil {
		t.Fatal(err)
	}
	return id, "http://127.0.0.1:" + strconv.Itoa(port)
}

func TestServesLockedDownAndHealthy(t *testing.T) {
	vs, repo := setup(t)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			// A 1 s interval runs the image's own HEALTHCHECK command sooner
			// than its 10 s default, so the test does not wait for it.
			id, url := start(t, v.Image(repo), "--health-interval", "1s")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			body, err := dockercli.WaitHTTP(ctx, url+"/")
			if err != nil {
				t.Fatalf("GET /: %v", err)
			}
			if body != "Hello world!" {
				t.Errorf("GET / = %q, want %q", body, "Hello world!")
			}
			t.Logf("GET / -> %q", body)
			if err := waitHealthy(ctx, id); err != nil {
				t.Fatal(err)
			}
		})
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

func TestSizesShrinkToTheBinary(t *testing.T) {
	vs, repo := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var prev int64
	var last dockercli.Image
	for i, v := range vs {
		img, err := dockercli.InspectImage(ctx, v.Image(repo))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-18s %10d bytes", v.Name, img.Size)
		if i > 0 && img.Size >= prev {
			t.Errorf("%s is %d bytes, not smaller than the step before (%d bytes)", v.Name, img.Size, prev)
		}
		prev, last = img.Size, img
	}

	// The last step's image must be its binary and nothing else of note.
	final := vs[len(vs)-1]
	if len(last.Config.Entrypoint) == 0 {
		t.Fatalf("%s has no ENTRYPOINT", final.Name)
	}
	bin, err := dockercli.FileSize(ctx, final.Image(repo), last.Config.Entrypoint[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s binary %s: %d bytes", final.Name, last.Config.Entrypoint[0], bin)
	if bin > 6_000_000 {
		t.Errorf("%s binary is %d bytes, want at most 6 MB", final.Name, bin)
	}
	if over := float64(last.Size-bin) / float64(bin); over < 0 || over > 0.01 {
		t.Errorf("%s image is %d bytes, binary %d: %.2f%% over, want within 1%%", final.Name, last.Size, bin, 100*over)
	}
}
