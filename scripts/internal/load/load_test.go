package load

import (
	"context"
	"errors"
	"lean-go-images/scripts/internal/loopback"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsAndMeasures(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Write([]byte("Hello world!"))
	}))
	defer srv.Close()

	res, err := Run(context.Background(), Options{URL: srv.URL + "/", Duration: 300 * time.Millisecond, Conns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Requests == 0 || res.Errors != 0 {
		t.Fatalf("requests %d, errors %d; want some requests and no errors (%s)", res.Requests, res.Errors, res.FirstError)
	}
	if res.Requests > served.Load() {
		t.Errorf("counted %d requests, the server saw only %d", res.Requests, served.Load())
	}
	if !(0 < res.P50 && res.P50 <= res.P99 && res.P99 < 300*time.Millisecond) {
		t.Errorf("latencies not ordered: p50 %v p99 %v", res.P50, res.P99)
	}
	want := float64(res.Requests) / res.Elapsed.Seconds()
	if diff := res.RequestsPerSec - want; diff > 1e-6*want || diff < -1e-6*want {
		t.Errorf("RequestsPerSec = %v, want Requests/Elapsed = %v", res.RequestsPerSec, want)
	}
}

func TestRunStopsAtTheDeadline(t *testing.T) {
	// A server slower than the run: every connection is mid-request at the
	// deadline, and Run must abandon those requests rather than wait.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}))
	defer srv.Close()

	const d = 200 * time.Millisecond
	t0 := time.Now()
	res, err := Run(context.Background(), Options{URL: srv.URL, Duration: d, Conns: 8})
	took := time.Since(t0)
	if err != nil {
		t.Fatal(err)
	}
	if took > d+500*time.Millisecond {
		t.Errorf("Run took %v, want it to stop at its %v deadline", took, d)
	}
	if res.Elapsed < d {
		t.Errorf("Elapsed = %v, shorter than the %v run", res.Elapsed, d)
	}
	if res.Requests != 0 || res.Errors != 0 {
		t.Errorf("requests %d, errors %d; requests cut off by the deadline must count as neither (%s)", res.Requests, res.Errors, res.FirstError)
	}
	if res.P99 != 0 || res.RequestsPerSec != 0 {
		t.Errorf("p99 %v, %v req/s; want zero with no completed request", res.P99, res.RequestsPerSec)
	}
}

func TestRunStopsAtMaxRequests(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	defer srv.Close()

	t0 := time.Now()
	res, err := Run(context.Background(), Options{URL: srv.URL, Duration: 10 * time.Second, Conns: 3, MaxRequests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(t0); took > 5*time.Second {
		t.Errorf("Run took %v with a budget of 50 requests", took)
	}
	if res.Requests != 50 || served.Load() != 50 {
		t.Errorf("requests %d, served %d; want exactly 50", res.Requests, served.Load())
	}
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	res, err := Run(ctx, Options{URL: srv.URL, Duration: 10 * time.Second, Conns: 2})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(t0); took > 2*time.Second {
		t.Errorf("Run took %v after its context ended at 100ms", took)
	}
	if res.Requests == 0 {
		t.Errorf("no partial result: %+v", res)
	}
}

func TestRunCountsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Options{URL: srv.URL, Duration: 100 * time.Millisecond, Conns: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || res.Errors == 0 {
		t.Errorf("requests %d, errors %d; want only errors", res.Requests, res.Errors)
	}
	if !strings.Contains(res.FirstError, "500") {
		t.Errorf("FirstError = %q, want the 500 status", res.FirstError)
	}

	// Nothing listening: every request is a connection error, and the run
	// still ends at its deadline.
	closed := srv.URL
	srv.Close()
	res, err = Run(context.Background(), Options{URL: closed, Duration: 100 * time.Millisecond, Conns: 2, MaxRequests: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 || !strings.Contains(res.FirstError, "refused") {
		t.Errorf("errors %d, first %q; want connection refused", res.Errors, res.FirstError)
	}
}

func TestRunDoesNotFollowRedirects(t *testing.T) {
	// A redirect to a non-loopback address must not be followed: it is
	// counted as a non-2xx answer.
	srv := httptest.NewServer(http.RedirectHandler("http://192.0.2.1/", http.StatusFound))
	defer srv.Close()
	res, err := Run(context.Background(), Options{URL: srv.URL, Duration: 100 * time.Millisecond, Conns: 1, MaxRequests: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 5 || !strings.Contains(res.FirstError, "302") {
		t.Errorf("errors %d, first %q; want five 302s counted as errors", res.Errors, res.FirstError)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://192.0.2.1/", "http://172.17.0.2:8080/", "http://example.com/"} {
		t0 := time.Now()
		if _, err := Run(context.Background(), Options{URL: u, Duration: time.Second}); !errors.Is(err, loopback.ErrNotLoopback) {
			t.Errorf("Run(%s): err = %v, want loopback.ErrNotLoopback", u, err)
		}
		if time.Since(t0) > 100*time.Millisecond {
			t.Errorf("Run(%s) took %v to refuse", u, time.Since(t0))
		}
	}
}

func TestOptionsLimits(t *testing.T) {
	for _, o := range []Options{
		{URL: "http://127.0.0.1/", Duration: time.Hour},
		{URL: "http://127.0.0.1/", Duration: -time.Second},
		{URL: "http://127.0.0.1/", Conns: 5000},
		{URL: "http://127.0.0.1/", Conns: -1},
		{URL: "http://127.0.0.1/", MaxRequests: -1},
	} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("Run(%+v) = nil error, want out of range", o)
		}
	}
	o, _, err := Options{URL: "http://127.0.0.1/"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Duration != 5*time.Second || o.Conns != 32 {
		t.Errorf("defaults: %v at %d conns, want 5s at 32", o.Duration, o.Conns)
	}
}

func TestPercentile(t *testing.T) {
	var xs []time.Duration
	for i := 1; i <= 100; i++ {
		xs = append(xs, time.Duration(i))
	}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {1, 1}, {0.1, 1}, {99.9, 100}} {
		if got := Percentile(xs, tt.p); got != tt.want {
			t.Errorf("Percentile(1..100, %v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("Percentile([7], 99) = %v", got)
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil) = %v", got)
	}
}
