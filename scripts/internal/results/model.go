// Package results is the model of what make report measured: what
// results.json holds, and what RESULTS.md, the READMEs' tables, the chart
// and the figures quoted in the lessons are all derived from.
//
// Every figure is an exact number (bytes, nanoseconds); rendering rounds,
// with the formatters of this package, so that a lesson quotes a figure
// exactly as the tables print it.
package results

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// The model. Every figure is an exact number
// (bytes, nanoseconds); rendering rounds. Fields are only ever added, so tools
// that read results.json keep working; SchemaVersion changes when a field
// changes meaning or goes away.

// SchemaVersion is the version of the results.json layout.
const SchemaVersion = 2

// Results is everything one run of the report measured.
type Results struct {
	SchemaVersion int       `json:"schemaVersion"`
	GeneratedAt   time.Time `json:"generatedAt"` // UTC
	Host          Host      `json:"host"`
	// Engine is the Docker engine the images were built and measured on.
	Engine    dockercli.Engine `json:"engine"`
	ImageRepo string           `json:"imageRepo"` // step V is ImageRepo:V
	// Baseline is the step the "times smaller" figures compare with: the
	// first one measured, 01-single-stage unless STEPS leaves it out.
	Baseline string `json:"baseline"`
	Bases    []Base `json:"bases"` // every FROM image of the measured steps
	Steps    []Step `json:"steps"`
}

// Host describes the machine the report ran on and the tools the images
// were built and measured with.
type Host struct {
	Buildx   string `json:"buildx"`   // docker buildx version
	BuildKit string `json:"buildkit"` // BuildKit of the default builder
	Go       string `json:"go"`       // Go toolchain that ran the report
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	CPUs     int    `json:"cpus"`
}

// Provenance values of a base image: where the image the engine holds came
// from, as make bases recorded it (see BasesFile), else as the image shows.
const (
	Pulled       = "pulled"        // from a registry, or a mirror of it
	BuiltOffline = "built-offline" // built here by make offline-bases
	LocalOnly    = "local"         // neither: built or loaded locally
	Unrecorded   = "unrecorded"    // not recorded, and the image store cannot tell
	Absent       = "absent"        // not present locally any more
)

// Base is one base image (a FROM line other than scratch or a stage name).
type Base struct {
	Ref        string `json:"ref"`                  // as written in the Dockerfile
	ID         string `json:"id,omitempty"`         // image ID
	Provenance string `json:"provenance"`           // Pulled, BuiltOffline, LocalOnly, Unrecorded or Absent
	RepoDigest string `json:"repoDigest,omitempty"` // when Pulled
	// LookAlike marks an image that make offline-bases built from Debian
	// packages (by its label): built here, or pulled from a mirror that
	// serves one. Its layers differ from the upstream image's.
	LookAlike bool `json:"lookAlike,omitempty"`
	// SizeBytes is the size of its layers in a step that starts with them;
	// absent for a base that only builds.
	SizeBytes int64    `json:"sizeBytes,omitempty"`
	GoVersion string   `json:"goVersion,omitempty"` // its GOLANG_VERSION, in a golang image
	UsedBy    []string `json:"usedBy"`              // step names
}

