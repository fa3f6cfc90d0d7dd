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

// measureRuntime starts each image starts times, one start at a time, and
// times each (docker run until 200 on /). Every container stays up, idle,
// until the caller removes it: it returns their names, and removes them
// itself only when it fails. names are the steps', for errors.
func measureRuntime(ctx context.Context, images, names []string, starts int) ([]*results.Runtime, []string, error) {
	var started []string
	rts := make([]*results.Runtime, len(images))
	for i, image := range images {
		rt := &results.Runtime{Starts: starts}
		for range starts {
			name, d, err := start(ctx, image)
			if name != "" {
				started = append(started, name)
			}
			if err != nil {
				dockercli.Remove(started...)
				return nil, nil, wrap(names[i], err)
			}
			rt.StartupNs = append(rt.StartupNs, d.Nanoseconds())
		}
		rt.StartupMedianNs = median(rt.StartupNs)
		rts[i] = rt
	}
	return rts, started, nil
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
