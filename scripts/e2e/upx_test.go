//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// upxDockerfile is step 4's runtime stage, with the packed binary taken from
// the build context instead of a build stage.
const upxDockerfile = `FROM scratch
LABEL lean-go-images.step="04-scratch-static"
COPY server /server
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/server", "-healthcheck"]
ENTRYPOINT ["/server"]
`

// TestUPX measures, in one run, what packing step 4's binary with UPX does
// to the figures the report measures: it packs a copy of the binary, builds
// step 4's image around it, and runs the report on both images. It needs a
// Linux upx binary, in UPX (Debian's upx-ucl, trixie or later, has one);
// the test runs it in debian:trixie-slim, with no network. Without UPX it
// skips: UPX is no part of the workshop, and its lesson quotes one run.
func TestUPX(t *testing.T) {
	upx := os.Getenv("UPX")
	if upx == "" {
		t.Skip("UPX is not set: point it at a Linux upx binary (for example Debian's /usr/bin/upx-ucl) to measure UPX")
	}
	upx, err := filepath.Abs(upx)
	if err != nil {
		t.Fatal(err)
	}
	e := newReportEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	const step = "04-scratch-static"

	// Pack a copy of the binary, as the image has it.
	dir := t.TempDir()
	id, err := dockercli.Output(ctx, "create", "--pull", "never", "--label", dockercli.ManagedLabel, e.repo+":"+step)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dockercli.Remove(strings.TrimSpace(string(id))) })
	if _, err := dockercli.Output(ctx, "cp", strings.TrimSpace(string(id))+":/server", filepath.Join(dir, "server.orig")); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, "docker", "run", "--rm", "--pull", "never", "--network", "none", "--label", dockercli.ManagedLabel,
		"-v", dir+":/w", "-v", upx+":/usr/local/bin/upx:ro", "debian:trixie-slim",
		"sh", "-c", "upx --version | head -n 1 && upx --best --lzma -q -o /w/server /w/server.orig >/dev/null && chmod 0755 /w/server").CombinedOutput()
	if err != nil {
		t.Fatalf("upx: %v\n%s", err, out)
	}
	version := strings.TrimSpace(string(out))
	if err := os.Remove(filepath.Join(dir, "server.orig")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(upxDockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	packed := e.repo + "-upx"
	if out, err := exec.CommandContext(ctx, "docker", "buildx", "build", "--load", "--network=none", "-t", packed+":"+step, dir).CombinedOutput(); err != nil {
		t.Fatalf("building %s:%s: %v\n%s", packed, step, err, tail(string(out), 20))
	}
	t.Cleanup(func() { dockercli.Output(context.Background(), "image", "rm", packed+":"+step) })

	// The report's own measurements, on both images, one after the other.
	type figures struct{ size, compressed, startup, memory, starts int64 }
	measure := func(repo string) figures {
		t.Helper()
		r := e
		r.repo = repo
		out := t.TempDir()
		if code, log, _ := r.run(t, out, step, "-load", "0"); code != 0 {
			t.Fatalf("report on %s:%s exited %d:\n%s", repo, step, code, tail(log, 20))
		}
		s := readReportResults(t, out).Steps[0]
		if s.Runtime == nil || s.Hardened == nil {
			t.Fatalf("report on %s:%s measured no start-up or idle memory", repo, step)
		}
		return figures{s.BinaryBytes, s.CompressedBytes, s.Runtime.StartupMedianNs, s.Hardened.IdleMemoryBytes, int64(s.Runtime.Starts)}
	}
	plain, upxed := measure(e.repo), measure(packed)

	mb := func(n int64) string { return sig3(float64(n)/1e6) + " MB" }
	ms := func(ns int64) string { return fmt.Sprintf("%.0f ms", float64(ns)/1e6) }
	var b strings.Builder
	fmt.Fprintf(&b, "%s, as built and with /server packed by %s --best --lzma:\n\n", step, version)
	fmt.Fprintf(&b, "%-24s %12s %12s\n", "", "unpacked", "UPX")
	for _, row := range [][3]string{
		{"binary (file size)", mb(plain.size), mb(upxed.size)},
		{"compressed (pull size)", mb(plain.compressed), mb(upxed.compressed)},
		{fmt.Sprintf("start-up (median of %d)", plain.starts), ms(plain.startup), ms(upxed.startup)},
		{"idle memory", mb(plain.memory), mb(upxed.memory)},
	} {
		fmt.Fprintf(&b, "%-24s %12s %12s\n", row[0], row[1], row[2])
	}
	got := b.String()
	switch {
	case upxed.size >= plain.size:
		t.Errorf("UPX did not make the binary smaller: %d bytes, unpacked %d", upxed.size, plain.size)
	case upxed.memory <= plain.memory:
		t.Logf("note: the packed server idles in %d bytes, the unpacked one in %d", upxed.memory, plain.memory)
	}
	// Sizes are the same in every run; times and memory are not.
	startup := normalizer{re: regexp.MustCompile(` +[0-9.]+ ms`), repl: " N ms"}
	memory := normalizer{re: regexp.MustCompile(`(?m)^(idle memory) +[0-9.]+ MB +[0-9.]+ MB`), repl: "$1 N MB N MB"}
	checkOutput(t, e.root, "upx-04-scratch-static", got, startup, memory)
}

// sig3 formats a positive number with three significant digits, as the
// report does: 5.90, 86.5, 965.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
