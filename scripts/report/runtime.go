package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

// startTimeout bounds how long one start may take to answer 200.
const startTimeout = 30 * time.Second

// runner starts containers for the runtime measurements and the hardened
// run and remembers them all, so that remove can delete every one,
// whatever happened.
type runner struct {
	names []string
}

// name returns a name for the next container and remembers it. A name,
// unlike the ID docker run prints, is known before docker run returns: an
// interrupted run can still remove the container.
func (r *runner) name() string {
	name := fmt.Sprintf("lean-go-images-report-%d-%d", os.Getpid(), containerSeq.Add(1))
	r.names = append(r.names, name)
	return name
}

// containerSeq numbers the containers of this process, across runners.
var containerSeq atomic.Int64

// measureRuntime starts each image starts times, one image at a time, and
// times each start (docker run until 200 on /) and stop (docker stop). The
// last container of each image stays up, idle, until all images have been
// timed; one docker stats call then samples their memory together.
// names are the steps' names, for errors.
func measureRuntime(ctx context.Context, images, names []string, starts int) ([]*Runtime, error) {
	var r runner
	defer r.remove()
	rts := make([]*Runtime, len(images))
	idle := make([]string, len(images))
	for i, image := range images {
		rt := &Runtime{Flags: []string{}, Starts: starts}
		for n := range starts {
			name, d, err := r.start(ctx, image)
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
	mem, err := memoryUsage(ctx, idle)
	if err != nil {
		return nil, err
	}
	for i, rt := range rts {
		rt.IdleMemoryBytes = mem[idle[i]]
		if err := stopTimed(ctx, idle[i], rt); err != nil {
			return nil, wrap(names[i], err)
		}
		rt.StartupMedianNs = median(rt.StartupNs)
		rt.StopMedianNs = median(rt.StopNs)
	}
	return rts, nil
}

// start runs image on a free port of 127.0.0.1 and returns the container's
// name and the time from docker run to the first 200 on /.
func (r *runner) start(ctx context.Context, image string) (string, time.Duration, error) {
	port, err := dockercli.FreePort()
	if err != nil {
		return "", 0, err
	}
	name := r.name()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/"

	t0 := time.Now()
	if _, err := dockercli.Run(ctx, dockercli.RunOptions{Image: image, Port: port, Args: []string{"--name", name}}); err != nil {
		return "", 0, err
	}
	wctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	_, err = dockercli.WaitHTTP(wctx, url)
	d := time.Since(t0)
	if ctx.Err() != nil {
		return "", 0, ctx.Err()
	}
	if err != nil {
		return "", 0, fmt.Errorf("%v; container log: %s", err, dockercli.Logs(name, 5))
	}
	return name, d, nil
}

// stopTimed stops a container with docker stop and records how long it took.
func stopTimed(ctx context.Context, name string, rt *Runtime) error {
	t0 := time.Now()
	if _, err := dockercli.Output(ctx, "stop", name); err != nil {
		return dockercli.Diagnose(err)
	}
	rt.StopNs = append(rt.StopNs, time.Since(t0).Nanoseconds())
	return nil
}

// remove deletes every container the runner started, running or not.
func (r *runner) remove() {
	if len(r.names) > 0 {
		dockercli.Remove(r.names...) // names never created are errors to ignore
	}
}

// memoryUsage samples the memory use of running containers, by name.
func memoryUsage(ctx context.Context, names []string) (map[string]int64, error) {
	args := append([]string{"stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}"}, names...)
	out, err := dockercli.Output(ctx, args...)
	if err != nil {
		return nil, dockercli.Diagnose(err)
	}
	mem := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, usage, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		n, err := parseMemUsage(usage)
		if err != nil {
			return nil, fmt.Errorf("docker stats %s: %v", name, err)
		}
		mem[strings.TrimPrefix(name, "/")] = n
	}
	for _, name := range names {
		if _, ok := mem[name]; !ok {
			return nil, fmt.Errorf("docker stats printed no memory use for %s", name)
		}
	}
	return mem, nil
}

var memRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([kKMGT]?i?B)$`)

var memUnits = map[string]float64{
	"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
}

// parseMemUsage reads the use in docker stats' MemUsage, "2.156MiB / 23.54GiB".
func parseMemUsage(s string) (int64, error) {
	use, _, _ := strings.Cut(s, "/")
	use = strings.TrimSpace(use)
	m := memRE.FindStringSubmatch(use)
	if m == nil || memUnits[m[2]] == 0 {
		return 0, fmt.Errorf("unexpected memory usage %q", s)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("unexpected memory usage %q", s)
	}
	return int64(f*memUnits[m[2]] + 0.5), nil
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
