package docs

import (
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"lean-go-images/scripts/internal/docnums"
)

// Every checker returns its problems as "file:line: what is wrong" strings;
// none means the check passed.

// ---- make targets ----

// makefile is what the docs may name from a Makefile.
type makefile struct {
	Targets  map[string]bool
	Patterns []string // pattern rules such as "build-%"
	Vars     map[string]bool
}

var (
	ruleLine   = regexp.MustCompile(`^([A-Za-z0-9_.%/-]+(?:[ \t]+[A-Za-z0-9_.%/-]+)*)[ \t]*::?(?:[^=]|$)`)
	assignLine = regexp.MustCompile(`^(?:export[ \t]+|override[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\?|:|::|\+|!)?=`)
)

// parseMakefile returns the targets, pattern rules and variables a Makefile
// defines. Special targets (.PHONY and the like) are left out.
func parseMakefile(text string) makefile {
	mf := makefile{Targets: map[string]bool{}, Vars: map[string]bool{}}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "\t") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if m := assignLine.FindStringSubmatch(line); m != nil {
			mf.Vars[m[1]] = true
			continue
		}
		m := ruleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, t := range strings.Fields(m[1]) {
			switch {
			case strings.HasPrefix(t, "."):
			case strings.Contains(t, "%"):
				mf.Patterns = append(mf.Patterns, t)
			default:
				mf.Targets[t] = true
			}
		}
	}
	return mf
}

// Match reports whether target is a target of the Makefile, and the pattern
// and stem when a pattern rule makes it.
func (mf makefile) Match(target string) (ok bool, pattern, stem string) {
	if mf.Targets[target] {
		return true, "", ""
	}
	for _, p := range mf.Patterns {
		pre, suf, _ := strings.Cut(p, "%")
		if len(target) > len(pre)+len(suf) && strings.HasPrefix(target, pre) && strings.HasSuffix(target, suf) {
			return true, p, target[len(pre) : len(target)-len(suf)]
		}
	}
	return false, "", ""
}

// A makeCall is one make command line found in a README.
type makeCall struct {
	Line    int
	Targets []string
	Vars    []string // NAME of every NAME=value argument after make
}

// shellFences are the info strings of fenced blocks that hold commands.
var shellFences = map[string]bool{"": true, "sh": true, "bash": true, "shell": true, "console": true}

