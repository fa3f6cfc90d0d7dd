package docnums

import (
	"errors"
	"regexp"
	"strings"
)

// stepCell matches a summary-table cell that names a step, bare or as
// code or a link: 04-scratch-static, `04-scratch-static`, [04-...](...).
var stepCell = regexp.MustCompile(`^\[?` + "`?" + `([0-9]{2}-[a-z0-9-]+)` + "`?" + `\]?(?:\([^)]*\))?$`)

// Values returns the figures of a RESULTS.md text by marker key. Every
// markdown table whose first column names the steps contributes: each other
// column gives one key per step, Key(ColumnKey(header), step), whose value is
// the cell's text without emphasis or code ticks. When two tables share a
// column name, the first one wins, so the summary table (which comes first)
// is the source of "size", and a later table adds what the summary lacks,
// such as "binary". Tables of other rows (base images, layers) are skipped.
//
// For the RESULTS.md that make report writes, the keys include
// size:NN-name, compressed:NN-name, vs_01_single_stage:NN-name (how many
// times smaller than the baseline) and binary:NN-name.
func Values(resultsMD string) (map[string]string, error) {
	values := map[string]string{}
	lines := strings.Split(resultsMD, "\n")
	for i := 0; i+2 < len(lines); i++ {
		header := cells(lines[i])
		if len(header) < 2 || !IsTableDelimiter(lines[i+1]) {
			continue
		}
		table := map[string]string{}
		k := i + 2
		for ; k < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[k]), "|"); k++ {
			c := cells(lines[k])
			m := stepCell.FindStringSubmatch(plain(c[0]))
			if m == nil {
				continue
			}
			for j := 1; j < len(c) && j < len(header); j++ {
				if col := ColumnKey(header[j]); col != "" {
					table[Key(col, m[1])] = plain(c[j])
				}
			}
		}
		for key, v := range table {
			if _, seen := values[key]; !seen {
				values[key] = v
			}
		}
		i = k - 1
	}
	if len(values) == 0 {
		return nil, errors.New("no results table found: want a markdown table whose first column names the steps (01-single-stage, ...)")
	}
	return values, nil
}

// ColumnKey turns a column header into the column part of a marker key:
// lower case, words joined by '_', units in parentheses dropped.
// "Image size" is "image_size"; "Size (MB)" is "size".
func ColumnKey(header string) string {
	h := plain(header)
	if i := strings.Index(h, "("); i >= 0 {
		h = h[:i]
	}
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ToLower(h), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		b.WriteString(w)
	}
	return b.String()
}

var delimiter = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)

// IsTableDelimiter reports whether line is a markdown table's delimiter row,
// the one under the header: |---|--:|, | :-- | --- | or ---|---. A lone ---
// matches too: it is a delimiter only under a header row, which the caller
// checks.
func IsTableDelimiter(line string) bool { return delimiter.MatchString(line) }

// cells splits a table row into its trimmed cells.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	if !strings.HasPrefix(row, "|") {
		return nil
	}
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	parts := strings.Split(strings.ReplaceAll(row, `\|`, "\x00"), "|")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(strings.ReplaceAll(p, "\x00", "|"))
	}
	return parts
}

// plain strips the inline markup a generated cell may carry.
func plain(s string) string {
	s = strings.NewReplacer("**", "", "__", "", "`", "").Replace(s)
	return strings.TrimSpace(s)
}
