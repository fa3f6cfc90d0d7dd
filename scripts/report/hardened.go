package main

import (
	"context"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/hardening"
	"lean-go-images/scripts/internal/load"
	"lean-go-images/scripts/internal/results"
)

// The hardened run: every step is started locked down and limited
// (hardening.Flags), and goes through the checks that the e2e tests assert
// (scripts/internal/hardening), then, one step at a time, the load rounds.
//
// The slowloris check waits for the server's ReadHeaderTimeout (5 s), so its
// clients start first, one per step, and trickle their bytes while the
// rest runs: the other checks, the runtime measurements (start-ups timed one
// at a time, beside these idle connections and the one docker stats call
// that reads the hardened containers' memory), and the load rounds. None of
// them disturbs the figures measurably, and the slowloris wait costs
// nothing.

// hardenedHost is a step's container in the hardened run.
type hardenedHost struct {
	image  string // image ID
	user   string // the image's USER
	c      dockercli.Container
	serves bool
	idle   int64 // memory use before the checks; 0 when not sampled
	mu     sync.Mutex
	checks map[string]hardening.Check
	slow   chan hardening.SlowResult
}

func (h *hardenedHost) add(c hardening.Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[c.Name] = c
}

// hardened returns the model of h's run: every check, in hardening.Names
// order, a check that did not run counting as failed.
func (h *hardenedHost) hardened() *results.Hardened {
	out := &results.Hardened{OK: true, Flags: hardening.Flags(), IdleMemoryBytes: h.idle}
	for _, name := range hardening.Names {
		c, ok := h.checks[name]
		if !ok {
			c = hardening.Skipped(name, "the container did not serve under the flags")
		}
		out.OK = out.OK && c.OK
		out.Checks = append(out.Checks, results.CheckOutcome{Name: c.Name, OK: c.OK, Unenforced: c.Unenforced, Detail: c.Detail})
	}
	return out
}

// runHardened runs the hardened checks, the runtime measurements and,
// unless cfg.load is 0, the load rounds on every target. It returns their
// results in ts order; a step that does not serve under the flags has failed
// checks and no load figures. Its errors are the report's own (interrupted,
// Docker gone), not findings.
func runHardened(ctx context.Context, cfg *config, ts []*target, eng dockercli.Engine) ([]*results.Hardened, []*results.Runtime, []*results.Load, error) {
	msg := "hardened run of each image: checks under " + strings.Join(hardening.Flags(), " ")
	if cfg.load > 0 {
		msg += ", then load: " + planLoad(cfg.load, len(ts)).String() + " per image"
	}
	log.Print(msg + "…")
	t0 := time.Now()
	hs := make([]*hardenedHost, len(ts))
	// Every container of the run goes in one docker rm at the end, once the
	// hardened ones have stopped (a busy daemon would slow their stops), or
	// on an early return (interrupted, Docker gone).
	var started []string
	defer func() {
		for _, h := range hs {
			if h != nil && h.c.Name != "" {
				started = append(started, h.c.Name)
			}
		}
		dockercli.Remove(started...)
	}()
	var jobs []func(context.Context) error
	for i, t := range ts {
		h := &hardenedHost{image: t.img.ID, user: t.img.Config.User, checks: map[string]hardening.Check{}}
		hs[i] = h
		jobs = append(jobs, func(ctx context.Context) error {
			c, serves := hardening.Start(ctx, h.image, startTimeout)
			h.c, h.serves = c, serves.OK
			h.add(serves)
			return ctx.Err()
		})
	}
	// Starting them together is quicker, and nothing is timed yet.
	if err := runJobs(ctx, len(jobs), jobs); err != nil {
		return nil, nil, nil, err
	}
	for _, h := range hs {
		if h.serves {
			h.slow = make(chan hardening.SlowResult, 1)
			go func() { h.slow <- hardening.Slowloris(ctx, h.c.URL) }()
		}
	}
	// What the engine and the kernel say, once for both checks, while the
	// clients run: docker stats takes a second or two. Its sample is the
	// idle memory too, taken before the clients' first request.
	var serving []*hardenedHost
	var names []string
	for _, h := range hs {
		if h.serves {
			serving = append(serving, h)
			names = append(names, h.c.Name)
		}
	}
	observed := make(chan error, 1)
	go func() {
		obs, err := hardening.Observe(ctx, eng, names...)
		for i, h := range serving {
			if err != nil {
				h.add(hardening.Check{Name: hardening.NameNonRoot, Detail: err.Error()})
				h.add(hardening.Skipped(hardening.NameLimits, "the server process could not be observed"))
			} else {
				h.idle = obs[i].MemUsed
				h.add(hardening.NonRoot(obs[i], h.user))
				h.add(hardening.Limits(obs[i]))
			}
		}
		observed <- err
	}()
	for _, h := range serving {
		h.add(hardening.OversizedHeaders(ctx, h.c.URL))
		h.add(hardening.UnknownPaths(ctx, h.c.URL))
		h.add(hardening.OtherMethods(ctx, h.c.URL))
		h.add(hardening.Concurrent(ctx, h.c.URL, hardening.ConcurrentConns))
	}
	cfg.logf("hardened checks took %.1fs", time.Since(t0).Seconds())
	rts, timed, err := timeContainers(ctx, cfg, ts)
	started = timed
	<-observed
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, nil, nil, err
	}

	var loads []*results.Load
	if cfg.load > 0 {
		t1 := time.Now()
		urls := make([]string, len(hs))
		for i, h := range hs {
			if h.serves {
				urls[i] = h.c.URL + "/"
			}
		}
		var err error
		if loads, err = runLoad(ctx, planLoad(cfg.load, len(ts)), urls); err != nil {
			return nil, nil, nil, err
		}
		cfg.logf("load rounds took %.1fs", time.Since(t1).Seconds())
	}

	for _, h := range hs {
		if !h.serves {
			continue
		}
		select {
		case res := <-h.slow:
			h.add(res.Check(hardening.ReadHeaderTimeout))
		case <-ctx.Done():
			return nil, nil, nil, ctx.Err()
		}
		h.add(hardening.Survived(ctx, h.c.Name, h.c.URL))
	}
	// One at a time: each stop is timed.
	for _, h := range serving {
		h.add(hardening.Stop(ctx, h.c.Name))
	}
	if ctx.Err() != nil {
		return nil, nil, nil, ctx.Err()
	}
	out := make([]*results.Hardened, len(hs))
	for i, h := range hs {
		out[i] = h.hardened()
	}
	cfg.logf("hardened run took %.1fs", time.Since(t0).Seconds())
	return out, rts, loads, nil
}