var (
	assignArg  = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=`)
	targetWord = regexp.MustCompile(`^[a-z0-9][a-z0-9_.%-]*$`)
)

// makeCalls returns the make commands of a markdown text: in inline code
// spans and in shell code blocks, wherever make is the command word (first,
// after a prompt, an operator or VAR=value assignments). Prose is ignored:
// "make" is also an English word.
func makeCalls(text string) []makeCall {
	lines, _ := parseLines(text)
	var calls []makeCall
	for _, l := range lines {
		if l.InFence && shellFences[l.Fence] {
			calls = append(calls, makeCallsIn(l.Text, l.N)...)
		}
	}
	_, spans, _ := inlineCode(lines)
	for _, s := range spans {
		calls = append(calls, makeCallsIn(s.Text, s.Line)...)
	}
	slices.SortStableFunc(calls, func(a, b makeCall) int { return a.Line - b.Line })
	return calls
}

func makeCallsIn(code string, line int) []makeCall {
	if i := strings.Index(code, " #"); i >= 0 {
		code = code[:i]
	}
	words := strings.Fields(code)
	var calls []makeCall
	commandPos := true
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "&&" || w == "||" || w == ";" || w == "|" || w == "$" || w == "(" || w == "sudo" || w == "time":
			commandPos = true
			continue
		case commandPos && assignArg.MatchString(w):
			continue // VAR=value before the command
		case commandPos && w == "make":
			call := makeCall{Line: line}
			for i+1 < len(words) {
				next := words[i+1]
				if m := assignArg.FindStringSubmatch(next); m != nil {
					call.Vars = append(call.Vars, m[1])
				} else if t := strings.TrimRight(next, ";"); targetWord.MatchString(t) {
					call.Targets = append(call.Targets, t)
				} else if !strings.HasPrefix(next, "-") {
					break
				}
				i++
			}
			calls = append(calls, call)
		}
		commandPos = false
	}
	return calls
}

// checkMakeTargets checks that every make target and variable a README
// names exists in the Makefile. step reports whether a pattern rule's stem
// is acceptable (build-% is only defined for the step directories).
func checkMakeTargets(name, text string, mf makefile, step func(stem string) bool) []string {
	var problems []string
	for _, c := range makeCalls(text) {
		for _, t := range c.Targets {
			ok, pattern, stem := mf.Match(t)
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s:%d: make %s: no such target in the Makefile", name, c.Line, t))
			case pattern != "" && step != nil && !step(stem):
				problems = append(problems, fmt.Sprintf("%s:%d: make %s: %q is not a step directory (the Makefile's %s needs one)", name, c.Line, t, stem, pattern))
			}
		}
		for _, v := range c.Vars {
			if !mf.Vars[v] {
				problems = append(problems, fmt.Sprintf("%s:%d: make ... %s=: the Makefile has no variable %s", name, c.Line, v, v))
			}
		}
	}
	return problems
}

// ---- links ----

var scheme = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)

// checkLinks checks that every relative link and image of the README at
// name resolves to a file or directory in fsys, and that every #anchor, in
// the same page or another markdown page, names one of its headings.
func checkLinks(fsys fs.FS, name string) []string {
	text, err := fs.ReadFile(fsys, name)
	if err != nil {
		return []string{err.Error()}
	}
	lines, _ := parseLines(string(text))
	var problems []string
	for _, l := range links(lines) {
		if l.Target == "" {
			problems = append(problems, fmt.Sprintf("%s:%d: empty link target", name, l.Line))
			continue
		}
		if scheme.MatchString(l.Target) || strings.HasPrefix(l.Target, "//") {
			continue // absolute URL: not checked offline
		}
		file, anchor, _ := strings.Cut(l.Target, "#")
		file, err := url.PathUnescape(file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %s: %v", name, l.Line, l.Target, err))
			continue
		}
		target := name
		if file != "" {
			if strings.HasPrefix(file, "/") {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: use a relative link, not a root-absolute one", name, l.Line, l.Target))
				continue
			}
			target = path.Join(path.Dir(name), strings.TrimSuffix(file, "/"))
			if strings.HasPrefix(target, "../") || target == ".." {
				problems = append(problems, fmt.Sprintf("%s:%d: %s points outside the repository", name, l.Line, l.Target))
				continue
			}
			if _, err := fs.Stat(fsys, target); err != nil {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s does not exist", name, l.Line, l.Target, target))
				continue
			}
		}
		if anchor == "" {
			continue
		}
		if !strings.HasSuffix(target, ".md") {
			problems = append(problems, fmt.Sprintf("%s:%d: %s: an anchor into %s, which is not markdown", name, l.Line, l.Target, target))
			continue
		}
		body, err := fs.ReadFile(fsys, target)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %s: %v", name, l.Line, l.Target, err))
			continue
		}
		tl, _ := parseLines(string(body))
		var slugs []string
		found := false
		for _, h := range headings(tl) {
			slugs = append(slugs, h.Slug)
			found = found || h.Slug == anchor
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s:%d: %s: %s has no heading #%s (it has: %s)", name, l.Line, l.Target, target, anchor, strings.Join(slugs, ", ")))
		}
	}
	return problems
}

// ---- rendering ----

var (
	htmlTag  = regexp.MustCompile(`<[A-Za-z!/?][^>]*>?`)
	autolink = regexp.MustCompile(`^<[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>]*>$`)
	// allowedComment lists the only HTML the READMEs may hold: the markers.
	allowedComment = regexp.MustCompile(`^(?:` + regexp.QuoteMeta(docnums.ResultsBegin) + `|` + regexp.QuoteMeta(docnums.ResultsEnd) +
		`|<!-- (?:diff:[0-9]{2}-[a-z0-9-]+|/diff|num:[a-z0-9_-]+:[0-9]{2}-[a-z0-9-]+|/num|output:[a-z0-9][a-z0-9-]*|/output) -->)$`)
)

// tableCells counts the cells of a table row: pipes split cells unless
// escaped or inside code, and a leading and a trailing pipe are optional.
func tableCells(row string) int {
	_, _, prose, _ := codeSpans(row)
	prose = strings.ReplaceAll(prose, `\|`, "  ")
	prose = strings.TrimSpace(prose)
	prose = strings.TrimPrefix(prose, "|")
	prose = strings.TrimSuffix(prose, "|")
	return strings.Count(prose, "|") + 1
}

// checkRender checks what makes GitHub render a page differently from what
// its author meant: fences left open, code spans left open, tables whose rows
// do not match their header, and raw HTML other than the markers.
func checkRender(name, text string) []string {
	var problems []string
	add := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: ", name, line)+fmt.Sprintf(format, args...))
	}
	lines, unclosed := parseLines(text)
	if unclosed > 0 {
		add(unclosed, "code fence opened here is never closed")
	}
	if strings.Contains(text, "\r") {
		add(1, "carriage return: use LF line endings")
	}
	prose, _, unclosedSpans := inlineCode(lines)
	for _, n := range unclosedSpans {
		add(n, "a backtick code span opened here is not closed within its paragraph")
	}
	blanked := map[int]string{}
	for _, l := range prose {
		blanked[l.N] = l.Text
	}
	for k := 0; k < len(lines); k++ {
		l := lines[k]
		if l.InFence || l.FenceEdge {
			continue
		}
		prose := blanked[l.N]
		for _, tag := range htmlTag.FindAllString(prose, -1) {
			if autolink.MatchString(tag) || allowedComment.MatchString(tag) {
				continue
			}
			add(l.N, "raw HTML %q: only the <!-- results/diff/num/output --> markers are allowed", tag)
		}
		// Tables: a header row, a delimiter row, then rows of the same width.
		if strings.HasPrefix(strings.TrimSpace(prose), "|") {
			if k+1 >= len(lines) || !isTableDelimiter(lines[k+1].Text) {
				add(l.N, "a line starting with | that is not part of a table (no | --- | row below a header)")
				for k+1 < len(lines) && strings.TrimSpace(lines[k+1].Text) != "" {
					k++
				}
				continue
			}
			want := tableCells(l.Text)
			if got := tableCells(lines[k+1].Text); got != want {
				add(lines[k+1].N, "table delimiter row has %d cells, the header %d", got, want)
			}
			k += 2
			for ; k < len(lines) && strings.TrimSpace(lines[k].Text) != ""; k++ {
				if got := tableCells(lines[k].Text); got != want {
					add(lines[k].N, "table row has %d cells, the header %d", got, want)
				}
			}
		}
	}
	return problems
}

// ---- diffs ----

// A diffBlock is a fenced diff between <!-- diff:NAME --> and <!-- /diff -->.
type diffBlock struct {
	Name       string // the step whose Dockerfile is diffed against the step before
	Body       string // the fenced block's content, lines with their newlines
	Start, End int    // 0-based line indices of the body's first line and of the closing fence
	Line       int    // 1-based line of the opening marker
}

var diffOpen = regexp.MustCompile(`^<!-- diff:([0-9]{2}-[a-z0-9-]+) -->$`)

// diffBlocks returns the diff blocks of a text. Each opening marker must be
// followed by a ```diff fence, then the closing marker.
func diffBlocks(name, text string) ([]diffBlock, []string) {
	lines := strings.Split(text, "\n")
	var blocks []diffBlock
	var problems []string
	for i := 0; i < len(lines); i++ {
		m := diffOpen.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			if strings.TrimSpace(lines[i]) == "<!-- /diff -->" {
				problems = append(problems, fmt.Sprintf("%s:%d: <!-- /diff --> without an opening <!-- diff:NN-name -->", name, i+1))
			}
			continue
		}
		b := diffBlock{Name: m[1], Line: i + 1}
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j >= len(lines) || strings.TrimSpace(lines[j]) != "```diff" {
			problems = append(problems, fmt.Sprintf("%s:%d: <!-- diff:%s --> must be followed by a ```diff fence", name, i+1, b.Name))
			continue
		}
		b.Start = j + 1
		k := b.Start
		for k < len(lines) && strings.TrimSpace(lines[k]) != "```" {
			k++
		}
		if k >= len(lines) {
			problems = append(problems, fmt.Sprintf("%s:%d: the ```diff fence is never closed", name, j+1))
			break
		}
		b.End = k
		b.Body = strings.Join(lines[b.Start:k], "\n")
		if b.Body != "" {
			b.Body += "\n"
		}
		n := k + 1
		for n < len(lines) && strings.TrimSpace(lines[n]) == "" {
			n++
		}
		if n >= len(lines) || strings.TrimSpace(lines[n]) != "<!-- /diff -->" {
			problems = append(problems, fmt.Sprintf("%s:%d: the diff block of %s is not followed by <!-- /diff -->", name, k+1, b.Name))
			n = k
		}
		blocks = append(blocks, b)
		i = n
	}
	return blocks, problems
}

