// Report measures the workshop's images and writes what it found: RESULTS.md
// and results.json at the repository root, the chart results.svg, and the
// results table between the <!-- results:begin --> and <!-- results:end -->
// markers of README.md.
//
// Usage:
//
//	report [-image repo] [-dive path] [-hadolint path] [-out dir] [-readme path] [-cache dir] [-fresh] [-starts n] [-load d] [-v]
//
// make report builds it into bin/report and runs it, after make all has
// built the images (go run ./scripts/report works too, but go run turns
// every failing exit status into 1). For each step
// (each NN-name directory with a Dockerfile), in directory order, it
// measures the image repo:NN-name with dive (size, wasted bytes, layers),
// docker image inspect (size, layers, user, base images), docker save
// (each layer gzip-compressed, what a pull transfers), hadolint (the
// Dockerfile's findings), the merged file system (shell, package manager,
// CA bundle, binary size) and docker run on 127.0.0.1 (start-up time, idle
// memory, stop time). Then it runs each image once more locked down and
// limited (--read-only --cap-drop ALL --security-opt no-new-privileges
// --pids-limit 64 --memory 64m), puts it through the checks of
// scripts/internal/hardening (non-root uid, abusive clients, graceful
// stop) and a short load run on 127.0.0.1 (-load per step, in rounds
// that alternate the steps). The STEPS environment variable, a
// comma-separated list such as 02-multi-stage,04-scratch-static, measures
// only those; DOCKER names the docker client (default docker).
//
// dive and the compression run in parallel, on as many images as there are
// CPUs, and their results are cached by image ID and layer digest in
// .cache/report, so a second run on unchanged images only runs the
// containers again; -fresh measures everything again. The runtime
// measurements run afterwards, one image at a time, and the hardened run
// last: its containers run side by side, but the load rounds load one at a
// time.
//
// Outputs are replaced only when every measurement succeeded: a failed or
// interrupted run leaves the previous ones as they were and removes its
// containers and temporary files. Report exits 2 for bad usage (a bad
// flag, an unknown step) and 1 for any other failure, after printing one
// line that names the step and the image or file at fault.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/docnums"
	"lean-go-images/scripts/internal/load"
	"lean-go-images/scripts/internal/steps"
)

// config is what the command line and the environment ask for.
type config struct {
	root     string // repository root
	fsys     fs.FS  // the repository root's files
	repo     string // image repository
	dive     string
	hadolint string
	out      string // directory of RESULTS.md, results.json, results.svg
	docs     bool   // out is the repository root: fill the READMEs' tables and the lessons' figures too
	cacheDir string
	fresh    bool
	budget   bool // check the budgets only
	verbose  bool
	starts   int
	load     time.Duration // load time per step in the hardened run; 0 skips it
	steps    []steps.Step
}

func main() {
	os.Exit(reportMain(os.Args[1:], os.Getenv("STEPS")))
}

