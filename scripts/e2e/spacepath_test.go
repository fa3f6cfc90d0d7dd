//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSpacePath runs make help, make all, make report and make clean from a
// copy of the repository whose path has a space in it, as a checkout under
// WSL (/mnt/c/Users/First Last/...) or in iCloud Drive on a Mac has.
//
// make all and make report run for real, on images tagged lgi-space-path,
// so that the images other tests and people use keep their tags. make clean
// does not: it removes every image labelled lean-go-images.step on the
// daemon, and so it runs against a recording fake docker
// (../setup/testdata/fake-docker). The test checks what it asked docker to
// remove, and that a failing docker rmi fails the target.
func TestSpacePath(t *testing.T) {
	engineIndependent(t)
	te := setup(t)
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "First Last", "lean-go-images")
	copyRepoTo(t, te.root, testdata, dir)
	// The pinned tools and the report's cache, if the repository has them,
	// spare this copy a go install and a gzip of every layer.
	for _, name := range []string{"bin/dive", "bin/hadolint", ".cache"} {
		if _, err := os.Stat(filepath.Join(te.root, name)); err == nil {
			os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
			if err := os.Symlink(filepath.Join(te.root, name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	const image = "lgi-space-path"
	t.Cleanup(func() {
		for _, v := range te.vs {
			exec.Command("docker", "rmi", v.Image(image)).Run() // only this test's tags
		}
	})
	make := func(t *testing.T, env []string, args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "make", args...)
		cmd.Dir, cmd.Env = dir, append(cleanEnv(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	t.Run("help", func(t *testing.T) {
		out, err := make(t, nil, "help")
		if err != nil || !strings.Contains(out, "prepare") || !strings.Contains(out, "Steps: "+te.vs[0].Name) {
			t.Fatalf("make help: %v\n%s", err, out)
		}
	})
	t.Run("all and report", func(t *testing.T) {
		for _, target := range []string{"all", "report"} {
			out, err := make(t, nil, target, "IMAGE="+image)
			if err != nil {
				t.Fatalf("make %s IMAGE=%s in %q: %v\n%s", target, image, dir, err, tail(out, 30))
			}
		}
		results, err := os.ReadFile(filepath.Join(dir, "RESULTS.md"))
		if err != nil || !strings.Contains(string(results), image+":"+te.vs[0].Name) {
			t.Errorf("RESULTS.md of the copy does not name %s:%s (%v)", image, te.vs[0].Name, err)
		}
	})
	t.Run("clean", func(t *testing.T) {
		state := t.TempDir()
		fake := []string{"DOCKER=" + filepath.Join(te.root, "scripts/setup/testdata/fake-docker"), "FAKE_STATE=" + state}
		for name, text := range map[string]string{"containers": "c1\n", "steps": "i1\ni2\ni1\n"} {
			if err := os.WriteFile(filepath.Join(state, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out, err := make(t, fake, "clean")
		if err != nil || !strings.Contains(out, "removed 1 container(s)") || !strings.Contains(out, "removed 2 image(s)") {
			t.Fatalf("make clean: %v\n%s", err, out)
		}
		calls, _ := os.ReadFile(filepath.Join(state, "calls"))
		for _, want := range []string{"rm -f c1", "rmi -f i1 i2"} {
			if !slices.Contains(strings.Split(string(calls), "\n"), want) {
				t.Errorf("make clean did not run docker %s; it ran:\n%s", want, calls)
			}
		}
		// A failing docker rmi fails make clean, under any make and shell.
		os.WriteFile(filepath.Join(state, "fail-rmi"), []byte("Error response from daemon: conflict: unable to delete i1 (must be forced)\n"), 0o644)
		out, err = make(t, fake, "clean")
		if err == nil || !strings.Contains(out, "setup: docker rmi -f i1 i2: Error response from daemon: conflict") {
			t.Errorf("make clean with a failing docker rmi: %v, want a failure that says why\n%s", err, out)
		}
		t.Logf("make clean with a failing docker rmi says: %s", strings.TrimSpace(tail(out, 2)))
	})
}
