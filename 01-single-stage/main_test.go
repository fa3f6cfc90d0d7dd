// The server's unit tests live beside the first copy of main.go only: the
// identity test in scripts/internal/steps proves the other three copies are
// the same bytes, so these tests cover all four.
package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/", 200, "Hello world!"},
		// The recorder keeps what the handler wrote; net/http drops it on the wire.
		{"HEAD", "/", 200, "Hello world!"},
		{"GET", "/healthz", 200, "ok"},
		{"GET", "/nope", 404, "404 page not found\n"},
		{"GET", "/healthz/x", 404, "404 page not found\n"},
		{"POST", "/", 405, "Method Not Allowed\n"},
		{"DELETE", "/healthz", 405, "Method Not Allowed\n"},
	}
	h := newHandler()
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			if tt.wantStatus == 200 {
				if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
					t.Errorf("Content-Type = %q, want text/plain; charset=utf-8", ct)
				}
			}
		})
	}
}

func TestParsePort(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"", "8080", false},
		{"8080", "8080", false},
		{"1", "1", false},
		{"65535", "65535", false},
		{"0", "", true},
		{"65536", "", true},
		{"-1", "", true},
		{"http", "", true},
		{"80 ", "", true},
		{"0x50", "", true},
	}
	for _, tt := range tests {
		got, err := parsePort(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parsePort(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "1 to 65535") {
			t.Errorf("parsePort(%q) error %q does not say how to fix it", tt.in, err)
		}
	}
}

func TestProbe(t *testing.T) {
	healthy := httptest.NewServer(newHandler())
	defer healthy.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer failing.Close()
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer stuck.Close()

	tests := []struct {
		name, url string
		wantErr   string
	}{
		{"healthy", healthy.URL + "/healthz", ""},
		{"500", failing.URL + "/healthz", "500 Internal Server Error"},
		{"404", healthy.URL + "/missing", "404 Not Found"},
		{"timeout", stuck.URL + "/healthz", "timeout"},
		{"refused", "http://" + closedAddr(t) + "/healthz", "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := probe(tt.url, 200*time.Millisecond)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("probe: %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("probe: %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// closedAddr returns a loopback address on which nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestServeShutsDownGracefully(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln) }()

	base := "http://" + ln.Addr().String()
	if err := probe(base+"/healthz", time.Second); err != nil {
		t.Fatalf("server not up: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("serve did not return within 2s of cancel")
	}
	if err := probe(base+"/healthz", 200*time.Millisecond); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

func TestServerLimits(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = newServer()
	srv.Start()
	defer srv.Close()

	if srv.Config.ReadHeaderTimeout <= 0 || srv.Config.ReadHeaderTimeout > 10*time.Second {
		t.Errorf("ReadHeaderTimeout = %v, want (0, 10s]", srv.Config.ReadHeaderTimeout)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: status %d, want 431", resp.StatusCode)
	}
}

// TestMainExits runs the compiled test binary as the server (see TestMain)
// to check what a user sees on bad input.
func TestMainExits(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		port     string
		wantCode int
		wantErr  string
	}{
		{"bad PORT", nil, "eighty", 2, `server: invalid PORT "eighty": set it to a number from 1 to 65535, or unset it for 8080`},
		{"PORT out of range", nil, "70000", 2, `server: invalid PORT "70000"`},
		{"healthcheck, nothing listening", []string{"-healthcheck"}, portOf(closedAddr(t)), 1, "server: unhealthy:"},
		{"stray argument", []string{"serve"}, "", 2, "usage: server [-healthcheck]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), "BE_THE_SERVER=1", "PORT="+tt.port)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.wantCode {
				t.Fatalf("exit: %v, want code %d; stderr: %s", err, tt.wantCode, stderr.String())
			}
			if !strings.HasPrefix(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to start with %q", stderr.String(), tt.wantErr)
			}
			if tt.wantCode == 2 && tt.args == nil && strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr has %d lines, want exactly one", strings.Count(stderr.String(), "\n"))
			}
		})
	}
}

// TestMainServesAndStops starts the real binary, waits for the start-up line,
// checks -healthcheck against it, then sends SIGTERM and expects a clean exit.
func TestMainServesAndStops(t *testing.T) {
	port := portOf(closedAddr(t))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "BE_THE_SERVER=1", "PORT="+port)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	line := make([]byte, 256)
	n, _ := io.ReadAtLeast(stderr, line, len("server: listening"))
	if !strings.HasPrefix(string(line[:n]), "server: listening on ") {
		t.Fatalf("start-up line = %q, want server: listening on ...", line[:n])
	}

	hc := exec.Command(os.Args[0], "-healthcheck")
	hc.Env = append(os.Environ(), "BE_THE_SERVER=1", "PORT="+port)
	if out, err := hc.CombinedOutput(); err != nil {
		t.Fatalf("-healthcheck against a running server: %v: %s", err, out)
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { io.Copy(io.Discard, stderr); waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("server exited with %v after SIGINT, want 0", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("server did not exit within 3s of SIGINT")
	}
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

func TestMain(m *testing.M) {
	if os.Getenv("BE_THE_SERVER") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
