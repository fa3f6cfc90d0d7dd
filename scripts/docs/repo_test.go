package docs

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lean-go-images/scripts/internal/docnums"
	"lean-go-images/scripts/internal/results"
	"lean-go-images/scripts/internal/steps"
)

var update = flag.Bool("update", false, "rewrite the lessons' diffs from the Dockerfiles and their figures from results.json")

// repo returns the repository root and the workshop's steps.
func repo(t *testing.T) (root string, fsys fs.FS, names []string) {
	t.Helper()
	root, err := steps.Root()
	if err != nil {
		t.Fatal(err)
	}
	fsys = os.DirFS(root)
	vs, err := steps.Find(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		names = append(names, v.Name)
	}
	return root, fsys, names
}

// repoReadmes returns the READMEs of the repository and their texts.
func repoReadmes(t *testing.T, fsys fs.FS) ([]string, map[string]string) {
	t.Helper()
	names, err := docnums.Lessons(fsys)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			t.Fatal(err)
		}
		texts[n] = string(b)
	}
	return names, texts
}

func report(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

// TestEveryPageHasItsTranslation: the walkthrough and every step have an
// English and a Spanish page that link to each other and stay in step.
func TestEveryPageHasItsTranslation(t *testing.T) {
	_, fsys, steps := repo(t)
	pages := []string{"README.md"}
	for _, s := range steps {
		pages = append(pages, s+"/README.md")
	}
	for _, p := range pages {
		t.Run(p, func(t *testing.T) { report(t, checkTwins(fsys, p)) })
	}
}

// TestMakeTargetsExist: every make command in a README names a target and
// variables of the Makefile; build-% only for a real step.
func TestMakeTargetsExist(t *testing.T) {
	_, fsys, steps := repo(t)
	mk, err := fs.ReadFile(fsys, "Makefile")
	if err != nil {
		t.Fatal(err)
	}
	mf := parseMakefile(string(mk))
	if !mf.Targets["all"] || !slices.Contains(mf.Patterns, "build-%") {
		t.Fatalf("the Makefile parser found no all target or build-%% rule: targets %v, patterns %v", mf.Targets, mf.Patterns)
	}
	isStep := func(stem string) bool { return slices.Contains(steps, stem) }
	names, texts := repoReadmes(t, fsys)
	calls := 0
	for _, n := range names {
		calls += len(makeCalls(texts[n]))
		report(t, checkMakeTargets(n, texts[n], mf, isStep))
	}
	if calls == 0 {
		t.Error("no make command found in any README: the checker is broken")
	}
}

// TestLinksResolve: every relative link and image resolves, anchors included.
func TestLinksResolve(t *testing.T) {
	_, fsys, _ := repo(t)
	names, _ := repoReadmes(t, fsys)
	for _, n := range names {
		report(t, checkLinks(fsys, n))
	}
}

// TestReadmesRender: both languages render as their authors meant on GitHub.
func TestReadmesRender(t *testing.T) {
	_, fsys, _ := repo(t)
	names, texts := repoReadmes(t, fsys)
	for _, n := range names {
		report(t, checkRender(n, texts[n]))
	}
}

// TestResultsMarkers: each language's README keeps the one pair of markers
// make report fills, in order, and in the same section: the walkthrough shows
// the results tables in English and in Spanish alike.
func TestResultsMarkers(t *testing.T) {
	_, fsys, _ := repo(t)
	section := map[string]int{}
	for _, name := range []string{"README.md", "README.es.md"} {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := docnums.CheckMarkers(b); err != nil {
			t.Errorf("%s %v: it must hold %s then %s, once each", name, err, docnums.ResultsBegin, docnums.ResultsEnd)
			continue
		}
		// The markers sit under the section of the headings before them.
		before, _, _ := strings.Cut(string(b), docnums.ResultsBegin)
		lines, _ := parseLines(before)
		section[name] = len(headings(lines))
	}
	if en, es := section["README.md"], section["README.es.md"]; en != 0 && es != 0 && en != es {
		t.Errorf("the results markers follow heading %d in README.md but heading %d in README.es.md: put them in the same section", en, es)
	}
}

// lessonShape is the shared outline of every step page: its second-level
// headings, in order, and the words its first paragraph starts with.
var lessonShape = map[string]struct {
	intro    string
	sections []string
}{
	"en": {"In this step you will", []string{"Build it", "Output", "What changed", "Why it is smaller", "What you give up", "Next"}},
	"es": {"En este paso vas a", []string{"Construye la imagen", "Resultado", "Qué cambió", "Por qué ocupa menos", "Qué se pierde", "Siguiente"}},
}

// TestLessonShape: every step page has the same sections, in the same order.
func TestLessonShape(t *testing.T) {
	_, fsys, steps := repo(t)
	for _, s := range steps {
		for lang, shape := range lessonShape {
			name := s + "/README.md"
			if lang == "es" {
				name = s + "/README.es.md"
			}
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				t.Error(err)
				continue
			}
			lines, _ := parseLines(string(b))
			var h2 []string
			for _, h := range headings(lines) {
				if h.Level == 2 {
					h2 = append(h2, h.Text)
				}
			}
			if !slices.Equal(h2, shape.sections) {
				t.Errorf("%s: sections %q, want %q", name, h2, shape.sections)
			}
			if !strings.Contains(string(b), "\n"+shape.intro) {
				t.Errorf("%s: no paragraph starts with %q", name, shape.intro)
			}
		}
	}
}

