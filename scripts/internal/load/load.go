// Package load is a small, bounded HTTP load generator for the workshop's
// measurements. It uses the standard library only and talks to loopback
// addresses only: it refuses any URL whose host is not 127.0.0.0/8, ::1 or
// "localhost", and it checks the address it actually dials as well, so that a
// name that resolves elsewhere, a proxy setting or a redirect cannot send
// traffic anywhere else.
//
// Every run is bounded twice: by Options.Duration (the deadline) and by
// Options.MaxRequests (a request budget), whichever comes first.
//
//	res, err := load.Run(ctx, load.Options{URL: "http://127.0.0.1:8080/"})
//	fmt.Printf("%.0f req/s, p99 %v\n", res.RequestsPerSec, res.P99)
//
// Latency percentiles are exact: every successful request's latency is kept
// (8 bytes each, so the default budget of 2 000 000 requests costs at most
// 16 MB) and the percentiles are read from the sorted list by nearest rank.
// A histogram would save that memory but round p99 to its bucket width, and
// the workshop compares steps whose p99s differ by tens of microseconds.
package load

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"lean-go-images/scripts/internal/loopback"
)

// Defaults and limits of Options.
const (
	DefaultDuration    = 5 * time.Second
	DefaultConns       = 32
	DefaultMaxRequests = 2_000_000
	DefaultTimeout     = 5 * time.Second

	// MaxDuration and MaxConns keep a typo from turning into an hour-long
	// run or thousands of sockets.
	MaxDuration = 5 * time.Minute
	MaxConns    = 1024
)

// Options describes one run. Zero fields take the defaults above.
type Options struct {
	// URL is requested with GET by every connection, again and again. Its
	// host must be a loopback IP or "localhost"; the scheme http or https.
	URL string
	// Duration is how long the run lasts (default 5 s, at most 5 min).
	// Requests still in flight at the deadline are abandoned and not counted.
	Duration time.Duration
	// Conns is the number of keep-alive connections, each sending one
	// request at a time (default 32, at most 1024).
	Conns int
	// MaxRequests ends the run early once this many requests have been sent
	// (default 2 000 000). It also bounds the memory kept for latencies.
	MaxRequests int64
	// Timeout bounds a single request (default 5 s).
	Timeout time.Duration
}

// Result is what a run measured.
type Result struct {
	// Elapsed is the wall time from the first request to the last one
	// finishing (or being abandoned at the deadline).
	Elapsed time.Duration
	// Requests counts successful requests: a 2xx answer whose body was read
	// in full. Only these have a latency.
	Requests int64
	// Errors counts requests that failed: a transport error, a timeout or a
	// non-2xx status. Requests cut off by the end of the run are not errors.
	// FirstError is the first failure seen, to explain them.
	Errors     int64
	FirstError string
	// RequestsPerSec is Requests divided by Elapsed in seconds.
	RequestsPerSec float64
	// P50 and P99 are the latencies of successful requests, from sending the
	// request to reading the last byte of the body: exact nearest-rank
	// percentiles, zero when there were no successful requests.
	P50, P99 time.Duration
}

// String returns the result on one line.
func (r Result) String() string {
	s := fmt.Sprintf("%d requests in %v: %.0f req/s, p50 %v, p99 %v, %d errors",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.RequestsPerSec, r.P50, r.P99, r.Errors)
	if r.FirstError != "" {
		s += " (first: " + r.FirstError + ")"
	}
	return s
}

// Run sends GET requests to o.URL over o.Conns connections until o.Duration
// has passed or o.MaxRequests have been sent, and returns what it measured.
// It returns an error, and does not send anything, when the options are
// invalid or the URL is not on loopback. If ctx ends before the deadline,
// Run stops early and returns the partial result with ctx's error.
func Run(ctx context.Context, o Options) (Result, error) {
	o, u, err := o.withDefaults()
	if err != nil {
		return Result{}, err
	}
	target := u.String()

	transport := &http.Transport{
		Proxy:               nil, // never a proxy: the request goes straight to loopback
		DialContext:         loopback.Dial(o.Timeout),
		MaxIdleConns:        o.Conns,
		MaxIdleConnsPerHost: o.Conns,
		MaxConnsPerHost:     o.Conns,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport: transport,
		Timeout:   o.Timeout,
		// A redirect is an answer, not something to follow elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	runCtx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()

	var (
		sent     atomic.Int64
		mu       sync.Mutex
		firstErr string
		wg       sync.WaitGroup
	)
	workers := make([]worker, o.Conns)
	start := time.Now()
	for i := range workers {
		w := &workers[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil && sent.Add(1) <= o.MaxRequests {
				lat, err := do(runCtx, client, target)
				switch {
				case err != nil && runCtx.Err() != nil:
					// Cut off by the end of the run: neither a success nor an error.
					continue
				case err != nil:
					w.errors++
					mu.Lock()
					if firstErr == "" {
						firstErr = err.Error()
					}
					mu.Unlock()
				default:
					w.latencies = append(w.latencies, lat)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	res := Result{Elapsed: elapsed, FirstError: firstErr}
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.latencies...)
		res.Errors += w.errors
	}
	res.Requests = int64(len(all))
	if elapsed > 0 {
		res.RequestsPerSec = float64(res.Requests) / elapsed.Seconds()
	}
	slices.Sort(all)
	res.P50, res.P99 = Percentile(all, 50), Percentile(all, 99)
	// The parent context ending early is the caller's doing: say so.
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("load: run stopped early after %v: %w", elapsed.Round(time.Millisecond), err)
	}
	return res, nil
}

type worker struct {
	latencies []time.Duration
	errors    int64
}

// do sends one GET and reads the whole body. It returns the latency, or an
// error for anything but 2xx.
func do(ctx context.Context, client *http.Client, target string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	lat := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("reading body: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, fmt.Errorf("status %s", resp.Status)
	}
	return lat, nil
}

func (o Options) withDefaults() (Options, *url.URL, error) {
	u, err := loopback.CheckURL(o.URL)
	if err != nil {
		return o, nil, err
	}
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	if o.Conns == 0 {
		o.Conns = DefaultConns
	}
	if o.MaxRequests == 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	switch {
	case o.Duration < 0 || o.Duration > MaxDuration:
		return o, nil, fmt.Errorf("load: Duration %v out of range: use up to %v", o.Duration, MaxDuration)
	case o.Conns < 0 || o.Conns > MaxConns:
		return o, nil, fmt.Errorf("load: Conns %d out of range: use 1 to %d", o.Conns, MaxConns)
	case o.MaxRequests < 0:
		return o, nil, fmt.Errorf("load: MaxRequests %d is negative", o.MaxRequests)
	case o.Timeout < 0:
		return o, nil, fmt.Errorf("load: Timeout %v is negative", o.Timeout)
	}
	return o, u, nil
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p% of the values at
// or below it. It returns 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}
