package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"lean-go-images/scripts/internal/results"
	"lean-go-images/scripts/internal/steps"
)

// Budgets keep the images lean after the workshop, in CI. Each step
// declares its budget in two small files, each figure in one place:
//
//   - sizeBudgets, at the repository root: the largest image a step may be.
//   - its .dive-ci: dive's own CI rules, lowestEfficiency and
//     highestWastedBytes, so that dive --ci --ci-config STEP/.dive-ci
//     checks the same in an attendee's pipeline.
//
// make budget (report -budget) checks them against the report's own
// measurements: the sizes from docker save, and dive's verdict on the same
// archive.
const sizeBudgets = "size-budgets.txt"

// budget is one step's.
type budget struct {
	MaxSize       int64   // bytes
	MinEfficiency float64 // dive's lowestEfficiency
	MaxWasted     int64   // dive's highestWastedBytes; -1 when disabled
}

// readBudgets reads the budget of every step in fsys, the repository root.
func readBudgets(fsys fs.FS, all []steps.Step) (map[string]budget, error) {
	b, err := fs.ReadFile(fsys, sizeBudgets)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: it holds each step's size budget", sizeBudgets, err)
	}
	budgets := map[string]budget{}
	for n, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			size, err := parseBytes(strings.Join(f[1:], ""))
			if len(f) < 2 || err != nil {
				return nil, fmt.Errorf("%s:%d: want a step and its largest size, such as 04-scratch-static 6MB", sizeBudgets, n+1)
			}
			budgets[f[0]] = budget{MaxSize: size}
		}
	}
	for _, s := range all {
		bg, ok := budgets[s.Name]
		if !ok {
			return nil, fmt.Errorf("%s has no size budget for %s: add a line such as %s 6MB", sizeBudgets, s.Name, s.Name)
		}
		name := s.Name + "/.dive-ci"
		rules, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %v: it holds the step's dive rules", name, err)
		}
		if bg.MinEfficiency, bg.MaxWasted, err = diveRules(rules); err != nil {
			return nil, fmt.Errorf("%s:%v", name, err)
		}
		budgets[s.Name] = bg
	}
	return budgets, nil
}

// diveRules reads the rules of a .dive-ci file that make budget checks, in
// dive's own syntax: a number from 0 to 1, a size such as 1MB, or disabled.
// highestUserWastedPercent must be disabled: the report does not measure it.
func diveRules(text []byte) (minEfficiency float64, maxWasted int64, err error) {
	minEfficiency, maxWasted = 0.9, -1 // dive's defaults
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		value = strings.Trim(strings.TrimSpace(value), `"'`)
		if !ok || strings.HasPrefix(key, "#") {
			continue
		}
		switch key {
		case "rules":
			if value != "" {
				return 0, 0, fmt.Errorf("%d: rules: want it alone on its line, with one rule per line indented below it", n)
			}
		case "lowestEfficiency":
			minEfficiency, err = strconv.ParseFloat(value, 64)
			if err != nil || minEfficiency < 0 || minEfficiency > 1 {
				return 0, 0, fmt.Errorf("%d: lowestEfficiency %q: want a number from 0 to 1", n, value)
			}
		case "highestWastedBytes":
			if value == "disabled" {
				maxWasted = -1
			} else if maxWasted, err = parseBytes(value); err != nil {
				return 0, 0, fmt.Errorf("%d: highestWastedBytes %q: want a size such as 1MB, or disabled", n, value)
			}
		case "highestUserWastedPercent":
			if value != "disabled" {
				return 0, 0, fmt.Errorf("%d: highestUserWastedPercent: make budget does not measure it; set it to disabled", n)
			}
		default:
			return 0, 0, fmt.Errorf("%d: unknown rule %q", n, key)
		}
	}
	return minEfficiency, maxWasted, sc.Err()
}

// parseBytes reads a size as dive's rules write it: "6MB" is 6 000 000
// bytes, "6MiB" 6 291 456, "512kB", "1.2GB".
func parseBytes(s string) (int64, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("no size in %q", s)
	}
	f, err := strconv.ParseFloat(s[:i], 64)
	unit, ok := map[string]float64{
		"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
	}[strings.TrimSpace(s[i:])]
	if err != nil || !ok {
		return 0, fmt.Errorf("no size in %q", s)
	}
	return int64(f*unit + 0.5), nil
}

// checkBudget returns the step's budget and what of the step breaks it,
// one phrase each, naming the figure, the limit and the file that sets it.
func checkBudget(s results.Step, b budget) *results.Budget {
	over := []string{}
	if s.SizeBytes > b.MaxSize {
		over = append(over, fmt.Sprintf("size %s is over its budget of %s (%s)", results.Bytes(s.SizeBytes), results.Bytes(b.MaxSize), sizeBudgets))
	}
	if s.Dive.EfficiencyScore < b.MinEfficiency {
		over = append(over, fmt.Sprintf("dive efficiency %s is under its budget of %s (%s/.dive-ci)", results.Percent(s.Dive.EfficiencyScore), results.Percent(b.MinEfficiency), s.Name))
	}
	if b.MaxWasted >= 0 && s.Dive.InefficientBytes > b.MaxWasted {
		over = append(over, fmt.Sprintf("wasted %s is over its budget of %s (%s/.dive-ci)", results.Bytes(s.Dive.InefficientBytes), results.Bytes(b.MaxWasted), s.Name))
	}
	return &results.Budget{MaxSizeBytes: b.MaxSize, MinEfficiency: b.MinEfficiency, MaxWastedBytes: b.MaxWasted, Over: over}
}
