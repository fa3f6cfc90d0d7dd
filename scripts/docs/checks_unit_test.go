package docs

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"lean-go-images/scripts/internal/docnums"
)

// wantProblems compares problems with substrings: one per problem, in order.
func wantProblems(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("problem %d = %q, want it to contain %q", i, got[i], want[i])
		}
	}
}

func TestGithubSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Try it yourself", "try-it-yourself"},
		{"1. Drop `-ldflags=\"-s -w\"`", "1-drop--ldflags-s--w"},
		{"Permission denied on docker.sock", "permission-denied-on-dockersock"},
		{"On a bare Linux machine", "on-a-bare-linux-machine"},
		{"¿Qué se pierde?", "qué-se-pierde"},
		{"Añade `import _ \"time/tzdata\"`", "añade-import-_-timetzdata"},
		{"Step 4: [scratch](x.md) & static", "step-4-scratch--static"},
		{"Next  step", "next--step"},
	}
	for _, tt := range tests {
		if got := githubSlug(tt.in); got != tt.want {
			t.Errorf("githubSlug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeadingsDuplicateSlugs(t *testing.T) {
	lines, _ := parseLines("# A\n## Fix\n```sh\n# not a heading\n```\n## Fix\n### Fix #\n")
	var got []string
	for _, h := range headings(lines) {
		got = append(got, h.Slug)
	}
	if want := []string{"a", "fix", "fix-1", "fix-2"}; !slices.Equal(got, want) {
		t.Errorf("slugs = %v, want %v", got, want)
	}
}

func TestCodeSpans(t *testing.T) {
	tests := []struct {
		line  string
		spans []string
		ok    bool
	}{
		{"run `make all` then `make report`", []string{"make all", "make report"}, true},
		{"a ``code with ` inside`` b", []string{"code with ` inside"}, true},
		{"open `span", nil, false},
		{"no code", nil, true},
	}
	for _, tt := range tests {
		spans, _, prose, ok := codeSpans(tt.line)
		if !slices.Equal(spans, tt.spans) || ok != tt.ok {
			t.Errorf("codeSpans(%q) = %q, %v; want %q, %v", tt.line, spans, ok, tt.spans, tt.ok)
		}
		if len(prose) != len(tt.line) {
			t.Errorf("codeSpans(%q): prose %q changed length", tt.line, prose)
		}
	}
}

const testMakefile = `# comment: fake: target
IMAGE ?= lean-go-images
STEP ?= 04-scratch-static
export BIN_DIR := $(BIN)
SHELL := bash

.PHONY: help
help: ## Show.
	@echo fake: not a rule

all: $(addprefix build-,$(ALL)) ## Build.

build-%: bases ## One.
	true

vet unit: ## Two at once.
`

func TestParseMakefile(t *testing.T) {
	mf := parseMakefile(testMakefile)
	var targets []string
	for t := range mf.Targets {
		targets = append(targets, t)
	}
	slices.Sort(targets)
	if want := []string{"all", "help", "unit", "vet"}; !slices.Equal(targets, want) {
		t.Errorf("targets = %v, want %v", targets, want)
	}
	if !slices.Equal(mf.Patterns, []string{"build-%"}) {
		t.Errorf("patterns = %v, want [build-%%]", mf.Patterns)
	}
	for _, v := range []string{"IMAGE", "STEP", "BIN_DIR", "SHELL"} {
		if !mf.Vars[v] {
			t.Errorf("variable %s not found", v)
		}
	}
	tests := []struct {
		target        string
		ok            bool
		pattern, stem string
	}{
		{"all", true, "", ""},
		{"build-04-scratch-static", true, "build-%", "04-scratch-static"},
		{"build-", false, "", ""},
		{"deploy", false, "", ""},
	}
	for _, tt := range tests {
		ok, p, s := mf.Match(tt.target)
		if ok != tt.ok || p != tt.pattern || s != tt.stem {
			t.Errorf("Match(%q) = %v, %q, %q; want %v, %q, %q", tt.target, ok, p, s, tt.ok, tt.pattern, tt.stem)
		}
	}
}

func TestMakeCalls(t *testing.T) {
	tests := []struct {
		name, md string
		want     []string // "target..." and "VAR=" per call, space-separated
	}{
		{"inline", "Run `make all && make report`, then read.", []string{"all", "report"}},
		{"prose is not code", "This will make sure that make all works.", nil},
		{"vars after make", "`make run STEP=02-multi-stage PORT=8081`", []string{"run STEP= PORT="}},
		{"env before make", "```sh\nOFFLINE=1 make test\n```", []string{"test"}},
		{"prompt and comment", "```console\n$ make vet unit # both\n```", []string{"vet unit"}},
		{"flags skipped", "`make -n all`", []string{"all"}},
		{"not in diff fences", "```diff\n+make nothing\n```", nil},
		{"not in go fences", "```go\nmake(chan int)\n```", nil},
		{"not an argument", "`go test ./... && cmake build`", nil},
		{"sudo", "`sudo make tools`", []string{"tools"}},
		{"span across lines", "Run `make build-04-scratch-static\nIMAGE=try` first.", []string{"build-04-scratch-static IMAGE="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range makeCalls(tt.md) {
				words := slices.Clone(c.Targets)
				for _, v := range c.Vars {
					words = append(words, v+"=")
				}
				got = append(got, strings.Join(words, " "))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("makeCalls = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckMakeTargets(t *testing.T) {
	mf := parseMakefile(testMakefile)
	isStep := func(s string) bool { return s == "04-scratch-static" }
	md := "`make all`\n`make deploy`\n`make build-04-scratch-static`\n`make build-99-nope`\n`make all NOPE=1 IMAGE=x`\n"
	wantProblems(t, checkMakeTargets("R.md", md, mf, isStep),
		"R.md:2: make deploy: no such target",
		`R.md:4: make build-99-nope: "99-nope" is not a step directory`,
		"R.md:5: make ... NOPE=: the Makefile has no variable NOPE",
	)
}

func TestCheckLinks(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md": {Data: []byte(strings.Join([]string{
			"# Title",
			"## Try it yourself",
			"[ok](01-a/README.md) [dir](01-a/) [img](results.svg) ![img](results.svg)",
			"[web](https://example.org/x) [self](#try-it-yourself) [bad self](#nope)",
			"[other](01-a/README.md#next) [other bad](01-a/README.md#missing)",
			"[gone](RESULTS.md) `[in code](nowhere.md)`",
			"```",
			"[in fence](nowhere.md)",
			"```",
			"[up](../outside.md) [abs](/README.md) [anchor in svg](results.svg#x)",
			"[ref]: missing.md",
		}, "\n"))},
		"01-a/README.md": {Data: []byte("# Step\n## Next\n[back](../README.md#try-it-yourself)\n")},
		"results.svg":    {Data: []byte("<svg/>")},
	}
	wantProblems(t, checkLinks(fsys, "README.md"),
		"README.md:4: #nope: README.md has no heading #nope",
		"README.md:5: 01-a/README.md#missing: 01-a/README.md has no heading #missing",
		"README.md:6: RESULTS.md: RESULTS.md does not exist",
		"README.md:10: ../outside.md points outside the repository",
		"README.md:10: /README.md: use a relative link",
		"README.md:10: results.svg#x: an anchor into results.svg, which is not markdown",
		"README.md:11: missing.md: missing.md does not exist",
	)
	wantProblems(t, checkLinks(fsys, "01-a/README.md"))
}

func TestCheckRender(t *testing.T) {
	tests := []struct {
		name, md string
		want     []string
	}{
		{"clean", "# T\n\n| a | b |\n| --- | ---: |\n| 1 | `x|y` |\n| 2 | a \\| b |\n\n<!-- num:size:04-scratch-static -->5.8 MB<!-- /num -->\n<https://example.org>\n", nil},
		{"open fence", "# T\n```sh\nmake all\n", []string{"2: code fence opened here is never closed"}},
		{"open span", "a `b\n", []string{"1: a backtick code span opened here is not closed"}},
		{"open span in a paragraph", "one\ntwo `b\nthree\n\nfour `x`\n", []string{"2: a backtick code span opened here is not closed"}},
		{"span across lines", "run `docker\nexec <container> sh` now\n- item `a\n  b`\n", nil},
		{"spans do not cross items", "- item `a\n- b`\n", []string{"1: a backtick code span opened here", "2: a backtick code span opened here"}},
		{"short row", "| a | b |\n|---|---|\n| 1 |\n", []string{"3: table row has 1 cells, the header 2"}},
		{"no delimiter", "| a | b |\n| 1 | 2 |\n", []string{"1: a line starting with | that is not part of a table"}},
		{"raw html", "a <br> b <details>\n", []string{`1: raw HTML "<br>"`, `1: raw HTML "<details>"`}},
		{"other comment", "<!-- TODO -->\n", []string{`raw HTML "<!-- TODO -->"`}},
		{"markers", "<!-- results:begin -->\n<!-- results:end -->\n<!-- diff:02-b -->\n<!-- /diff -->\n<!-- output:dive-01-a -->\n<!-- /output -->\n", nil},
		{"marker misspelt", "<!-- results:ends -->\n<!--results:begin-->\n", []string{`1: raw HTML "<!-- results:ends -->"`, `2: raw HTML "<!--results:begin-->"`}},
		{"html in code is fine", "`<br>`\n```html\n<b>x</b>\n```\n", nil},
		{"tilde fence", "~~~\n```\n~~~\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblems(t, checkRender("R.md", tt.md), tt.want...)
		})
	}
}

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "x\n", "x\n", ""},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"insert into empty", "", "a\n", "--- a\n+++ b\n@@ -0,0 +1 @@\n+a\n"},
		{"delete all", "a\nb\n", "", "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{
			// Changes more than 2*3 kept lines apart make two hunks.
			"two hunks",
			"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "0\n2\n3\n4\n5\n6\n7\n8\n9\nX\n",
			"--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+0\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+X\n",
		},
		{
			// At most 2*3 kept lines apart: one hunk.
			"merged hunk",
			"1\n2\n3\n4\n5\n6\n7\n8\n", "0\n2\n3\n4\n5\n6\n7\nX\n",
			"--- a\n+++ b\n@@ -1,8 +1,8 @@\n-1\n+0\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+X\n",
		},
		{
			// A blank line stays between the two changes it separates.
			"blank lines do not pull changes apart",
			"# A\nold 1\n\nold 2\n\nkeep\n", "# A\nnew 1\n\nnew 2\n\nkeep\n",
			"--- a\n+++ b\n@@ -1,6 +1,6 @@\n # A\n-old 1\n+new 1\n \n-old 2\n+new 2\n \n keep\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unifiedDiff("a", "b", tt.a, tt.b, 3); got != tt.want {
				t.Errorf("unifiedDiff =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// diffFS is a three-step repository whose 02 lesson holds the diff of 02.
func diffFS(lesson string) fstest.MapFS {
	return fstest.MapFS{
		"01-a/Dockerfile": {Data: []byte("FROM golang\nRUN go build\nCMD [\"/s\"]\n")},
		"02-b/Dockerfile": {Data: []byte("FROM golang AS build\nRUN go build\nCMD [\"/s\"]\n")},
		"02-b/README.md":  {Data: []byte(lesson)},
	}
}

const goodDiff = "--- a/01-a/Dockerfile\n+++ b/02-b/Dockerfile\n@@ -1,3 +1,3 @@\n-FROM golang\n+FROM golang AS build\n RUN go build\n CMD [\"/s\"]\n"

func TestCheckDiffs(t *testing.T) {
	steps := []string{"01-a", "02-b"}
	wrap := func(body string) string {
		return "# Step\n\n<!-- diff:02-b -->\n```diff\n" + body + "```\n<!-- /diff -->\n\nafter\n"
	}
	tests := []struct {
		name, lesson string
		want         []string
		updated      string
	}{
		{"up to date", wrap(goodDiff), nil, wrap(goodDiff)},
		{"stale", wrap("-old\n+new\n"), []string{"README.md:3: the diff of 02-b does not match the Dockerfiles; it should be:\n```diff\n" + goodDiff}, wrap(goodDiff)},
		{"empty block is filled", wrap(""), []string{"does not match"}, wrap(goodDiff)},
		{"first step has no previous", "<!-- diff:01-a -->\n```diff\n```\n<!-- /diff -->\n", []string{"01-a is the first step"}, ""},
		{"unknown step", "<!-- diff:09-z -->\n```diff\n```\n<!-- /diff -->\n", []string{"no step 09-z"}, ""},
		{"no fence", "<!-- diff:02-b -->\ntext\n", []string{"must be followed by a ```diff fence"}, ""},
		{"no closing marker", "<!-- diff:02-b -->\n```diff\n" + goodDiff + "```\ntext\n", []string{"is not followed by <!-- /diff -->"}, ""},
		{"stray closing marker", "<!-- /diff -->\n", []string{"without an opening"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, updated := checkDiffs(diffFS(tt.lesson), steps, "02-b/README.md")
			for i := range problems {
				problems[i] = strings.TrimPrefix(problems[i], "02-b/")
			}
			wantProblems(t, problems, tt.want...)
			if tt.updated != "" && updated != tt.updated {
				t.Errorf("updated =\n%s\nwant\n%s", updated, tt.updated)
			}
			// Regenerating twice changes nothing more.
			if tt.updated != "" {
				again, _ := checkDiffs(diffFS(updated), steps, "02-b/README.md")
				wantProblems(t, again)
			}
		})
	}
}

func TestCheckNums(t *testing.T) {
	values := map[string]string{"size:01-a": "940 MB", "size:02-b": "120 MB"}
	tests := []struct {
		name, text, updated string
		want                []string
	}{
		{"equal", "<!-- num:size:01-a -->940 MB<!-- /num --> to <!-- num:size:02-b -->120 MB<!-- /num -->", "", nil},
		{"stale and placeholder", "<!-- num:size:01-a -->783 MB<!-- /num --> <!-- num:size:02-b -->TBD<!-- /num -->",
			"<!-- num:size:01-a -->940 MB<!-- /num --> <!-- num:size:02-b -->120 MB<!-- /num -->",
			[]string{`R.md:1: <!-- num:size:01-a --> says "783 MB", results.json says "940 MB"`, `says "TBD"`}},
		{"unknown key", "<!-- num:binary:01-a -->7 MB<!-- /num -->", "", []string{`names no figure of results.json; known keys: size:01-a`}},
		{"malformed", "<!-- num:size:01-a -->940 MB", "", []string{"R.md: line 1: <!-- num:size:01-a --> is not closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, updated := checkNums("R.md", tt.text, values)
			wantProblems(t, problems, tt.want...)
			if tt.updated != "" && updated != tt.updated {
				t.Errorf("updated = %q, want %q", updated, tt.updated)
			}
		})
	}
}

func TestCheckTwins(t *testing.T) {
	en := "# Step\n[Español](README.es.md)\n## Build\n<!-- num:size:01-a -->1 MB<!-- /num -->\n## Next\n"
	es := "# Paso\n[English](README.md)\n## Construir\n<!-- num:size:01-a -->1 MB<!-- /num -->\n## Siguiente\n"
	tests := []struct {
		name   string
		en, es string
		want   []string
	}{
		{"in step", en, es, nil},
		{"missing twin", en, "", []string{"must both exist"}},
		{"no link back", en, strings.Replace(es, "[English](README.md)", "", 1), []string{"README.es.md: does not link to its translation README.md"}},
		{"section missing", en, strings.Replace(es, "## Siguiente\n", "", 1), []string{"different sections"}},
		{"figure missing", en, strings.Replace(es, "<!-- num:size:01-a -->1 MB<!-- /num -->", "1 MB", 1), []string{"quote different figures"}},
		{"same output", en + outputMD("x\n"), es + outputMD("x\n"), nil},
		{"output differs", en + outputMD("x\n"), es + outputMD("y\n"), []string{"show different diffs or outputs"}},
		{"output missing", en + outputMD("x\n"), es, []string{"show different diffs or outputs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"01-a/README.md": {Data: []byte(tt.en)}}
			if tt.es != "" {
				fsys["01-a/README.es.md"] = &fstest.MapFile{Data: []byte(tt.es)}
			}
			wantProblems(t, checkTwins(fsys, "01-a/README.md"), tt.want...)
		})
	}
}

func TestCheckNumbers(t *testing.T) {
	const nnbsp = "\u202F"
	tests := []struct {
		name, md string
		want     []string
	}{
		{"decimal point", "about 1.5 min; 0.9× to 1.1×; 5.90 MB; 0.125 s.\n", nil},
		{"grouped by the convention", "44" + nnbsp + "400 req/s, 1" + nnbsp + "000" + nnbsp + "000 bytes, 12" + nnbsp + "345.6\n", nil},
		{"four digits and identifiers bare", "port 8080 in 2026, uid 65532, 44400 requests\n", nil},
		{"versions and addresses", "Go 1.26.8, Docker Engine 20.10.24, v0.38.2 on 127.0.0.1. Go 1.11, then 1.26.\n", nil},
		{"a list is not a decimal", "pasos 1, 2 y 3\n", nil},
		{"decimal comma", "tarda 1,5 min\n", []string{`R.md:1: "1,5" has a decimal comma: write "1.5"`}},
		{"decimal comma before ×", "de 0,9× a 1,1×\n", []string{`"0,9" has a decimal comma`, `"1,1" has a decimal comma`}},
		{"comma thousands", "44,400 req/s\n", []string{`"44,400" groups thousands with a comma: write "44\u202f400"`}},
		{"comma millions", "1 MB = 1,000,000 bytes\n", []string{`write "1\u202f000\u202f000"`}},
		{"comma in four digits", "about 2,000 requests\n", []string{`"2,000" groups thousands with a comma: write "2000"`}},
		{"period thousands", "1.000.000 bytes\n", []string{`"1.000.000" groups thousands with a period: write "1\u202f000\u202f000"`}},
		{"period thousands or three decimals", "44.400 req/s\n", []string{`"44.400" reads as thousands in Spanish`}},
		{"other spaces", "44\u00A0400 and 44\u2009400\n", []string{"U+00A0 or U+2009", "U+00A0 or U+2009"}},
		{"four digits grouped", "1" + nnbsp + "000 requests\n", []string{`write "1000"`}},
		{"bad groups", "44" + nnbsp + "40 and 1" + nnbsp + "2345\n", []string{`write "4440"`, `write "12\u202f345"`}},
		{"figures between markers are prose", "<!-- num:size:01-a -->6,55 MB<!-- /num -->\n", []string{`"6,55" has a decimal comma`}},
		{"code is not prose", "`1,5` and `44,400`\n```sh\necho 1,5\n```\n", nil},
		{"heading", "## Paso 1,5\n", []string{`R.md:1: "1,5"`}},
		{
			"the results block is make report's",
			"intro\n" + docnums.ResultsBegin + "\n| 44,400 |\n" + docnums.ResultsEnd + "\nthen 1,5 min\n",
			[]string{`R.md:5: "1,5"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblems(t, checkNumbers("R.md", tt.md), tt.want...)
		})
	}
}

func TestIsTableDelimiter(t *testing.T) {
	for _, line := range []string{"|---|--:|", "| :-- | --- |", "---|---", "|:-:|", "  |---|  ", "---"} {
		if !isTableDelimiter(line) {
			t.Errorf("isTableDelimiter(%q) = false, want true", line)
		}
	}
	for _, line := range []string{"", "| a | b |", "|---|x|", "| -- a |", "text ---", "|", "| : |"} {
		if isTableDelimiter(line) {
			t.Errorf("isTableDelimiter(%q) = true, want false", line)
		}
	}
}

// outputMD is a well-formed output block named run holding body.
func outputMD(body string) string {
	return "<!-- output:run -->\n```text\n" + body + "```\n<!-- /output -->\n"
}

func TestOutputBlocks(t *testing.T) {
	tests := []struct {
		name, md string
		blocks   []outputBlock
		want     []string
	}{
		{"one", "# T\n\n" + outputMD("a\n\nb\n"), []outputBlock{{"run", "a\n\nb\n"}}, nil},
		{"empty", outputMD(""), []outputBlock{{"run", ""}}, nil},
		{"two", outputMD("a\n") + "text\n" + strings.Replace(outputMD("b\n"), "run", "other-1", 1), []outputBlock{{"run", "a\n"}, {"other-1", "b\n"}}, nil},
		{"blank before the fence", "<!-- output:run -->\n\n```text\na\n```\n<!-- /output -->\n", nil,
			[]string{"R.md:1: an output marker outside a block", "R.md:6: an output marker"}},
		{"not a text fence", strings.Replace(outputMD("a\n"), "```text", "```sh", 1), nil,
			[]string{"R.md:1: an output marker outside a block", "R.md:5: an output marker"}},
		{"never closed", "x\n<!-- output:run -->\n```text\na\n```\n", nil, []string{"R.md:2: an output marker outside a block"}},
		{"stray close", "<!-- /output -->\n", nil, []string{"R.md:1: an output marker outside a block"}},
		{"named in code", "Write `<!-- output:NAME -->` then:\n```md\n<!-- /output -->\n```\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, problems := outputBlocks("R.md", tt.md)
			if !slices.Equal(blocks, tt.blocks) {
				t.Errorf("blocks = %q, want %q", blocks, tt.blocks)
			}
			wantProblems(t, problems, tt.want...)
		})
	}
}
