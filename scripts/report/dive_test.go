package main

import (
	"bytes"
	"encoding/json"
	"lean-go-images/scripts/internal/archive"
	"lean-go-images/scripts/internal/results"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The dive fixtures in testdata/dive are real dive v0.13.1 exports of the
// workshop's images, with most of their file lists cut out (whiteout.json is
// of a hand-made image with a deleted file and an opaque directory). The
// image-level figures are left as dive wrote them.

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadDive(t *testing.T) {
	full := readFixture(t, "dive/04-scratch-static.json")
	tests := []struct {
		name    string
		data    []byte
		want    results.Dive
		wantErr string
	}{
		{name: "01", data: readFixture(t, "dive/01-single-stage.json"), want: results.Dive{InefficientBytes: 0, EfficiencyScore: 1}},
		{name: "whiteout", data: readFixture(t, "dive/whiteout.json"), want: results.Dive{InefficientBytes: 1000, EfficiencyScore: 0.9998909556191551}},
		{name: "04", data: full, want: results.Dive{EfficiencyScore: 1}},
		{name: "truncated", data: full[:len(full)/2], wantErr: "is truncated"},
		{name: "empty", data: nil, wantErr: "is empty"},
		{name: "not JSON", data: []byte("Analyzing image...\n"), wantErr: "is malformed"},
		{name: "trailing", data: append(bytes.Clone(full), "{}"...), wantErr: "data after the top-level object"},
		{name: "no image", data: []byte(`{"layer":[]}`), wantErr: "lacks inefficientBytes or efficiencyScore"},
		{name: "negative", data: []byte(`{"image":{"inefficientBytes":-1,"efficiencyScore":1}}`), wantErr: "negative size"},
		{name: "bad score", data: []byte(`{"image":{"inefficientBytes":0,"efficiencyScore":1.5}}`), wantErr: "not between 0 and 1"},
		{name: "wrong type", data: []byte(`{"image":{"inefficientBytes":"0"}}`), wantErr: "is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := readDive(bytes.NewReader(tt.data), "x/dive.json")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "x/dive.json") {
					t.Fatalf("readDive: error %v, want one naming x/dive.json that contains %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || d != tt.want {
				t.Errorf("readDive = %+v, %v; want %+v", d, err, tt.want)
			}
		})
	}
}

// readFS reads a file-system fixture of testdata/fs: the layers' entries of
// the workshop's images, as the archive package reads them from docker save,
// with most files cut out.
func readFS(t testing.TB, name string) *archive.Image {
	t.Helper()
	var img archive.Image
	if err := json.Unmarshal(readFixture(t, "fs/"+name), &img); err != nil {
		t.Fatal(err)
	}
	return &img
}

func TestFacts(t *testing.T) {
	tests := []struct {
		fixture string
		argv0   string
		want    fileFacts
	}{
		{
			fixture: "01-single-stage.json", argv0: "/usr/local/bin/server",
			want: fileFacts{
				Shell: "/usr/bin/dash", PackageManagers: []string{"apt", "apt-get", "dpkg"},
				CABundle: "/etc/ssl/certs/ca-certificates.crt", ZoneinfoFiles: 3, Files: 19, Executables: 9,
				Binary: "/usr/local/bin/server", BinaryBytes: 8619481,
			},
		},
		{
			// The same image, started by name through PATH: /bin/perl is
			// found through the /bin symlink and a hard link.
			fixture: "01-single-stage.json", argv0: "perl",
			want: fileFacts{
				Shell: "/usr/bin/dash", PackageManagers: []string{"apt", "apt-get", "dpkg"},
				CABundle: "/etc/ssl/certs/ca-certificates.crt", ZoneinfoFiles: 3, Files: 19, Executables: 9,
				Binary: "/usr/bin/perl5.40.1", BinaryBytes: 3935376,
			},
		},
		{
			fixture: "02-multi-stage.json", argv0: "/usr/local/bin/server",
			want: fileFacts{
				Shell: "/usr/bin/dash", PackageManagers: []string{"apt", "apt-get", "dpkg"},
				ZoneinfoFiles: 2, Files: 9, Executables: 6,
				Binary: "/usr/local/bin/server", BinaryBytes: 8619489,
			},
		},
		{
			fixture: "03-distroless.json", argv0: "/server",
			want: fileFacts{
				PackageManagers: []string{}, CABundle: "/etc/ssl/certs/ca-certificates.crt",
				ZoneinfoFiles: 5, Files: 23, Executables: 1,
				Binary: "/server", BinaryBytes: 8545967,
			},
		},
		{
			fixture: "04-scratch-static.json", argv0: "/server",
			want: fileFacts{PackageManagers: []string{}, Files: 1, Executables: 1, Binary: "/server", BinaryBytes: 5902498},
		},
		{
			fixture: "04-scratch-static.json", argv0: "/missing",
			want: fileFacts{PackageManagers: []string{}, Files: 1, Executables: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.argv0, func(t *testing.T) {
			got := facts(readFS(t, tt.fixture).FS(), tt.argv0, defaultPath)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("facts:\ngot  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// FuzzReadDive feeds readDive, and what follows it for a readable export,
// arbitrary input: it must return an error or a result, never panic or hang.
func FuzzReadDive(f *testing.F) {
	names, err := filepath.Glob("testdata/dive/*.json")
	if err != nil || len(names) == 0 {
		f.Fatalf("no seeds in testdata/dive: %v", err)
	}
	for _, name := range names {
		f.Add(readFixture(f, strings.TrimPrefix(name, "testdata/")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := readDive(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if d.InefficientBytes < 0 || d.EfficiencyScore < 0 || d.EfficiencyScore > 1 {
			t.Errorf("readDive accepted %+v", d)
		}
	})
}
