package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"lean-go-images/scripts/internal/results"
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
func readResults(t *testing.T, name string) *results.Results {
	t.Helper()
	var r results.Results
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
	for _, tt := range []struct{ lang, golden string }{{"", "README.md.golden"}, {".es", "README.es.md.golden"}} {
		out, err := renderReadme(in, r, languages[tt.lang], "RESULTS.md")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, tt.golden, out)
		// Rendering again replaces the tables rather than adding them.
		again, err := renderReadme(out, r, languages[tt.lang], "RESULTS.md")
		if err != nil || !bytes.Equal(again, out) {
			t.Errorf("rendering %s twice changed it (err %v)", tt.golden, err)
		}
		if !bytes.HasPrefix(out, []byte("# lean-go-images\n\nIntro.\n")) || !bytes.HasSuffix(out, []byte("<!-- results:end -->\n\nMore text.\n")) {
			t.Errorf("the text around the markers changed:\n%s", out)
		}
	}
	for _, bad := range []string{
		"# no markers\n",
		"<!-- results:end -->\n<!-- results:begin -->\n",
		"<!-- results:begin -->\n",
		"<!-- results:begin -->\n<!-- results:end -->\n<!-- results:begin -->\n<!-- results:end -->\n",
	} {
		if _, err := renderReadme([]byte(bad), r, languages[""], "RESULTS.md"); err == nil {
			t.Errorf("renderReadme(%q): no error", bad)
		}
	}
}

// TestLanguagesAgree checks that the READMEs' tables hold the same figures
// in every language: only the words differ.
func TestLanguagesAgree(t *testing.T) {
	r := readResults(t, "results-edited.json")
	in := []byte("<!-- results:begin -->\n<!-- results:end -->\n")
	cells := func(lang string) []string {
		out, err := renderReadme(in, r, languages[lang], "RESULTS.md")
		if err != nil {
			t.Fatal(err)
		}
		var figures []string
		for _, line := range strings.Split(string(out), "\n") {
			if !strings.HasPrefix(line, "| 0") {
				continue
			}
			cs := strings.Split(strings.Trim(line, "|"), "|")
			if len(cs) == 13 {
				cs = cs[:11] // the summary's Shell and Hardened cells are words
			}
			for _, c := range cs {
				figures = append(figures, strings.TrimSpace(c))
			}
		}
		return figures
	}
	en, es := cells(""), cells(".es")
	if len(en) == 0 || strings.Join(en, "|") != strings.Replace(strings.Join(es, "|"), "vacía", "empty", -1) {
		t.Errorf("the tables' figures differ:\nen %q\nes %q", en, es)
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
	for _, want := range []string{results.Bytes(v.SizeBytes), results.Bytes(v.CompressedBytes), results.Times(r.BaselineSize(), v.SizeBytes), "| 65532 | no |"} {
		if !strings.Contains(row, want) {
			t.Errorf("summary row %q lacks %q", row, want)
		}
	}
	if !r.LookAlikes() || !strings.Contains(string(md), "Base images are LOOK-ALIKES") || !strings.Contains(string(md), "BUILT OFFLINE") {
		t.Error("offline bases are not flagged")
	}
}

func TestLogBounds(t *testing.T) {
	lo, hi := logBounds([]results.Step{{SizeBytes: 964742500, CompressedBytes: 341000000}, {SizeBytes: 5902498, CompressedBytes: 2523521}})
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

func TestShortCommand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"COPY /out/server /server # buildkit", "COPY /out/server /server"},
		{"RUN /bin/sh -c go build -o /usr/local/bin/server . # buildkit", "RUN go build -o /usr/local/bin/server ."},
		{"RUN |1 X=1 /bin/sh -c a  |  b", "RUN |1 X=1 /bin/sh -c a | b"},
		{"RUN echo `date`", "RUN echo 'date'"},
		{"RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git", "RUN apt-get update && apt-get install -y --no-install-recommends ca-cer…"},
	}
	for _, tt := range tests {
		if got := shortCommand(tt.in); got != tt.want {
			t.Errorf("shortCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := layerCommand(results.Layer{Command: "a | b"}); got != "`a \\| b`" {
		t.Errorf("layerCommand with a pipe = %q, want the pipe escaped for the table", got)
	}
	if got := layerCommand(results.Layer{FromBase: "debian:trixie-slim"}); got != "FROM debian:trixie-slim" {
		t.Errorf("layerCommand of a base layer = %q", got)
	}
}

// TestBasesNote: every provenance, look-alike or not, has its words in
// every language, for all bases alike and for one among others.
func TestBasesNote(t *testing.T) {
	for _, p := range []string{results.Pulled, results.BuiltOffline, results.LocalOnly, results.Unrecorded, results.Absent} {
		for _, lookAlike := range []bool{false, true} {
			one := results.Base{Ref: "golang:x", Provenance: p, LookAlike: lookAlike}
			other := results.Base{Ref: "debian:y", Provenance: results.Pulled}
			if p == results.Pulled && !lookAlike {
				other.Provenance = results.Absent
			}
			for _, bases := range [][]results.Base{{one}, {one, other}} {
				r := &results.Results{Bases: bases}
				for lang, note := range map[string]string{"": basesNote(r), ".es": basesNoteES(r)} {
					// A missing phrase leaves its prefix or ref before nothing.
					if strings.HasSuffix(note, " ") || strings.Contains(note, "  ") {
						t.Errorf("%s, look-alike %v, %d base(s), language %q: no words in %q", p, lookAlike, len(bases), lang, note)
					}
				}
			}
		}
	}
}
