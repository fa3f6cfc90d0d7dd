package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/loopback"
	"lean-go-images/scripts/internal/results"
)

// startTimeout bounds how long one start may take to answer 200.
const startTimeout = 30 * time.Second

// measureRuntime starts each image starts times, one image at a time, and
// times each start (docker run until 200 on /) and stop (docker stop). The
// last container of each image stays up, idle, until all images have been
// timed; one docker stats call then samples their memory together, unless
// the engine runs without cgroups: its docker stats shows the machine's
// memory, not the container's. names are the steps' names, for errors.
func measureRuntime(ctx context.Context, images, names []string, starts int, eng dockercli.Engine) ([]*results.Runtime, error) {
	var started []string
	defer func() { dockercli.Remove(started...) }()
	rts := make([]*results.Runtime, len(images))
	idle := make([]string, len(images))
	for i, image := range images {
		rt := &results.Runtime{Flags: []string{}, Starts: starts}
		for n := range starts {
			name, d, err := start(ctx, image)
			if name != "" {
				started = append(started, name)
			}
			if err != nil {
				return nil, wrap(names[i], err)
			}
			rt.StartupNs = append(rt.StartupNs, d.Nanoseconds())
			if n == starts-1 {
				idle[i] = name
				break
			}
			if err := stopTimed(ctx, name, rt); err != nil {
				return nil, wrap(names[i], err)
			}
		}
		rts[i] = rt
	}
	mem := map[string]dockercli.MemUsage{}
	if eng.Limits {
		var err error
		if mem, err = dockercli.Stats(ctx, idle...); err != nil {
			return nil, err
		}
	}
	for i, rt := range rts {
		rt.IdleMemoryBytes = mem[idle[i]].Used
		if err := stopTimed(ctx, idle[i], rt); err != nil {
			return nil, wrap(names[i], err)
		}
		rt.StartupMedianNs = median(rt.StartupNs)
		rt.StopMedianNs = median(rt.StopNs)
	}
	return rts, nil
}

// start runs image with its port published on 127.0.0.1 and returns the
// container's name and the time from docker run to the first 200 on /.
func start(ctx context.Context, image string) (string, time.Duration, error) {
	t0 := time.Now()
	c, err := dockercli.Run(ctx, image)
	if err != nil {
		return "", 0, err
	}
	wctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	_, err = loopback.WaitOK(wctx, c.URL+"/")
	d := time.Since(t0)
	if ctx.Err() != nil {
		return c.Name, 0, ctx.Err()
	}
	if err != nil {
		return c.Name, 0, fmt.Errorf("%v; container log: %s", err, dockercli.Logs(c.Name, 5))
	}
	return c.Name, d, nil
}

// stopTimed stops a container with docker stop and records how long it took.
func stopTimed(ctx context.Context, name string, rt *results.Runtime) error {
	t0 := time.Now()
	if _, err := dockercli.Output(ctx, "stop", name); err != nil {
		return dockercli.Diagnose(err)
	}
	rt.StopNs = append(rt.StopNs, time.Since(t0).Nanoseconds())
	return nil
}

// median returns the median of xs, or 0 for none.
func median[T int64 | float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