// How the load time of each step is split. Rates on a shared 2-core
// machine swing by 10 to 15 % from one sub-second run to the next, and a
// slow stretch (another job's burst) lasts about a second. So the report
// runs short rounds: each round loads every step once, one after the
// other, in an order that rotates from round to round (with n steps and
// n rounds, every step runs once in every place), and keeps the median of
// the rounds. The ratio to the baseline is taken round by round, between
// runs a fraction of a second apart, which a slow stretch affects alike. A
// short warm-up first, not counted, opens the connections and brings the
// server's pages in. The default, 0.5 s per step, is four rounds of 125 ms
// for the four steps: through a published port, about 800 requests a round,
// enough for a p99, and short enough that a warm make report stays under
// 15 s. Longer rounds do not narrow the swing here: it comes from the machine.
const (
	defaultLoad  = 500 * time.Millisecond
	loadWarmup   = 50 * time.Millisecond
	minLoadRound = 100 * time.Millisecond
)

// loadPlan is how the load time of each step is split.
type loadPlan struct {
	rounds int
	round  time.Duration
	warmup time.Duration
	conns  int
}

// planLoad splits total, the load time of each of n steps, into rounds:
// as many as the steps, at least 3 (an odd number has a true median),
// fewer when a round would be shorter than minLoadRound.
func planLoad(total time.Duration, n int) loadPlan {
	rounds := max(3, n)
	for rounds > 1 && total/time.Duration(rounds) < minLoadRound {
		rounds--
	}
	return loadPlan{rounds: rounds, round: total / time.Duration(rounds), warmup: loadWarmup, conns: load.DefaultConns}
}

// runLoad runs the load rounds against urls, one step at a time, and
// returns each step's figures; an empty URL skips the step. The first
// URL is the baseline's.
func runLoad(ctx context.Context, p loadPlan, urls []string) ([]*results.Load, error) {
	var idx []int
	for i, u := range urls {
		if u != "" {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		if _, err := load.Run(ctx, load.Options{URL: urls[i], Duration: p.warmup, Conns: p.conns}); err != nil {
			return nil, err
		}
	}
	rounds := make([][]load.Result, len(urls))
	positions := make([][]int, len(urls))
	for r := range p.rounds {
		for k := range idx {
			i := idx[(k+r)%len(idx)]
			res, err := load.Run(ctx, load.Options{URL: urls[i], Duration: p.round, Conns: p.conns})
			if err != nil {
				return nil, err
			}
			rounds[i] = append(rounds[i], res)
			positions[i] = append(positions[i], k)
		}
	}
	return summarizeLoad(p, rounds, positions), nil
}

// summarizeLoad returns each step's figures from its rounds (none: nil);
// rounds[0] are the baseline's.
func summarizeLoad(p loadPlan, rounds [][]load.Result, positions [][]int) []*results.Load {
	out := make([]*results.Load, len(rounds))
	for i, rs := range rounds {
		if len(rs) == 0 {
			continue
		}
		l := &results.Load{Conns: p.conns, Rounds: len(rs), RoundNs: p.round.Nanoseconds(), WarmupNs: p.warmup.Nanoseconds()}
		var rps, ratios []float64
		var p50, p99 []int64
		for j, res := range rs {
			l.Requests += res.Requests
			l.Errors += res.Errors
			if l.FirstError == "" {
				l.FirstError = res.FirstError
			}
			l.RoundResults = append(l.RoundResults, results.LoadRound{
				Position: positions[i][j], ElapsedNs: res.Elapsed.Nanoseconds(), Requests: res.Requests, Errors: res.Errors,
				RequestsPerSec: res.RequestsPerSec, P50Ns: res.P50.Nanoseconds(), P99Ns: res.P99.Nanoseconds(),
			})
			rps = append(rps, res.RequestsPerSec)
			p50 = append(p50, res.P50.Nanoseconds())
			p99 = append(p99, res.P99.Nanoseconds())
			if j < len(rounds[0]) && rounds[0][j].RequestsPerSec > 0 {
				ratios = append(ratios, res.RequestsPerSec/rounds[0][j].RequestsPerSec)
			}
		}
		l.RequestsPerSec, l.P50Ns, l.P99Ns = median(rps), median(p50), median(p99)
		if len(ratios) > 0 {
			v := median(ratios)
			if i == 0 {
				v = 1 // exactly, not a rounding of it
			}
			l.VsBaseline = &v
		}
		out[i] = l
	}
	return out
}

// String describes a plan for errors and logs.
func (p loadPlan) String() string {
	return fmt.Sprintf("%d round(s) of %v over %d connections", p.rounds, p.round, p.conns)
}
