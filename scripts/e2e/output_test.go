//go:build e2e

package e2e

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"lean-go-images/scripts/internal/docnums"
)

// The lessons show real outputs (a dive screen, a docker history, an error,
// a debugging session) in blocks that name what produced them:
//
//	<!-- output:NAME -->
//	```text
//	...
//	```
//	<!-- /output -->
//
// The test that produces NAME's output from the real images compares it
// with every block of that name, in both languages, and -update rewrites
// the blocks with it instead:
//
//	go test -tags e2e ./scripts/e2e -run 'TestExplore|TestHistory|TestCrossPlatform|TestDebugContainer' -update
var update = flag.Bool("update", false, "rewrite the lessons' <!-- output:NAME --> blocks with this run's outputs")

// outputBlock matches one output block; group 1 is its name, 2 its body.
var outputBlock = regexp.MustCompile("(?ms)^<!-- output:([a-z0-9][a-z0-9-]*) -->\n```text\n(.*?)^```\n<!-- /output -->$")

// A normalizer rewrites a part of an output that changes from run to run
// (an ID, a date, an inode number) to a fixed text, on both sides of the
// comparison: the lessons keep the real text of the run that wrote them.
// With within set, what it rewrites are sizes, and they must also agree,
// in order, within that fraction.
type normalizer struct {
	re     *regexp.Regexp
	repl   string
	within float64
}

func (n normalizer) apply(s string) string { return n.re.ReplaceAllString(s, n.repl) }

// differs says how the sizes a within normalizer matches in the lesson and
// in got part by more than its fraction; "" when they do not.
func (n normalizer) differs(lesson, got string) string {
	a, b := n.re.FindAllStringSubmatch(lesson, -1), n.re.FindAllStringSubmatch(got, -1)
	if n.within == 0 || len(a) != len(b) {
		return "" // the normalized texts differ, and say where
	}
	for i := range a {
		x, y := siBytes(a[i][1], a[i][2]), siBytes(b[i][1], b[i][2])
		if math.Abs(x-y) > n.within*math.Max(x, y) {
			return fmt.Sprintf("size %d: the lesson has %s, this run %s, more than %g %% apart",
				i+1, strings.TrimSpace(a[i][0]), strings.TrimSpace(b[i][0]), n.within*100)
		}
	}
	return ""
}

// siBytes reads a size as dive and docker print it: 5.3 kB, 96MB, 0 B.
func siBytes(num, unit string) float64 {
	f, _ := strconv.ParseFloat(num, 64)
	return f * map[string]float64{"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[unit]
}

var (
	// normHexIDs masks image, layer and content IDs, full or cut short.
	normHexIDs = normalizer{re: regexp.MustCompile(`[0-9a-f]{12,}`), repl: "<id>"}
	// normDates masks the dates ls -l prints: Dec  2 05:00, Mar 15  2025.
	normDates = normalizer{re: regexp.MustCompile(`[A-Z][a-z]{2} [ 0-9][0-9] ( [0-9]{4}|[0-9]{2}:[0-9]{2})`), repl: "<date>"}
	// normSizes holds the sizes dive and docker history print, with the
	// spaces that align them, to 5 %. Step 1's include its base's
	// directories, which the Debian packages of the day make: a point
	// release moves one by a megabyte. A layer that grows, shrinks by a
	// cache or goes still fails the check.
	normSizes = normalizer{re: regexp.MustCompile(` *\b([0-9]+(?:\.[0-9]+)?) ?([kMG]?B)\b *`), repl: " <size> ", within: 0.05}
)

// lessonsMu serializes the read-modify-write of the lessons under -update.
var lessonsMu sync.Mutex

// checkOutput compares got, an output this run produced, with every
// <!-- output:name --> block of the lessons, after norms; with -update it
// writes got into them instead. Trailing spaces are dropped from each line,
// as a markdown page keeps none. There must be at least one such block.
func checkOutput(t *testing.T, root, name, got string, norms ...normalizer) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	got = strings.Join(lines, "\n") + "\n"
	t.Logf("output %s:\n%s", name, got)
	lessonsMu.Lock()
	defer lessonsMu.Unlock()
	pages, err := docnums.Lessons(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, page := range pages {
		path := filepath.Join(root, filepath.FromSlash(page))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		stale := false
		out := outputBlock.ReplaceAllStringFunc(text, func(block string) string {
			m := outputBlock.FindStringSubmatch(block)
			if m[1] != name {
				return block
			}
			found++
			// -update writes this run's text, volatile parts included;
			// a check leaves them aside.
			diff := compare(m[2], got, norms)
			if m[2] == got || !*update && diff == "" {
				return block
			}
			stale = true
			if !*update {
				t.Errorf("%s: <!-- output:%s --> differs from this run's output (above), %s; if the change is expected, rewrite it with -update",
					page, name, diff)
			}
			return "<!-- output:" + name + " -->\n```text\n" + got + "```\n<!-- /output -->"
		})
		if stale && *update {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("updated <!-- output:%s --> in %s", name, page)
		}
	}
	if found == 0 {
		t.Errorf("no lesson has an <!-- output:%s --> block to compare this output with", name)
	}
}

// compare says how the lesson's text and got differ once norms have
// rewritten both, and the sizes of a within normalizer told apart; "" when
// they agree.
func compare(lesson, got string, norms []normalizer) string {
	for _, n := range norms {
		if d := n.differs(lesson, got); d != "" {
			return d
		}
		lesson, got = n.apply(lesson), n.apply(got)
	}
	if lesson != got {
		return "from line " + firstDifference(lesson, got)
	}
	return ""
}

// firstDifference says where two texts part: the line number, and that line
// in each.
func firstDifference(lesson, got string) string {
	a, b := strings.Split(lesson, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(a) || i < len(b); i++ {
		var la, lb string
		if i < len(a) {
			la = a[i]
		}
		if i < len(b) {
			lb = b[i]
		}
		if la != lb {
			return fmt.Sprintf("%d: the lesson has %q, this run %q", i+1, la, lb)
		}
	}
	return "?"
}

// TestNormSizes holds normSizes to what it promises: sizes within 5 %
// agree, whatever their alignment; a size further off, or a missing row,
// does not.
func TestNormSizes(t *testing.T) {
	lesson := "    869 MB  FROM <id>\n     256 MB  │   ├─⊕ lib\n96MB      RUN go build\n"
	for _, tc := range []struct {
		name, got string
		same      bool
	}{
		{"identical", lesson, true},
		{"a point release", "    869 MB  FROM <id>\n     257 MB  │   ├─⊕ lib\n96MB      RUN go build\n", true},
		{"wider figure", "    869 MB  FROM <id>\n    1.0 GB  │   ├─⊕ lib\n96MB      RUN go build\n", false},
		{"cache gone", "    869 MB  FROM <id>\n     256 MB  │   ├─⊕ lib\n0B        RUN go build\n", false},
		{"row gone", "    869 MB  FROM <id>\n96MB      RUN go build\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diff := compare(lesson, tc.got, []normalizer{normSizes})
			if (diff == "") != tc.same {
				t.Errorf("compare = %q, want agreement %v", diff, tc.same)
			}
		})
	}
}
