package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// fakeLayer is a layer tarball with content that gzip cannot shrink to
// nothing, and its diff ID.
func fakeLayer(t *testing.T, seed uint64, n int) ([]byte, string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	content := make([]byte, n)
	for i := range content {
		content[i] = "abcdefgh"[rng.IntN(8)]
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("file%d", seed), Mode: 0o644, Size: int64(n), Typeflag: tar.TypeReg})
	tw.Write(content)
	tw.Close()
	sum := sha256.Sum256(b.Bytes())
	return b.Bytes(), "sha256:" + hex.EncodeToString(sum[:])
}

// gzLen compresses b the way docker push does, for the expected figures.
func gzLen(b []byte) int64 {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return int64(out.Len())
}

type archiveEntry struct {
	name, link string
	data       []byte
}

// archive builds a docker save stream.
func archive(t *testing.T, entries []archiveEntry) []byte {
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

func manifest(layers ...string) []byte {
	b, _ := json.Marshal([]map[string]any{{"Config": "c.json", "RepoTags": []string{"x:y"}, "Layers": layers}})
	return b
}

func TestCompressArchive(t *testing.T) {
	l0, id0 := fakeLayer(t, 0, 50000)
	l1, id1 := fakeLayer(t, 1, 3000)
	l2, id2 := fakeLayer(t, 2, 3000) // as long as l1
	want := map[string]layerSize{
		id0: {gzLen(l0), int64(len(l0))},
		id1: {gzLen(l1), int64(len(l1))},
		id2: {gzLen(l2), int64(len(l2))},
	}
	dockerArchive := archive(t, []archiveEntry{
		{name: "aaa/VERSION", data: []byte("1.0")},
		{name: "aaa/layer.tar", data: l0},
		{name: "bbb/layer.tar", data: l1},
		{name: "ccc/layer.tar", data: l2},
		{name: "c.json", data: []byte("{}")},
		{name: "manifest.json", data: manifest("aaa/layer.tar", "bbb/layer.tar", "ccc/layer.tar")},
	})
	// Docker 25's OCI layout names blobs by digest; a layer that appears
	// twice is a symlink in the older layout.
	ociArchive := archive(t, []archiveEntry{
		{name: "manifest.json", data: manifest("blobs/sha256/"+id1[7:], "ddd/layer.tar")},
		{name: "blobs/sha256/" + id1[7:], data: l1},
		{name: "ddd/layer.tar", link: "../blobs/sha256/" + id1[7:]},
	})
	bogus := layerSize{Gzip: 12345, Tar: int64(len(l0))}
	tests := []struct {
		name    string
		archive []byte
		diffIDs []string
		known   map[string]layerSize
		want    map[string]layerSize
		wantErr string
	}{
		{"docker-archive", dockerArchive, []string{id0, id1, id2}, nil, want, ""},
		{"oci", ociArchive, []string{id1, id1}, nil, map[string]layerSize{id1: want[id1]}, ""},
		// A known layer is not compressed again: the cached figure, wrong
		// on purpose here, shows through.
		{"known", dockerArchive, []string{id0, id1, id2}, map[string]layerSize{id0: bogus},
			map[string]layerSize{id0: bogus, id1: want[id1], id2: want[id2]}, ""},
		// l2 is as long as the known l1, so it is skipped, and its digest
		// then shows that it was not l1.
		{"same length", dockerArchive, []string{id0, id1, id2}, map[string]layerSize{id1: want[id1]}, nil, "skipped layer"},
		// The layer at position 2 is expected to be l1 again, but is l2.
		{"wrong digest", dockerArchive, []string{id0, id1, id1}, map[string]layerSize{id1: want[id1]}, nil, "skipped layer"},
		{"no manifest", archive(t, []archiveEntry{{name: "aaa/layer.tar", data: l0}}), []string{id0}, nil, nil, "no manifest.json"},
		{"count", dockerArchive, []string{id0, id1}, nil, nil, "lists 3 layers, docker image inspect 2"},
		{"missing layer", archive(t, []archiveEntry{{name: "manifest.json", data: manifest("zzz/layer.tar")}}), []string{id0}, nil, nil, "layer 0 (zzz/layer.tar) is not in the archive"},
		{"not a tar", []byte(strings.Repeat("x", 1000)), []string{id0}, nil, nil, "reading the archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := compressArchive(bytes.NewReader(tt.archive), tt.diffIDs, tt.known)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "skipped") && !errors.Is(err, errRecount) {
					t.Errorf("error %v is not errRecount", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGzipIsSmaller(t *testing.T) {
	// Guards against counting the input instead of the output.
	l, _ := fakeLayer(t, 7, 100000)
	e, err := measureEntry(bytes.NewReader(l), false)
	if err != nil {
		t.Fatal(err)
	}
	if e.size.Tar != int64(len(l)) || e.size.Gzip <= 0 || e.size.Gzip >= e.size.Tar/2 {
		t.Errorf("measureEntry: %+v for %d bytes of 8 letters, want a gzip size between 0 and half", e.size, len(l))
	}
}
