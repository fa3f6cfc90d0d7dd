package main

import (
	"context"
	"fmt"
	"log"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/steps"
)

// A target is one step being measured.
type target struct {
	v     steps.Step
	img   dockercli.Image
	bases []string // FROM refs of its Dockerfile
	lint  Lint
	dive  diveResult
	gz    map[string]int64 // compressed layer sizes by diff ID
}

// diveResult is what the report keeps of a dive run, cached by image ID:
// the file lists are summarized into facts and dropped.
type diveResult struct {
	Dive   Dive               `json:"dive"`
	Layers []diveLayerSummary `json:"layers"`
	Facts  fileFacts          `json:"facts"`
}

type diveLayerSummary struct {
	DiffID    string `json:"diffId"`
	SizeBytes int64  `json:"sizeBytes"`
	Empty     bool   `json:"empty"`
	Command   string `json:"command"`
}

// measure inspects, analyses and runs every selected step.
func measure(ctx context.Context, cfg *config, server string) (*Results, error) {
	start := time.Now()
	ts := make([]*target, len(cfg.steps))
	for i, v := range cfg.steps {
		t, err := newTarget(ctx, cfg, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.Name, err)
		}
		ts[i] = t
	}
	bases, baseImgs, err := inspectBases(ctx, ts)
	if err != nil {
		return nil, err
	}
	log.Printf("measuring %d image(s): dive, compressed size, hadolint…", len(ts))
	if err := analyse(ctx, cfg, ts); err != nil {
		return nil, err
	}
	rts, err := timeContainers(ctx, cfg, ts)
	if err != nil {
		return nil, err
	}
	hardened, loads, err := runHardened(ctx, cfg, ts)
	if err != nil {
		return nil, err
	}
	res := &Results{
		SchemaVersion: SchemaVersion,
		GeneratedAt:   start.UTC().Truncate(time.Second),
		Host:          hostInfo(ctx, server),
		ImageRepo:     cfg.repo,
		Baseline:      ts[0].v.Name,
		Bases:         bases,
	}
	for i, t := range ts {
		v, err := t.step(cfg.repo, baseImgs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.v.Name, err)
		}
		if rts != nil {
			v.Runtime = rts[i]
		}
		v.Hardened = hardened[i]
		if loads != nil {
			v.Load = loads[i]
		}
		res.Steps = append(res.Steps, v)
	}
	return res, nil
}

// timeContainers takes the runtime measurements, after the others so that
// nothing else loads the machine, or none with -starts 0.
func timeContainers(ctx context.Context, cfg *config, ts []*target) ([]*Runtime, error) {
	if cfg.starts == 0 {
		return nil, nil
	}
	log.Printf("timing %d start(s) of each image, one image at a time…", cfg.starts)
	ids := make([]string, len(ts))
	names := make([]string, len(ts))
	for i, t := range ts {
		ids[i], names[i] = t.img.ID, t.v.Name
	}
	t0 := time.Now()
	rts, err := measureRuntime(ctx, ids, names, cfg.starts)
	cfg.logf("runtime measurements took %.1fs", time.Since(t0).Seconds())
	return rts, err
}

// newTarget inspects a step's image and reads its Dockerfile's FROM lines.
func newTarget(ctx context.Context, cfg *config, v steps.Step) (*target, error) {
	img, err := inspectStep(ctx, v.Image(cfg.repo))
	if err != nil {
		return nil, err
	}
	refs, err := v.BaseImages(cfg.fsys)
	if err != nil {
		return nil, err
	}
	return &target{v: v, img: img, bases: refs}, nil
}

// inspectBases returns the base images of all targets, in order of first use.
func inspectBases(ctx context.Context, ts []*target) ([]Base, map[string]dockercli.Image, error) {
	var bases []Base
	imgs := map[string]dockercli.Image{}
	index := map[string]int{}
	for _, t := range ts {
		for _, ref := range t.bases {
			i, ok := index[ref]
			if !ok {
				b, img, err := inspectBase(ctx, ref)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: base image %s: %w", t.v.Name, ref, err)
				}
				imgs[ref] = img
				i = len(bases)
				index[ref] = i
				bases = append(bases, b)
			}
			bases[i].UsedBy = append(bases[i].UsedBy, t.v.Name)
		}
	}
	return bases, imgs, nil
}

