package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"text/template"

	"lean-go-images/scripts/internal/docnums"
	"lean-go-images/scripts/internal/hardening"
)

//go:embed results.md.tmpl
var resultsTemplate string

// tmpl renders RESULTS.md ("results") and the README table ("readme") from
// the Results model.
var tmpl = template.Must(template.New("results").Funcs(template.FuncMap{
	"size":         humanSize,
	"times":        times,
	"percent":      percent,
	"share":        share,
	"millis":       millis,
	"shortID":      shortID,
	"runsAs":       runsAs,
	"cell":         cell,
	"layerCommand": layerCommand,
	"rate":         rate,
	"ratio":        ratio,
	"latency":      latency,
	"seconds":      seconds,
	"checkTitle":   checkTitle,
	"checkCell":    checkCell,
	"hardening":    func() hardeningBounds { return bounds },
	"yesNo": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
	"join":     strings.Join,
	"codeList": codeList,
	"provenance": func(p string) string {
		switch p {
		case BuiltOffline:
			return "**BUILT OFFLINE** (look-alike)"
		case Pulled:
			return "pulled"
		case Absent:
			return "not present locally"
		}
		return "local build, no registry digest"
	},
}).Parse(resultsTemplate))

// Offline reports whether any base image is an offline look-alike.
func (r *Results) Offline() bool {
	for _, b := range r.Bases {
		if b.Provenance == BuiltOffline {
			return true
		}
	}
	return false
}

// BasesNote says in a few words where the base images came from.
func (r *Results) BasesNote() string {
	kinds := map[string]bool{}
	for _, b := range r.Bases {
		kinds[b.Provenance] = true
	}
	switch {
	case len(r.Bases) == 0:
		return "no base images (scratch only)"
	case kinds[BuiltOffline] && len(kinds) == 1:
		return "base images built offline (look-alikes, not the upstream images)"
	case kinds[BuiltOffline]:
		return "some base images built offline (look-alikes, not the upstream images)"
	case kinds[Pulled] && len(kinds) == 1:
		return "base images pulled from their registries"
	}
	return "base images partly local, not pulled"
}

// BaselineSize is the size of the baseline step.
func (r *Results) BaselineSize() int64 {
	for _, v := range r.Steps {
		if v.Name == r.Baseline {
			return v.SizeBytes
		}
	}
	return 0
}

// GoBuild names the Go that compiled the servers: the golang base image's.
func (r *Results) GoBuild() string {
	for _, b := range r.Bases {
		if b.GoVersion != "" {
			return "Go " + b.GoVersion + " (" + b.Ref + ")"
		}
	}
	return ""
}

// Starts is how many times each image was started for the runtime figures.
func (r *Results) Starts() int {
	for _, v := range r.Steps {
		if v.Runtime != nil {
			return v.Runtime.Starts
		}
	}
	return 0
}

// Date is the day of the measurement, in UTC.
func (r *Results) Date() string { return r.GeneratedAt.UTC().Format("2006-01-02 15:04 MST") }

