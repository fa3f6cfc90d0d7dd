// Package docs checks the workshop's READMEs against the repository, so that
// the walkthrough and the lessons cannot drift from what they describe. It
// holds tests only and runs with make unit (go test ./...).
//
// The checkers are plain functions over an fs.FS; checks_unit_test.go tests
// them on small in-memory trees, repo_test.go runs them on the real files.
//
// To regenerate the diffs and the measured figures in the lessons after a
// Dockerfile changes or after make report:
//
//	go test ./scripts/docs -run TestLessons -update
package docs

import (
	"regexp"
	"strings"
	"unicode"
)

// A mdLine is one line of a markdown file, classified.
type mdLine struct {
	N     int    // 1-based line number
	Text  string // the raw line, without its newline
	Fence string // inside a fenced block: the opening fence's info string ("" for none); see InFence
	// InFence is true for the lines strictly inside a fenced code block.
	InFence bool
	// FenceEdge is true for a fence's opening or closing line.
	FenceEdge bool
}

var fenceOpen = regexp.MustCompile("^\\s*(`{3,}|~{3,})\\s*([^`\\s]*)")

// parseLines splits a markdown text into classified lines. unclosed is the
// line number of a fence that never closes, or 0.
func parseLines(text string) (lines []mdLine, unclosed int) {
	var fence, info string
	var openedAt int
	for i, raw := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		l := mdLine{N: i + 1, Text: raw}
		trimmed := strings.TrimSpace(raw)
		switch {
		case fence == "":
			if m := fenceOpen.FindStringSubmatch(raw); m != nil {
				fence, info, openedAt = m[1], m[2], i+1
				l.FenceEdge, l.Fence = true, info
			}
		case strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "":
			l.FenceEdge, l.Fence = true, info
			fence, info = "", ""
		default:
			l.InFence, l.Fence = true, info
		}
		lines = append(lines, l)
	}
	if fence != "" {
		unclosed = openedAt
	}
	return lines, unclosed
}

// codeSpans finds the inline code spans of a text (a line or a paragraph).
// It returns their contents (a line break inside a span reads as a space),
// their byte offsets in text, and text with each span blanked to spaces, line
// breaks kept, so that prose checks skip code but lines and columns stay put.
// ok is false when a run of backticks is never closed.
func codeSpans(text string) (spans []string, offsets []int, prose string, ok bool) {
	b := []byte(text)
	i := 0
	for i < len(b) {
		if b[i] != '`' {
			i++
			continue
		}
		n := 0
		for i+n < len(b) && b[i+n] == '`' {
			n++
		}
		// Find a closing run of exactly n backticks.
		j := i + n
		closed := -1
		for j < len(b) {
			if b[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(b) && b[j+m] == '`' {
				m++
			}
			if m == n {
				closed = j
				break
			}
			j += m
		}
		if closed < 0 {
			return spans, offsets, string(b), false
		}
		content := strings.ReplaceAll(string(b[i+n:closed]), "\n", " ")
		if len(content) >= 2 && content[0] == ' ' && content[len(content)-1] == ' ' && strings.TrimSpace(content) != "" {
			content = content[1 : len(content)-1]
		}
		spans = append(spans, content)
		offsets = append(offsets, i)
		for k := i; k < closed+n; k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
		i = closed + n
	}
	return spans, offsets, string(b), true
}

// A codeSpan is an inline code span and the line it starts on.
type codeSpan struct {
	Text string
	Line int
}

var (
	listItem = regexp.MustCompile(`^\s*(?:[-*+]|[0-9]+[.)])\s`)
	blockEnd = regexp.MustCompile(`^\s*(?:#|\||>|$)`)
)

// inlineBlocks groups the lines outside fenced blocks into the runs that an
// inline code span can cross: the lines of one paragraph or one list item.
// Blank lines, headings, table rows and quotes stand alone.
func inlineBlocks(lines []mdLine) [][]mdLine {
	var blocks [][]mdLine
	var cur []mdLine
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, cur)
			cur = nil
		}
	}
	for _, l := range lines {
		switch {
		case l.InFence || l.FenceEdge:
			flush()
		case blockEnd.MatchString(l.Text):
			flush()
			blocks = append(blocks, []mdLine{l})
		case listItem.MatchString(l.Text):
			flush()
			cur = []mdLine{l}
		default:
			cur = append(cur, l)
		}
	}
	flush()
	return blocks
}

