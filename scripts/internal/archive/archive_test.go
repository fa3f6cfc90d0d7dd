package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"lean-go-images/scripts/internal/dockercli"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// file is a tar entry of a test layer.
type file struct {
	name string
	typ  byte
	link string
	body string
}

// layer builds a layer tarball, and returns it with its diff ID.
func layer(t testing.TB, files ...file) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Typeflag: f.typ, Linkname: f.link, Mode: 0o755}
		if f.typ == tar.TypeReg {
			h.Size = int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f.body))
	}
	tw.Close()
	sum := sha256.Sum256(b.Bytes())
	return b.Bytes(), "sha256:" + hex.EncodeToString(sum[:])
}

// noise is n bytes that gzip cannot shrink to nothing.
func noise(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdefgh"[rng.IntN(8)]
	}
	return string(b)
}

// gz compresses b at gzip's default level, as the containerd image store
// keeps layers and as docker push sends them.
func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

type entry struct {
	name, link string
	data       []byte
}

// saved builds a docker save stream.
func saved(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}
		if e.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.data)
	}
	tw.Close()
	return b.Bytes()
}

func manifest(config string, layers ...string) []byte {
	b, _ := json.Marshal([]map[string]any{{"Config": config, "RepoTags": []string{"x:y"}, "Layers": layers}})
	return b
}

func config(diffIDs ...string) []byte {
	history := []map[string]any{{"created_by": "ENV A=b", "empty_layer": true}}
	for i := range diffIDs {
		history = append(history, map[string]any{"created_by": fmt.Sprintf("RUN step %d # buildkit", i)})
	}
	b, _ := json.Marshal(map[string]any{
		"architecture": "arm64", "os": "linux",
		"config":  map[string]any{"User": "65532", "Entrypoint": []string{"/server"}},
		"rootfs":  map[string]any{"type": "layers", "diff_ids": diffIDs},
		"history": history,
	})
	return b
}

