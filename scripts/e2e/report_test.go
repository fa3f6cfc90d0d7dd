//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lean-go-images/scripts/internal/archive"
	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/hardening"
	"lean-go-images/scripts/internal/results"
	"lean-go-images/scripts/internal/steps"
)

// reportResults is the part of results.json that these tests check, read
// independently of the report's own types.
type reportResults struct {
	SchemaVersion int              `json:"schemaVersion"`
	ImageRepo     string           `json:"imageRepo"`
	Engine        dockercli.Engine `json:"engine"`
	Bases         []struct {
		Ref, ID, Provenance string
	} `json:"bases"`
	Steps []struct {
		Name            string `json:"name"`
		ImageID         string `json:"imageId"`
		Architecture    string `json:"architecture"`
		SizeBytes       int64  `json:"sizeBytes"`
		CompressedBytes int64  `json:"compressedBytes"`
		Binary          string `json:"binary"`
		BinaryBytes     int64  `json:"binaryBytes"`
		LayerCount      int    `json:"layerCount"`
		EmptyLayerCount int    `json:"emptyLayerCount"`
		Layers          []struct {
			DiffID          string `json:"diffId"`
			CompressedBytes int64  `json:"compressedBytes"`
			Empty           bool   `json:"empty"`
		} `json:"layers"`
		Hadolint struct {
			Count    int `json:"count"`
			Findings []struct {
				Code string `json:"code"`
				Line int    `json:"line"`
			} `json:"findings"`
		} `json:"hadolint"`
		Posture struct {
			UID *int `json:"uid"`
		} `json:"posture"`
		Runtime *struct {
			Starts          int     `json:"starts"`
			StartupNs       []int64 `json:"startupNs"`
			StartupMedianNs int64   `json:"startupMedianNs"`
		} `json:"runtime"`
		Hardened *reportHardened `json:"hardened"`
		Load     *reportLoad     `json:"load"`
	} `json:"steps"`
}

type reportHardened struct {
	OK              bool     `json:"ok"`
	Flags           []string `json:"flags"`
	IdleMemoryBytes int64    `json:"idleMemoryBytes"`
	Checks          []struct {
		Name       string `json:"name"`
		OK         bool   `json:"ok"`
		Unenforced bool   `json:"unenforced"`
		Detail     string `json:"detail"`
	} `json:"checks"`
}

type reportLoad struct {
	Conns          int      `json:"conns"`
	Rounds         int      `json:"rounds"`
	RoundNs        int64    `json:"roundNs"`
	Requests       int64    `json:"requests"`
	Errors         int64    `json:"errors"`
	FirstError     string   `json:"firstError"`
	RequestsPerSec float64  `json:"requestsPerSec"`
	P50Ns          int64    `json:"p50Ns"`
	P99Ns          int64    `json:"p99Ns"`
	VsBaseline     *float64 `json:"vsBaseline"`
	RoundResults   []struct {
		Requests       int64   `json:"requests"`
		RequestsPerSec float64 `json:"requestsPerSec"`
	} `json:"roundResults"`
}

// reportEnv is what running the report needs: the e2e setup, the pinned
// tools and the report, built. It fails, not skips, when Docker is missing.
type reportEnv struct {
	testEnv
	dive, hadolint string
	bin            string // the report, built: go run would turn its exit status 2 into 1
}

func newReportEnv(t *testing.T) reportEnv {
	t.Helper()
	e := reportEnv{testEnv: setup(t)}
	// make e2e passes BIN, relative to the repository like the Makefile's.
	bin := os.Getenv("BIN")
	if bin == "" {
		bin = "bin"
	}
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(e.root, bin)
	}
	e.dive, e.hadolint = filepath.Join(bin, "dive"), filepath.Join(bin, "hadolint")
	for _, tool := range []string{e.dive, e.hadolint} {
		if _, err := os.Stat(tool); err != nil {
			t.Fatalf("%v: run make tools", err)
		}
	}
	var err error
	if e.bin, err = reportBinary(e.root); err != nil {
		t.Fatal(err)
	}
	return e
}

// sharedDir holds what the tests of this process share, made once by the
// first test that needs it; TestMain removes it.
var sharedDir string

var (
	reportOnce sync.Once
	reportBin  string
	reportErr  error
)