// inlineCode returns the lines outside fenced blocks with their inline code
// blanked, the code spans, and the lines where a backtick run is never closed
// within its paragraph.
func inlineCode(lines []mdLine) (prose []mdLine, spans []codeSpan, unclosed []int) {
	for _, block := range inlineBlocks(lines) {
		texts := make([]string, len(block))
		for i, l := range block {
			texts[i] = l.Text
		}
		joined := strings.Join(texts, "\n")
		content, offsets, blanked, ok := codeSpans(joined)
		if !ok {
			// Closed spans are blanked: the first backtick left is the open one.
			at := strings.IndexByte(blanked, '`')
			unclosed = append(unclosed, block[0].N+strings.Count(joined[:max(at, 0)], "\n"))
		}
		for i, c := range content {
			spans = append(spans, codeSpan{Text: c, Line: block[0].N + strings.Count(joined[:offsets[i]], "\n")})
		}
		for i, t := range strings.Split(blanked, "\n") {
			l := block[i]
			l.Text = t
			prose = append(prose, l)
		}
	}
	return prose, spans, unclosed
}

// proseLines returns, for every line outside fenced blocks, the line with its
// code spans blanked.
func proseLines(lines []mdLine) []mdLine {
	prose, _, _ := inlineCode(lines)
	return prose
}

var (
	atxHeading  = regexp.MustCompile(`^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`)
	inlineLink  = regexp.MustCompile(`!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)`)
	refDef      = regexp.MustCompile(`^ {0,3}\[([^\]]+)\]:\s*(\S+)`)
	htmlComment = regexp.MustCompile(`<!--.*?-->`)
	emphasis    = regexp.MustCompile(`[*_]{1,3}([^*_]+)[*_]{1,3}`)
)

// A heading is an ATX heading and the anchor GitHub gives it.
type heading struct {
	Level int
	Text  string
	Slug  string
	Line  int
}

// headings returns the ATX headings outside fenced blocks, with GitHub's
// anchors: duplicates get -1, -2, ... in order.
func headings(lines []mdLine) []heading {
	var hs []heading
	seen := map[string]int{}
	for _, l := range lines {
		if l.InFence || l.FenceEdge {
			continue
		}
		m := atxHeading.FindStringSubmatch(l.Text)
		if m == nil {
			continue
		}
		slug := githubSlug(m[2])
		if n, dup := seen[slug]; dup {
			seen[slug] = n + 1
			slug = slug + "-" + itoa(n+1)
		} else {
			seen[slug] = 0
		}
		hs = append(hs, heading{Level: len(m[1]), Text: m[2], Slug: slug, Line: l.N})
	}
	return hs
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// githubSlug returns the anchor GitHub generates for a heading's text: the
// rendered text, lower-cased, without punctuation (letters, marks, digits,
// '_', '-' and spaces stay), each space turned into '-'.
func githubSlug(text string) string {
	text = htmlComment.ReplaceAllString(text, "")
	text = inlineLink.ReplaceAllString(text, "$1")
	text = strings.ReplaceAll(text, "`", "")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// A link is an inline link, image or reference definition outside code.
type link struct {
	Target string
	Image  bool
	Line   int
}

// links returns the links and images of a markdown text, outside code.
func links(lines []mdLine) []link {
	var ls []link
	for _, l := range proseLines(lines) {
		text := htmlComment.ReplaceAllString(l.Text, "")
		for _, m := range inlineLink.FindAllStringSubmatch(text, -1) {
			ls = append(ls, link{Target: m[2], Image: strings.HasPrefix(m[0], "!"), Line: l.N})
		}
		if m := refDef.FindStringSubmatch(text); m != nil {
			ls = append(ls, link{Target: m[2], Line: l.N})
		}
	}
	return ls
}
