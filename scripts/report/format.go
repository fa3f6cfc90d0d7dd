package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Number formatting for the markdown and the chart. Sizes are decimal, with
// three significant digits, like docker images shows them (965MB, 6.34MB),
// with a space before the unit.

var decimalUnits = []string{"B", "kB", "MB", "GB", "TB", "PB"}

// humanSize formats a byte count: 965 MB, 87.1 MB, 6.34 MB, 31 B.
func humanSize(n int64) string {
	f := float64(n)
	i := 0
	for {
		if i == len(decimalUnits)-1 {
			break
		}
		// Move up a unit when three digits would round to 1000 or more.
		if r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 3, 64), 64); math.Abs(r) < 1000 {
			break
		}
		f /= 1000
		i++
	}
	if i == 0 {
		return strconv.FormatInt(n, 10) + " B"
	}
	return strconv.FormatFloat(f, 'f', decimals(f), 64) + " " + decimalUnits[i]
}

// decimals returns how many decimals show three significant digits of f.
func decimals(f float64) int {
	f = math.Abs(f)
	switch {
	case f == 0 || f >= 99.95:
		return 0
	case f >= 9.995:
		return 1
	}
	return 2
}

// times formats how many times smaller x is than base: "1×", "11.1×", "152×".
func times(base, x int64) string {
	if x <= 0 || base <= 0 {
		return "–"
	}
	if x == base {
		return "1×"
	}
	f := float64(base) / float64(x)
	return strconv.FormatFloat(f, 'f', decimals(f), 64) + "×"
}

// percent formats a 0..1 ratio with up to two decimals: "100 %", "99.99 %".
func percent(r float64) string {
	return strconv.FormatFloat(math.Round(r*10000)/100, 'f', -1, 64) + " %"
}

// share formats part of total as a percentage with one decimal.
func share(part, total int64) string {
	if total <= 0 {
		return "–"
	}
	p := 100 * float64(part) / float64(total)
	if part > 0 && p < 0.05 {
		return "<0.1 %"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + " %"
}

// millis formats nanoseconds as milliseconds: "212 ms", "8.4 ms".
func millis(ns int64) string {
	ms := float64(ns) / 1e6
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// shortID returns the 12 hex digits docker images shows of an ID.
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// runsAs describes the user of a posture: "root", "65532", or the name.
func runsAs(p Posture) string {
	switch {
	case p.UID == nil:
		return p.User + " (name)"
	case *p.UID == 0:
		return "root"
	}
	return strconv.Itoa(*p.UID)
}

// cell makes s safe in a markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// maxCommand is how many characters of a layer's command the tables show.
const maxCommand = 72

// shortCommand shortens a layer's command to fit a table: BuildKit's
// "# buildkit" marker and the shell prefix go, long commands are cut.
func shortCommand(cmd string) string {
	cmd = strings.Join(strings.Fields(cmd), " ")
	cmd = strings.TrimSuffix(cmd, " # buildkit")
	cmd = strings.Replace(cmd, "RUN /bin/sh -c ", "RUN ", 1)
	cmd = strings.ReplaceAll(cmd, "`", "'") // it goes in a code span
	return clip(cmd, maxCommand)
}

// layerCommand is the command column of the layer tables.
func layerCommand(l Layer) string {
	cmd := shortCommand(l.Command)
	switch {
	case l.FromBase != "" && cmd == "":
		return fmt.Sprintf("FROM %s", l.FromBase)
	case l.FromBase != "":
		return fmt.Sprintf("FROM %s: `%s`", l.FromBase, cell(cmd))
	case cmd == "":
		return "–"
	}
	return "`" + cell(cmd) + "`"
}

// rate formats requests per second with three significant digits, and
// thousands separators from 1,000 on: "41,200", "987", "12.3".
func rate(r float64) string {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(r, 'g', 3, 64), 64)
	if f < 1000 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatInt(int64(f), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ratio formats a ratio with two decimals, "1.03×", exactly 1 as "1×" and
// none as "–".
func ratio(r *float64) string {
	switch {
	case r == nil:
		return "–"
	case *r == 1:
		return "1×"
	}
	return strconv.FormatFloat(*r, 'f', 2, 64) + "×"
}

// latency formats nanoseconds as milliseconds with two significant digits
// under 10 ms: "0.62 ms", "4.5 ms", "12 ms".
func latency(ns int64) string {
	ms := float64(ns) / 1e6
	switch {
	case ms < 1:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// seconds formats nanoseconds as seconds, as short as exact: "0.3 s", "1.2 s".
func seconds(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e9, 'f', -1, 64) + " s"
}

// codeList lists words as code spans, the last two joined by "and":
// "`POST`, `PUT` and `PATCH`".
func codeList(words []string) string {
	spans := make([]string, len(words))
	for i, w := range words {
		spans[i] = "`" + w + "`"
	}
	if len(spans) < 2 {
		return strings.Join(spans, "")
	}
	return strings.Join(spans[:len(spans)-1], ", ") + " and " + spans[len(spans)-1]
}

// clip shortens s to at most n characters, ending it with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
