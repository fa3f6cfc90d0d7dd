package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefreshDocs checks which pages refreshDocs rewrites under a root: the
// root READMEs, with their tables in their language and their figures, and
// the step lessons whose figures changed; nothing else.
func TestRefreshDocs(t *testing.T) {
	dir := t.TempDir()
	fig := func(v string) string { return "<!-- num:size:04-scratch-static -->" + v + "<!-- /num -->\n" }
	tables := "<!-- results:begin -->\n<!-- results:end -->\n"
	files := map[string]string{
		"README.md":                   "Intro: " + fig("1 MB") + tables,
		"README.es.md":                "Intro: " + fig("1 MB") + tables,
		"04-scratch-static/README.md": "stale: " + fig("2 MB"),
		"01-single-stage/README.md":   "sin cifras\n",
		"scripts/README.md":           "not a lesson: " + fig("3 MB"),
		"NOTES.md":                    "not a lesson: " + fig("4 MB"),
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := readResults(t, "results.json")
	docs, err := refreshDocs(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range docs {
		rel, _ := filepath.Rel(dir, d.path)
		got[filepath.ToSlash(rel)] = string(d.data)
	}
	size := r.Figures()["size:04-scratch-static"]
	if len(got) != 3 || got["04-scratch-static/README.md"] != "stale: "+fig(size) {
		t.Errorf("refreshDocs rewrote %d pages (%v), want README.md, README.es.md and the 04 lesson with %s", len(got), got, size)
	}
	for page, words := range map[string]string{"README.md": "| Step | Size |", "README.es.md": "| Paso | Tamaño |"} {
		if text := got[page]; !strings.HasPrefix(text, "Intro: "+fig(size)) || !strings.Contains(text, words) {
			t.Errorf("%s:\n%s\nwant the figure %s and a table with %q", page, text, size, words)
		}
	}

	// A README in a language the report cannot write is an error.
	os.WriteFile(filepath.Join(dir, "README.fr.md"), []byte(tables), 0o644)
	if _, err := refreshDocs(dir, r); err == nil || !strings.Contains(err.Error(), "README.fr.md: no results tables in that language") {
		t.Errorf("refreshDocs with README.fr.md: %v", err)
	}
}

func TestReadmeLanguage(t *testing.T) {
	for page, want := range map[string]string{"README.md": "", "README.es.md": ".es", "01-x/README.md": "-", "RESULTS.md": "-", "README.txt": "-"} {
		lang, ok := readmeLanguage(page)
		if got := map[bool]string{true: lang, false: "-"}[ok]; got != want {
			t.Errorf("readmeLanguage(%s) = %q, %v; want %q", page, lang, ok, want)
		}
	}
}
