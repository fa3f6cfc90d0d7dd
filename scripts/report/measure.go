package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"lean-go-images/scripts/internal/archive"
	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/results"
	"lean-go-images/scripts/internal/steps"
)

// A target is one step being measured.
type target struct {
	s      steps.Step
	img    dockercli.Image
	bases  []string // FROM refs of its Dockerfile
	lint   results.Lint
	static static
}

// static is what the report learns of an image without running it, from
// its docker save archive and from dive. It is cached by image ID: an image
// ID names the image's configuration and layers, so an entry never goes stale.
type static struct {
	Architecture string        `json:"architecture"`
	Layers       []layerStatic `json:"layers"`
	Dive         results.Dive  `json:"dive"`
	Facts        fileFacts     `json:"facts"`
}

type layerStatic struct {
	DiffID    string `json:"diffId"`
	Size      int64  `json:"size"`
	GzipBytes int64  `json:"gzipBytes"`
	Command   string `json:"command"`
}

// measure inspects, analyses and runs every selected step.
func measure(ctx context.Context, cfg *config, eng dockercli.Engine) (*results.Results, error) {
	start := time.Now()
	budgets, err := readBudgets(cfg.fsys, cfg.steps)
	if err != nil {
		return nil, err
	}
	ts, err := newTargets(ctx, cfg)
	if err != nil {
		return nil, err
	}
	bases, baseImgs, err := inspectBases(ctx, ts, results.ReadObtained(cfg.root), eng.ImageStore)
	if err != nil {
		return nil, err
	}
	log.Printf("measuring %d image(s): docker save, compressed size, dive, hadolint…", len(ts))
	if err := analyse(ctx, cfg, ts); err != nil {
		return nil, err
	}
	hardened, rts, loads, err := runHardened(ctx, cfg, ts, eng)
	if err != nil {
		return nil, err
	}
	res := &results.Results{
		SchemaVersion: results.SchemaVersion,
		GeneratedAt:   start.UTC().Truncate(time.Second),
		Host:          hostInfo(ctx),
		Engine:        eng,
		ImageRepo:     cfg.repo,
		Baseline:      ts[0].s.Name,
		Bases:         bases,
	}
	for i, t := range ts {
		s := t.step(cfg.repo, baseImgs)
		if rts != nil {
			s.Runtime = rts[i]
		}
		s.Hardened = hardened[i]
		if loads != nil {
			s.Load = loads[i]
		}
		s.Budget = checkBudget(s, budgets[s.Name])
		res.Steps = append(res.Steps, s)
	}
	baseSizes(res)
	return res, nil
}

// baseSizes sets each base image's size to that of its layers in a step
// that starts with them: measured like the steps', the same on every image
// store. A base that only builds (FROM ... AS build) has none.
func baseSizes(res *results.Results) {
	for i, b := range res.Bases {
		for _, s := range res.Steps {
			for _, l := range s.Layers {
				if l.FromBase == b.Ref {
					res.Bases[i].SizeBytes += l.SizeBytes
				}
			}
			if res.Bases[i].SizeBytes > 0 {
				break
			}
		}
	}
}

