package docnums

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// The markers around the results table in README.md, which make report
// fills. Only the text between them is generated.
const (
	ResultsBegin = "<!-- results:begin -->"
	ResultsEnd   = "<!-- results:end -->"
)

// ErrNoMarkers is CheckMarkers' error for a README without both markers in
// order. Like every CheckMarkers error, it reads after the README's name.
var ErrNoMarkers = errors.New("has no " + ResultsBegin + " … " + ResultsEnd + " markers to put the results table between")

// CheckMarkers reports whether readme holds ResultsBegin then ResultsEnd,
// once each.
func CheckMarkers(readme []byte) error {
	b, e := bytes.Index(readme, []byte(ResultsBegin)), bytes.Index(readme, []byte(ResultsEnd))
	switch {
	case b < 0 || e < 0 || e < b:
		return ErrNoMarkers
	case bytes.Count(readme, []byte(ResultsBegin)) > 1 || bytes.Count(readme, []byte(ResultsEnd)) > 1:
		return fmt.Errorf("has the %s or %s marker more than once", ResultsBegin, ResultsEnd)
	}
	return nil
}

// lessonPatterns are where the workshop's pages are: the READMEs at the
// root, in every language, and those of every NN-name step directory.
var lessonPatterns = []string{"README*.md", "[0-9][0-9]-*/README*.md"}

// Lessons returns the workshop's pages in fsys, the READMEs whose figures
// carry markers: README*.md at its root and in every NN-name directory,
// as slash-separated paths, sorted.
func Lessons(fsys fs.FS) ([]string, error) {
	var all []string
	for _, pattern := range lessonPatterns {
		m, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, err
		}
		all = append(all, m...)
	}
	slices.Sort(all)
	return all, nil
}
