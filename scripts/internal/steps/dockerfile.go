package steps

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"slices"
	"strings"
)

// BaseImages returns the images a step's Dockerfile builds FROM, in
// order and once each, leaving out scratch and the names of earlier stages.
func (v Step) BaseImages(fsys fs.FS) ([]string, error) {
	f, err := fsys.Open(v.Dockerfile())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	refs, err := FromImages(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v.Dockerfile(), err)
	}
	return refs, nil
}

// FromImages returns the images a Dockerfile read from r builds FROM, in
// order and once each, leaving out scratch and the names of earlier stages.
// A FROM that needs an ARG to name its image is an error: the tooling could
// not tell which image to fetch.
func FromImages(r io.Reader) ([]string, error) {
	var refs []string
	stages := map[string]bool{"scratch": true}
	for inst, err := range instructions(r) {
		if err != nil {
			return nil, err
		}
		f := strings.Fields(inst)
		if len(f) == 0 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		f = slices.DeleteFunc(f[1:], func(s string) bool { return strings.HasPrefix(s, "--") })
		if len(f) == 0 {
			return nil, fmt.Errorf("FROM without an image: %q", inst)
		}
		ref := f[0]
		if strings.Contains(ref, "$") {
			return nil, fmt.Errorf("FROM %s: an image named by an ARG is not supported here; write the image name out", ref)
		}
		if !stages[strings.ToLower(ref)] && !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
		// A stage's name can be built FROM in the stages after it.
		if len(f) >= 3 && strings.EqualFold(f[1], "AS") {
			stages[strings.ToLower(f[2])] = true
		}
	}
	return refs, nil
}

// instructions yields a Dockerfile's instructions with their continuation
// lines joined, and comments and blank lines left out.
func instructions(r io.Reader) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var cur strings.Builder
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
				continue
			}
			if s, ok := strings.CutSuffix(line, "\\"); ok {
				cur.WriteString(s + " ")
				continue
			}
			cur.WriteString(line)
			if !yield(cur.String(), nil) {
				return
			}
			cur.Reset()
		}
		if err := sc.Err(); err != nil {
			yield("", err)
			return
		}
		if cur.Len() > 0 {
			yield(cur.String(), nil)
		}
	}
}