// analyse runs dive, the compression and hadolint on every target, in
// parallel on as many targets as there are CPUs, largest image first.
func analyse(ctx context.Context, cfg *config, ts []*target) error {
	dives := openCache[diveResult](filepath.Join(cfg.cacheDir, "dive.json"))
	gzs := openCache[layerSize](filepath.Join(cfg.cacheDir, "compressed.json"))
	order := slices.Clone(ts)
	slices.SortStableFunc(order, func(a, b *target) int { return int(min(max(b.img.Size-a.img.Size, -1), 1)) })
	var jobs []func(context.Context) error
	for _, t := range order {
		jobs = append(jobs,
			func(ctx context.Context) error { return t.analyseDive(ctx, cfg, dives) },
			func(ctx context.Context) error { return t.compress(ctx, cfg, gzs) },
		)
	}
	for _, t := range ts {
		jobs = append(jobs, func(ctx context.Context) error {
			lint, err := runHadolint(ctx, cfg.hadolint, cfg.root, t.v.Dockerfile())
			t.lint = lint
			return wrap(t.v.Name, err)
		})
	}
	return runJobs(ctx, runtime.NumCPU(), jobs)
}

// analyseDive fills t.dive from the cache or from dive.
func (t *target) analyseDive(ctx context.Context, cfg *config, c *cache[diveResult]) error {
	if r, ok := c.get(t.img.ID); ok && !cfg.fresh {
		t.dive = r
		return nil
	}
	t0 := time.Now()
	d, err := runDive(ctx, cfg.dive, t.img.ID, t.v.Image(cfg.repo), t.v.Name, cfg.cacheDir)
	if err != nil {
		return wrap(t.v.Name, err)
	}
	cfg.logf("%s: dive took %.1fs", t.v.Name, time.Since(t0).Seconds())
	t.dive = summarize(d, t.img)
	return wrap(t.v.Name, c.put(t.img.ID, t.dive))
}

// summarize keeps what the report needs of a dive export.
func summarize(d *diveExport, img dockercli.Image) diveResult {
	r := diveResult{Dive: Dive{
		SizeBytes:        *d.Image.SizeBytes,
		InefficientBytes: *d.Image.InefficientBytes,
		EfficiencyScore:  *d.Image.EfficiencyScore,
	}}
	for _, l := range d.Layer {
		r.Layers = append(r.Layers, diveLayerSummary{l.DigestID, l.SizeBytes, l.empty(), l.Command})
	}
	argv := append(slices.Clone(img.Config.Entrypoint), img.Config.Cmd...)
	argv0 := ""
	if len(argv) > 0 {
		argv0 = argv[0]
	}
	r.Facts = facts(mergeLayers(d.Layer), argv0, envValue(img.Config.Env, "PATH", defaultPath))
	return r
}

// defaultPath is the PATH Docker gives a container whose image sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// compress fills t.gz from the cache or from docker save.
func (t *target) compress(ctx context.Context, cfg *config, c *cache[layerSize]) error {
	known := map[string]layerSize{}
	for _, id := range t.img.RootFS.Layers {
		if k, ok := c.get(id); ok && !cfg.fresh {
			known[id] = k
		}
	}
	if len(known) < len(t.img.RootFS.Layers) {
		t0 := time.Now()
		sizes, err := compressedSizes(ctx, t.img.ID, t.img.RootFS.Layers, known)
		if err != nil {
			return wrap(t.v.Name, err)
		}
		cfg.logf("%s: docker save and gzip took %.1fs", t.v.Name, time.Since(t0).Seconds())
		for id, n := range sizes {
			known[id] = n
			if err := c.put(id, n); err != nil {
				return wrap(t.v.Name, err)
			}
		}
	}
	t.gz = map[string]int64{}
	for id, k := range known {
		t.gz[id] = k.Gzip
	}
	return nil
}

// wrap prefixes a non-nil error with the step's name.
func wrap(name string, err error) error {
	if err == nil || err == context.Canceled {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
