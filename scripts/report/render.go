package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/docnums"
	"lean-go-images/scripts/internal/hardening"
	"lean-go-images/scripts/internal/results"
)

//go:embed results.md.tmpl
var resultsTemplate string

// tmpl renders RESULTS.md ("results") and the READMEs' tables ("readme",
// in the language of its labels) from the results model.
var tmpl = template.Must(template.New("results").Funcs(template.FuncMap{
	"size":         results.Bytes,
	"times":        results.Times,
	"percent":      results.Percent,
	"share":        results.Share,
	"millis":       results.Millis,
	"rate":         results.Rate,
	"ratio":        results.Ratio,
	"latency":      results.Latency,
	"seconds":      results.Seconds,
	"int":          results.Int,
	"count":        func(n int) string { return results.Int(int64(n)) },
	"shortID":      shortID,
	"runsAs":       runsAs,
	"cell":         cell,
	"layerCommand": layerCommand,
	"checkTitle":   checkTitle,
	"checkCell":    checkCell,
	"rateRange":    rateRange,
	"hardening":    func() hardeningBounds { return bounds },
	"join":         strings.Join,
	"codeList":     codeList,
	"english":      func(r *results.Results) view { return view{r, languages[""], "RESULTS.md"} },
	"provenance": func(b results.Base) string {
		switch origin(b) {
		case results.BuiltOffline:
			return "**BUILT OFFLINE** (look-alike)"
		case fromMirror:
			return "pulled from a mirror, a **LOOK-ALIKE**"
		case results.Pulled:
			return "pulled"
		case results.Absent:
			return "not present locally"
		case results.Unrecorded:
			return "unknown: make bases did not obtain it in this checkout"
		case unrecordedLookAlike:
			return "unknown: make bases did not obtain it in this checkout; a **LOOK-ALIKE**"
		}
		return "built or loaded locally, not pulled"
	},
}).Parse(resultsTemplate))

// view is what the READMEs' tables are rendered from: the results, in a
// language, with the path of RESULTS.md from the README.
type view struct {
	*results.Results
	L    labels
	Link string
}

// labels are the words of the READMEs' tables in one language. Figures are
// written the same way in both (see package results).
type labels struct {
	Step, Size, Compressed, Layers, Efficiency, Wasted, Startup, IdleMemory, User, Hardened string
	Rounds, Errors, Yes, No, Empty                                                          string
	// Measured is the lead sentence: the date, the engine, where the base
	// images came from, and the link; Load introduces the load table.
	Measured func(v view) string
	Load     func(v view) string
	// Summary is the Hardened cell of a step.
	Summary func(s results.Step) string
}

// The languages of the READMEs, by the suffix of their file name.
var languages = map[string]labels{
	"": {
		Step: "Step", Size: "Size", Compressed: "Compressed", Layers: "Layers", Efficiency: "Efficiency", Wasted: "Wasted",
		Startup: "Start-up", IdleMemory: "Idle memory", User: "User", Hardened: "Hardened",
		Rounds: "Rounds", Errors: "Errors", Yes: "yes", No: "no", Empty: "empty",
		Measured: func(v view) string {
			return fmt.Sprintf("Measured on %s with Docker Engine %s (%s), %s; details in [RESULTS.md](%s).",
				date(v.Results), v.Engine.Version, engineNote(v.Engine), basesNote(v.Results), v.Link)
		},
		Load: func(v view) string {
			l := v.LoadMethod()
			return fmt.Sprintf("Load on 127.0.0.1, through each hardened container's published port, one at a time: medians of %d rounds of %s per step ([method](%s#load)).",
				l.Rounds, results.Seconds(l.RoundNs), v.Link)
		},
		Summary: func(s results.Step) string {
			return hardenedSummary(s, "yes", "limits not enforced by this engine", checkFailure)
		},
	},
	".es": {
		Step: "Paso", Size: "Tamaño", Compressed: "Comprimida", Layers: "Capas", Efficiency: "Eficiencia", Wasted: "Desperdicio",
		Startup: "Arranque", IdleMemory: "Memoria en reposo", User: "Usuario", Hardened: "Endurecida",
		Rounds: "Rondas", Errors: "Errores", Yes: "sí", No: "no", Empty: "vacía",
		Measured: func(v view) string {
			return fmt.Sprintf("Medido el %s con Docker Engine %s (%s), %s; los detalles, en [RESULTS.md](%s).",
				date(v.Results), v.Engine.Version, engineNoteES(v.Engine), basesNoteES(v.Results), v.Link)
		},
		Load: func(v view) string {
			l := v.LoadMethod()
			return fmt.Sprintf("Carga en 127.0.0.1, por el puerto publicado de cada contenedor endurecido, uno tras otro: medianas de %d rondas de %s por paso ([método](%s#load)).",
				l.Rounds, results.Seconds(l.RoundNs), v.Link)
		},
		Summary: func(s results.Step) string {
			return hardenedSummary(s, "sí", "límites no aplicados por este motor", func(c results.CheckOutcome) string {
				if f, ok := checkFailuresES[c.Name]; ok {
					return "no: " + f
				}
				return "no: falla la comprobación " + c.Name
			})
		},
	},
}

