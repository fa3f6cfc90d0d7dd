package main

import (
	"strings"
	"testing"
	"testing/fstest"

	"lean-go-images/scripts/internal/results"
	"lean-go-images/scripts/internal/steps"
)

const diveCI = "rules:\n  # a comment: with a colon\n  lowestEfficiency: 0.95\n  highestWastedBytes: 1MB\n  highestUserWastedPercent: disabled\n"

func TestReadBudgets(t *testing.T) {
	all := []steps.Step{{Name: "01-a"}, {Name: "02-b"}}
	good := fstest.MapFS{
		sizeBudgets:       {Data: []byte("# largest sizes\n01-a   1GB\n\n02-b 5.5 MiB\n")},
		"01-a/.dive-ci":   {Data: []byte(diveCI)},
		"02-b/.dive-ci":   {Data: []byte("rules:\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 'disabled'\n")},
		"03-c/Dockerfile": {},
	}
	got, err := readBudgets(good, all)
	if err != nil {
		t.Fatal(err)
	}
	if got["01-a"] != (budget{1e9, 0.95, 1e6}) || got["02-b"] != (budget{5767168, 0.9, -1}) {
		t.Errorf("readBudgets = %+v", got)
	}
	with := func(name, text string) fstest.MapFS {
		fsys := fstest.MapFS{}
		for k, v := range good {
			fsys[k] = v
		}
		if text == "" {
			delete(fsys, name)
		} else {
			fsys[name] = &fstest.MapFile{Data: []byte(text)}
		}
		return fsys
	}
	for _, tt := range []struct {
		fsys fstest.MapFS
		want string
	}{
		{with(sizeBudgets, ""), "size-budgets.txt: open size-budgets.txt: file does not exist: it holds each step's size budget"},
		{with(sizeBudgets, "01-a 1GB\n"), "size-budgets.txt has no size budget for 02-b: add a line such as 02-b 6MB"},
		{with(sizeBudgets, "01-a 1GB\n02-b big\n"), "size-budgets.txt:2: want a step and its largest size, such as 04-scratch-static 6MB"},
		{with(sizeBudgets, "01-a\n"), "size-budgets.txt:1: want a step and its largest size, such as 04-scratch-static 6MB"},
		{with("02-b/.dive-ci", ""), "02-b/.dive-ci: open 02-b/.dive-ci: file does not exist: it holds the step's dive rules"},
		{with("02-b/.dive-ci", "rules:\n  lowestEfficiency: 95\n"), "02-b/.dive-ci:2: lowestEfficiency \"95\": want a number from 0 to 1"},
		{with("02-b/.dive-ci", "rules:\n  highestWastedBytes: lots\n"), "02-b/.dive-ci:2: highestWastedBytes \"lots\": want a size such as 1MB, or disabled"},
		{with("02-b/.dive-ci", "rules:\n  highestUserWastedPercent: 0.1\n"), "02-b/.dive-ci:2: highestUserWastedPercent: make budget does not measure it; set it to disabled"},
		{with("02-b/.dive-ci", "rules:\n  lowestEfficency: 0.9\n"), `02-b/.dive-ci:2: unknown rule "lowestEfficency"`},
		{with("02-b/.dive-ci", "rules: [\n"), "02-b/.dive-ci:1: rules: want it alone on its line, with one rule per line indented below it"},
	} {
		if _, err := readBudgets(tt.fsys, all); err == nil || err.Error() != tt.want {
			t.Errorf("readBudgets: %v, want %q", err, tt.want)
		}
	}
}

func TestCheckBudget(t *testing.T) {
	b := budget{MaxSize: 6e6, MinEfficiency: 0.95, MaxWasted: 1e6}
	within := results.Step{Name: "04-x", SizeBytes: 5902498, Dive: results.Dive{EfficiencyScore: 1}}
	if got := checkBudget(within, b); len(got.Over) != 0 || got.MaxSizeBytes != 6e6 || got.MaxWastedBytes != 1e6 {
		t.Errorf("within budget: %+v", got)
	}
	// Built without -s -w: the binary keeps its symbols.
	over := results.Step{Name: "04-x", SizeBytes: 8436420, Dive: results.Dive{EfficiencyScore: 0.9, InefficientBytes: 2e6}}
	got := checkBudget(over, b).Over
	want := []string{
		"size 8.44 MB is over its budget of 6.00 MB (size-budgets.txt)",
		"dive efficiency 90 % is under its budget of 95 % (04-x/.dive-ci)",
		"wasted 2.00 MB is over its budget of 1.00 MB (04-x/.dive-ci)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("over budget:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := checkBudget(over, budget{MaxSize: 1e9, MinEfficiency: 0.5, MaxWasted: -1}); len(got.Over) != 0 {
		t.Errorf("wasted bytes with no limit: %v", got.Over)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"6MB": 6e6, "1GB": 1e9, "512kB": 512e3, "6MiB": 6 << 20, "1.5GB": 1.5e9, "0B": 0} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "6", "6 parsecs", "six MB"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q): no error", in)
		}
	}
}
