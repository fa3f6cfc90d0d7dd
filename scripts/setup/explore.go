package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/steps"
)

// explore opens dive's interactive view on a step's image. dive reads it
// from a docker save archive, which every engine writes, rather than asking
// the engine itself, which dive v0.13.1 is reported to fail at with the
// containerd image store (wagoodman/dive#510). The archive, as large as the
// image, goes under .cache/explore and is removed when dive exits.
func explore(step string) error {
	all, err := steps.Find(os.DirFS("."))
	if err != nil {
		return err
	}
	vs, err := steps.Select(all, step)
	if err != nil || len(vs) != 1 {
		usage(fmt.Sprintf("unknown step %q: choose one of %s", step, steps.Names(all)))
	}
	// dive draws on /dev/tty: without a terminal, it would fail only after
	// saving the whole image.
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return errors.New("make explore opens dive's interactive view: run it from a terminal")
	}
	tty.Close()
	// Ctrl-C during docker save stops it; once dive runs, it reads Ctrl-C
	// itself. A closed terminal (SIGHUP) does not end dive: it is passed on
	// as SIGTERM, and the archive removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	ref := vs[0].Image(cmp.Or(os.Getenv("IMAGE"), "lean-go-images"))
	if _, err := dockercli.InspectImage(ctx, ref); errors.Is(err, dockercli.ErrNoImage) {
		return fmt.Errorf("image %s is missing: run make build-%s", ref, vs[0].Name)
	} else if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(".cache", "explore"), 0o755); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(filepath.Join(".cache", "explore"), "")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// dive names the image after the archive, so it runs in dir and shows
	// "Image name: 01-single-stage.tar".
	archive := vs[0].Name + ".tar"
	say.Printf("saving %s for dive with docker save (as large as the image; removed when dive exits)", ref)
	if _, err := dockercli.Output(ctx, "save", "-o", filepath.Join(dir, archive), ref); err != nil {
		if ctx.Err() != nil {
			return errors.New("interrupted: archive removed")
		}
		return dockercli.Diagnose(err)
	}
	dive, err := filepath.Abs(filepath.Join(cmp.Or(os.Getenv("BIN"), "bin"), "dive"))
	if err != nil {
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
