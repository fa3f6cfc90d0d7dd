// Package hardening checks that a workshop server stays safe when it runs
// locked down: it answers under tight docker run flags, runs as a non-root
// uid, survives abusive clients and stops gracefully. The end-to-end tests
// (scripts/e2e) assert these checks, and make report (scripts/report) records
// them for every step in RESULTS.md and results.json.
//
// Every check returns a [Check]: its name, whether it passed, and one line
// of detail (the evidence when it passed, what went wrong when it failed).
// The HTTP checks take the server's base URL, which must be on loopback
// (http://127.0.0.1:PORT): they refuse any other host, and their dialer
// refuses any other address. Every client is bounded in count and in time.
//
//	c, serves := hardening.Start(ctx, "lean-go-images:04-scratch-static", 20*time.Second)
//	defer dockercli.Remove(c.ID)
//	slow := make(chan hardening.SlowResult, 1)
//	go func() { slow <- hardening.Slowloris(ctx, c.Base) }() // about ReadHeaderTimeout
//	checks := []hardening.Check{serves, hardening.OversizedHeaders(ctx, c.Base), ...}
//	checks = append(checks, (<-slow).Check(hardening.ReadHeaderTimeout), hardening.Stop(ctx, c.ID))
package hardening

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"lean-go-images/scripts/internal/loopback"
)

// The server's limits (see readHeaderTimeout and the others in main.go) and
// the bounds the checks hold it to.
const (
	// ReadHeaderTimeout is the server's: a client that has not sent its
	// headers by then is cut off.
	ReadHeaderTimeout = 5 * time.Second
	// SlowEarly and SlowLate bound when a slowloris client must be cut off:
	// between ReadHeaderTimeout-SlowEarly and ReadHeaderTimeout+SlowLate.
	SlowEarly = 1 * time.Second
	SlowLate  = 3 * time.Second
	// SlowEvery is how often a slowloris client sends one more header byte.
	SlowEvery = 250 * time.Millisecond
	// OversizedHeader is the size of the header that must get 431 (the
	// server accepts 8 KiB).
	OversizedHeader = 64 << 10
	// ConcurrentConns is how many connections must be served at once.
	ConcurrentConns = 200
	// StopGrace is how long docker stop waits after SIGTERM before it sends
	// SIGKILL (its --time).
	StopGrace = 10 * time.Second
	// StopWithin bounds docker stop: a server that ignores SIGTERM takes
	// StopGrace.
	StopWithin = 2 * time.Second
	// MemoryLimit and PidsLimit are what ResourceLimits asks for.
	MemoryLimit = 64 << 20
	PidsLimit   = 64
)

// Hello is what the server answers on GET /.
const Hello = "Hello world!"

// LockedDown are the docker run flags that take away what the server does
// not need: a writable root filesystem, capabilities, privilege escalation.
var LockedDown = []string{"--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"}

// ResourceLimits are the limits a hardened container gets on top:
// PidsLimit and MemoryLimit.
var ResourceLimits = []string{"--pids-limit", strconv.Itoa(PidsLimit), "--memory", strconv.Itoa(MemoryLimit>>20) + "m"}

// Flags returns the docker run flags of a hardened container: LockedDown,
// then ResourceLimits.
func Flags() []string { return slices.Concat(LockedDown, ResourceLimits) }

// The names of the checks, as results.json records them, in the order the
// report runs them.
const (
	NameServes           = "serves"
	NameNonRoot          = "non-root"
	NameLimits           = "limits"
	NameSlowloris        = "slowloris"
	NameOversizedHeaders = "oversized-headers"
	NameUnknownPaths     = "unknown-paths"
	NameOtherMethods     = "other-methods"
	NameConcurrent       = "concurrent-connections"
	NameStillServing     = "still-serving"
	NameGracefulStop     = "graceful-stop"
)

// Names lists every check in the order the report runs and shows them.
var Names = []string{
	NameServes, NameNonRoot, NameLimits, NameSlowloris, NameOversizedHeaders, NameUnknownPaths,
	NameOtherMethods, NameConcurrent, NameStillServing, NameGracefulStop,
}

// Check is the outcome of one check.
type Check struct {
	Name string
	OK   bool
	// Unenforced says that the engine could not enforce what the check
	// checks (rootless Docker without cgroups and the resource limits):
	// the check did not pass, but the image is not at fault.
	Unenforced bool
	// Detail is one line: the evidence when the check passed, what failed
	// (shortest first, so that it can stand in a table cell) otherwise.
	Detail string
}

func pass(name, format string, args ...any) Check {
	return Check{Name: name, OK: true, Detail: fmt.Sprintf(format, args...)}
}

func fail(name, format string, args ...any) Check {
	return Check{Name: name, Detail: fmt.Sprintf(format, args...)}
}

// failAll returns a failed check listing problems, or a passed one with
// detail when there are none.
func failAll(name string, problems []string, detail string) Check {
	if len(problems) > 0 {
		return fail(name, "%s", strings.Join(problems, "; "))
	}
	return pass(name, "%s", detail)
}

