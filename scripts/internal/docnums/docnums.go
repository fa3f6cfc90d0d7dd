// Package docnums keeps the figures quoted in the workshop's lessons equal to
// the measured ones.
//
// A lesson never types a measured figure bare. It wraps it in a marker that
// names where the figure comes from:
//
//	<!-- num:size:04-scratch-static -->5.8 MB<!-- /num -->
//
// The key, here "size:04-scratch-static", names a figure and a step of the
// results model (results.Results.Figures lists them); the text between the
// two comments is the figure as a reader sees it. GitHub does not render the
// comments, so the page reads "5.8 MB".
//
// After measuring, make report refreshes every lesson in place:
//
//	values := res.Figures() // {"size:04-scratch-static": "5.90 MB", ...}
//	for _, path := range lessons { // README*.md, NN-*/README*.md
//		text, _ := os.ReadFile(path)
//		out, missing, err := docnums.Rewrite(string(text), values)
//		if err != nil { ... }           // a malformed marker: fix the lesson
//		if len(missing) > 0 { ... }     // keys the run did not measure: warn
//		os.WriteFile(path, []byte(out), 0o644)
//	}
//
// The tests in scripts/docs check that every marker equals the figure of
// results.json.
package docnums

import (
	"fmt"
	"regexp"
	"strings"
)

// A Marker is one quoted figure found in a text.
type Marker struct {
	Key   string // for example "size:04-scratch-static"
	Value string // the text between the markers, for example "5.8 MB"
	Line  int    // 1-based line of the opening marker
}

// Step returns the step part of the key ("04-scratch-static").
func (m Marker) Step() string { _, v, _ := strings.Cut(m.Key, ":"); return v }

const closeTag = "<!-- /num -->"

// open matches an opening marker and captures its key.
var open = regexp.MustCompile(`<!-- num:([a-z0-9][a-z0-9_-]*:[0-9]{2}-[a-z0-9-]+) -->`)

// anyNum finds every num comment, well-formed or not, to report typos.
var anyNum = regexp.MustCompile(`<!--\s*/?\s*num\b[^>]*-->`)

// Find returns the markers in text, in order. A marker must open and close
// on the same line and must not nest; anything else is an error that names
// the line.
func Find(text string) ([]Marker, error) {
	var ms []Marker
	_, err := scan(text, func(m Marker) string { ms = append(ms, m); return m.Value })
	return ms, err
}

// Rewrite returns text with the value of every marker replaced by
// values[key]. The markers themselves stay, so the text can be rewritten
// again after the next measurement. Keys that values lacks (or maps to an
// empty string) keep their old figure and are returned in missing, once
// each, in order of appearance.
// err is non-nil only for a malformed marker; then text is returned as is.
func Rewrite(text string, values map[string]string) (out string, missing []string, err error) {
	seen := map[string]bool{}
	out, err = scan(text, func(m Marker) string {
		v := values[m.Key]
		if strings.TrimSpace(v) == "" {
			if !seen[m.Key] {
				missing = append(missing, m.Key)
				seen[m.Key] = true
			}
			return m.Value
		}
		return v
	})
	if err != nil {
		return text, nil, err
	}
	return out, missing, nil
}

// scan walks the markers of text, replaces each value with what f returns,
// and returns the new text.
func scan(text string, f func(Marker) string) (string, error) {
	var b strings.Builder
	lines := strings.SplitAfter(text, "\n")
	for i, line := range lines {
		n := i + 1
		// Every num comment on the line must be part of a well-formed pair.
		for _, c := range anyNum.FindAllString(line, -1) {
			if c != closeTag && !open.MatchString(c) {
				return "", fmt.Errorf("line %d: malformed marker %q: want <!-- num:COLUMN:NN-step -->figure%s", n, c, closeTag)
			}
		}
		for {
			loc := open.FindStringSubmatchIndex(line)
			if loc == nil {
				if strings.Contains(line, closeTag) {
					return "", fmt.Errorf("line %d: %s without an opening <!-- num:... -->", n, closeTag)
				}
				b.WriteString(line)
				break
			}
			key := line[loc[2]:loc[3]]
			rest := line[loc[1]:]
			end := strings.Index(rest, closeTag)
			if end < 0 {
				return "", fmt.Errorf("line %d: <!-- num:%s --> is not closed by %s on the same line", n, key, closeTag)
			}
			value := rest[:end]
			if strings.Contains(value, "<!--") {
				return "", fmt.Errorf("line %d: <!-- num:%s --> holds another comment before its %s", n, key, closeTag)
			}
			if strings.TrimSpace(value) == "" {
				return "", fmt.Errorf("line %d: <!-- num:%s --> is empty: put the figure (or a placeholder such as TBD) between the markers", n, key)
			}
			b.WriteString(line[:loc[1]])
			b.WriteString(f(Marker{Key: key, Value: value, Line: n}))
			b.WriteString(closeTag)
			line = rest[end+len(closeTag):]
		}
	}
	return b.String(), nil
}
