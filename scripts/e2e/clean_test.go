//go:build e2e

package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// TestCleanRemovesLeftoverContainers leaves behind a container as a crashed
// run would, and checks that make clean-containers (which make clean runs)
// removes it, and only it: a container without the tooling's label stays.
func TestCleanRemovesLeftoverContainers(t *testing.T) {
	te := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	image := te.vs[len(te.vs)-1].Image(te.repo)
	create := func(labels ...string) string {
		args := []string{"create", "--pull", "never"}
		for _, l := range labels {
			args = append(args, "--label", l)
		}
		out, err := dockercli.Output(ctx, append(args, image)...)
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimSpace(string(out))
		t.Cleanup(func() { dockercli.Remove(id) })
		return id
	}
	leftover := create(dockercli.ManagedLabel)
	someoneElses := create("lean-go-images.test=not-managed")

	cmd := exec.CommandContext(ctx, "make", "clean-containers")
	cmd.Dir = te.root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make clean-containers: %v\n%s", err, out)
	}
	t.Logf("make clean-containers: %s", strings.TrimSpace(string(out)))
	if exists(ctx, t, leftover) {
		t.Errorf("the labelled leftover container %.12s is still there", leftover)
	}
	if !exists(ctx, t, someoneElses) {
		t.Errorf("make clean-containers removed %.12s, a container without the tooling's label", someoneElses)
	}
}

// exists reports whether a container with this ID exists.
func exists(ctx context.Context, t *testing.T, id string) bool {
	t.Helper()
	out, err := dockercli.Output(ctx, "ps", "-aq", "--no-trunc", "--filter", "id="+id)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out)) != ""
}
