package main

import (
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/hardening"
	"lean-go-images/scripts/internal/load"
	"lean-go-images/scripts/internal/results"
)

func TestPlanLoad(t *testing.T) {
	tests := []struct {
		total  time.Duration
		n      int
		rounds int
		round  time.Duration
	}{
		{time.Second, 4, 4, 250 * time.Millisecond},
		{1200 * time.Millisecond, 2, 3, 400 * time.Millisecond},
		{1200 * time.Millisecond, 1, 3, 400 * time.Millisecond},
		{3 * time.Second, 5, 5, 600 * time.Millisecond},
		{250 * time.Millisecond, 4, 2, 125 * time.Millisecond},
		{100 * time.Millisecond, 4, 1, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		p := planLoad(tt.total, tt.n)
		if p.rounds != tt.rounds || p.round != tt.round || p.conns != load.DefaultConns || p.warmup != loadWarmup {
			t.Errorf("planLoad(%v, %d) = %+v, want %d rounds of %v", tt.total, tt.n, p, tt.rounds, tt.round)
		}
	}
}

func TestSummarizeLoad(t *testing.T) {
	res := func(rps float64, p50, p99 time.Duration, errs int64) load.Result {
		return load.Result{Requests: int64(rps * 0.3), Errors: errs, Elapsed: 300 * time.Millisecond, RequestsPerSec: rps, P50: p50, P99: p99}
	}
	ms := time.Millisecond
	rounds := [][]load.Result{
		{res(40000, ms, 5*ms, 0), res(30000, ms, 6*ms, 0), res(44000, 2*ms, 4*ms, 0)}, // the baseline
		nil, // did not serve
		{res(42000, ms, 5*ms, 1), res(33000, 2*ms, 7*ms, 0), res(44000, 2*ms, 3*ms, 2)},
	}
	positions := [][]int{{0, 1, 0}, nil, {1, 0, 1}}
	p := loadPlan{rounds: 3, round: 300 * time.Millisecond, warmup: loadWarmup, conns: 32}
	got := summarizeLoad(p, rounds, positions)
	if got[1] != nil {
		t.Errorf("a step with no rounds has load figures: %+v", got[1])
	}
	b, v := got[0], got[2]
	if b.RequestsPerSec != 40000 || b.VsBaseline == nil || *b.VsBaseline != 1 || b.P99Ns != int64(5*ms) {
		t.Errorf("baseline: %+v", b)
	}
	// Ratios by round: 1.05, 1.1, 1.0; their median is 1.05, not the ratio of the medians (42000/40000 is 1.05 too, by chance; p99s 5, 7, 3).
	if v.RequestsPerSec != 42000 || *v.VsBaseline != 1.05 || v.P50Ns != int64(2*ms) || v.P99Ns != int64(5*ms) {
		t.Errorf("step: %+v, vs %v", v, *v.VsBaseline)
	}
	if v.Errors != 3 || v.Requests != 12600+9900+13200 || v.Rounds != 3 || len(v.RoundResults) != 3 || v.RoundResults[1].Position != 0 || v.RoundNs != int64(300*ms) {
		t.Errorf("step totals: %+v", v)
	}
	if r := rateRange(v); r != "33\u202f000–44\u202f000" {
		t.Errorf("RateRange = %q", r)
	}
	// No baseline figures: no ratio.
	if got := summarizeLoad(p, [][]load.Result{nil, rounds[2]}, [][]int{nil, positions[2]}); got[1].VsBaseline != nil {
		t.Errorf("ratio without a baseline: %v", *got[1].VsBaseline)
	}
}

func TestHardenedHost(t *testing.T) {
	h := &hardenedHost{checks: map[string]hardening.Check{}}
	h.add(hardening.Check{Name: hardening.NameServes, Detail: "did not serve: no answer"})
	out := h.hardened()
	if out.OK || len(out.Checks) != len(hardening.Names) || strings.Join(out.Flags, " ") != strings.Join(hardening.Flags(), " ") {
		t.Fatalf("hardened() = %+v", out)
	}
	for i, c := range out.Checks {
		if c.Name != hardening.Names[i] || c.OK || (i > 0 && !strings.HasPrefix(c.Detail, "not run:")) {
			t.Errorf("check %d: %+v", i, c)
		}
	}
	v := results.Step{Hardened: out}
	if s := languages[""].Summary(v); s != "no: did not serve: no answer" {
		t.Errorf("summary of a step that did not serve: %q", s)
	}
	for _, name := range hardening.Names {
		h.add(hardening.Check{Name: name, OK: true, Detail: "fine"})
	}
	if out := h.hardened(); !out.OK {
		t.Errorf("every check passed, hardened() = %+v", out)
	}
}

func TestHardenedSummary(t *testing.T) {
	checks := []results.CheckOutcome{{Name: "serves", OK: true}, {Name: "non-root", Detail: "runs as root (uid 0)"}, {Name: "graceful-stop", Detail: "docker stop took 10s | x"}}
	unenforced := results.CheckOutcome{Name: "limits", Unenforced: true, Detail: "limits not enforced by this engine: ..."}
	tests := []struct {
		h      *results.Hardened
		en, es string
	}{
		{nil, "–", "–"},
		{&results.Hardened{OK: true}, "yes", "sí"},
		{&results.Hardened{Checks: checks[:2]}, "no: runs as root (uid 0)", "no: se ejecuta como root"},
		{&results.Hardened{Checks: checks}, "no: runs as root (uid 0) (+1)", "no: se ejecuta como root (+1)"},
		{&results.Hardened{Checks: checks[2:]}, `no: docker stop took 10s \| x`, "no: docker stop no es limpio"},
		{&results.Hardened{Checks: []results.CheckOutcome{{Name: "x", Detail: strings.Repeat("a", 100)}}}, "no: " + strings.Repeat("a", 59) + "…", "no: falla la comprobación x"},
		// Not enforced by the engine is neither a yes nor the image's failure.
		{&results.Hardened{Checks: []results.CheckOutcome{checks[0], unenforced}}, "limits not enforced by this engine", "límites no aplicados por este motor"},
		{&results.Hardened{Checks: []results.CheckOutcome{unenforced, checks[1]}}, "no: runs as root (uid 0)", "no: se ejecuta como root"},
	}
	for _, tt := range tests {
		s := results.Step{Hardened: tt.h}
		if got := languages[""].Summary(s); got != tt.en {
			t.Errorf("English summary of %+v = %q, want %q", tt.h, got, tt.en)
		}
		if got := languages[".es"].Summary(s); got != tt.es {
			t.Errorf("Spanish summary of %+v = %q, want %q", tt.h, got, tt.es)
		}
	}
}

// TestRenderWithoutHardenedOrLoad: a run with -load 0, or results.json from
// before the hardened run existed, renders with dashes and a note.
func TestRenderWithoutHardenedOrLoad(t *testing.T) {
	r := readResults(t, "results.json")
	for i := range r.Steps {
		r.Steps[i].Load = nil
		if i > 0 {
			r.Steps[i].Hardened = nil
		}
	}
	md, err := renderMarkdown(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Not measured this time (`-load 0`).", "| 65532 | no | – |", "| Runs as a non-root uid | **no**: runs as root (uid 0) | – | – | – |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("RESULTS.md lacks %q", want)
		}
	}
	for i := range r.Steps {
		r.Steps[i].Hardened = nil
	}
	md, _ = renderMarkdown(r)
	if !strings.Contains(string(md), "## Hardened run\n\nNot run.\n") {
		t.Errorf("RESULTS.md with no hardened run:\n%s", md)
	}
	out, err := renderReadme(readFixture(t, "README.in.md"), r, languages[""], "RESULTS.md")
	if err != nil || strings.Contains(string(out), "req/s") {
		t.Errorf("README without load figures has a load table (%v):\n%s", err, out)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []int64
		want int64
	}{{nil, 0}, {[]int64{5}, 5}, {[]int64{900, 100, 300, 200, 250}, 250}, {[]int64{4, 1, 3, 2}, 2}}
	for _, tt := range tests {
		in := append([]int64(nil), tt.xs...)
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %d, want %d", tt.xs, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.xs[i] {
				t.Errorf("median reordered its input: %v", tt.xs)
			}
		}
	}
}