// expectedDiff returns the diff a lesson must show for step: its Dockerfile
// against the previous step's, headed a/PREV/Dockerfile and b/STEP/Dockerfile.
func expectedDiff(fsys fs.FS, steps []string, step string) (string, error) {
	i := slices.Index(steps, step)
	switch {
	case i < 0:
		return "", fmt.Errorf("no step %s (steps: %s)", step, strings.Join(steps, ", "))
	case i == 0:
		return "", fmt.Errorf("%s is the first step: there is no previous Dockerfile to diff against", step)
	}
	prev := steps[i-1]
	a, err := fs.ReadFile(fsys, prev+"/Dockerfile")
	if err != nil {
		return "", err
	}
	b, err := fs.ReadFile(fsys, step+"/Dockerfile")
	if err != nil {
		return "", err
	}
	return unifiedDiff("a/"+prev+"/Dockerfile", "b/"+step+"/Dockerfile", string(a), string(b), 3), nil
}

// checkDiffs checks every diff block of the README at name against the real
// Dockerfiles, and returns the text with every block regenerated (equal to
// the input when nothing is stale). A stale block's problem shows the diff
// it should hold.
func checkDiffs(fsys fs.FS, steps []string, name string) (problems []string, updated string) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return []string{err.Error()}, ""
	}
	text := string(raw)
	blocks, problems := diffBlocks(name, text)
	lines := strings.Split(text, "\n")
	var stale []string
	// Rewrite from the last block up, so that earlier indices stay valid.
	for k := len(blocks) - 1; k >= 0; k-- {
		b := blocks[k]
		want, err := expectedDiff(fsys, steps, b.Name)
		if err != nil {
			stale = append(stale, fmt.Sprintf("%s:%d: %v", name, b.Line, err))
			continue
		}
		if b.Body == want {
			continue
		}
		stale = append(stale, fmt.Sprintf("%s:%d: the diff of %s does not match the Dockerfiles; it should be:\n```diff\n%s```\n(regenerate with: go test ./scripts/docs -run TestLessons -update)", name, b.Line, b.Name, want))
		lines = slices.Concat(lines[:b.Start], splitLines(want), lines[b.End:])
	}
	slices.Reverse(stale)
	return append(problems, stale...), strings.Join(lines, "\n")
}

