package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRefreshFigures checks which pages refreshFigures rewrites: the README
// (always, from its new text), and the lessons beside it and in its step
// directories whose figures changed, by their paths under dir.
func TestRefreshFigures(t *testing.T) {
	dir := t.TempDir()
	fig := func(v string) string { return "<!-- num:size:01-a -->" + v + "<!-- /num -->\n" }
	files := map[string]string{
		"README.md":         "on disk: " + fig("1 MB"), // the README's new text is passed in
		"README.es.md":      "ya al día: " + fig("5 MB"),
		"01-a/README.md":    "stale: " + fig("2 MB"),
		"01-a/README.es.md": "sin cifras\n",
		"scripts/README.md": "not a lesson: " + fig("3 MB"),
		"NOTES.md":          "not a lesson: " + fig("4 MB"),
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
	md := []byte("| Step | Size |\n|---|--:|\n| 01-a | 5 MB |\n")
	readme := filepath.Join(dir, "README.md")

	docs, err := refreshFigures(dir, readme, []byte("new text: "+fig("0 MB")), md)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var paths []string
	for _, d := range docs {
		got[d.path] = string(d.data)
		paths = append(paths, d.path)
	}
	want := map[string]string{
		filepath.Join(dir, "01-a", "README.md"): "stale: " + fig("5 MB"),
		readme:                                  "new text: " + fig("5 MB"),
	}
	if len(got) != len(want) || len(docs) != len(want) {
		t.Errorf("refreshFigures rewrote %v, want %d pages", paths, len(want))
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s = %q, want %q", p, got[p], w)
		}
	}

	// A -readme not named README*.md is written too, from its new text.
	other := filepath.Join(dir, "OTHER.md")
	docs, err = refreshFigures(dir, other, []byte("other: "+fig("0 MB")), md)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(docs, func(d doc) bool { return d.path == other })
	if i < 0 || !strings.HasPrefix(string(docs[i].data), "other: ") {
		t.Errorf("refreshFigures with -readme %s: %v, want it among the pages, as given", other, docs)
	}
	// README.md is then a lesson like the others, refreshed from the disk.
	i = slices.IndexFunc(docs, func(d doc) bool { return d.path == readme })
	if w := "on disk: " + fig("5 MB"); i < 0 || string(docs[i].data) != w {
		t.Errorf("with -readme %s, README.md is not refreshed from the disk to %q: %v", other, w, docs)
	}
}
