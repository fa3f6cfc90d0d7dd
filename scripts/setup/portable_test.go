package main

// The user path (the Makefile's recipes and any shell script in scripts/
// or .ci/) must run as it is on a stock Mac: GNU Make 3.81, bash 3.2 and
// BSD tools. Make 3.81 ignores .SHELLFLAGS, so a recipe line must fail on
// its own when a command in it fails. scripts/offline-bases.sh and .ci/run
// need Linux and root anyway, and are exempt, as are test fixtures.

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// exempt are the scripts that run on Linux, as root, only.
var exempt = []string{"scripts/offline-bases.sh", ".ci/run"}

type rule struct {
	re  *regexp.Regexp
	why string
}

func rules(pairs ...string) []rule {
	var rs []rule
	for i := 0; i < len(pairs); i += 2 {
		rs = append(rs, rule{regexp.MustCompile(pairs[i]), pairs[i+1]})
	}
	return rs
}

// shellRules catch what bash 3.2 or the BSD tools of macOS lack.
var shellRules = rules(
	`\b(mapfile|readarray)\b`, "mapfile/readarray needs bash 4",
	`\b(declare|typeset|local)\s+-[a-zA-Z]*[Alnu]\b`, "declare -A/-l/-n/-u needs bash 4",
	`\$\{[#!]?[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?(\^\^?|,,?)`, "${x,,} and ${x^^} need bash 4",
	`\$\{[^}]*@[QEPAKaUuLk]\}`, "${x@Q} needs bash 4.4",
	`&>>`, "&>> needs bash 4",
	`\|&`, "|& needs bash 4",
	`\bcoproc\b`, "coproc needs bash 4",
	`;;&`, ";;& needs bash 4",
	`\bwait\s+-n\b`, "wait -n needs bash 4.3",
	`\$\{[A-Za-z_][A-Za-z0-9_]*\[-[0-9]+\]\}`, "negative array subscripts need bash 4.3",
	`\bshopt\s+-s\s+(globstar|lastpipe|autocd|checkjobs|dirspell)\b`, "this shopt needs bash 4",
	`\$\{?(EPOCHSECONDS|EPOCHREALTIME|BASHPID|SRANDOM)\b`, "this variable needs bash 4 or 5",
	`(^|[\s;&|(])timeout\s`, "timeout is GNU coreutils: macOS has none",
	`\bsed(\s+-[a-zA-Z]+)*\s+-[a-zA-Z]*i`, "sed -i differs in BSD sed (it wants a suffix)",
	`\bxargs(\s+-[a-zA-Z]+)*\s+(-[a-zA-Z]*r\b|--no-run-if-empty)`, "xargs -r is GNU only",
	`\breadlink\s+-[a-zA-Z]*[fem]`, "readlink -f is GNU only (macOS before 12.3 lacks it)",
	`\bdate\b[^;&|\n]*%N`, "date +%N is GNU only: BSD date has no nanoseconds",
	`\bgrep(\s+-[a-zA-Z]+)*\s+-[a-zA-Z]*P`, "grep -P is GNU only",
	`\bstat\s+(-[a-zA-Z]+\s+)*(-c\b|--format)`, "stat -c is GNU only (BSD stat uses -f)",
	`\bfind\b[^;&|\n]*-printf\b`, "find -printf is GNU only",
	`(^|[\s;&|(])(tac|nproc)\b`, "tac and nproc are GNU coreutils: macOS has none",
	`\bbase64\s+-w`, "base64 -w is GNU only",
	`\bdu\s+-[a-zA-Z]*b`, "du -b is GNU only",
	`\bhead\s+-n\s*-[0-9]`, "head -n -N is GNU only",
)