// ---- captured outputs ----

// An outputBlock is a real output a lesson shows, between
// <!-- output:NAME --> and <!-- /output -->, right around a ```text fence.
// The e2e test that produces NAME from the real images checks it, and
// rewrites it with -update (scripts/e2e/output_test.go).
type outputBlock struct {
	Name, Body string
}

var (
	outputRe  = regexp.MustCompile("(?ms)^<!-- output:([a-z0-9][a-z0-9-]*) -->\n```text\n(.*?)^```\n<!-- /output -->$")
	outputTag = regexp.MustCompile(`<!-- /?output\b`)
)

// outputBlocks returns the output blocks of a text, and a problem for each
// output marker in its prose that is not part of a well-formed block.
func outputBlocks(name, text string) ([]outputBlock, []string) {
	var blocks []outputBlock
	markerLines := map[int]bool{} // the marker lines of well-formed blocks
	for _, m := range outputRe.FindAllStringSubmatchIndex(text, -1) {
		blocks = append(blocks, outputBlock{Name: text[m[2]:m[3]], Body: text[m[4]:m[5]]})
		markerLines[strings.Count(text[:m[0]], "\n")+1] = true
		markerLines[strings.Count(text[:m[1]], "\n")+1] = true
	}
	var problems []string
	lines, _ := parseLines(text)
	for _, l := range proseLines(lines) {
		if outputTag.MatchString(l.Text) && !markerLines[l.N] {
			problems = append(problems, fmt.Sprintf("%s:%d: an output marker outside a block: want <!-- output:NAME -->, then at once a ```text fence, its closing ``` and <!-- /output -->", name, l.N))
		}
	}
	return blocks, problems
}