// reportBinary builds ./scripts/report of the repository at root once per
// test process, into sharedDir, and returns the binary's path.
func reportBinary(root string) (string, error) {
	reportOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lgi-e2e-")
		if err != nil {
			reportErr = err
			return
		}
		sharedDir = dir
		bin := filepath.Join(dir, "report")
		build := exec.Command("go", "build", "-o", bin, "./scripts/report")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			reportErr = fmt.Errorf("go build ./scripts/report: %v\n%s", err, out)
			return
		}
		reportBin = bin
	})
	return reportBin, reportErr
}

// run runs the report into dir and returns its exit status, its output and
// its process ID, which names its containers.
func (e reportEnv) run(t *testing.T, dir string, stepList string, args ...string) (code int, out string, pid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	all := append([]string{"-image", e.repo, "-dive", e.dive, "-hadolint", e.hadolint, "-out", dir}, args...)
	cmd := exec.CommandContext(ctx, e.bin, all...)
	cmd.Dir = e.root
	cmd.Env = append(os.Environ(), "STEPS="+stepList)
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("report: %v", err)
	}
	return code, string(b), cmd.Process.Pid
}

func readReportResults(t *testing.T, dir string) reportResults {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r reportResults
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReport runs the report on the real images and checks its figures
// against Docker and hadolint, asked directly.
func TestReport(t *testing.T) {
	e := newReportEnv(t)
	dir := t.TempDir()
	code, out, pid := e.run(t, dir, "")
	if code != 0 {
		t.Fatalf("report failed (exit %d):\n%s", code, out)
	}
	r := readReportResults(t, dir)
	if r.SchemaVersion != results.SchemaVersion || r.ImageRepo != e.repo || len(r.Steps) != len(e.vs) || r.Engine != e.engine {
		t.Fatalf("results.json: schema %d, repo %q, %d steps, engine %+v; want %d, %q, %d, %+v",
			r.SchemaVersion, r.ImageRepo, len(r.Steps), r.Engine, results.SchemaVersion, e.repo, len(e.vs), e.engine)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i, v := range e.vs {
		got := r.Steps[i]
		img := e.imgs[v.Name]
		t.Run(v.Name, func(t *testing.T) {
			if got.Name != v.Name || got.ImageID != img.ID || got.Architecture != img.Architecture {
				t.Errorf("name %s, ID %s, %s; docker image inspect says %s, %s, %s", got.Name, got.ImageID, got.Architecture, v.Name, img.ID, img.Architecture)
			}
			checkReportLayers(t, ctx, e.testEnv, v.Image(e.repo), img, got.SizeBytes, got.LayerCount, got.EmptyLayerCount, len(got.Layers))
			var diffIDs []string
			var gz int64
			for _, l := range got.Layers {
				diffIDs = append(diffIDs, l.DiffID)
				gz += l.CompressedBytes
				if l.CompressedBytes <= 0 {
					t.Errorf("layer %s: compressed size %d", l.DiffID, l.CompressedBytes)
				}
			}
			if !reflect.DeepEqual(diffIDs, img.RootFS.Layers) {
				t.Errorf("layers %v, RootFS %v", diffIDs, img.RootFS.Layers)
			}
			if gz != got.CompressedBytes || gz <= 0 || gz >= got.SizeBytes {
				t.Errorf("compressed %d, layers sum to %d; want their sum, between 0 and the size %d", got.CompressedBytes, gz, got.SizeBytes)
			}
			if got.Binary != img.Config.Entrypoint[0] || got.BinaryBytes <= 0 || got.BinaryBytes > got.SizeBytes {
				t.Errorf("binary %s %d bytes; want the entrypoint %s, no larger than the image (%d bytes)", got.Binary, got.BinaryBytes, img.Config.Entrypoint[0], got.SizeBytes)
			}
			if v.Name == "04-scratch-static" && got.BinaryBytes != got.SizeBytes {
				t.Errorf("binary %d bytes, image %d: scratch holds the binary alone", got.BinaryBytes, got.SizeBytes)
			}
			checkReportHadolint(t, e, v, got.Hadolint.Count, len(got.Hadolint.Findings))
			if uid := got.Posture.UID; uid == nil || strconv.Itoa(*uid) != userOf(img.Config.User) {
				t.Errorf("posture uid %v, image user %q", uid, img.Config.User)
			}
			rt := got.Runtime
			if rt == nil {
				t.Fatal("no runtime figures")
			}
			checkReportDurations(t, "start-up", rt.StartupNs, rt.StartupMedianNs, rt.Starts, 30*time.Second)
			switch idle := got.Hardened.IdleMemoryBytes; {
			case !e.engine.Limits && idle != 0:
				t.Errorf("idle memory %d bytes on an engine without cgroups, whose docker stats shows the machine's", idle)
			case e.engine.Limits && (idle < 100e3 || idle > 64<<20):
				t.Errorf("idle memory %d bytes, want between 100 kB and the 64 MiB limit", idle)
			}
			checkReportHardened(t, v.Name, e.engine, got.Hardened)
			checkReportLoad(t, v.Name, i == 0, got.Load)
		})
	}
	checkReportFiles(t, dir)
	checkReportContainersGone(t, ctx, pid)

	// A second run, on the cache, gives the same results but for the
	// runtime and load figures, the details of the hardened checks (their
	// timings) and the date.
	first, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if code, out, pid = e.run(t, dir, ""); code != 0 {
		t.Fatalf("second report failed (exit %d):\n%s", code, out)
	}
	checkReportContainersGone(t, ctx, pid)
	second, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if a, b := withoutRuntime(t, first), withoutRuntime(t, second); !reflect.DeepEqual(a, b) {
		t.Errorf("a second run changed results.json beyond the runtime and load figures, the idle memory, the hardened checks' details and the date")
	}
}

// checkReportHardened checks the hardened run: every check ran, and all
// passed but for 01-single-stage, the naive baseline, which runs as root;
// on an engine that cannot enforce the limits, the limits check says so,
// and only it.
func checkReportHardened(t *testing.T, name string, eng dockercli.Engine, h *reportHardened) {
	t.Helper()
	if h == nil {
		t.Fatal("no hardened run")
	}
	if got := strings.Join(h.Flags, " "); got != strings.Join(hardening.Flags(), " ") {
		t.Errorf("hardened flags %q, want %q", got, strings.Join(hardening.Flags(), " "))
	}
	if len(h.Checks) != len(hardening.Names) {
		t.Errorf("%d hardened checks, want %d", len(h.Checks), len(hardening.Names))
	}
	var failed, unenforced []string
	for i, c := range h.Checks {
		if i < len(hardening.Names) && c.Name != hardening.Names[i] {
			t.Errorf("hardened check %d is %q, want %q", i, c.Name, hardening.Names[i])
		}
		if c.Detail == "" {
			t.Errorf("hardened check %s has no detail", c.Name)
		}
		switch {
		case c.Unenforced:
			unenforced = append(unenforced, c.Name)
		case !c.OK:
			failed = append(failed, c.Name+": "+c.Detail)
		}
	}
	wantUnenforced := []string{}
	if !eng.Limits {
		wantUnenforced = []string{hardening.NameLimits}
	}
	if strings.Join(unenforced, ",") != strings.Join(wantUnenforced, ",") {
		t.Errorf("checks not enforced by the engine: %q, want %q (engine limits: %v)", unenforced, wantUnenforced, eng.Limits)
	}
	wantRoot := expected[name].root
	switch {
	case h.OK != (len(failed) == 0 && len(unenforced) == 0):
		t.Errorf("hardened: ok %v, with %d failed and %d unenforced checks", h.OK, len(failed), len(unenforced))
	case !wantRoot && len(failed) > 0:
		t.Errorf("hardened: failed %s", strings.Join(failed, "; "))
	case wantRoot && (len(failed) != 1 || !strings.HasPrefix(failed[0], hardening.NameNonRoot+": runs as root")):
		t.Errorf("hardened: failed %q; want only for running as root", failed)
	}
}

// checkReportLoad checks the load figures: requests and no errors, ordered
// latencies, a ratio to the baseline (exactly 1 for the baseline itself)
// within what a shared machine can swing.
func checkReportLoad(t *testing.T, name string, baseline bool, l *reportLoad) {
	t.Helper()
	if l == nil {
		t.Fatal("no load figures")
	}
	if l.Requests <= 0 || l.Errors != 0 || l.RequestsPerSec <= 0 {
		t.Errorf("load: %d requests, %d errors (%s), %.0f req/s; want requests and no errors", l.Requests, l.Errors, l.FirstError, l.RequestsPerSec)
	}
	if l.P50Ns <= 0 || l.P99Ns <= 0 || l.P99Ns < l.P50Ns || l.P99Ns > int64(5*time.Second) {
		t.Errorf("load: p50 %v, p99 %v; want 0 < p50 <= p99 < 5s", time.Duration(l.P50Ns), time.Duration(l.P99Ns))
	}
	if l.Rounds < 1 || len(l.RoundResults) != l.Rounds || l.Conns <= 0 || l.RoundNs <= 0 {
		t.Errorf("load: %d rounds (%d listed) of %v over %d connections", l.Rounds, len(l.RoundResults), time.Duration(l.RoundNs), l.Conns)
	}
	var sum int64
	for _, r := range l.RoundResults {
		sum += r.Requests
	}
	if sum != l.Requests {
		t.Errorf("load: rounds add up to %d requests, the total says %d", sum, l.Requests)
	}
	switch r := l.VsBaseline; {
	case r == nil:
		t.Error("load: no ratio to the baseline")
	case baseline && *r != 1:
		t.Errorf("load: the baseline's ratio to itself is %v", *r)
	case *r < 0.25 || *r > 4:
		t.Errorf("load: %.2f× the baseline's rate: more than a shared machine's swing", *r)
	}
	t.Logf("load: %.0f req/s, p50 %v, p99 %v, %.2f× the baseline", l.RequestsPerSec, time.Duration(l.P50Ns), time.Duration(l.P99Ns), *l.VsBaseline)
}

// checkReportLayers compares the layers with docker image inspect and, on
// the classic image store, with docker history, whose entries with a size
// are the non-empty filesystem layers and whose sizes sum to the image's
// (testEnv.inspectSize).
// The containerd store's docker history shows each layer's disk usage
// instead, and its docker image inspect adds the compressed blobs it keeps:
// there only the counts and the order of sizes are checked.
func checkReportLayers(t *testing.T, ctx context.Context, e testEnv, image string, img dockercli.Image, size int64, count, empty, listed int) {
	t.Helper()
	eng := e.engine
	if count != len(img.RootFS.Layers) || listed != count {
		t.Errorf("layerCount %d (%d listed), RootFS has %d", count, listed, len(img.RootFS.Layers))
	}
	if eng.ImageStore != "classic" {
		if size <= 0 || size >= img.Size {
			t.Errorf("size %d; with the %s image store, docker image inspect's %d counts more", size, eng.ImageStore, img.Size)
		}
		return
	}
	out, err := dockercli.Output(ctx, "history", "--format", "{{.Size}}", "--human=false", image)
	if err != nil {
		t.Fatal(err)
	}
	withSize := 0
	var sum int64
	for _, f := range strings.Fields(string(out)) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("docker history size %q: %v", f, err)
		}
		if n > 0 {
			withSize++
		}
		sum += n
	}
	if count-empty != withSize {
		t.Errorf("%d layers, %d empty: %d with content; docker history lists %d with a size", count, empty, count-empty, withSize)
	}
	want := size
	if !e.nativeDiff {
		saved, err := archive.Save(ctx, image, "", false)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Size() != size {
			t.Errorf("size %d; the layers of docker save sum to %d", size, saved.Size())
		}
		want = e.inspectSize(saved)
	}
	if sum != want || img.Size != want {
		t.Errorf("size %d; docker history sizes sum to %d, docker image inspect says %d, want %d", size, sum, img.Size, want)
	}
}