func TestRead(t *testing.T) {
	l0, id0 := layer(t,
		file{name: "usr/", typ: tar.TypeDir},
		file{name: "usr/bin/dash", typ: tar.TypeReg, body: noise(1, 5000)},
		file{name: "usr/bin/sh", typ: tar.TypeSymlink, link: "dash"}, // counts its 4 bytes, as the classic store does
		file{name: "usr/bin/hard", typ: tar.TypeLink, link: "usr/bin/dash"},
	)
	l1, id1 := layer(t, file{name: "app/", typ: tar.TypeDir}) // WORKDIR: empty
	l2, id2 := layer(t, file{name: "./server", typ: tar.TypeReg, body: noise(2, 3000)})
	cfg := config(id0, id1, id2)
	// Docker 20.10's docker-archive: <id>/layer.tar, the configuration and
	// manifest.json last, a layer that appears twice as a symlink.
	legacy := saved(t,
		entry{name: "aaa/VERSION", data: []byte("1.0")},
		entry{name: "aaa/json", data: []byte(`{"id":"aaa"}`)},
		entry{name: "aaa/layer.tar", data: l0},
		entry{name: "bbb/layer.tar", data: l1},
		entry{name: "ccc/layer.tar", link: "../bbb/layer.tar"},
		entry{name: "ddd/layer.tar", data: l2},
		entry{name: "c0ffee.json", data: cfg},
		entry{name: "manifest.json", data: manifest("c0ffee.json", "aaa/layer.tar", "bbb/layer.tar", "ddd/layer.tar")},
		entry{name: "repositories", data: []byte(`{"x":{"y":"c0ffee"}}`)},
	)
	// Docker 25 and later: the OCI layout, plain tars with the classic
	// store, gzip blobs with the containerd store.
	blob := func(b []byte) string { s := sha256.Sum256(b); return "blobs/sha256/" + hex.EncodeToString(s[:]) }
	oci := func(compress func([]byte) []byte) []byte {
		b0, b1, b2 := compress(l0), compress(l1), compress(l2)
		return saved(t,
			entry{name: blob(b0), data: b0},
			entry{name: blob(b1), data: b1},
			entry{name: blob(b2), data: b2},
			entry{name: blob(cfg), data: cfg},
			entry{name: "index.json", data: []byte(`{"schemaVersion":2}`)},
			entry{name: "manifest.json", data: manifest(blob(cfg), blob(b0), blob(b1), blob(b2))},
			entry{name: "oci-layout", data: []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		)
	}
	plain := func(b []byte) []byte { return b }
	for _, tt := range []struct {
		name    string
		archive []byte
	}{{"docker-archive", legacy}, {"oci, classic store", oci(plain)}, {"oci, containerd store", oci(gz)}} {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Read(bytes.NewReader(tt.archive), true)
			if err != nil {
				t.Fatal(err)
			}
			if img.Config.Architecture != "arm64" || img.Config.Config.User != "65532" || len(img.Layers) != 3 {
				t.Fatalf("config %+v, %d layers", img.Config, len(img.Layers))
			}
			// The same figures whatever the layout: the containerd store's
			// gzip blobs are measured uncompressed, and gzipped again.
			want := []struct {
				diffID string
				size   int64
				tar    []byte
				cmd    string
			}{{id0, 5004, l0, "RUN step 0 # buildkit"}, {id1, 0, l1, "RUN step 1 # buildkit"}, {id2, 3000, l2, "RUN step 2 # buildkit"}}
			for i, w := range want {
				l := img.Layers[i]
				if l.DiffID != w.diffID || l.Size != w.size || l.TarBytes != int64(len(w.tar)) || l.GzipBytes != int64(len(gz(w.tar))) || l.Command != w.cmd {
					t.Errorf("layer %d: %s, size %d, tar %d, gzip %d, %q; want %s, %d, %d, %d, %q",
						i, l.DiffID, l.Size, l.TarBytes, l.GzipBytes, l.Command, w.diffID, w.size, len(w.tar), len(gz(w.tar)), w.cmd)
				}
			}
			if img.Size() != 8004 {
				t.Errorf("Size() = %d, want the layers' 8004", img.Size())
			}
			if n, p := img.FS().Resolve("/usr/bin/sh"); n == nil || p != "/usr/bin/dash" || n.Size != 5000 {
				t.Errorf("Resolve(/usr/bin/sh) = %v, %q", n, p)
			}
			if !img.FS().IsFile("/server") || !img.FS().IsFile("/usr/bin/hard") {
				t.Error("/server or /usr/bin/hard is not a file")
			}
		})
	}

	cfgBlob := entry{name: "c.json", data: cfg}
	for _, tt := range []struct {
		name    string
		archive []byte
		want    string
	}{
		{"no manifest", saved(t, entry{name: "aaa/layer.tar", data: l0}), "no manifest.json"},
		{"no config", saved(t, entry{name: "manifest.json", data: manifest("c.json")}), "the configuration c.json is not in the archive"},
		{"count", saved(t, cfgBlob, entry{name: "manifest.json", data: manifest("c.json", "a/layer.tar")}), "manifest.json lists 1 layers, the configuration 3"},
		{"missing layer", saved(t, cfgBlob, entry{name: "manifest.json", data: manifest("c.json", "a/layer.tar", "b/layer.tar", "z/layer.tar")}),
			"layer 0 (a/layer.tar) is not in the archive"},
		{"wrong layer", saved(t, cfgBlob, entry{name: "a/layer.tar", data: l2}, entry{name: "b/layer.tar", data: l1}, entry{name: "c/layer.tar", data: l2},
			entry{name: "manifest.json", data: manifest("c.json", "a/layer.tar", "b/layer.tar", "c/layer.tar")}),
			"layer 0 (a/layer.tar) is " + id2 + ", the configuration says " + id0},
		{"two images", saved(t, entry{name: "manifest.json", data: []byte("[{},{}]")}), "want one image, got 2"},
		{"bad gzip", saved(t, entry{name: "a/layer.tar", data: []byte{0x1f, 0x8b, 0, 1, 2}}), "a/layer.tar"},
		{"not a tar", []byte(strings.Repeat("x", 1000)), "invalid tar header"},
	} {
		if _, err := Read(bytes.NewReader(tt.archive), false); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Read error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestGzipIsSmaller(t *testing.T) {
	// Guards against counting the input instead of the output.
	l, _ := layer(t, file{name: "f", typ: tar.TypeReg, body: noise(7, 100000)})
	got, err := readLayer(bytes.NewReader(l), true)
	if err != nil {
		t.Fatal(err)
	}
	if got.TarBytes != int64(len(l)) || got.GzipBytes <= 0 || got.GzipBytes >= got.TarBytes/2 {
		t.Errorf("readLayer: tar %d, gzip %d for %d bytes of 8 letters, want a gzip size between 0 and half", got.TarBytes, got.GzipBytes, len(l))
	}
	if plain, err := readLayer(bytes.NewReader(l), false); err != nil || plain.GzipBytes != 0 || plain.DiffID != got.DiffID || plain.Size != got.Size {
		t.Errorf("readLayer without gzip = %+v, %v; want the same layer, no gzip size", plain, err)
	}
}

// image builds an image of layers from their files, for the FS tests.
func image(layers ...[]File) *Image {
	img := &Image{}
	for _, fs := range layers {
		img.Layers = append(img.Layers, Layer{Files: fs})
	}
	return img
}

func TestWhiteouts(t *testing.T) {
	root := image(
		[]File{{Path: "etc/junk", Type: tar.TypeReg}, {Path: "opt/a", Type: tar.TypeReg}, {Path: "opt/keep/x", Type: tar.TypeReg},
			{Path: "bin", Type: tar.TypeSymlink, LinkName: "usr/bin"}, {Path: "usr/bin/dash", Type: tar.TypeReg}},
		[]File{{Path: "etc/.wh.junk", Type: tar.TypeReg}, {Path: "opt/.wh..wh..opq", Type: tar.TypeReg}, {Path: "opt/b", Type: tar.TypeReg}},
		[]File{{Path: "opt/.wh.b", Type: tar.TypeReg}, {Path: "opt/c", Type: tar.TypeReg}, {Path: "server", Type: tar.TypeReg}},
	).FS()
	for p, want := range map[string]bool{
		"/etc/junk": false, "/etc/.wh.junk": false, "/opt/a": false, "/opt/keep/x": false, "/opt/b": false,
		"/opt/c": true, "/server": true, "/usr/bin/dash": true, "/bin/dash": true,
	} {
		if got := root.IsFile(p); got != want {
			t.Errorf("IsFile(%s) = %v, want %v", p, got, want)
		}
	}
	var paths []string
	root.Walk(func(p string, n *Node) {
		if n.Regular() {
			paths = append(paths, p)
		}
	})
	if len(paths) != 3 {
		t.Errorf("Walk found the files %v, want opt/c, server and usr/bin/dash", paths)
	}
}

func TestResolve(t *testing.T) {
	root := image([]File{
		{Path: "usr/bin/dash", Type: tar.TypeReg, Size: 10},
		{Path: "usr/bin/sh", Type: tar.TypeSymlink, LinkName: "dash"},
		{Path: "bin", Type: tar.TypeSymlink, LinkName: "usr/bin"},
		{Path: "etc/alt/sh", Type: tar.TypeSymlink, LinkName: "/bin/sh"},
		{Path: "etc/up", Type: tar.TypeSymlink, LinkName: "../usr/./bin/../bin/dash"},
		{Path: "loop/a", Type: tar.TypeSymlink, LinkName: "b"},
		{Path: "loop/b", Type: tar.TypeSymlink, LinkName: "a"},
		{Path: "usr/bin/hard", Type: tar.TypeLink, LinkName: "usr/bin/dash"},
		{Path: "dangling", Type: tar.TypeSymlink, LinkName: "/nowhere"},
		{Path: "empty", Type: tar.TypeSymlink, LinkName: ""},
		{Path: "file/x", Type: tar.TypeReg},
		{Path: "file", Type: tar.TypeReg}, // replaces the directory
	}).FS()
	tests := []struct{ path, want string }{
		{"/bin/sh", "/usr/bin/dash"},
		{"bin/sh", "/usr/bin/dash"},
		{"/etc/alt/sh", "/usr/bin/dash"},
		{"/etc/up", "/usr/bin/dash"},
		{"/usr/bin/hard", "/usr/bin/dash"},
		{"/bin/../../../usr/bin/sh", "/usr/bin/dash"},
		{"/usr/bin", "/usr/bin"},
		{"/", "/"},
		{"/loop/a", ""},
		{"/dangling", ""},
		{"/empty", ""},
		{"/file/x", ""},
		{"/bin/sh/x", ""},
		{"/nope", ""},
	}
	for _, tt := range tests {
		n, got := root.Resolve(tt.path)
		if (n == nil) != (tt.want == "") || got != tt.want {
			t.Errorf("Resolve(%q) = %v, %q; want %q", tt.path, n != nil, got, tt.want)
		}
	}
}

// FuzzRead feeds Read arbitrary archives: it must return an image or an
// error, never panic or hang.
func FuzzRead(f *testing.F) {
	l, _ := layer(f, file{name: "a", typ: tar.TypeReg, body: "hello"})
	f.Add(l)
	f.Add([]byte("[]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		Read(bytes.NewReader(b), false)
	})
}

func TestSave(t *testing.T) {
	l, id := layer(t, file{name: "server", typ: tar.TypeReg, body: "binary"})
	archive := saved(t, entry{name: "a/layer.tar", data: l}, entry{name: "c.json", data: config(id)},
		entry{name: "manifest.json", data: manifest("c.json", "a/layer.tar")})
	dir := t.TempDir()
	src := filepath.Join(dir, "image.tar")
	os.WriteFile(src, archive, 0o644)
	fake := filepath.Join(dir, "docker")
	// The fake docker prints the archive, or fails as docker save does.
	os.WriteFile(fake, []byte("#!/bin/sh\n[ \"$2\" = missing ] && { echo 'Error response from daemon: reference does not exist' >&2; exit 1; }\ncat '"+src+"'\n"), 0o755)
	defer func(bin string) { dockercli.Bin = bin }(dockercli.Bin)
	dockercli.Bin = fake

	keep := filepath.Join(dir, "kept.tar")
	img, err := Save(context.Background(), "img", keep, false)
	if err != nil || img.Size() != 6 {
		t.Fatalf("Save = %+v, %v", img, err)
	}
	if b, _ := os.ReadFile(keep); !bytes.Equal(b, archive) {
		t.Errorf("the kept archive has %d bytes, want the %d docker save printed", len(b), len(archive))
	}
	if _, err := Save(context.Background(), "missing", keep, false); err == nil || !strings.Contains(err.Error(), "docker save missing: Error response from daemon: reference does not exist") {
		t.Errorf("Save of a missing image: %v", err)
	}
	if _, err := os.Stat(keep); err == nil {
		t.Error("a failed Save left its archive")
	}
}
