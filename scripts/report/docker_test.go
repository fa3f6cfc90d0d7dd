package main

import (
	"encoding/json"
	"testing"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/results"
	"lean-go-images/scripts/internal/steps"
)

// readInspect reads a docker image inspect fixture from testdata/inspect.
// They are real output, trimmed to the fields the report reads; the
// edited-* ones are changed by hand as their names say.
func readInspect(t testing.TB, name string) dockercli.Image {
	t.Helper()
	var imgs []dockercli.Image
	if err := json.Unmarshal(readFixture(t, "inspect/"+name), &imgs); err != nil || len(imgs) != 1 {
		t.Fatalf("inspect/%s: %v", name, err)
	}
	return imgs[0]
}

func TestBaseFromImage(t *testing.T) {
	tests := []struct {
		fixture    string
		obtained   results.Obtained
		store      string
		provenance string
		lookAlike  bool
		digest     string
	}{
		{"golang_1.26-trixie.json", results.Obtained{}, "classic", results.BuiltOffline, true, ""},
		{"distroless_static-debian13_nonroot.json", results.Obtained{}, "classic", results.BuiltOffline, true, ""},
		// make bases pulled this look-alike from a mirror, and recorded it.
		{"golang_1.26-trixie.json", results.Obtained{Ref: "golang:1.26-trixie", Provenance: results.Pulled}, "classic", results.Pulled, true, ""},
		{"edited-pulled-debian_trixie-slim.json", results.Obtained{}, "classic", results.Pulled, false, "debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		// The containerd store gives every image a digest, and a look-alike
		// from a mirror keeps its label: neither proves anything.
		{"edited-pulled-debian_trixie-slim.json", results.Obtained{}, "containerd", results.Unrecorded, false, ""},
		{"golang_1.26-trixie.json", results.Obtained{}, "containerd", results.Unrecorded, true, ""},
		{"golang_1.26-trixie.json", results.Obtained{Ref: "golang:1.26-trixie", Provenance: results.BuiltOffline}, "containerd", results.BuiltOffline, true, ""},
		{"edited-local-debian_trixie-slim.json", results.Obtained{}, "classic", results.LocalOnly, false, ""},
	}
	for _, tt := range tests {
		img := readInspect(t, tt.fixture)
		b := baseFromImage("ref", img, tt.obtained, tt.store)
		if b.Provenance != tt.provenance || b.LookAlike != tt.lookAlike || b.RepoDigest != tt.digest || b.ID != img.ID || b.ID == "" {
			t.Errorf("%s (%+v, %s): got %+v, want provenance %s, look-alike %v, digest %q and the image's ID",
				tt.fixture, tt.obtained, tt.store, b, tt.provenance, tt.lookAlike, tt.digest)
		}
	}
}

func TestUserID(t *testing.T) {
	tests := []struct {
		user string
		uid  int
		ok   bool
	}{
		{"", 0, true}, {"root", 0, true}, {"0", 0, true}, {"65532:65532", 65532, true},
		{"1000", 1000, true}, {"nonroot", 0, false}, {"nonroot:nonroot", 0, false}, {"-1", 0, false},
	}
	for _, tt := range tests {
		if uid, ok := userID(tt.user); uid != tt.uid || ok != tt.ok {
			t.Errorf("userID(%q) = %d, %v; want %d, %v", tt.user, uid, ok, tt.uid, tt.ok)
		}
	}
}

func TestBuildkitVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Name:   default\nDriver: docker\n\nNodes:\nName:             default\nStatus:           running\nBuildKit version: v0.8+unknown\n", "v0.8+unknown"},
		{"Name: default\nNodes:\nStatus:    running\nBuildkit:  v0.12.5\nPlatforms: linux/amd64\n", "v0.12.5"},
		{"Name: default\n", ""},
	}
	for _, tt := range tests {
		if got := buildkitVersion(tt.in); got != tt.want {
			t.Errorf("buildkitVersion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseHadolint(t *testing.T) {
	tests := []struct {
		fixture string
		count   int
		first   results.Finding
		wantErr bool
	}{
		{"hadolint/04-scratch-static.json", 0, results.Finding{}, false},
		{"hadolint/bad.json", 9, results.Finding{Code: "DL3049", Level: "info", Line: 1, Column: 1, Message: "Label `org.opencontainers.image.description` is missing."}, false},
	}
	for _, tt := range tests {
		lint, err := parseHadolint(readFixture(t, tt.fixture))
		if err != nil {
			t.Errorf("%s: %v", tt.fixture, err)
			continue
		}
		if lint.Count != tt.count || len(lint.Findings) != tt.count || lint.Tool != "hadolint" {
			t.Errorf("%s: %d findings (%d listed), want %d", tt.fixture, lint.Count, len(lint.Findings), tt.count)
		}
		if tt.count > 0 && lint.Findings[0] != tt.first {
			t.Errorf("%s: first finding %+v, want %+v", tt.fixture, lint.Findings[0], tt.first)
		}
	}
	for _, bad := range []string{"", "null", "hadolint: openFile: does not exist", "{}"} {
		if _, err := parseHadolint([]byte(bad)); err == nil {
			t.Errorf("parseHadolint(%q): no error", bad)
		}
	}
}

// TestAssembleStep builds a step's model from the real inspect fixture of
// 01-single-stage and its static analysis, as measure does.
func TestAssembleStep(t *testing.T) {
	img := readInspect(t, "01-single-stage.json")
	golang := readInspect(t, "golang_1.26-trixie.json")
	fsImg := readFS(t, "01-single-stage.json")
	tg := &target{
		s: steps.Step{Name: "01-single-stage"}, img: img, bases: []string{"golang:1.26-trixie"},
		lint:   results.Lint{Tool: "hadolint", Findings: []results.Finding{}},
		static: static{Architecture: "amd64", Facts: facts(fsImg.FS(), "/usr/local/bin/server", defaultPath)},
	}
	sizes := []int64{868782548, 0, 31, 5335, 95954586}
	for i, id := range img.RootFS.Layers {
		tg.static.Layers = append(tg.static.Layers, layerStatic{DiffID: id, Size: sizes[i], GzipBytes: int64(1000 * (i + 1)), Command: "cmd"})
	}
	s := tg.step("lean-go-images", map[string]dockercli.Image{"golang:1.26-trixie": golang})
	if s.Image != "lean-go-images:01-single-stage" || s.SizeBytes != 964742500 || s.LayerCount != 5 || s.EmptyLayerCount != 1 || s.Architecture != "amd64" {
		t.Errorf("got image %s, size %d, %d layers (%d empty), %s; want lean-go-images:01-single-stage, 964742500, 5 (1 empty), amd64",
			s.Image, s.SizeBytes, s.LayerCount, s.EmptyLayerCount, s.Architecture)
	}
	if s.CompressedBytes != 15000 {
		t.Errorf("compressed = %d, want 15000 (the sum of the layers')", s.CompressedBytes)
	}
	if s.Layers[0].FromBase != "golang:1.26-trixie" || s.Layers[1].FromBase != "" || !s.Layers[1].Empty || s.Layers[2].Empty {
		t.Errorf("layers 0, 1 and 2: %+v, %+v, %+v; want the first from golang:1.26-trixie, the second empty", s.Layers[0], s.Layers[1], s.Layers[2])
	}
	if p := s.Posture; p.UID == nil || *p.UID != 0 || p.Shell != "/usr/bin/dash" || s.BinaryBytes != 8619481 {
		t.Errorf("posture %+v, binary %d; want root, a shell, 8619481 bytes", p, s.BinaryBytes)
	}
}