// reportMain runs the command and returns its exit status.
func reportMain(args []string, stepList string) int {
	log.SetPrefix("report: ")
	log.SetFlags(0)
	cfg, err := parseArgs(args, stepList)
	if err != nil {
		var ue usageError
		switch {
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			if !ue.printed {
				log.Print(err)
			}
			return 2
		}
		log.Print(err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal cancels ctx and the report cleans up; a second one,
	// from an impatient user, then kills it as usual instead of waiting.
	go func() {
		<-ctx.Done()
		stop()
	}()
	if err := report(ctx, cfg); err != nil {
		if ctx.Err() != nil {
			log.Print("interrupted: nothing written, containers removed")
		} else {
			log.Print(err)
		}
		return 1
	}
	return 0
}

// usageError is a mistake on the command line or in STEPS.
type usageError struct {
	error
	printed bool // the flag package has printed it already
}

func (e usageError) Unwrap() error { return e.error }

// parseArgs reads the flags and selects the steps.
func parseArgs(args []string, stepList string) (*config, error) {
	root, err := steps.Root()
	if err != nil {
		return nil, err
	}
	cfg := &config{root: root, fsys: os.DirFS(root)}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.StringVar(&cfg.repo, "image", "lean-go-images", "image `repository`; step V is measured as repository:V")
	fs.StringVar(&cfg.dive, "dive", filepath.Join(root, "bin", "dive"), "dive binary (make tools installs it)")
	fs.StringVar(&cfg.hadolint, "hadolint", filepath.Join(root, "bin", "hadolint"), "hadolint binary (make tools installs it)")
	fs.StringVar(&cfg.out, "out", root, "`directory` for RESULTS.md, results.json and results.svg; the READMEs' tables and the lessons' figures are refreshed only when it is the repository root")
	fs.StringVar(&cfg.cacheDir, "cache", filepath.Join(root, ".cache", "report"), "cache `directory`")
	fs.BoolVar(&cfg.fresh, "fresh", false, "ignore the cache and measure everything again")
	fs.BoolVar(&cfg.budget, "budget", false, "check each step's image against its budget ("+sizeBudgets+" and STEP/.dive-ci), run nothing and write nothing")
	fs.BoolVar(&cfg.verbose, "v", false, "print how long each measurement takes")
	fs.IntVar(&cfg.starts, "starts", 3, "container starts per step for the runtime figures (0: skip them)")
	fs.DurationVar(&cfg.load, "load", defaultLoad, "load-run `time` per step on the hardened container, split into rounds that alternate the steps (0: skip it)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: report [flags]   (STEPS=a,b selects steps)\n")
		fs.PrintDefaults()
	}
	fs.SetOutput(log.Writer())
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err, true}
	}
	switch {
	case fs.NArg() > 0:
		return nil, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0)), false}
	case cfg.starts < 0:
		return nil, usageError{fmt.Errorf("-starts %d: want 0 or more", cfg.starts), false}
	case cfg.load != 0 && (cfg.load < minLoadRound || cfg.load > load.MaxDuration):
		return nil, usageError{fmt.Errorf("-load %v: want 0 (no load run) or from %v to %v", cfg.load, minLoadRound, load.MaxDuration), false}
	case cfg.repo == "":
		return nil, usageError{errors.New("-image is empty"), false}
	}
	if cfg.out, err = filepath.Abs(cfg.out); err != nil {
		return nil, err
	}
	cfg.docs = cfg.out == root
	all, err := steps.Find(cfg.fsys)
	if err != nil {
		return nil, err
	}
	if cfg.steps, err = steps.Select(all, stepList); err != nil {
		return nil, usageError{err, false}
	}
	return cfg, nil
}

// logf logs with -v only.
func (cfg *config) logf(format string, args ...any) {
	if cfg.verbose {
		log.Printf(format, args...)
	}
}

// report measures the steps and writes the outputs.
func report(ctx context.Context, cfg *config) error {
	if _, err := dockercli.Check(ctx); err != nil {
		return err
	}
	eng, err := dockercli.Info(ctx)
	if err != nil {
		return err
	}
	for _, tool := range []struct{ name, path string }{{"dive", cfg.dive}, {"hadolint", cfg.hadolint}} {
		if _, err := exec.LookPath(tool.path); err != nil && !(cfg.budget && tool.name == "hadolint") {
			return fmt.Errorf("%s not found at %s: run make tools", tool.name, display(tool.path))
		}
	}
	if cfg.budget {
		if err := os.MkdirAll(cfg.cacheDir, 0o755); err != nil {
			return err
		}
		return checkBudgets(ctx, cfg)
	}
	if cfg.docs {
		if err := readmesReady(cfg.root); err != nil {
			return err
		}
	}
	for _, dir := range []string{cfg.cacheDir, cfg.out} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	start := time.Now()
	res, err := measure(ctx, cfg, eng)
	if err != nil {
		return err
	}
	if err := write(cfg, res); err != nil {
		return err
	}
	what := "RESULTS.md, results.json and results.svg in " + display(cfg.out)
	if cfg.docs {
		what = "RESULTS.md, results.json, results.svg, the READMEs' tables and the lessons' figures"
	}
	log.Printf("wrote %s (%s, %.1fs)", what, steps.Names(cfg.steps), time.Since(start).Seconds())
	return nil
}

// readmesReady checks, before the long measurements, that README.md exists
// and that every root README has the markers of its results tables.
func readmesReady(root string) error {
	pages, err := filepath.Glob(filepath.Join(root, "README*.md"))
	if err != nil {
		return err
	}
	if !slices.Contains(pages, filepath.Join(root, "README.md")) {
		return fmt.Errorf("README.md is missing: it holds the results tables between %s and %s", docnums.ResultsBegin, docnums.ResultsEnd)
	}
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			return err
		}
		if err := docnums.CheckMarkers(b); err != nil {
			return fmt.Errorf("%s %v", display(page), err)
		}
	}
	return nil
}

// display returns path relative to the working directory when it is below it.
func display(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}
