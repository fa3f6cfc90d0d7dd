package loopback

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url      string
		loopback bool // a refusal for not being on loopback, not a malformed URL
		ok       bool
	}{
		{"http://127.0.0.1:1/", false, true},
		{"http://127.1.2.3/", false, true},
		{"http://[::1]:8080/", false, true},
		{"http://localhost:8080/", false, true},
		{"https://LOCALHOST/", false, true},
		{"http://192.0.2.1/", true, false},
		{"http://10.0.0.1:8080/", true, false},
		{"http://172.17.0.2:8080/", true, false}, // a Docker bridge address
		{"http://example.com/", true, false},
		{"http://[2001:db8::1]/", true, false},
		{"http://0.0.0.0:8080/", true, false},
		{"http://localhost.example.com/", true, false},
		{"", false, false},
		{"127.0.0.1:8080", false, false},
		{"ftp://127.0.0.1/", false, false},
		{"http:///x", false, false},
		{"://x", false, false},
	}
	for _, tt := range tests {
		_, err := CheckURL(tt.url)
		switch {
		case tt.ok && err != nil:
			t.Errorf("CheckURL(%q) = %v, want nil", tt.url, err)
		case !tt.ok && err == nil:
			t.Errorf("CheckURL(%q) = nil, want an error", tt.url)
		case tt.loopback && (!errors.Is(err, ErrNotLoopback) || !strings.Contains(err.Error(), "only talks to 127.0.0.1, ::1 or localhost")):
			t.Errorf("CheckURL(%q) = %v, want ErrNotLoopback saying what is allowed", tt.url, err)
		}
	}
}

func TestDialRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"192.0.2.1:80", "[2001:db8::1]:80"} {
		if err := only("tcp", addr, nil); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("only(%s) = %v, want ErrNotLoopback", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:80", "[::1]:80"} {
		if err := only("tcp", addr, nil); err != nil {
			t.Errorf("only(%s) = %v, want nil", addr, err)
		}
	}
	// The exported dialer refuses before connecting, and connects to loopback.
	dial := Dial(time.Second)
	for _, addr := range []string{"192.0.2.1:80", "[2001:db8::1]:80"} {
		if c, err := dial(context.Background(), "tcp", addr); !errors.Is(err, ErrNotLoopback) {
			if c != nil {
				c.Close()
			}
			t.Errorf("Dial dialing %s: %v, want ErrNotLoopback", addr, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("Dial dialing %s: %v", ln.Addr(), err)
	}
	c.Close()
}

func TestWaitOK(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("Hello world!"))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body, err := WaitOK(ctx, srv.URL+"/")
	if err != nil || body != "Hello world!" {
		t.Fatalf("WaitOK = %q, %v", body, err)
	}

	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer bad.Close()
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = WaitOK(ctx, bad.URL+"/x")
	if err == nil || !strings.Contains(err.Error(), bad.URL+"/x did not answer 200") || !strings.Contains(err.Error(), "500") {
		t.Errorf("WaitOK on a failing server: %v, want the URL and the last status", err)
	}

	// Off loopback: refused at once, before any request.
	for _, u := range []string{"http://192.0.2.1:8080/", "http://example.com/", "ftp://127.0.0.1/"} {
		t0 := time.Now()
		_, err := WaitOK(context.Background(), u)
		if err == nil || time.Since(t0) > 100*time.Millisecond {
			t.Errorf("WaitOK(%s) = %v after %v, want a refusal at once", u, err, time.Since(t0))
		}
		if strings.HasPrefix(u, "http:") && !errors.Is(err, ErrNotLoopback) {
			t.Errorf("WaitOK(%s) = %v, want ErrNotLoopback", u, err)
		}
	}

	// A redirect is not followed: it is not a 200.
	redirect := httptest.NewServer(http.RedirectHandler("http://192.0.2.1/", http.StatusFound))
	defer redirect.Close()
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := WaitOK(ctx, redirect.URL+"/"); err == nil || !strings.Contains(err.Error(), "302") {
		t.Errorf("WaitOK on a redirect: %v, want status 302", err)
	}
}
