package docs

import (
	"fmt"
	"strings"
)

// An edit is one line of an edit script: ' ' kept, '-' deleted, '+' inserted.
type edit struct {
	Op   byte
	Text string
}

// lineDiff returns an edit script that turns a into b, computed from a
// weighted longest common subsequence: a kept line with content weighs more
// than a kept blank line, so that blank lines do not pull a change apart
// (a plain LCS happily keeps a blank line from the middle of a rewritten
// block). Within a change, deletions come before insertions, as in diff -u.
// The files it compares are tens of lines long: the quadratic table is cheap.
func lineDiff(a, b []string) []edit {
	// lcs[i][j] is the weight of the best common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			if a[i] == b[j] {
				lcs[i][j] = max(lcs[i][j], lcs[i+1][j+1]+weight(a[i]))
			}
		}
	}
	// keeps reports whether a[i] and b[j] can be kept on a best path.
	keeps := func(i, j int) bool {
		return i < len(a) && j < len(b) && a[i] == b[j] && lcs[i][j] == lcs[i+1][j+1]+weight(a[i])
	}
	var es []edit
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case keeps(i, j):
			es = append(es, edit{' ', a[i]})
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] > lcs[i][j+1] ||
			lcs[i+1][j] == lcs[i][j+1] && !(keeps(i, j+1) && !keeps(i+1, j))):
			// Delete, unless inserting is as good and is followed at once by a
			// kept line while deleting is not: that keeps blank lines between
			// the changes they separate, as diff -u shows them.
			es = append(es, edit{'-', a[i]})
			i++
		default:
			es = append(es, edit{'+', b[j]})
			j++
		}
	}
	return es
}

// weight is what keeping a line is worth: blank lines and bare comment
// markers are worth little, lines with content a lot.
func weight(line string) int {
	switch strings.TrimSpace(line) {
	case "", "#", "//":
		return 1
	}
	return 100
}

// splitLines splits a file into lines without their newlines.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// unifiedDiff returns the unified diff of two files with ctx lines of
// context, headed "--- aName" and "+++ bName" like git diff, or "" when the
// files are equal. Both files are expected to end with a newline.
func unifiedDiff(aName, bName, a, b string, ctx int) string {
	es := lineDiff(splitLines(a), splitLines(b))
	var changes []int
	for k, e := range es {
		if e.Op != ' ' {
			changes = append(changes, k)
		}
	}
	if len(changes) == 0 {
		return ""
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)

	// aLine[k], bLine[k]: how many lines of a and b come before es[k].
	aLine := make([]int, len(es)+1)
	bLine := make([]int, len(es)+1)
	for k, e := range es {
		aLine[k+1], bLine[k+1] = aLine[k], bLine[k]
		if e.Op != '+' {
			aLine[k+1]++
		}
		if e.Op != '-' {
			bLine[k+1]++
		}
	}
	for c := 0; c < len(changes); {
		// Extend the hunk while the next change is at most 2*ctx kept lines away.
		last := c
		for last+1 < len(changes) && changes[last+1]-changes[last]-1 <= 2*ctx {
			last++
		}
		start := max(0, changes[c]-ctx)
		end := min(len(es), changes[last]+ctx+1)
		aCount, bCount := aLine[end]-aLine[start], bLine[end]-bLine[start]
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aLine[start], aCount), hunkRange(bLine[start], bCount))
		for _, e := range es[start:end] {
			out.WriteByte(e.Op)
			out.WriteString(e.Text)
			out.WriteByte('\n')
		}
		c = last + 1
	}
	return out.String()
}

// hunkRange formats a hunk's range the way GNU diff does: "start,count",
// just "start" for one line, and the line before for an empty range.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, count)
}