// checkFailuresES says in Spanish which check a step failed.
var checkFailuresES = map[string]string{
	hardening.NameServes:           "no sirve con las opciones",
	hardening.NameNonRoot:          "se ejecuta como root",
	hardening.NameLimits:           "límites no aplicados",
	hardening.NameSlowloris:        "no corta a slowloris",
	hardening.NameOversizedHeaders: "cabecera enorme sin 431",
	hardening.NameUnknownPaths:     "rutas desconocidas sin 404",
	hardening.NameOtherMethods:     "otros métodos sin 405",
	hardening.NameConcurrent:       "conexiones simultáneas",
	hardening.NameStillServing:     "deja de servir",
	hardening.NameGracefulStop:     "docker stop no es limpio",
}

// date is the day of the measurement, in UTC.
func date(r *results.Results) string { return r.GeneratedAt.UTC().Format("2006-01-02 15:04 MST") }

// engineNote describes the engine in a few words: "rootless, classic image
// store, cgroup v1, on Debian GNU/Linux 12 (bookworm)".
func engineNote(e dockercli.Engine) string {
	mode := "rootful"
	if e.Rootless {
		mode = "rootless"
	}
	return fmt.Sprintf("%s, %s image store, cgroup v%s, on %s", mode, e.ImageStore, e.CgroupVersion, e.OS)
}

func engineNoteES(e dockercli.Engine) string {
	mode := "con privilegios de root"
	if e.Rootless {
		mode = "sin privilegios de root (rootless)"
	}
	store := "almacén de imágenes clásico"
	if e.ImageStore == "containerd" {
		store = "almacén de imágenes de containerd"
	}
	return fmt.Sprintf("%s, %s, cgroup v%s, en %s", mode, store, e.CgroupVersion, e.OS)
}

// The origins of a look-alike base that its provenance alone does not tell.
const (
	fromMirror          = "mirror"                // pulled, from a mirror that serves look-alikes
	unrecordedLookAlike = "unrecorded-look-alike" // unrecorded, and built offline or mirrored
)

// origin is where a base image came from: its provenance, or one of the
// look-alike origins above. It keys the notes below.
func origin(b results.Base) string {
	switch {
	case b.Provenance == results.Pulled && b.LookAlike:
		return fromMirror
	case b.Provenance == results.Unrecorded && b.LookAlike:
		return unrecordedLookAlike
	}
	return b.Provenance
}

// basesNote says where the base images came from: "base images built
// offline (look-alikes, not the upstream images)", or image by image when
// they came from different places.
func basesNote(r *results.Results) string {
	return originNote(r, "no base images (scratch only)", "base images ", " and ", map[string][2]string{
		results.BuiltOffline: {"built offline (look-alikes, not the upstream images)", "built offline (a look-alike)"},
		fromMirror:           {"pulled from a mirror that serves look-alikes", "pulled from a mirror (a look-alike)"},
		results.Pulled:       {"pulled from their registries", "pulled"},
		results.LocalOnly:    {"built or loaded locally, not pulled", "built or loaded locally"},
		results.Unrecorded:   {"of unknown origin (make bases did not obtain them in this checkout)", "of unknown origin"},
		unrecordedLookAlike:  {"of unknown origin, look-alikes (built offline, or pulled from a mirror that serves them)", "of unknown origin (a look-alike)"},
		results.Absent:       {"no longer present", "no longer present"},
	})
}