// ---- measured figures ----

// placeholder is what a num marker holds before anything was measured.
const placeholder = "TBD"

// checkNums checks that every <!-- num:COLUMN:STEP --> figure of a text
// equals the value measured for that key, and returns the text with every
// figure refreshed from values.
func checkNums(name, text string, values map[string]string) (problems []string, updated string) {
	ms, err := docnums.Find(text)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}, text
	}
	for _, m := range ms {
		want, ok := values[m.Key]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s:%d: <!-- num:%s --> names no figure of results.json; known keys: %s", name, m.Line, m.Key, strings.Join(sortedKeys(values), ", ")))
		case m.Value != want:
			problems = append(problems, fmt.Sprintf("%s:%d: <!-- num:%s --> says %q, results.json says %q (refresh with: go test ./scripts/docs -run TestLessons -update)", name, m.Line, m.Key, m.Value, want))
		}
	}
	updated, _, err = docnums.Rewrite(text, values)
	if err != nil {
		return append(problems, fmt.Sprintf("%s: %v", name, err)), text
	}
	return problems, updated
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ---- the two languages ----

// twinName returns the other language's page: README.md <-> README.es.md.
func twinName(name string) string {
	if strings.HasSuffix(name, ".es.md") {
		return strings.TrimSuffix(name, ".es.md") + ".md"
	}
	return strings.TrimSuffix(name, ".md") + ".es.md"
}

// outline returns what must agree between the two languages of a page: the
// heading levels in order, the diff and output blocks, and the num marker
// keys.
func outline(text string) (levels []int, diffs []string, nums []string) {
	lines, _ := parseLines(text)
	for _, h := range headings(lines) {
		levels = append(levels, h.Level)
	}
	blocks, _ := diffBlocks("", text)
	for _, b := range blocks {
		diffs = append(diffs, b.Name+"\n"+b.Body)
	}
	outputs, _ := outputBlocks("", text)
	for _, b := range outputs {
		diffs = append(diffs, "output:"+b.Name+"\n"+b.Body)
	}
	ms, _ := docnums.Find(text)
	for _, m := range ms {
		nums = append(nums, m.Key)
	}
	return levels, diffs, nums
}

// checkTwins checks that a page and its translation exist, link to each
// other, and keep the same sections, diffs and figures.
func checkTwins(fsys fs.FS, en string) []string {
	es := twinName(en)
	enText, err1 := fs.ReadFile(fsys, en)
	esText, err2 := fs.ReadFile(fsys, es)
	if err1 != nil || err2 != nil {
		return []string{fmt.Sprintf("%s and %s must both exist (%v, %v)", en, es, err1, err2)}
	}
	var problems []string
	for _, pair := range [][2]string{{en, string(enText)}, {es, string(esText)}} {
		lines, _ := parseLines(pair[1])
		want := path.Base(twinName(pair[0]))
		linked := false
		for _, l := range links(lines) {
			file, _, _ := strings.Cut(l.Target, "#")
			linked = linked || file == want
		}
		if !linked {
			problems = append(problems, fmt.Sprintf("%s: does not link to its translation %s", pair[0], want))
		}
	}
	l1, d1, n1 := outline(string(enText))
	l2, d2, n2 := outline(string(esText))
	if !slices.Equal(l1, l2) {
		problems = append(problems, fmt.Sprintf("%s and %s have different sections: heading levels %v vs %v", en, es, l1, l2))
	}
	if !slices.Equal(d1, d2) {
		problems = append(problems, fmt.Sprintf("%s and %s show different diffs or outputs", en, es))
	}
	if !slices.Equal(n1, n2) {
		problems = append(problems, fmt.Sprintf("%s and %s quote different figures: %v vs %v", en, es, n1, n2))
	}
	return problems
}

// ---- numbers ----

// The team's number convention, the same in both languages and in the
// generated tables: a decimal point (1.5 min, 0.9×, 5.90 MB); a narrow
// no-break space (U+202F) between groups of three digits in numbers of five
// digits or more (44 400), none in four-digit numbers (8080); never a comma or
// a period between thousands, which a reader of the other language takes for
// a decimal.
const groupSep = "\u202F"

