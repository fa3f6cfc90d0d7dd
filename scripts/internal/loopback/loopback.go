// Package loopback is the workshop's one network rule, in code: the tooling
// talks only to containers published on a loopback address of this machine
// (http://127.0.0.1:PORT), never to a bridge IP or any other host.
//
// CheckURL refuses any other URL before a name is even looked up, and Dial
// checks the address it is about to connect to, so that a name that
// resolves elsewhere, a proxy setting or a redirect cannot send traffic
// anywhere else. The load generator, the hardening checks and the report
// all go through here.
package loopback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrNotLoopback is wrapped by the errors of CheckURL and Dial for an
// address that is not a loopback one.
var ErrNotLoopback = errors.New("not a loopback address")

// CheckURL returns the parsed URL if the tooling may send a request to it:
// http or https, and a host that is a loopback IP or "localhost".
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("URL %q has no host: use http://127.0.0.1:PORT/", raw)
	}
	if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("refusing %q: host %q is %w; the tooling only talks to 127.0.0.1, ::1 or localhost", raw, host, ErrNotLoopback)
	}
	return u, nil
}

// Dial returns a dial function, for an http.Transport's DialContext or to
// open connections directly, that connects only to loopback addresses,
// within timeout. It checks the resolved address, after CheckURL, which
// every caller runs first.
func Dial(timeout time.Duration) func(ctx context.Context, network, address string) (net.Conn, error) {
	return (&net.Dialer{Timeout: timeout, Control: only}).DialContext
}

// only refuses to connect to anything but a loopback address.
func only(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to dial %s: %w", address, ErrNotLoopback)
	}
	return nil
}

// Client returns an HTTP client that talks only to loopback, with no proxy
// and no redirects followed (a redirect is an answer like any other), each
// request bounded by timeout. keepAlive reuses connections.
func Client(timeout time.Duration, keepAlive bool) *http.Client {
	return &http.Client{
		Transport: &http.Transport{Proxy: nil, DialContext: Dial(timeout), DisableKeepAlives: !keepAlive},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// WaitOK polls url until it answers 200 and returns the body, or fails when
// ctx ends, with what the server said last. It refuses, without sending
// anything, a URL that is not on loopback.
func WaitOK(ctx context.Context, url string) (string, error) {
	if _, err := CheckURL(url); err != nil {
		return "", err
	}
	client := Client(time.Second, false)
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", err
		}
		resp, err := client.Do(req)
		if err != nil && ctx.Err() != nil && last != nil {
			// The deadline cut this try short: what the server said last is
			// the more useful news.
			return "", fmt.Errorf("%s did not answer 200: %v", url, last)
		}
		if err == nil {
			var body bytes.Buffer
			_, err = body.ReadFrom(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				return body.String(), nil
			}
			if err == nil {
				err = fmt.Errorf("status %s", resp.Status)
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s did not answer 200: %v", url, last)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