// makeRules catch what GNU Make 3.81 lacks, and paths that break when the
// checkout's path has a space in it.
var makeRules = rules(
	`^\s*\.ONESHELL\s*:`, ".ONESHELL needs GNU Make 3.82",
	`^\s*(override\s+)?undefine\b`, "undefine needs GNU Make 3.82",
	`\bprivate\s`, "private needs GNU Make 3.82",
	`^\s*[A-Za-z_][A-Za-z0-9_.-]*\s*!=`, "!= needs GNU Make 4.0",
	`:::?=`, "::= needs GNU Make 3.82 (:::= 4.4)",
	`\$\(file\s`, "$(file ...) needs GNU Make 4.0",
	`&:`, "grouped targets (&:) need GNU Make 4.3",
	`\.EXTRA_PREREQS`, ".EXTRA_PREREQS needs GNU Make 4.3",
	`\$\(let\s`, "$(let ...) needs GNU Make 4.4",
	`\$\(intcmp\s`, "$(intcmp ...) needs GNU Make 4.4",
	`\$\(guile\s`, "$(guile ...) needs GNU Make 4.0",
	`\.RECIPEPREFIX`, ".RECIPEPREFIX needs GNU Make 3.82",
	`\.SHELLSTATUS`, ".SHELLSTATUS needs GNU Make 4.2",
	`\.NOTINTERMEDIATE|\.WAIT\b`, ".NOTINTERMEDIATE and .WAIT need GNU Make 4.4",
	`^\s*define\s+\S+\s*[:+?!]?=`, "define NAME = needs GNU Make 3.82",
	`--output-sync|--shuffle`, "--output-sync and --shuffle need GNU Make 4",
	`\$\((CURDIR|abspath|realpath)\b|\$\(shell\s+pwd`, "an absolute path breaks targets when the checkout's path has a space in it: use paths relative to the Makefile",
)

// bashOnly is shell syntax that /bin/sh (dash on Debian and Ubuntu) lacks,
// for recipes when the Makefile does not set SHELL to bash.
var bashOnly = rules(`\[\[`, "[[ is bash-only (dash runs recipes on Debian and Ubuntu)",
	`<\(`, "process substitution is bash-only", `<<<`, "here-strings are bash-only")

// portability returns every problem of the repository in fsys.
func portability(fsys fs.FS) []string {
	var problems []string
	mk, err := fs.ReadFile(fsys, "Makefile")
	if err != nil {
		return []string{err.Error()}
	}
	problems = append(problems, checkMakefile(string(mk))...)
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		top, _, _ := strings.Cut(p, "/")
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "testdata" || p != "." && top != "scripts" && top != ".ci"):
			return fs.SkipDir
		case d.IsDir() || slices.Contains(exempt, p):
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil || !(path.Ext(p) == ".sh" || strings.HasPrefix(string(b), "#!") && strings.Contains(strings.SplitN(string(b), "\n", 2)[0], "sh")) {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if code := stripComment(line); code != "" {
				for _, r := range shellRules {
					if r.re.MatchString(code) {
						problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", p, i+1, r.why, strings.TrimSpace(line)))
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		problems = append(problems, err.Error())
	}
	return problems
}

// stripComment drops a shell line's comment (a # at the start of a word).
func stripComment(line string) string {
	if i := regexp.MustCompile(`(^|\s)#`).FindStringIndex(line); i != nil {
		line = line[:i[0]]
	}
	return strings.TrimSpace(line)
}

// checkMakefile checks the Makefile's own syntax, and each recipe line as shell.
func checkMakefile(text string) []string {
	var problems []string
	bash := regexp.MustCompile(`(?m)^\s*SHELL\s*:?=\s*\S*bash\s*$`).MatchString(text)
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		n, line := i+1, lines[i]
		if !strings.HasPrefix(line, "\t") {
			if code := stripComment(line); code != "" {
				for _, r := range makeRules {
					if r.re.MatchString(code) {
						problems = append(problems, fmt.Sprintf("Makefile:%d: %s: %s", n, r.why, code))
					}
				}
			}
			continue
		}
		recipe := strings.TrimLeft(line, "\t@+- ")
		for strings.HasSuffix(lines[i], "\\") && i+1 < len(lines) {
			i++
			recipe = strings.TrimSuffix(recipe, "\\") + " " + strings.TrimSpace(lines[i])
		}
		shell := strings.ReplaceAll(recipe, "$$", "$")
		// A recipe is shell, and make expands its functions too.
		rs := append(append([]rule{}, shellRules...), makeRules...)
		if !bash {
			rs = append(rs, bashOnly...)
		}
		for _, r := range rs {
			if r.re.MatchString(shell) {
				problems = append(problems, fmt.Sprintf("Makefile:%d: %s: %s", n, r.why, recipe))
			}
		}
		for _, why := range statusProblems(flatten(recipe)) {
			problems = append(problems, fmt.Sprintf("Makefile:%d: %s, so its exit status depends on .SHELLFLAGS, which GNU Make 3.81 ignores: join the commands with && (or move the logic into scripts/setup): %s", n, why, recipe))
		}
	}
	return problems
}

// flatten reduces a recipe line to its shell structure: make references and
// quoted or escaped text become one letter, so that only the operators
// outside them remain.
func flatten(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '$' && i+1 < len(s) && s[i+1] == '$':
			b.WriteByte('$')
			i++
		case c == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			i = skipRef(s, i)
			b.WriteByte('X')
		case c == '\\':
			i++
			b.WriteByte('E')
		case c == '\'':
			for i++; i < len(s) && s[i] != '\''; i++ {
			}
			b.WriteByte('S')
		case c == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				} else if s[i] == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{') {
					i = skipRef(s, i)
				}
			}
			b.WriteByte('S')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// skipRef returns the index of the bracket that closes the make reference
