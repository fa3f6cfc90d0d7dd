package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"lean-go-images/scripts/internal/docnums"
	"lean-go-images/scripts/internal/results"
)

// write renders the outputs and replaces them all, or, if any fails to
// render or write, none. With cfg.docs it also fills the READMEs' results
// tables and refreshes the figures the lessons quote.
func write(cfg *config, res *results.Results) error {
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	md, err := renderMarkdown(res)
	if err != nil {
		return err
	}
	outputs := []doc{
		{filepath.Join(cfg.out, "results.json"), append(js, '\n')},
		{filepath.Join(cfg.out, "results.svg"), renderSVG(res.Steps)},
		{filepath.Join(cfg.out, "RESULTS.md"), md},
	}
	if cfg.docs {
		docs, err := refreshDocs(cfg.root, res)
		if err != nil {
			return err
		}
		outputs = append(outputs, docs...)
	}
	var files []staged
	for _, o := range outputs {
		s, err := stage(o.path, o.data)
		if err != nil {
			discard(files)
			return err
		}
		files = append(files, s)
	}
	return commit(files)
}

// doc is a file and its new content.
type doc struct {
	path string
	data []byte
}

// refreshDocs returns the workshop's pages under root that change: each
// root README with its results tables filled in its language, and every
// page with its marked figures (see docnums) rewritten from res. Figures of
// steps this run did not measure keep their old values, and one line says so.
func refreshDocs(root string, res *results.Results) ([]doc, error) {
	pages, err := docnums.Lessons(os.DirFS(root))
	if err != nil {
		return nil, err
	}
	figures := res.Figures()
	var docs []doc
	var kept []string
	for _, page := range pages {
		path := filepath.Join(root, filepath.FromSlash(page))
		// Read it now: it may have been edited during the measurements.
		text, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		out := text
		if lang, ok := readmeLanguage(page); ok {
			L, known := languages[lang]
			if !known {
				return nil, fmt.Errorf("%s: no results tables in that language: add it to languages in scripts/report/render.go", page)
			}
			if out, err = renderReadme(text, res, L, "RESULTS.md"); err != nil {
				return nil, fmt.Errorf("%s %v", page, err)
			}
		}
		rewritten, missing, err := docnums.Rewrite(string(out), figures)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", page, err)
		}
		kept = append(kept, missing...)
		if rewritten != string(text) {
			docs = append(docs, doc{path, []byte(rewritten)})
		}
	}
	if len(kept) > 0 {
		log.Printf("%d figure(s) in the lessons keep their earlier values: this run did not measure %s", len(kept), strings.Join(stepsOf(kept), ", "))
	}
	return docs, nil
}

// readmeLanguage reports whether page is a root README, and its language's
// suffix: "" for README.md, ".es" for README.es.md.
func readmeLanguage(page string) (string, bool) {
	lang, ok := strings.CutPrefix(page, "README")
	lang, md := strings.CutSuffix(lang, ".md")
	return lang, ok && md && !strings.Contains(page, "/")
}

// stepsOf returns the steps named by docnums keys, once each.
func stepsOf(keys []string) []string {
	var vs []string
	for _, k := range keys {
		v := docnums.Marker{Key: k}.Step()
		if !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	return vs
}

// writeFileAtomic replaces path with data: a reader sees the old file or the
// new one, never a part.
func writeFileAtomic(path string, data []byte) error {
	s, err := stage(path, data)
	if err != nil {
		return err
	}
	return commit([]staged{s})
}

// staged is a new file's content written next to its final path.
type staged struct{ tmp, path string }

// stage writes data to a temporary file in path's directory, with the mode
// path has (0644 for a new file).
func stage(path string, data []byte) (staged, error) {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return staged{}, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return staged{}, err
	}
	s := staged{f.Name(), path}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(s.tmp)
		return staged{}, err
	}
	return s, nil
}

// commit renames staged files into place, in order. Once one rename has
// failed it removes the remaining temporary files.
func commit(files []staged) error {
	for i, s := range files {
		if err := os.Rename(s.tmp, s.path); err != nil {
			discard(files[i:])
			return err
		}
	}
	return nil
}

// discard removes staged files that will not be committed.
func discard(files []staged) {
	for _, s := range files {
		os.Remove(s.tmp)
	}
}
