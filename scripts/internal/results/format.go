package results

import (
	"math"
	"strconv"
	"strings"
)

// Number formatting, one convention for every page and both languages: a
// decimal point, and a narrow no-break space (U+202F) between thousands
// from five digits on ("44 400"), which no reader takes for a decimal.
// Sizes are decimal, with three significant digits, like docker images
// shows them (965MB, 6.34MB), with a space before the unit.

var decimalUnits = []string{"B", "kB", "MB", "GB", "TB", "PB"}

// Bytes formats a byte count: 965 MB, 87.1 MB, 6.34 MB, 31 B.
func Bytes(n int64) string {
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

// Times formats how many times smaller x is than base: "1×", "11.1×", "152×".
func Times(base, x int64) string {
	if x <= 0 || base <= 0 {
		return "–"
	}
	if x == base {
		return "1×"
	}
	f := float64(base) / float64(x)
	return strconv.FormatFloat(f, 'f', decimals(f), 64) + "×"
}

// Percent formats a 0..1 ratio with up to two decimals: "100 %", "99.99 %".
func Percent(r float64) string {
	return strconv.FormatFloat(math.Round(r*10000)/100, 'f', -1, 64) + " %"
}

// Share formats part of total as a percentage with one decimal.
func Share(part, total int64) string {
	if total <= 0 {
		return "–"
	}
	p := 100 * float64(part) / float64(total)
	if part > 0 && p < 0.05 {
		return "<0.1 %"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + " %"
}

// Millis formats nanoseconds as milliseconds: "212 ms", "8.4 ms".
func Millis(ns int64) string {
	ms := float64(ns) / 1e6
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// Rate formats requests per second with three significant digits, its
// thousands apart from five digits on: "41 200", "9870", "987", "12.3".
func Rate(r float64) string {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(r, 'g', 3, 64), 64)
	if f < 1000 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return Int(int64(f))
}

// Ratio formats a ratio with two decimals, "1.03×", exactly 1 as "1×" and
// none as "–".
func Ratio(r *float64) string {
	switch {
	case r == nil:
		return "–"
	case *r == 1:
		return "1×"
	}
	return strconv.FormatFloat(*r, 'f', 2, 64) + "×"
}

// Latency formats nanoseconds as milliseconds with two significant digits
// under 10 ms: "0.62 ms", "4.5 ms", "12 ms".
func Latency(ns int64) string {
	ms := float64(ns) / 1e6
	switch {
	case ms < 1:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// Seconds formats nanoseconds as seconds, as short as exact: "0.3 s", "1.2 s".
func Seconds(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e9, 'f', -1, 64) + " s"
}

// Int formats an integer with its thousands apart from five digits on:
// "9870", "44 400", "1 000 000".
func Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(strings.TrimPrefix(s, "-")) < 5 {
		return s
	}
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "\u202f" + s[i:]
	}
	return s
}