func basesNoteES(r *results.Results) string {
	return originNote(r, "sin imágenes base (solo scratch)", "imágenes base ", " y ", map[string][2]string{
		results.BuiltOffline: {"construidas sin conexión (imitaciones, no las imágenes originales)", "construida sin conexión (una imitación)"},
		fromMirror:           {"descargadas de un mirror que sirve imitaciones", "descargada de un mirror (una imitación)"},
		results.Pulled:       {"descargadas de sus registros", "descargada"},
		results.LocalOnly:    {"construidas o cargadas en local, no descargadas", "construida o cargada en local"},
		results.Unrecorded:   {"de origen desconocido (make bases no las obtuvo en este clon)", "de origen desconocido"},
		unrecordedLookAlike:  {"de origen desconocido, imitaciones (construidas sin conexión o descargadas de un mirror que las sirve)", "de origen desconocido (una imitación)"},
		results.Absent:       {"ya no presentes", "ya no presente"},
	})
}

// originNote says where the bases came from: all alike in one phrase (the
// first of each pair), else each with its own (the second).
func originNote(r *results.Results, none, prefix, and string, phrases map[string][2]string) string {
	if len(r.Bases) == 0 {
		return none
	}
	first := origin(r.Bases[0])
	if !slices.ContainsFunc(r.Bases, func(b results.Base) bool { return origin(b) != first }) {
		return prefix + phrases[first][0]
	}
	parts := make([]string, len(r.Bases))
	for i, b := range r.Bases {
		parts[i] = b.Ref + " " + phrases[origin(b)][1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + and + parts[len(parts)-1]
}

// goBuild names the Go that compiled the servers: the golang base image's.
func goBuild(r *results.Results) string {
	for _, b := range r.Bases {
		if b.GoVersion != "" {
			return "Go " + b.GoVersion + " (" + b.Ref + ")"
		}
	}
	return ""
}

// hardenedSummary is a step's Hardened cell: yes; the engine's note when
// the only checks not passed are those the engine could not enforce;
// otherwise failure() of the first failed check; "–" with no hardened run.
func hardenedSummary(s results.Step, yes, unenforced string, failure func(results.CheckOutcome) string) string {
	h := s.Hardened
	switch {
	case h == nil:
		return "–"
	case h.OK:
		return yes
	}
	var failed []results.CheckOutcome
	for _, c := range h.Checks {
		if !c.OK && !c.Unenforced {
			failed = append(failed, c)
		}
	}
	if len(failed) == 0 {
		return unenforced
	}
	out := failure(failed[0])
	// Checks that could not run follow from the first failure: not counted.
	more := 0
	for _, c := range failed[1:] {
		if !strings.HasPrefix(c.Detail, "not run:") {
			more++
		}
	}
	if more > 0 {
		out += fmt.Sprintf(" (+%d)", more)
	}
	return cell(out)
}

// checkFailure is the English summary of a failed check: its detail.
func checkFailure(c results.CheckOutcome) string { return "no: " + clip(c.Detail, 60) }

// rateRange is the range of a load run's rounds' rates: "38 500–43 500".
func rateRange(l *results.Load) string {
	if len(l.RoundResults) == 0 {
		return "–"
	}
	lo, hi := l.RoundResults[0].RequestsPerSec, l.RoundResults[0].RequestsPerSec
	for _, r := range l.RoundResults {
		lo, hi = min(lo, r.RequestsPerSec), max(hi, r.RequestsPerSec)
	}
	return results.Rate(lo) + "–" + results.Rate(hi)
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

// checkCell is a check's cell in the hardened run table: yes, not enforced,
// no and what failed, or "not run"; "–" for a check the step does not have.
func checkCell(c *results.CheckOutcome) string {
	switch {
	case c == nil:
		return "–"
	case c.OK:
		return "yes"
	case c.Unenforced:
		return "not enforced by this engine"
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
	StartTimeout:      results.Seconds(int64(startTimeout)),
	ReadHeaderTimeout: results.Seconds(int64(hardening.ReadHeaderTimeout)),
	SlowEvery:         results.Seconds(int64(hardening.SlowEvery)),
	SlowFrom:          results.Seconds(int64(hardening.ReadHeaderTimeout - hardening.SlowEarly)),
	SlowTo:            results.Seconds(int64(hardening.ReadHeaderTimeout + hardening.SlowLate)),
	StopWithin:        results.Seconds(int64(hardening.StopWithin)),
	StopGrace:         results.Seconds(int64(hardening.StopGrace)),
	OversizedKiB:      hardening.OversizedHeader >> 10,
	Conns:             hardening.ConcurrentConns,
	MemoryMiB:         hardening.MemoryLimit >> 20,
	Pids:              hardening.PidsLimit,
	UnservedPaths:     hardening.UnservedPaths,
	RefusedMethods:    hardening.RefusedMethods,
}

// renderMarkdown returns RESULTS.md.
func renderMarkdown(r *results.Results) ([]byte, error) {
	var b bytes.Buffer
	data := struct {
		*results.Results
		GoBuild, Date, EngineNote string
	}{r, goBuild(r), date(r), engineNote(r.Engine)}
	if err := tmpl.ExecuteTemplate(&b, "results", data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// renderReadme returns readme with the results tables between the markers,
// in the language L. resultsLink is the path of RESULTS.md from the README.
func renderReadme(readme []byte, r *results.Results, L labels, resultsLink string) ([]byte, error) {
	if err := docnums.CheckMarkers(readme); err != nil {
		return nil, err
	}
	var table bytes.Buffer
	if err := tmpl.ExecuteTemplate(&table, "readme", view{r, L, resultsLink}); err != nil {
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

// shortID returns the 12 hex digits docker images shows of an ID.
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// runsAs describes the user of a posture: "root", "65532", or the name.
func runsAs(p results.Posture) string {
	switch {
	case p.UID == nil:
		return p.User + " (name)"
	case *p.UID == 0:
		return "root"
	}
	return strconv.Itoa(*p.UID)
}

// cell makes s safe in a markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// maxCommand is how many characters of a layer's command the tables show.
const maxCommand = 72

// shortCommand shortens a layer's command to fit a table: BuildKit's
// "# buildkit" marker and the shell prefix go, long commands are cut.
func shortCommand(cmd string) string {
	cmd = strings.Join(strings.Fields(cmd), " ")
	cmd = strings.TrimSuffix(cmd, " # buildkit")
	cmd = strings.Replace(cmd, "RUN /bin/sh -c ", "RUN ", 1)
	cmd = strings.ReplaceAll(cmd, "`", "'") // it goes in a code span
	return clip(cmd, maxCommand)
}

// layerCommand is the command column of the layer tables.
func layerCommand(l results.Layer) string {
	cmd := shortCommand(l.Command)
	switch {
	case l.FromBase != "" && cmd == "":
		return fmt.Sprintf("FROM %s", l.FromBase)
	case l.FromBase != "":
		return fmt.Sprintf("FROM %s: `%s`", l.FromBase, cell(cmd))
	case cmd == "":
		return "–"
	}
	return "`" + cell(cmd) + "`"
}

// codeList lists words as code spans, the last two joined by "and":
// "`POST`, `PUT` and `PATCH`".
func codeList(words []string) string {
	spans := make([]string, len(words))
	for i, w := range words {
		spans[i] = "`" + w + "`"
	}
	if len(spans) < 2 {
		return strings.Join(spans, "")
	}
	return strings.Join(spans[:len(spans)-1], ", ") + " and " + spans[len(spans)-1]
}

// clip shortens s to at most n characters, ending it with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