// Skipped is a check that was not run, for the reason given: it counts as
// failed.
func Skipped(name, why string) Check { return fail(name, "not run: %s", why) }

// ---- HTTP clients, loopback only ----

// dial and client talk to the server only on loopback, with no proxy, no
// connection reuse and no redirects.
var (
	dial   = loopback.Dial(2 * time.Second)
	client = loopback.Client(10*time.Second, false)
)

// hostPort checks that base is a loopback URL and returns its host:port.
func hostPort(base string) (string, error) {
	u, err := loopback.CheckURL(base)
	if err != nil {
		return "", err
	}
	if u.Port() == "" {
		return "", fmt.Errorf("URL %q has no port", base)
	}
	return u.Host, nil
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) String() string {
	return fmt.Sprintf("%d %s %q", a.status, http.StatusText(a.status), a.body)
}

// send sends one request to base+path and reads up to 1 MiB of the answer.
func send(ctx context.Context, method, base, path string, header http.Header) (answer, error) {
	if _, err := hostPort(base); err != nil {
		return answer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+path, nil)
	if err != nil {
		return answer{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return answer{}, fmt.Errorf("reading the body: %v", err)
	}
	return answer{resp.StatusCode, resp.Header, string(body)}, nil
}

// ---- abuse checks ----

// OversizedHeaders sends GET / with a 64 KiB header and expects 431 Request
// Header Fields Too Large.
func OversizedHeaders(ctx context.Context, base string) Check {
	h := http.Header{"X-Big": {strings.Repeat("a", OversizedHeader)}}
	a, err := send(ctx, "GET", base, "/", h)
	switch {
	case err != nil:
		return fail(NameOversizedHeaders, "GET / with a %d KiB header: %v", OversizedHeader>>10, err)
	case a.status != http.StatusRequestHeaderFieldsTooLarge:
		return fail(NameOversizedHeaders, "a %d KiB header got %s, want 431", OversizedHeader>>10, a)
	}
	return pass(NameOversizedHeaders, "a %d KiB header got 431", OversizedHeader>>10)
}

// UnservedPaths are the paths the UnknownPaths check requests: paths the
// server does not serve, some of them what a scanner tries.
var UnservedPaths = []string{"/nope", "/healthz/x", "/index.html", "/.env", "/server"}

// UnknownPaths expects GET on paths the server does not serve to answer 404
// with Go's plain "404 page not found".
func UnknownPaths(ctx context.Context, base string) Check {
	var problems []string
	for _, p := range UnservedPaths {
		a, err := send(ctx, "GET", base, p, nil)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("GET %s: %v", p, err))
		case a.status != http.StatusNotFound || a.body != "404 page not found\n":
			problems = append(problems, fmt.Sprintf("GET %s got %s, want 404", p, a))
		}
	}
	return failAll(NameUnknownPaths, problems, fmt.Sprintf("%d unknown paths got 404", len(UnservedPaths)))
}

// RefusedMethods are the methods the OtherMethods check sends: the ones /
// must refuse.
var RefusedMethods = []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}

// OtherMethods expects the methods other than GET and HEAD on / to answer
// 405 with Allow: GET, HEAD, and HEAD / to answer 200 with no body.
func OtherMethods(ctx context.Context, base string) Check {
	var problems []string
	for _, m := range RefusedMethods {
		a, err := send(ctx, m, base, "/", nil)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s /: %v", m, err))
			continue
		case a.status != http.StatusMethodNotAllowed:
			problems = append(problems, fmt.Sprintf("%s / got %s, want 405", m, a))
		}
		if allow := a.header.Get("Allow"); allow != "GET, HEAD" {
			problems = append(problems, fmt.Sprintf("%s /: Allow %q, want \"GET, HEAD\"", m, allow))
		}
	}
	a, err := send(ctx, "HEAD", base, "/", nil)
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("HEAD /: %v", err))
	case a.status != http.StatusOK || a.body != "":
		problems = append(problems, fmt.Sprintf("HEAD / got %s, want 200 and no body", a))
	}
	return failAll(NameOtherMethods, problems, strings.Join(RefusedMethods, ", ")+" got 405; HEAD got 200")
}

// StillServing expects GET / to answer 200 Hello world!.
func StillServing(ctx context.Context, base string) Check {
	a, err := send(ctx, "GET", base, "/", nil)
	switch {
	case err != nil:
		return fail(NameStillServing, "GET /: %v", err)
	case a.status != http.StatusOK || a.body != Hello:
		return fail(NameStillServing, "GET / got %s, want 200 %q", a, Hello)
	}
	return pass(NameStillServing, "GET / got 200 %q", Hello)
}