// newTargets inspects every selected step's image and reads its
// Dockerfile's FROM lines.
func newTargets(ctx context.Context, cfg *config) ([]*target, error) {
	var ts []*target
	for _, s := range cfg.steps {
		img, err := inspectStep(ctx, s.Image(cfg.repo))
		if err == nil {
			var refs []string
			if refs, err = s.BaseImages(cfg.fsys); err == nil {
				ts = append(ts, &target{s: s, img: img, bases: refs})
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	return ts, nil
}

// timeContainers takes the runtime measurements, or none with -starts 0,
// and returns the containers to remove.
func timeContainers(ctx context.Context, cfg *config, ts []*target) ([]*results.Runtime, []string, error) {
	if cfg.starts == 0 {
		return nil, nil, nil
	}
	log.Printf("timing %d start(s) of each image, one image at a time…", cfg.starts)
	ids := make([]string, len(ts))
	names := make([]string, len(ts))
	for i, t := range ts {
		ids[i], names[i] = t.img.ID, t.s.Name
	}
	t0 := time.Now()
	rts, started, err := measureRuntime(ctx, ids, names, cfg.starts)
	cfg.logf("runtime measurements took %.1fs", time.Since(t0).Seconds())
	return rts, started, err
}

// inspectBases returns the base images of all targets, in order of first use.
func inspectBases(ctx context.Context, ts []*target, obtained map[string]results.Obtained, store string) ([]results.Base, map[string]dockercli.Image, error) {
	var bases []results.Base
	imgs := map[string]dockercli.Image{}
	index := map[string]int{}
	for _, t := range ts {
		for _, ref := range t.bases {
			i, ok := index[ref]
			if !ok {
				b, img, err := inspectBase(ctx, ref, obtained, store)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: base image %s: %w", t.s.Name, ref, err)
				}
				imgs[ref] = img
				i = len(bases)
				index[ref] = i
				bases = append(bases, b)
			}
			bases[i].UsedBy = append(bases[i].UsedBy, t.s.Name)
		}
	}
	return bases, imgs, nil
}

// analyse measures every target without running it, in parallel on as many
// targets as there are CPUs, largest image first, and lints its Dockerfile.
func analyse(ctx context.Context, cfg *config, ts []*target) error {
	cache := openCache[static](filepath.Join(cfg.cacheDir, "static.json"))
	order := slices.Clone(ts)
	slices.SortStableFunc(order, func(a, b *target) int { return int(min(max(b.img.Size-a.img.Size, -1), 1)) })
	var jobs []func(context.Context) error
	for _, t := range order {
		jobs = append(jobs, func(ctx context.Context) error { return wrap(t.s.Name, t.analyse(ctx, cfg, cache)) })
	}
	for _, t := range ts {
		if cfg.budget {
			break // budgets do not lint
		}
		jobs = append(jobs, func(ctx context.Context) error {
			lint, err := runHadolint(ctx, cfg.hadolint, cfg.root, t.s.Dockerfile())
			t.lint = lint
			return wrap(t.s.Name, err)
		})
	}
	return runJobs(ctx, runtime.NumCPU(), jobs)
}

// analyse fills t.static from the cache, or from the image's docker save
// archive, which dive then reads too: one export of the image serves both,
// on every engine and image store.
func (t *target) analyse(ctx context.Context, cfg *config, c *cache[static]) error {
	if s, ok := c.get(t.img.ID); ok && !cfg.fresh {
		t.static = s
		return nil
	}
	t0 := time.Now()
	tar := filepath.Join(cfg.cacheDir, t.s.Name+".tar")
	defer os.Remove(tar)
	img, err := archive.Save(ctx, t.img.ID, tar, true)
	if err != nil {
		return err
	}
	cfg.logf("%s: docker save and gzip took %.1fs", t.s.Name, time.Since(t0).Seconds())
	t1 := time.Now()
	d, err := runDive(ctx, cfg.dive, tar, t.s.Image(cfg.repo))
	if err != nil {
		return err
	}
	cfg.logf("%s: dive took %.1fs", t.s.Name, time.Since(t1).Seconds())
	t.static = static{Architecture: img.Config.Architecture, Dive: d, Facts: imageFacts(img)}
	for _, l := range img.Layers {
		t.static.Layers = append(t.static.Layers, layerStatic{l.DiffID, l.Size, l.GzipBytes, l.Command})
	}
	return c.put(t.img.ID, t.static)
}

// imageFacts inspects the file system a container of img starts with.
func imageFacts(img *archive.Image) fileFacts {
	c := img.Config.Config
	argv := append(slices.Clone(c.Entrypoint), c.Cmd...)
	argv0 := ""
	if len(argv) > 0 {
		argv0 = argv[0]
	}
	return facts(img.FS(), argv0, envValue(c.Env, "PATH", defaultPath))
}

// defaultPath is the PATH Docker gives a container whose image sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// checkBudgets measures the images without running them, as make report
// does (and from its cache), and checks each against its budget. It prints
// one line per figure over budget, naming the step, the figure and the
// limit, and fails if there is any.
func checkBudgets(ctx context.Context, cfg *config) error {
	budgets, err := readBudgets(cfg.fsys, cfg.steps)
	if err != nil {
		return err
	}
	ts, err := newTargets(ctx, cfg)
	if err != nil {
		return err
	}
	if err := analyse(ctx, cfg, ts); err != nil {
		return err
	}
	over := 0
	for _, t := range ts {
		b := checkBudget(t.step(cfg.repo, nil), budgets[t.s.Name])
		for _, o := range b.Over {
			log.Printf("%s: %s", t.s.Name, o)
			over++
		}
	}
	if over > 0 {
		return fmt.Errorf("%d figure(s) over budget: make the image leaner, or raise the budget where the line says", over)
	}
	log.Printf("every image is within its budget (%s; %s and each step's .dive-ci)", steps.Names(cfg.steps), sizeBudgets)
	return nil
}

// wrap prefixes a non-nil error with the step's name.
func wrap(name string, err error) error {
	if err == nil || err == context.Canceled {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
