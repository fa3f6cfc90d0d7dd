package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/results"
)

// offlineLabel marks the look-alike base images that make offline-bases builds.
const offlineLabel = "lean-go-images.offline-base"

// inspectStep returns the step's image, or an error that says how to
// get it.
func inspectStep(ctx context.Context, image string) (dockercli.Image, error) {
	img, err := dockercli.InspectImage(ctx, image)
	if errors.Is(err, dockercli.ErrNoImage) {
		return img, fmt.Errorf("image %s is missing: run make all", image)
	}
	return img, err
}

// inspectBase returns a base image's provenance. A base that is no longer
// present is reported as Absent rather than failing the report: the step
// image, which is what is measured, does not need it.
func inspectBase(ctx context.Context, ref string, obtained map[string]results.Obtained, store string) (results.Base, dockercli.Image, error) {
	img, err := dockercli.InspectImage(ctx, ref)
	if errors.Is(err, dockercli.ErrNoImage) {
		return results.Base{Ref: ref, Provenance: results.Absent}, img, nil
	}
	if err != nil {
		return results.Base{}, img, err
	}
	return baseFromImage(ref, img, obtained[img.ID], store), img, nil
}

// baseFromImage classifies an inspected base image: by how make bases
// obtained it, when it recorded this very image; otherwise, on the classic
// image store, where only a pulled image has one, by its registry digest,
// then its label. The containerd store gives every image a digest, and a
// look-alike pulled from a mirror keeps its label: there, an image make
// bases did not record is Unrecorded.
func baseFromImage(ref string, img dockercli.Image, o results.Obtained, store string) results.Base {
	b := results.Base{Ref: ref, ID: img.ID, Provenance: results.LocalOnly, GoVersion: envValue(img.Config.Env, "GOLANG_VERSION", ""),
		LookAlike: img.Config.Labels[offlineLabel] == "true"}
	switch {
	case o.Provenance != "":
		b.Provenance = o.Provenance
	case store != "classic":
		b.Provenance = results.Unrecorded
	case len(img.RepoDigests) > 0:
		b.Provenance = results.Pulled
	case b.LookAlike:
		b.Provenance = results.BuiltOffline
	}
	if b.Provenance == results.Pulled && len(img.RepoDigests) > 0 {
		b.RepoDigest = img.RepoDigests[0]
	}
	return b
}

// userID returns the uid of a Dockerfile USER value ("65532:65532", "0",
// "root", ""), and false for a name it cannot resolve without /etc/passwd.
func userID(user string) (int, bool) {
	u, _, _ := strings.Cut(user, ":")
	switch u {
	case "", "root":
		return 0, true
	}
	n, err := strconv.Atoi(u)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// envValue returns the value of key in a docker Env list, or def.
func envValue(env []string, key, def string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return def
}

// hostInfo returns the machine's and the build tools' versions; those
// that cannot be found read "unknown".
func hostInfo(ctx context.Context) results.Host {
	h := results.Host{
		Buildx:   "unknown",
		BuildKit: "unknown",
		Go:       runtime.Version(),
		OS:       runtime.GOOS,
		Arch:     runtime.GOARCH,
		CPUs:     runtime.NumCPU(),
	}
	if out, err := dockercli.Output(ctx, "buildx", "version"); err == nil {
		if f := strings.Fields(string(out)); len(f) >= 2 {
			h.Buildx = f[1]
		}
	}
	if out, err := dockercli.Output(ctx, "buildx", "inspect"); err == nil {
		if v := buildkitVersion(string(out)); v != "" {
			h.BuildKit = v
		}
	}
	return h
}

// buildkitRE finds BuildKit's version in docker buildx inspect, whose
// older releases print "Buildkit: v0.8.2" and newer "BuildKit version: v0.12.5".
var buildkitRE = regexp.MustCompile(`(?mi)^\s*buildkit(?: version)?:\s*(\S+)`)

func buildkitVersion(inspect string) string {
	if m := buildkitRE.FindStringSubmatch(inspect); m != nil {
		return m[1]
	}
	return ""
}