// resultsValues returns the measured figures of results.json by marker
// key, or nil when results.json does not exist yet.
func resultsValues(t *testing.T, root string) map[string]string {
	t.Helper()
	r, err := results.ReadFile(filepath.Join(root, "results.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return r.Figures()
}

// TestLessons checks the diffs and the measured figures of every README:
// each diff against the real Dockerfiles, each figure against results.json.
// With -update it rewrites them in place instead:
//
//	go test ./scripts/docs -run TestLessons -update
func TestLessons(t *testing.T) {
	root, fsys, steps := repo(t)
	values := resultsValues(t, root)
	if values == nil {
		t.Log("results.json does not exist yet: figures not checked (run make all && make report)")
	}
	names, texts := repoReadmes(t, fsys)
	diffs, nums := 0, 0
	for _, n := range names {
		problems, text := checkDiffs(fsys, steps, n)
		blocks, _ := diffBlocks(n, text)
		diffs += len(blocks)
		_, p := outputBlocks(n, text)
		problems = append(problems, p...)
		if values != nil {
			var p []string
			p, text = checkNums(n, text, values)
			problems = append(problems, p...)
		}
		ms, err := docnums.Find(text)
		if err != nil {
			problems = append(problems, n+": "+err.Error())
		}
		nums += len(ms)
		if *update {
			if text != texts[n] {
				if err := os.WriteFile(filepath.Join(root, n), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("updated %s", n)
			}
			continue
		}
		report(t, problems)
	}
	// Every step after the first shows its diff, in both languages.
	if want := 2 * (len(steps) - 1); diffs < want {
		t.Errorf("found %d diff blocks in the READMEs, want at least %d (one per step after the first, per language)", diffs, want)
	}
	if nums == 0 {
		t.Error("found no <!-- num:... --> figure in the READMEs: the checker is broken")
	}
}

// sizeFigure matches a size typed in prose: 5.8 MB, 940MB, 12 kB, 1.2 GiB.
var sizeFigure = regexp.MustCompile(`\b[0-9]+(?:[.,][0-9]+)? ?(?:[kKMG]i?B)\b`)

// cited are the figures the lessons quote from elsewhere, always with their
// source: the article's (Go 1.11, another machine) and the Go documentation's
// cost of embedding time/tzdata. Never measured here, so never refreshed.
// Only the team's number format is listed (TestNumberFormat): the pages
// paraphrase the article rather than quote it, and the article itself writes
// "6.55MB" with a decimal point, so "6,55 MB" was never its format.
var cited = []string{"783 MB", "6.55 MB", "450 KB"}

// TestNumberFormat: the prose of every page, in both languages, writes
// numbers one way: a decimal point, and U+202F or nothing between thousands
// (see groupSep). The block between the results markers is left to make
// report, which writes it.
func TestNumberFormat(t *testing.T) {
	_, fsys, _ := repo(t)
	names, texts := repoReadmes(t, fsys)
	for _, n := range names {
		report(t, checkNumbers(n, texts[n]))
	}
}

// TestNoBareSizes: a size in a lesson is either a marked measurement or one
// of the article's cited figures, so that no invented or stale number hides
// in prose. Code blocks and inline code are not prose and are skipped.
func TestNoBareSizes(t *testing.T) {
	_, fsys, _ := repo(t)
	names, texts := repoReadmes(t, fsys)
	marker := regexp.MustCompile(`<!-- num:[^>]*-->.*?<!-- /num -->`)
	for _, n := range names {
		// The generated results table is make report's, not the lessons'.
		lines, _ := parseLines(withoutResults(texts[n]))
		for _, l := range proseLines(lines) {
			prose := marker.ReplaceAllString(l.Text, "")
			for _, f := range sizeFigure.FindAllString(prose, -1) {
				if !slices.Contains(cited, f) {
					t.Errorf("%s:%d: bare size %q: wrap a measured figure in <!-- num:COLUMN:STEP -->...<!-- /num --> (or cite its source)", n, l.N, f)
				}
			}
		}
	}
}