// checkReportHadolint runs hadolint as make lint does and compares counts.
func checkReportHadolint(t *testing.T, e reportEnv, v steps.Step, count, listed int) {
	t.Helper()
	cmd := exec.Command(e.hadolint, "--format", "json", "--no-fail", v.Dockerfile())
	cmd.Dir = e.root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hadolint %s: %v", v.Dockerfile(), err)
	}
	var findings []json.RawMessage
	if err := json.Unmarshal(out, &findings); err != nil {
		t.Fatalf("hadolint %s: %v", v.Dockerfile(), err)
	}
	if count != len(findings) || listed != count {
		t.Errorf("hadolint: report counts %d (%d listed), hadolint finds %d", count, listed, len(findings))
	}
}

// userOf returns the uid a USER value names, for the numeric ones the
// workshop uses ("" is root).
func userOf(user string) string {
	u, _, _ := strings.Cut(user, ":")
	if u == "" || u == "root" {
		return "0"
	}
	return u
}

func checkReportDurations(t *testing.T, what string, ns []int64, median int64, starts int, limit time.Duration) {
	t.Helper()
	if starts != 3 || len(ns) != starts {
		t.Errorf("%s: %d samples of %d starts, want 3", what, len(ns), starts)
	}
	lo, hi := int64(limit), int64(0)
	for _, d := range ns {
		if d <= int64(time.Millisecond) || d >= int64(limit) {
			t.Errorf("%s: %v, want between 1ms and %v", what, time.Duration(d), limit)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if median < lo || median > hi {
		t.Errorf("%s: median %v outside the samples' range %v..%v", what, time.Duration(median), time.Duration(lo), time.Duration(hi))
	}
}

func checkReportFiles(t *testing.T, dir string) {
	t.Helper()
	md, _ := os.ReadFile(filepath.Join(dir, "RESULTS.md"))
	svg, _ := os.ReadFile(filepath.Join(dir, "results.svg"))
	if !bytes.Contains(md, []byte("](results.svg)")) || !bytes.Contains(md, []byte("| 04-scratch-static |")) {
		t.Errorf("RESULTS.md lacks the chart or the summary table")
	}
	for _, want := range []string{"| Shell | Hardened |", "| no: runs as root (uid 0) |", "\n## Load\n", "| req/s |", "\n## Hardened run\n", "| Graceful docker stop |"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("RESULTS.md lacks %q", want)
		}
	}
	if !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("results.svg is not an SVG")
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// checkReportContainersGone checks that the report whose process ID is pid
// left none of its containers (lean-go-images-PID-N) behind. Other
// processes' containers, such as a concurrent run's, are theirs to remove.
func checkReportContainersGone(t *testing.T, ctx context.Context, pid int) {
	t.Helper()
	prefix := fmt.Sprintf("lean-go-images-%d-", pid)
	out, err := dockercli.Output(ctx, "ps", "-a", "--filter", "label="+dockercli.ManagedLabel, "--filter", "name="+prefix, "--format", "{{.Names}}")
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, name := range strings.Fields(string(out)) {
		if strings.HasPrefix(name, prefix) {
			left = append(left, name)
		}
	}
	if len(left) > 0 {
		t.Errorf("the report left containers: %s", strings.Join(left, " "))
	}
}

// withoutRuntime returns results.json without what changes between runs.
func withoutRuntime(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "generatedAt")
	vs, _ := m["steps"].([]any)
	for _, v := range vs {
		v := v.(map[string]any)
		delete(v, "runtime")
		delete(v, "load")
		// The checks' details hold timings, and the idle memory is a
		// sample; the checks' outcomes must not change.
		if h, ok := v["hardened"].(map[string]any); ok {
			delete(h, "idleMemoryBytes")
			cs, _ := h["checks"].([]any)
			for _, c := range cs {
				delete(c.(map[string]any), "detail")
			}
		}
	}
	return m
}

// TestReportUsageAndMissingImage checks two failures' exit status and line.
func TestReportUsageAndMissingImage(t *testing.T) {
	e := newReportEnv(t)
	dir := t.TempDir()
	code, out, _ := e.run(t, dir, "09-nope")
	if code != 2 || !strings.Contains(out, `report: unknown step "09-nope"`) {
		t.Errorf("unknown step: exit %d, %q; want 2 and the unknown step", code, out)
	}
	e.repo = "lean-go-images-e2e-absent"
	code, out, _ = e.run(t, dir, "03-distroless")
	want := "report: 03-distroless: image lean-go-images-e2e-absent:03-distroless is missing: run make all"
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("missing image: exit %d, %q; want 1 and %q", code, out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "results.json")); err == nil {
		t.Error("a failed run wrote results.json")
	}
}