// Step is one measured image.
type Step struct {
	Name       string   `json:"name"`       // 02-multi-stage
	Image      string   `json:"image"`      // lean-go-images:02-multi-stage
	ImageID    string   `json:"imageId"`    // sha256:...
	Dockerfile string   `json:"dockerfile"` // relative to the repository root
	Bases      []string `json:"bases"`      // refs of its FROM images, in order
	// Architecture is the image's, as docker image inspect shows it: amd64, arm64.
	Architecture string `json:"architecture"`

	// SizeBytes is the sum of the image's layers, uncompressed, as Docker's
	// classic image store counts them (and docker images shows them
	// there): the same figure on every engine and image store.
	SizeBytes int64 `json:"sizeBytes"`
	// CompressedBytes is what a registry pull transfers for the layers: the
	// sum of each layer tarball gzip-compressed at the default level.
	CompressedBytes int64 `json:"compressedBytes"`
	// Binary is the entrypoint's resolved path in the image, BinaryBytes its size.
	Binary      string `json:"binary"`
	BinaryBytes int64  `json:"binaryBytes"`

	// LayerCount counts the image's filesystem layers (RootFS in docker
	// image inspect), what a pull fetches. EmptyLayerCount of them hold no
	// file content, only directories (WORKDIR), and show as 0B in docker
	// history; LayerCount-EmptyLayerCount is docker history's count of
	// entries with a size.
	LayerCount      int     `json:"layerCount"`
	EmptyLayerCount int     `json:"emptyLayerCount"`
	Layers          []Layer `json:"layers"`

	Config   Config   `json:"config"`
	Dive     Dive     `json:"dive"`
	Hadolint Lint     `json:"hadolint"`
	Posture  Posture  `json:"posture"`
	Runtime  *Runtime `json:"runtime,omitempty"` // plain docker run, on 127.0.0.1
	// Hardened is the run under locked-down flags and its checks.
	Hardened *Hardened `json:"hardened,omitempty"`
	// Load is the load run against the hardened container; absent with
	// -load 0 or when the step did not serve under the flags.
	Load *Load `json:"load,omitempty"`
	// Budget is the step's budget and what of the image breaks it.
	Budget *Budget `json:"budget,omitempty"`
}

// Budget is a step's budget (size-budgets.txt and the step's .dive-ci)
// and what of its image breaks it.
type Budget struct {
	MaxSizeBytes   int64   `json:"maxSizeBytes"`
	MinEfficiency  float64 `json:"minEfficiency"`
	MaxWastedBytes int64   `json:"maxWastedBytes"` // -1: no limit
	// Over says, one phrase each, what breaks the budget; empty within it.
	Over []string `json:"over"`
}

// Layer is one filesystem layer, bottom first.
type Layer struct {
	Index  int    `json:"index"`
	DiffID string `json:"diffId"` // RootFS diff ID (sha256 of the uncompressed tar)
	// SizeBytes is the layer's size as the classic image store and docker
	// history count it: the bytes of its regular files and symlinks.
	SizeBytes       int64  `json:"sizeBytes"`
	CompressedBytes int64  `json:"compressedBytes"` // gzip of the layer tarball
	Empty           bool   `json:"empty"`           // no file content: 0B in docker history
	Command         string `json:"command"`         // the instruction that made it, from the image's history
	// FromBase is the base image (a FROM ref) the layer comes from, if any.
	FromBase string `json:"fromBase,omitempty"`
}

// Config is the part of the image configuration the report shows.
type Config struct {
	User       string            `json:"user"` // "" means root
	Entrypoint []string          `json:"entrypoint"`
	Cmd        []string          `json:"cmd,omitempty"`
	Labels     map[string]string `json:"labels"`
}

// Dive is dive's analysis of the whole image.
type Dive struct {
	InefficientBytes int64   `json:"inefficientBytes"` // wasted: duplicated or deleted in a later layer
	EfficiencyScore  float64 `json:"efficiencyScore"`  // 0..1
}

// Lint is what a linter found in the step's Dockerfile.
type Lint struct {
	Tool     string    `json:"tool"`
	Count    int       `json:"count"`
	Findings []Finding `json:"findings"`
}

