// Explore opens dive's interactive view on one step's image, to find layer
// by layer where its bytes are.
//
// Usage:
//
//	explore [-image repo] [-dive path] STEP
//
// make explore STEP=01-single-stage builds it into bin/explore and runs it.
// It does not let dive ask the engine for the image, since dive v0.13.1's
// engine source fails with the containerd image store (Docker Engine 29,
// Docker Desktop). It saves the image with docker save instead, which every
// engine can do, and opens the archive with dive --source docker-archive.
// The archive, as large as the image, is written under .cache/explore and
// removed when dive exits. In dive, Tab switches panes and Ctrl-C quits.
//
// Explore exits 2 for bad usage (an unknown step) and 1 when Docker, the
// image or dive fails, after one line that says what to do.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/steps"
)

func main() {
	log.SetPrefix("explore: ")
	log.SetFlags(0)
	repo := flag.String("image", "lean-go-images", "image repository: the step's image is `repo`:STEP")
	dive := flag.String("dive", "dive", "the dive `binary` to run")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: explore [-image repo] [-dive path] STEP")
		flag.PrintDefaults()
	}
	flag.Parse()
	root, err := steps.Root()
	if err != nil {
		log.Fatal(err)
	}
	all, err := steps.Find(os.DirFS(root))
	if err != nil {
		log.Fatal(err)
	}
	if flag.NArg() != 1 || flag.Arg(0) == "" {
		log.Printf("name one step: choose from %s", steps.Names(all))
		os.Exit(2)
	}
	vs, err := steps.Select(all, flag.Arg(0))
	if err != nil || len(vs) != 1 {
		log.Printf("unknown step %q: choose one of %s", flag.Arg(0), steps.Names(all))
		os.Exit(2)
	}
	if err := explore(root, vs[0], *repo, *dive); err != nil {
		log.Fatal(err)
	}
}

// explore saves the step's image to an archive and runs dive on it.
func explore(root string, v steps.Step, repo, dive string) error {
	// Ctrl-C during docker save stops it and removes the archive. Once dive
	// runs, it reads Ctrl-C as a key itself. A closed terminal (SIGHUP) does
	// not end dive, so explore passes it on as SIGTERM, then removes the
	// archive.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if _, err := dockercli.Check(ctx); err != nil {
		return err
	}
	ref := v.Image(repo)
	if _, err := dockercli.InspectImage(ctx, ref); errors.Is(err, dockercli.ErrNoImage) {
		return fmt.Errorf("image %s is missing: run make build-%s IMAGE=%s", ref, v.Name, repo)
	} else if err != nil {
		return err
	}
	cache := filepath.Join(root, ".cache", "explore")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(cache, "")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// dive names the image after the archive's path, so it runs in dir and
	// shows "Image name: 01-single-stage.tar".
	archive := v.Name + ".tar"
	log.Printf("saving %s for dive with docker save (as large as the image; removed when dive exits)", ref)
	if err := dockercli.Save(ctx, ref, filepath.Join(dir, archive)); err != nil {
		if ctx.Err() != nil {
			return errors.New("interrupted: archive removed")
		}
		return err
	}
	cmd := exec.CommandContext(ctx, dive, "--source", "docker-archive", archive)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// CI=true would make dive check its CI rules instead of opening its view.
	cmd.Env = append(os.Environ(), "CI=false")
	if err := cmd.Run(); errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dive not found at %s: run make tools", dive)
	} else if err != nil && ctx.Err() == nil {
		return fmt.Errorf("dive failed on %s: %v", ref, err)
	}
	return nil
}