// Step returns the step called name, or nil.
func (r *Results) Step(name string) *Step {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

// HardenedSummary is the Hardened column of the summary: "yes", or "no:"
// and the first check that failed; "–" when the step had no hardened run.
func (v Step) HardenedSummary() string {
	h := v.Hardened
	switch {
	case h == nil:
		return "–"
	case h.OK:
		return "yes"
	}
	var failed []CheckOutcome
	for _, c := range h.Checks {
		if !c.OK {
			failed = append(failed, c)
		}
	}
	if len(failed) == 0 {
		return "no"
	}
	s := "no: " + clip(failed[0].Detail, 60)
	// Checks that could not run follow from the first failure: not counted.
	more := 0
	for _, c := range failed[1:] {
		if !strings.HasPrefix(c.Detail, "not run:") {
			more++
		}
	}
	if more > 0 {
		s += fmt.Sprintf(" (+%d more)", more)
	}
	return cell(s)
}

// Check returns the check called name, or nil.
func (h *Hardened) Check(name string) *CheckOutcome {
	for i := range h.Checks {
		if h.Checks[i].Name == name {
			return &h.Checks[i]
		}
	}
	return nil
}

// HardenedFlags are the flags of the hardened run, nil when none ran.
func (r *Results) HardenedFlags() []string {
	for _, v := range r.Steps {
		if v.Hardened != nil {
			return v.Hardened.Flags
		}
	}
	return nil
}

// CheckNames lists the checks of the hardened runs, in order of first
// appearance.
func (r *Results) CheckNames() []string {
	var names []string
	for _, v := range r.Steps {
		if v.Hardened == nil {
			continue
		}
		for _, c := range v.Hardened.Checks {
			if !slices.Contains(names, c.Name) {
				names = append(names, c.Name)
			}
		}
	}
	return names
}

// LoadMethod is a load run whose settings (rounds, connections) the Load
// section describes, nil when no step had one.
func (r *Results) LoadMethod() *Load {
	for _, v := range r.Steps {
		if v.Load != nil {
			return v.Load
		}
	}
	return nil
}

// RateRange is the range of the rounds' rates: "38,500–43,500".
func (l *Load) RateRange() string {
	if len(l.RoundResults) == 0 {
		return "–"
	}
	lo, hi := l.RoundResults[0].RequestsPerSec, l.RoundResults[0].RequestsPerSec
	for _, r := range l.RoundResults {
		lo, hi = min(lo, r.RequestsPerSec), max(hi, r.RequestsPerSec)
	}
	return rate(lo) + "–" + rate(hi)
}

// checkTitles name the hardened checks in RESULTS.md.
var checkTitles = map[string]string{
	hardening.NameServes:           "Serves under the flags",
	hardening.NameNonRoot:          "Runs as a non-root uid",
	hardening.NameLimits:           "Limits enforced",
	hardening.NameSlowloris:        "Slowloris cut off",
	hardening.NameOversizedHeaders: "Oversized header: 431",
	hardening.NameUnknownPaths:     "Unknown paths: 404",
	hardening.NameOtherMethods:     "Other methods: 405",
	hardening.NameConcurrent:       "Concurrent connections",
	hardening.NameStillServing:     "Still serves afterwards",
	hardening.NameGracefulStop:     "Graceful docker stop",
}

func checkTitle(name string) string {
	if t, ok := checkTitles[name]; ok {
		return t
	}
	return "`" + name + "`"
}

// checkCell is a check's cell in the hardened run table: yes, or no and
// what failed, or "not run"; "–" for a check the step does not have.
func checkCell(c *CheckOutcome) string {
	switch {
	case c == nil:
		return "–"
	case c.OK:
		return "yes"
	case strings.HasPrefix(c.Detail, "not run:"):
		return "not run"
	}
	return "**no**: " + cell(c.Detail)
}

// hardeningBounds are the figures the hardened run's description quotes,
// from scripts/internal/hardening and from the report's own startTimeout.
type hardeningBounds struct {
	StartTimeout, ReadHeaderTimeout, SlowEvery, SlowFrom, SlowTo, StopWithin, StopGrace string // "5 s"
	OversizedKiB, Conns, MemoryMiB, Pids                                                int
	UnservedPaths, RefusedMethods                                                       []string
}

var bounds = hardeningBounds{
	StartTimeout:      seconds(int64(startTimeout)),
	ReadHeaderTimeout: seconds(int64(hardening.ReadHeaderTimeout)),
	SlowEvery:         seconds(int64(hardening.SlowEvery)),
	SlowFrom:          seconds(int64(hardening.ReadHeaderTimeout - hardening.SlowEarly)),
	SlowTo:            seconds(int64(hardening.ReadHeaderTimeout + hardening.SlowLate)),
	StopWithin:        seconds(int64(hardening.StopWithin)),
	StopGrace:         seconds(int64(hardening.StopGrace)),
	OversizedKiB:      hardening.OversizedHeader >> 10,
	Conns:             hardening.ConcurrentConns,
	MemoryMiB:         hardening.MemoryLimit >> 20,
	Pids:              hardening.PidsLimit,
	UnservedPaths:     hardening.UnservedPaths,
	RefusedMethods:    hardening.RefusedMethods,
}

// renderMarkdown returns RESULTS.md.
func renderMarkdown(r *Results) ([]byte, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "results", r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// renderReadme returns readme with the results table between the markers.
// resultsLink is the path of RESULTS.md relative to the README.
func renderReadme(readme []byte, r *Results, resultsLink string) ([]byte, error) {
	if err := docnums.CheckMarkers(readme); err != nil {
		return nil, err
	}
	var table bytes.Buffer
	data := struct {
		*Results
		Link string
	}{r, resultsLink}
	if err := tmpl.ExecuteTemplate(&table, "readme", data); err != nil {
		return nil, err
	}
	b := bytes.Index(readme, []byte(docnums.ResultsBegin)) + len(docnums.ResultsBegin)
	e := bytes.Index(readme, []byte(docnums.ResultsEnd))
	var out bytes.Buffer
	out.Write(readme[:b])
	out.WriteString("\n")
	out.Write(table.Bytes())
	out.WriteString("\n") // a blank line ends the table before the marker
	out.Write(readme[e:])
	return out.Bytes(), nil
}
