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
)

// write renders the outputs and replaces them all, or, if any fails to
// render or write, none.
func write(cfg *config, res *Results) error {
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	md, err := renderMarkdown(res)
	if err != nil {
		return err
	}
	// Read the README again: it may have been edited during the measurements.
	readme, err := os.ReadFile(cfg.readme)
	if err != nil {
		return err
	}
	link, err := filepath.Rel(filepath.Dir(cfg.readme), filepath.Join(cfg.out, "RESULTS.md"))
	if err != nil {
		return err
	}
	readme, err = renderReadme(readme, res, filepath.ToSlash(link))
	if err != nil {
		return fmt.Errorf("%s %v", display(cfg.readme), err)
	}
	type output struct {
		path string
		data []byte
	}
	outputs := []output{
		{filepath.Join(cfg.out, "results.json"), append(js, '\n')},
		{filepath.Join(cfg.out, "results.svg"), renderSVG(res.Steps)},
		{filepath.Join(cfg.out, "RESULTS.md"), md},
	}
	// The figures quoted in the READMEs and lessons come from RESULTS.md too.
	docs, err := refreshFigures(filepath.Dir(cfg.readme), cfg.readme, readme, md)
	if err != nil {
		return err
	}
	for _, d := range docs {
		outputs = append(outputs, output{d.path, d.data})
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

// doc is a README or lesson with its figures refreshed.
type doc struct {
	path string
	data []byte
}

// refreshFigures rewrites the marked figures (see docnums) in the README,
// whose new text is readme, and in every README*.md beside it and in its
// NN-name step directories, from the summary table of the RESULTS.md text
// md. Figures of steps this run did not measure keep their old values,
// and one line says so.
func refreshFigures(dir, readmePath string, readme, md []byte) ([]doc, error) {
	values, err := docnums.Values(string(md))
	if err != nil {
		return nil, fmt.Errorf("RESULTS.md as rendered: %v", err)
	}
	lessons, err := docnums.Lessons(os.DirFS(dir))
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, l := range lessons {
		paths = append(paths, filepath.Join(dir, filepath.FromSlash(l)))
	}
	var docs []doc
	var kept []string
	for _, path := range paths {
		text := readme
		if path != readmePath {
			if text, err = os.ReadFile(path); err != nil {
				return nil, err
			}
		}
		out, missing, err := docnums.Rewrite(string(text), values)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", display(path), err)
		}
		kept = append(kept, missing...)
		if path == readmePath || out != string(text) {
			docs = append(docs, doc{path, []byte(out)})
		}
	}
	if !slices.Contains(paths, readmePath) { // a -readme not named README*.md
		docs = append(docs, doc{readmePath, readme})
	}
	if len(kept) > 0 {
		log.Printf("%d figure(s) in the lessons keep their earlier values: this run did not measure %s", len(kept), strings.Join(stepsOf(kept), ", "))
	}
	return docs, nil
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