// starting at s[i] ($( or ${).
func skipRef(s string, i int) int {
	open, depth := s[i+1], 0
	close := map[byte]byte{'(': ')', '{': '}'}[open]
	for i++; i < len(s); i++ {
		switch s[i] {
		case open:
			depth++
		case close:
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return i
}

// exitN is a command that ends a sequence with a failing status of its own.
var exitN = regexp.MustCompile(`^exit\s+[1-9][0-9]*$`)

// statusProblems says why the exit status of flattened shell text, or of
// a group in it ({ } or ( )), would hide a failing command: a pipeline, or
// commands in sequence (; & or a newline) that do not end with exit N.
func statusProblems(s string) []string {
	var problems, cmds []string
	depth, start, cmdStart := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c, next := s[i], byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		switch {
		case c == '{' || c == '(':
			if depth++; depth == 1 {
				start = i + 1
			}
		case c == '}' || c == ')':
			if depth--; depth == 0 {
				problems = append(problems, statusProblems(s[start:i])...)
			}
		case depth > 0:
		case (c == '|' || c == '&') && next == c:
			i++
		case c == '|':
			problems = append(problems, "it is a pipeline")
		case c == '&' && (next == '>' || i > 0 && (s[i-1] == '>' || s[i-1] == '<')):
		case c == ';' || c == '&' || c == '\n':
			cmds = append(cmds, strings.TrimSpace(s[cmdStart:i]))
			cmdStart = i + 1
		}
	}
	cmds = append(cmds, strings.TrimSpace(s[cmdStart:]))
	var nonEmpty []string
	for _, c := range cmds {
		if c != "" {
			nonEmpty = append(nonEmpty, c)
		}
	}
	if len(nonEmpty) > 1 && !exitN.MatchString(nonEmpty[len(nonEmpty)-1]) {
		problems = append(problems, "it runs commands in sequence")
	}
	return problems
}

// TestPortable checks the repository's Makefile and user-path scripts.
func TestPortable(t *testing.T) {
	for _, p := range portability(os.DirFS("../..")) {
		t.Error(p)
	}
}

// TestPortabilityCatches: each construct the checker must catch, in a
// copy of a Makefile or script that is otherwise fine.
func TestPortabilityCatches(t *testing.T) {
	const mk = "BIN ?= bin\n.PHONY: all\nall: ## Build.\n\t@\"$(BIN)/setup\" bases\n"
	tests := []struct {
		name, file, text, want string
	}{
		{"clean", "Makefile", mk, ""},
		{"mapfile", "scripts/x.sh", "#!/usr/bin/env bash\nmapfile -t a <<<\"$x\"\n", "scripts/x.sh:2: mapfile/readarray needs bash 4"},
		{"assoc array", "scripts/x.sh", "#!/bin/bash\ndeclare -A seen\n", "declare -A/-l/-n/-u needs bash 4"},
		{"lowercase", "scripts/y", "#!/bin/sh\necho \"${name,,}\"\n", "${x,,} and ${x^^} need bash 4"},
		{"uppercase", "scripts/x.sh", "echo ${name^^}\n", "${x,,} and ${x^^} need bash 4"},
		{"append both", "scripts/x.sh", "make &>>log\n", "&>> needs bash 4"},
		{"pipe both", "scripts/x.sh", "make |& tee log\n", "|& needs bash 4"},
		{"coproc", "scripts/x.sh", "coproc cat\n", "coproc needs bash 4"},
		{"timeout", "scripts/x.sh", "timeout 600 docker pull x\n", "timeout is GNU coreutils"},
		{"sed -i", "scripts/x.sh", "sed -E -i 's/a/b/' f\n", "sed -i differs in BSD sed"},
		{"xargs -r", "scripts/x.sh", "echo | xargs -r rm\n", "xargs -r is GNU only"},
		{"readlink -f", "scripts/x.sh", "d=$(readlink -f .)\n", "readlink -f is GNU only"},
		{"date +%N", "scripts/x.sh", "t=$(date +%s%N)\n", "date +%N is GNU only"},
		{"comment is fine", "scripts/x.sh", "# mapfile is bash 4\necho ok # timeout\n", ""},
		{"exempt", "scripts/offline-bases.sh", "mapfile -t a\n", ""},
		{"fixture", "scripts/e2e/testdata/fake.sh", "mapfile -t a\n", ""},
		{"recipe mapfile", "Makefile", mk + "\tmapfile -t a < list\n", "Makefile:5: mapfile/readarray needs bash 4"},
		{"oneshell", "Makefile", ".ONESHELL:\n" + mk, "Makefile:1: .ONESHELL needs GNU Make 3.82"},
		{"undefine", "Makefile", mk + "undefine BIN\n", "undefine needs GNU Make 3.82"},
		{"bang assign", "Makefile", "X != date\n" + mk, "!= needs GNU Make 4.0"},
		{"colon colon", "Makefile", "X ::= 1\n" + mk, "::= needs GNU Make 3.82"},
		{"file", "Makefile", mk + "\t$(file >out,x)\n", "$(file ...) needs GNU Make 4.0"},
		{"grouped", "Makefile", "a b &: c\n" + mk, "grouped targets (&:) need GNU Make 4.3"},
		{"extra prereqs", "Makefile", ".EXTRA_PREREQS := x\n" + mk, ".EXTRA_PREREQS needs GNU Make 4.3"},
		{"let", "Makefile", "X := $(let a,1,$(a))\n" + mk, "$(let ...) needs GNU Make 4.4"},
		{"intcmp", "Makefile", "X := $(intcmp 1,2,a)\n" + mk, "$(intcmp ...) needs GNU Make 4.4"},
		{"private", "Makefile", "all: private X = 1\n" + mk, "private needs GNU Make 3.82"},
		{"curdir", "Makefile", "BIN ?= $(CURDIR)/bin\n" + mk, "an absolute path breaks targets"},
		{"sequence", "Makefile", mk + "\tdocker rmi -f $$ids; echo removed\n", "Makefile:5: it runs commands in sequence, so its exit status depends on .SHELLFLAGS"},
		{"if", "Makefile", mk + "\t@ids=\"$$(docker ps -q)\"; if [ -n \"$$ids\" ]; then docker rm -f $$ids; fi\n", "it runs commands in sequence"},
		{"pipeline", "Makefile", mk + "\tdocker images -q | sort -u\n", "it is a pipeline"},
		{"continued", "Makefile", mk + "\tdocker rm -f x; \\\n\t  echo removed\n", "Makefile:5: it runs commands in sequence"},
		{"group", "Makefile", mk + "\ttest -f x || { echo missing; true; }\n", "it runs commands in sequence"},
		{"ends in exit", "Makefile", mk + "\t@test -f x || { echo \"missing; $(X)\" >&2; exit 2; }\n\t@echo \"a | b\" >&2; exit 2\n\tgo build -o \"$@\" ./x 2>&1 && echo ok || echo no\n", ""},
		{"bashism in sh", "Makefile", mk + "\t@[[ -d x ]] && echo dir\n", "[[ is bash-only"},
		{"bashism in bash", "Makefile", "SHELL := bash\n" + mk + "\t@[[ -d x ]] && echo dir\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"Makefile": {Data: []byte(mk)}}
			fsys[tt.file] = &fstest.MapFile{Data: []byte(tt.text)}
			got := portability(fsys)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("want no problem, got %q", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("want one problem with %q, got %q", tt.want, got)
			}
		})
	}
}
