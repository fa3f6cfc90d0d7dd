//go:build e2e

package e2e

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// otherArch is the architecture the cross-platform exercise builds for on
// each architecture: the other of the two that laptops and servers run.
var otherArch = map[string]string{"amd64": "arm64", "arm64": "amd64"}

// TestCrossPlatform runs the lessons' cross-platform exercise: make builds
// step 4 for the other architecture (Go cross-compiles, so no emulator is
// needed), docker image inspect says so, and the image fails to start here
// with exec format error. It also builds the native platform explicitly,
// which must give the very binary make all built.
func TestCrossPlatform(t *testing.T) {
	te := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := dockercli.Output(ctx, "version", "--format", "{{.Server.Os}}/{{.Server.Arch}}")
	if err != nil {
		t.Fatal(err)
	}
	native := strings.TrimSpace(string(out))
	goos, arch, _ := strings.Cut(native, "/")
	other, ok := otherArch[arch]
	if !ok {
		t.Skipf("the exercise builds amd64 on arm64 and arm64 on amd64; this daemon is %s", native)
	}
	const step = "04-scratch-static"
	made := te.imgs[step]

	build := func(repo, platform string) dockercli.Image {
		t.Helper()
		ref := repo + ":" + step
		t.Cleanup(func() { dockercli.Output(context.Background(), "image", "rm", ref) })
		start := time.Now()
		cmd := exec.CommandContext(ctx, "make", "build-"+step, "IMAGE="+repo, "PLATFORM="+platform)
		cmd.Dir = te.root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make build-%s PLATFORM=%s: %v\n%s", step, platform, err, tail(string(out), 20))
		}
		img, err := dockercli.InspectImage(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s for %s: built in %.1f s, %d bytes", ref, platform, time.Since(start).Seconds(), img.Size)
		return img
	}

	// The native platform, named: the same binary, byte for byte. (Not
	// always the same image ID: a build that misses BuildKit's cache gives
	// the file a new modification time.)
	build(te.repo+"-native", native)
	want, err := fileDigest(ctx, made.ID, "/server")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := fileDigest(ctx, te.repo+"-native:"+step, "/server"); err != nil {
		t.Fatal(err)
	} else if got != want {
		t.Errorf("PLATFORM=%s built a /server with SHA-256 %s, make all one with %s: a native build must not change", native, got, want)
	}

	cross := te.repo + "-cross"
	img := build(cross, goos+"/"+other)
	// What the lesson shows, with the image named as there (IMAGE=try) and,
	// on an arm64 machine, the two architectures swapped back: the lesson
	// was captured on amd64.
	present := func(s string) string {
		s = strings.ReplaceAll(s, cross+":", "try:")
		if arch == "arm64" {
			s = strings.NewReplacer("arm64", "amd64", "amd64", "arm64").Replace(s)
		}
		return s
	}
	arch2, err := dockercli.Output(ctx, "image", "inspect", "--format", "{{.Architecture}}", img.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(arch2)); got != other {
		t.Fatalf("PLATFORM=%s/%s built an image for %s", goos, other, got)
	}
	checkOutput(t, te.root, "platform-inspect", present(string(arch2)))

	// Run it, as the lesson does; docker run fails, and prints why.
	run := exec.CommandContext(ctx, "docker", "run", "--rm", "--pull", "never", "--label", dockercli.ManagedLabel, cross+":"+step)
	got, err := run.CombinedOutput()
	if err == nil || !strings.Contains(string(got), "exec format error") {
		t.Fatalf("docker run %s:%s: %v, output:\n%s\nwant it to fail with exec format error (is an emulator for %s installed? see binfmt_misc)", cross, step, err, got, other)
	}
	// Newer engines may name the host's platform with its variant (linux/amd64/v3).
	host := normalizer{re: regexp.MustCompile(`detected host platform \([^)]*\)`), repl: "detected host platform (HOST)"}
	checkOutput(t, te.root, "platform-run", present(string(got)), host)
}

// fileDigest returns the SHA-256 of the file at path in image, copied out of
// a container created, not started, from it.
func fileDigest(ctx context.Context, image, path string) (string, error) {
	out, err := dockercli.Output(ctx, "create", "--pull", "never", "--label", dockercli.ManagedLabel, image)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(out))
	defer dockercli.Remove(id)
	cmd := exec.CommandContext(ctx, "docker", "cp", id+":"+path, "-")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer cmd.Wait()
	tr := tar.NewReader(stdout)
	if _, err := tr.Next(); err != nil {
		return "", fmt.Errorf("docker cp %s:%s: %v", image, path, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, tr); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
