// Command server is the workshop's hello-world web server.
//
// The same file sits, byte for byte, in every step directory of
// lean-go-images: only the Dockerfile around it changes from step to step.
//
// Usage:
//
//	server               serve on :$PORT (default 8080) until SIGTERM or SIGINT
//	server -healthcheck  GET http://127.0.0.1:$PORT/healthz; exit 0 if healthy, 1 if not
//
// Routes:
//
//	GET /         200 "Hello world!" (text/plain; charset=utf-8)
//	GET /healthz  200 "ok"
//
// The -healthcheck mode lets an image with no shell and no curl (distroless,
// scratch) still declare a Docker HEALTHCHECK: the binary probes itself.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

const (
	defaultPort = "8080"

	// A client must finish sending its headers within this time, which cuts
	// off slowloris clients that trickle a request byte by byte.
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	// Requests with larger headers get 431 Request Header Fields Too Large.
	maxHeaderBytes = 8 << 10

	// docker stop waits 10 s before SIGKILL; finish well inside that.
	shutdownTimeout = 5 * time.Second
	// How long -healthcheck waits for an answer.
	probeTimeout = 2 * time.Second
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("server: ")
	healthcheck := flag.Bool("healthcheck", false, "probe http://127.0.0.1:$PORT/healthz and exit 0 if healthy, 1 if not")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: server [-healthcheck]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	port, err := parsePort(os.Getenv("PORT"))
	if err != nil {
		log.Print(err)
		os.Exit(2)
	}

	if *healthcheck {
		if err := probe("http://127.0.0.1:"+port+"/healthz", probeTimeout); err != nil {
			log.Print(err)
			os.Exit(1)
		}
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", ln.Addr())
	if err := serve(ctx, ln); err != nil {
		log.Fatal(err)
	}
}

// parsePort returns the port to listen on: s, or the default when s is empty.
// Anything but a number from 1 to 65535 is an error that says how to fix it.
func parsePort(s string) (string, error) {
	if s == "" {
		return defaultPort, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("invalid PORT %q: set it to a number from 1 to 65535, or unset it for %s", s, defaultPort)
	}
	return strconv.Itoa(n), nil
}

// newHandler returns the server's routes. The method-qualified patterns make
// the mux answer 405 for other methods on a known path, and 404 elsewhere.
func newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, "Hello world!")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, "ok")
	})
	return mux
}

func writeText(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, body)
}

// newServer returns an http.Server with timeouts, so that no client can hold
// a connection open for ever.
func newServer() *http.Server {
	return &http.Server{
		Handler:           newHandler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.Default(),
	}
}

// serve answers requests on ln until ctx is done, then shuts down gracefully:
// it stops accepting, lets requests in flight finish, and returns nil.
func serve(ctx context.Context, ln net.Listener) error {
	srv := newServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// probe GETs url and returns nil if it answers 200 within timeout. It speaks
// HTTP over a plain connection instead of using http.Client: the client's
// transport would add about 430 kB to a binary that is, by step 4, the
// whole image.
func probe(url string, timeout time.Duration) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	conn, err := net.DialTimeout("tcp", req.URL.Host, timeout)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if err := req.Write(conn); err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", url, resp.Status)
	}
	return nil
}
