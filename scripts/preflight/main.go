// Command preflight checks that Docker is ready before the workshop uses it:
// the client is installed, the daemon answers, this user may use its socket,
// and, with -buildx, the buildx plugin is there. On failure it prints one
// line saying what to do and exits 1.
//
// Usage:
//
//	go run ./scripts/preflight [-buildx]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"lean-go-images/scripts/internal/dockercli"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("preflight: ")
	buildx := flag.Bool("buildx", false, "also require the buildx plugin")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: go run ./scripts/preflight [-buildx]") }
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := dockercli.Check(ctx); err != nil {
		log.Fatal(err)
	}
	if *buildx {
		if err := dockercli.CheckBuildx(ctx); err != nil {
			log.Fatal(err)
		}
	}
}
