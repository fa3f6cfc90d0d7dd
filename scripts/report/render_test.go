package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the output at line %d:\ngot  %q\nwant %q\n(go test -update rewrites it)", path, i+1, g, w)
			}
		}
	}
}

// readResults reads a results.json fixture: testdata/results.json is a real
// run's; results-edited.json changes it to reach the other branches of the
// templates (a pulled and an absent base, findings, no runtime figures).
func readResults(t *testing.T, name string) *Results {
	t.Helper()
	var r Results
	if err := json.Unmarshal(readFixture(t, name), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestRenderGolden(t *testing.T) {
	for _, tt := range []struct{ fixture, md, svg string }{
		{"results.json", "RESULTS.md.golden", "results.svg.golden"},
		{"results-edited.json", "RESULTS-edited.md.golden", "results-edited.svg.golden"},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			r := readResults(t, tt.fixture)
			md, err := renderMarkdown(r)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.md, md)
			golden(t, tt.svg, renderSVG(r.Steps))
		})
	}
}

func TestRenderReadme(t *testing.T) {
	r := readResults(t, "results.json")
	in := readFixture(t, "README.in.md")
	out, err := renderReadme(in, r, "RESULTS.md")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "README.md.golden", out)
	// Rendering again replaces the table rather than adding one.
	again, err := renderReadme(out, r, "RESULTS.md")
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("rendering the README twice changed it (err %v)", err)
	}
	if !bytes.HasPrefix(out, []byte("# lean-go-images\n\nIntro.\n")) || !bytes.HasSuffix(out, []byte("<!-- results:end -->\n\nMore text.\n")) {
		t.Errorf("the text around the markers changed:\n%s", out)
	}
	for _, bad := range []string{
		"# no markers\n",
		"<!-- results:end -->\n<!-- results:begin -->\n",
		"<!-- results:begin -->\n",
		"<!-- results:begin -->\n<!-- results:end -->\n<!-- results:begin -->\n<!-- results:end -->\n",
	} {
		if _, err := renderReadme([]byte(bad), r, "RESULTS.md"); err == nil {
			t.Errorf("renderReadme(%q): no error", bad)
		}
	}
}

// TestSummaryTable checks figures in the rendered summary row against the
// model, independently of the golden files.
func TestSummaryTable(t *testing.T) {
	r := readResults(t, "results.json")
	md, err := renderMarkdown(r)
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "| 04-scratch-static |") {
			row = line
			break
		}
	}
	v := r.Step("04-scratch-static")
	for _, want := range []string{humanSize(v.SizeBytes), humanSize(v.CompressedBytes), times(r.BaselineSize(), v.SizeBytes), "| 65532 | no |"} {
		if !strings.Contains(row, want) {
			t.Errorf("summary row %q lacks %q", row, want)
		}
	}
	if !r.Offline() || !strings.Contains(string(md), "BUILT OFFLINE") {
		t.Error("offline bases are not flagged")
	}
}

func TestLogBounds(t *testing.T) {
	lo, hi := logBounds([]Step{{SizeBytes: 964742500, CompressedBytes: 341000000}, {SizeBytes: 5902498, CompressedBytes: 2523521}})
	if lo != 1e6 || hi != 1e9 {
		t.Errorf("logBounds = %v, %v; want 1e6, 1e9", lo, hi)
	}
	if lo, hi := logBounds(nil); lo != 1 || hi != 10 {
		t.Errorf("logBounds(nil) = %v, %v; want 1, 10", lo, hi)
	}
	for d, want := range map[float64]string{1e6: "1 MB", 1e7: "10 MB", 1e9: "1 GB", 100: "100 B"} {
		if got := tickLabel(d); got != want {
			t.Errorf("tickLabel(%v) = %q, want %q", d, got, want)
		}
	}
}
