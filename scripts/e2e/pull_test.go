//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// TestPullThroughMirror runs setup bases without OFFLINE, the path every
// attendee with a network takes, against a daemon whose registry-mirrors
// setting names LGI_MIRROR (for example http://127.0.0.1:5000, a registry
// that serves the docker.io bases). It removes the bases' tags, keeping each
// image under a tag of its own so that nothing is lost, and checks that:
//
//   - every docker.io base comes back, pulled through the mirror: the same
//     image, now with a registry digest;
//   - every other base (gcr.io's distroless, which no docker.io mirror
//     serves) gets one WARNING line and goes to scripts/offline-bases.sh,
//     here a stub that records its arguments.
//
// The cleanup puts every tag back. Without LGI_MIRROR the test skips: the
// daemon of a plain make e2e has no mirror.
func TestPullThroughMirror(t *testing.T) {
	mirror := strings.TrimSuffix(os.Getenv("LGI_MIRROR"), "/")
	if mirror == "" {
		t.Skip("set LGI_MIRROR to the registry mirror the daemon uses, e.g. LGI_MIRROR=http://127.0.0.1:5000")
	}
	te := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := dockercli.Output(ctx, "info", "--format", "{{json .RegistryConfig.Mirrors}}")
	var mirrors []string
	if err != nil || json.Unmarshal(out, &mirrors) != nil {
		t.Fatalf("docker info: %v: %s", err, out)
	}
	if !slices.ContainsFunc(mirrors, func(m string) bool { return strings.TrimSuffix(m, "/") == mirror }) {
		t.Fatalf("the daemon's registry-mirrors are %q, not %s: set it in daemon.json and restart dockerd", mirrors, mirror)
	}

	bases := mustBases(t, te.root, te.vs)
	ids := map[string]string{}
	for i, ref := range bases {
		img, err := dockercli.InspectImage(ctx, ref)
		if err != nil {
			t.Fatalf("%v: run make bases first", err)
		}
		ids[ref] = img.ID
		keep := "lgi-pull-test-keep:" + string(rune('a'+i))
		docker(t, ctx, "tag", ref, keep)
		t.Cleanup(func() {
			if _, err := dockercli.InspectImage(context.Background(), ref); err != nil {
				docker(t, context.Background(), "tag", keep, ref)
			}
			docker(t, context.Background(), "rmi", keep)
		})
		// Only the references go, the tag and any registry digest: the keep
		// tag holds the image. A digest afterwards proves a pull.
		for _, r := range append(img.RepoDigests, ref) {
			docker(t, ctx, "rmi", r)
		}
	}

	dir := copyRepo(t, te.root, mustAbs(t, "testdata"))
	record := filepath.Join(t.TempDir(), "offline-bases")
	stub := "#!/bin/sh\necho \"$*\" >\"" + record + "\"\n"
	if err := os.WriteFile(filepath.Join(dir, "scripts", "offline-bases.sh"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	setupBin := filepath.Join(t.TempDir(), "setup")
	build := exec.Command("go", "build", "-o", setupBin, "./scripts/setup")
	build.Dir = te.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./scripts/setup: %v\n%s", err, out)
	}
	cmd := exec.CommandContext(ctx, setupBin, "bases")
	cmd.Dir, cmd.Env = dir, append(cleanEnv(), "OFFLINE=", "PULL_TIMEOUT=3m")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("setup bases: %v\nstdout:\n%s\nstderr:\n%s", err, indent(stdout.String()), indent(stderr.String()))
	}
	t.Logf("setup bases said:\n%s\n%s", indent(stdout.String()), indent(stderr.String()))

	var fellBack []string
	for _, ref := range bases {
		if host, _, ok := strings.Cut(ref, "/"); ok && strings.ContainsAny(host, ".:") {
			fellBack = append(fellBack, ref) // not on docker.io: no docker.io mirror serves it
			continue
		}
		img, err := dockercli.InspectImage(ctx, ref)
		switch {
		case err != nil:
			t.Errorf("%s was not pulled back: %v", ref, err)
		case img.ID != ids[ref] || len(img.RepoDigests) == 0:
			t.Errorf("%s: ID %.19s, digests %q; want the image the mirror serves, %.19s, with a registry digest", ref, img.ID, img.RepoDigests, ids[ref])
		default:
			t.Logf("%s: pulled through %s (%s)", ref, mirror, img.RepoDigests[0])
		}
	}
	var want []string
	for _, ref := range fellBack {
		want = append(want, "setup: WARNING: could not pull "+ref+" (")
	}
	got := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(got) != len(want) {
		t.Errorf("stderr has %d lines, want %d WARNING lines, one per base that falls back: %q", len(got), len(want), got)
	}
	for i := range min(len(got), len(want)) {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("stderr line %q, want it to start with %q", got[i], want[i])
		}
	}
	if b, _ := os.ReadFile(record); strings.TrimSpace(string(b)) != strings.Join(fellBack, " ") {
		t.Errorf("scripts/offline-bases.sh ran with %q, want %q", strings.TrimSpace(string(b)), strings.Join(fellBack, " "))
	}
}

func docker(t *testing.T, ctx context.Context, args ...string) {
	t.Helper()
	if _, err := dockercli.Output(ctx, args...); err != nil {
		t.Error(err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