// Finding is one linter finding.
type Finding struct {
	Code    string `json:"code"`
	Level   string `json:"level"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// Posture is what the image offers an attacker or an operator, from its
// merged file system (dive's file lists) and configuration.
type Posture struct {
	User string `json:"user"` // as configured, "" meaning root
	// UID is the user the container runs as; nil when User is a name that
	// the report cannot resolve without running the image.
	UID *int `json:"uid"`
	// Shell is where /bin/sh resolves to, following symlinks; "" when the
	// image has no shell.
	Shell string `json:"shell"`
	// PackageManagers lists the package tools found on the usual paths
	// (apt, dpkg, apk, ...), sorted.
	PackageManagers []string `json:"packageManagers"`
	// CABundle is the first CA file that Go's crypto/x509 would load on
	// Linux, "" when none.
	CABundle      string `json:"caBundle"`
	ZoneinfoFiles int    `json:"zoneinfoFiles"` // regular files under /usr/share/zoneinfo
	Files         int    `json:"files"`         // regular files, hard links included
	Executables   int    `json:"executables"`   // regular files with an execute bit
}

// Tzdata reports whether the image carries a time zone database.
func (p Posture) Tzdata() bool { return p.ZoneinfoFiles > 0 }

// Runtime is measured by starting the image Starts times, one step at a time.
type Runtime struct {
	Starts int `json:"starts"` // how many times the image was started
	// StartupNs: from invoking docker run to the first 200 on / at 127.0.0.1.
	StartupNs       []int64 `json:"startupNs"`
	StartupMedianNs int64   `json:"startupMedianNs"`
}

// Hardened is one run of the image under locked-down flags, on 127.0.0.1,
// and the checks it went through (scripts/internal/hardening), in order:
// it serves under the flags, runs as a non-root uid, the kernel enforces
// the limits, it survives abusive clients (slowloris, oversized headers,
// unknown paths, other methods, 200 concurrent connections) and still
// serves afterwards, and docker stop ends it gracefully.
type Hardened struct {
	// OK is true when every check passed.
	OK    bool     `json:"ok"`
	Flags []string `json:"flags"` // the docker run flags beyond the report's own
	// IdleMemoryBytes is the container's memory use once it answered its
	// first request, before the checks, sampled by docker stats (which
	// rounds to 3 or 4 digits); absent on an engine without cgroups, whose
	// docker stats shows the whole machine's memory.
	IdleMemoryBytes int64          `json:"idleMemoryBytes,omitempty"`
	Checks          []CheckOutcome `json:"checks"`
}

// CheckOutcome is one check of the hardened run.
type CheckOutcome struct {
	Name string `json:"name"` // such as "non-root" or "slowloris"
	OK   bool   `json:"ok"`
	// Unenforced: the engine could not enforce what the check checks, such
	// as rootless Docker without cgroups and the resource limits. Not OK,
	// but not the image's failure either.
	Unenforced bool `json:"unenforced,omitempty"`
	// Detail is the evidence when the check passed, what failed otherwise
	// ("not run: ..." for a check that could not run).
	Detail string `json:"detail"`
}

// Load is a bounded load run of GET / on 127.0.0.1 against the hardened
// container, with scripts/internal/load. The steps take turns: after a
// warm-up each, every round runs each step once, one at a time, in an
// order that rotates from round to round.
type Load struct {
	Conns    int   `json:"conns"`    // keep-alive connections
	Rounds   int   `json:"rounds"`   // rounds per step
	RoundNs  int64 `json:"roundNs"`  // the length of one round
	WarmupNs int64 `json:"warmupNs"` // the warm-up before the rounds, not counted
	// Requests and Errors are totals over the rounds: successful requests
	// (2xx, body read) and failed ones. FirstError explains Errors.
	Requests   int64  `json:"requests"`
	Errors     int64  `json:"errors"`
	FirstError string `json:"firstError,omitempty"`
	// RequestsPerSec, P50Ns and P99Ns are the medians of the rounds' figures.
	RequestsPerSec float64 `json:"requestsPerSec"`
	P50Ns          int64   `json:"p50Ns"`
	P99Ns          int64   `json:"p99Ns"`
	// VsBaseline is the median, over the rounds, of the step's requests
	// per second divided by the baseline's in the same round: 1 for the
	// baseline itself; absent when the baseline was not loaded.
	VsBaseline *float64 `json:"vsBaseline,omitempty"`
	// RoundResults are the rounds, in the order they ran.
	RoundResults []LoadRound `json:"roundResults"`
}

// LoadRound is one round of one step.
type LoadRound struct {
	Position       int     `json:"position"` // 0-based place of the step in its round
	ElapsedNs      int64   `json:"elapsedNs"`
	Requests       int64   `json:"requests"`
	Errors         int64   `json:"errors"`
	RequestsPerSec float64 `json:"requestsPerSec"`
	P50Ns          int64   `json:"p50Ns"`
	P99Ns          int64   `json:"p99Ns"`
}

// ReadFile reads a results.json.
func ReadFile(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%s: schema version %d, want %d: run make report", path, r.SchemaVersion, SchemaVersion)
	}
	return &r, nil
}
