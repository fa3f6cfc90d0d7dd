//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// TestBudget: step 4 built without -ldflags="-s -w" (its symbols and debug
// information kept) breaks its size budget, with a line that names the
// step, the figure and the limit. That the images as built are within their
// budgets, make test checks with make budget.
func TestBudget(t *testing.T) {
	engineIndependent(t)
	e := newReportEnv(t)
	step := "04-scratch-static"
	dockerfile, err := os.ReadFile(filepath.Join(e.root, step, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	// The go build line's flags, not the comment that explains them.
	unstripped := strings.Replace(string(dockerfile), ` -ldflags="-s -w" -o `, " -o ", 1)
	if unstripped == string(dockerfile) {
		t.Fatalf("%s/Dockerfile has no -ldflags=\"-s -w\" to undo", step)
	}
	path := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(path, []byte(unstripped), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	over := reportEnv{testEnv: e.testEnv, dive: e.dive, hadolint: e.hadolint, bin: e.bin}
	over.repo = "lgi-e2e-budget"
	image := over.repo + ":" + step
	build := exec.CommandContext(ctx, dockercli.Bin, "buildx", "build", "--load", "--network=none", "-f", path, "-t", image, ".")
	build.Dir = e.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s without -s -w: %v\n%s", image, err, tail(string(out), 10))
	}
	t.Cleanup(func() { dockercli.Output(context.Background(), "image", "rm", image) })
	code, out, _ := over.run(t, t.TempDir(), step, "-budget")
	want := step + ": size "
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "is over its budget of 6.00 MB (size-budgets.txt)") {
		t.Fatalf("make budget on %s: exit %d\n%s\nwant exit 1 and a line with %q", image, code, out, want)
	}
	t.Logf("%s", strings.TrimSpace(out))
	checkOutput(t, e.root, "budget-unstripped", out)
}