// numberToken is a number as a reader sees it: digits and the separators
// that may sit between two digits.
var numberToken = regexp.MustCompile("[0-9]+(?:[.,\u202F\u00A0\u2009][0-9]+)*")

// thousands reports whether groups read as a number grouped by thousands:
// one to three digits, not a lone leading zero, then groups of exactly three.
func thousands(groups []string) bool {
	if len(groups) < 2 || len(groups[0]) > 3 || groups[0][0] == '0' {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// grouped writes the digits of groups in the convention: U+202F between
// groups of three from five digits on, no separator below.
func grouped(groups []string) string {
	digits := strings.Join(groups, "")
	if len(digits) < 5 {
		return digits
	}
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(groupSep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// numberProblem returns what is wrong with one number of prose, or "".
// Numbers with several periods that are not thousands (versions such as
// 1.26.8, addresses such as 127.0.0.1) are left alone.
func numberProblem(tok string) string {
	split := func(seps string) []string {
		return strings.FieldsFunc(tok, func(r rune) bool { return strings.ContainsRune(seps, r) })
	}
	switch {
	case strings.Contains(tok, ","):
		if g := split(","); thousands(g) && !strings.ContainsAny(tok, ".\u202F") {
			return fmt.Sprintf("%q groups thousands with a comma: write %q (U+202F between groups of three from five digits on)", tok, grouped(g))
		}
		return fmt.Sprintf("%q has a decimal comma: write %q (a decimal point)", tok, strings.ReplaceAll(tok, ",", "."))
	case strings.ContainsAny(tok, "\u00A0\u2009"):
		return fmt.Sprintf("%q groups digits with U+00A0 or U+2009: use U+202F, the narrow no-break space", tok)
	}
	intPart := tok
	switch dots := strings.Count(tok, "."); {
	case dots > 1:
		if g := split("."); thousands(g) {
			return fmt.Sprintf("%q groups thousands with a period: write %q", tok, grouped(g))
		}
		return "" // a version or an address
	case dots == 1:
		var frac string
		intPart, frac, _ = strings.Cut(tok, ".")
		if g := []string{intPart, frac}; thousands(g) {
			return fmt.Sprintf("%q reads as thousands in Spanish and as a decimal in English: write %q for thousands, or round the decimal", tok, grouped(g))
		}
	}
	if g := strings.Split(intPart, groupSep); len(g) > 1 {
		if !thousands(g) || grouped(g) != intPart {
			return fmt.Sprintf("%q: write %q (U+202F between groups of three from five digits on, no separator in four-digit numbers)", tok, grouped(g)+strings.TrimPrefix(tok, intPart))
		}
	}
	return ""
}

// withoutResults returns text with the block between the results markers
// blanked, lines kept: make report writes it, not the lessons' authors.
func withoutResults(text string) string {
	i, j := strings.Index(text, docnums.ResultsBegin), strings.Index(text, docnums.ResultsEnd)
	if i < 0 || j < i {
		return text
	}
	return text[:i] + strings.Repeat("\n", strings.Count(text[i:j], "\n")) + text[j:]
}

// checkNumbers checks that every number in the prose of a page follows the
// team's convention (see groupSep). Code blocks, inline code, HTML comments
// and the generated results block are not prose; measured figures between
// num markers are, since a reader sees them.
func checkNumbers(name, text string) []string {
	lines, _ := parseLines(withoutResults(text))
	var problems []string
	for _, l := range proseLines(lines) {
		prose := htmlComment.ReplaceAllStringFunc(l.Text, func(c string) string { return strings.Repeat(" ", len(c)) })
		for _, tok := range numberToken.FindAllString(prose, -1) {
			if p := numberProblem(tok); p != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: %s", name, l.N, p))
			}
		}
	}
	return problems
}

var delimiter = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)

// isTableDelimiter reports whether line is a markdown table's delimiter row,
// the one under the header: |---|--:|, | :-- | --- | or ---|---. A lone ---
// matches too: it is a delimiter only under a header row, which the caller
// checks.
func isTableDelimiter(line string) bool { return delimiter.MatchString(line) }