// Concurrent opens n connections first, so that all of them are open at
// once, then sends one GET / on each and expects n answers of 200 Hello
// world!. Everything ends 15 s after it starts, or when ctx ends.
func Concurrent(ctx context.Context, base string, n int) Check {
	addr, err := hostPort(base)
	if err != nil {
		return fail(NameConcurrent, "%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := dial(ctx, "tcp", addr)
		if err != nil {
			return fail(NameConcurrent, "opening connection %d of %d: %v", len(conns)+1, n, err)
		}
		c.SetDeadline(deadline)
		conns = append(conns, c)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok       int
		failures []string
	)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, err := getOn(c)
			mu.Lock()
			defer mu.Unlock()
			if err == nil && status == http.StatusOK {
				ok++
			} else if len(failures) < 5 {
				failures = append(failures, fmt.Sprintf("connection %d: status %d, %v", i, status, err))
			}
		}()
	}
	wg.Wait()
	if ok != n {
		return fail(NameConcurrent, "%d of %d concurrent connections got 200; first failures: %s", ok, n, strings.Join(failures, "; "))
	}
	return pass(NameConcurrent, "%d of %d concurrent connections got 200", ok, n)
}

// getOn sends GET / on c and returns the status, with an error for a body
// other than Hello.
func getOn(c net.Conn) (int, error) {
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err == nil && string(body) != Hello {
		err = fmt.Errorf("body %q", body)
	}
	return resp.StatusCode, err
}

// ---- slowloris ----

// SlowResult is how a slowloris connection ended.
type SlowResult struct {
	DialErr  error
	After    time.Duration // from connecting to the server closing
	Sent     int           // header bytes sent by then
	Full     bool          // the whole request went out: not trickled long enough
	Data     string        // whatever the server answered before closing
	Err      error         // the read error that ended it (nil for a clean EOF)
	Canceled bool          // ctx ended first
}

// slowRequest is the request a slowloris client trickles: it never ends its
// headers.
var slowRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Slow: " + strings.Repeat("a", 200)

// Slowloris trickles a request's headers to base, one byte every SlowEvery,
// and never finishes them, until the server closes the connection. It is
// bounded: at most len(request) bytes, and it gives up ReadHeaderTimeout + 10 s
// after connecting, or when ctx ends, whichever comes first.
func Slowloris(ctx context.Context, base string) SlowResult {
	addr, err := hostPort(base)
	if err != nil {
		return SlowResult{DialErr: err}
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return SlowResult{DialErr: err}
	}
	defer conn.Close()
	t0 := time.Now()
	giveUp := t0.Add(ReadHeaderTimeout + 10*time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(giveUp) {
		giveUp = d
	}
	conn.SetDeadline(giveUp)

	done := make(chan SlowResult, 1)
	go func() {
		b, err := io.ReadAll(conn) // returns when the server closes the connection
		done <- SlowResult{After: time.Since(t0), Data: string(b), Err: err}
	}()
	tick := time.NewTicker(SlowEvery)
	defer tick.Stop()
	sent := 0
	ctxDone := ctx.Done()
	for {
		select {
		case r := <-done:
			r.Sent, r.Full = sent, sent == len(slowRequest)
			// A deadline of ctx is a bound like giveUp; a cancellation is not.
			r.Canceled = errors.Is(ctx.Err(), context.Canceled)
			return r
		case <-ctxDone:
			ctxDone = nil
			conn.SetDeadline(time.Now()) // ends the read above
		case <-tick.C:
			if sent < len(slowRequest) {
				if _, err := conn.Write([]byte{slowRequest[sent]}); err == nil {
					sent++
				}
			}
		}
	}
}

// Check expects the server to have cut the connection off at timeout, its
// ReadHeaderTimeout: not more than SlowEarly sooner, nor SlowLate later.
func (r SlowResult) Check(timeout time.Duration) Check {
	after := r.After.Round(time.Millisecond)
	var ne net.Error
	switch {
	case r.DialErr != nil:
		return fail(NameSlowloris, "connecting: %v", r.DialErr)
	case r.Canceled:
		return fail(NameSlowloris, "interrupted after %v", after)
	case errors.As(r.Err, &ne) && ne.Timeout():
		return fail(NameSlowloris, "kept a slowloris connection open for %v (%s sent), past ReadHeaderTimeout %v", after, headerBytes(r.Sent), timeout)
	case r.After < timeout-SlowEarly || r.After > timeout+SlowLate:
		return fail(NameSlowloris, "closed a slowloris connection after %v, want about ReadHeaderTimeout %v (-%v, +%v)", after, timeout, SlowEarly, SlowLate)
	case r.Full:
		return fail(NameSlowloris, "the whole request went out before the server closed the connection: the client did not trickle long enough")
	}
	d := fmt.Sprintf("cut off after %v (%s sent)", after, headerBytes(r.Sent))
	if first, _, _ := strings.Cut(r.Data, "\r\n"); first != "" {
		d += fmt.Sprintf(", answer %q", first)
	}
	return pass(NameSlowloris, "%s", d)
}

// headerBytes says how many header bytes: "1 header byte", "20 header bytes".
func headerBytes(n int) string {
	if n == 1 {
		return "1 header byte"
	}
	return fmt.Sprintf("%d header bytes", n)
}
