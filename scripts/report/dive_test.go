package main

import (
	"bytes"
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
		layers  int
		size    int64
		wantErr string
	}{
		{name: "01", data: readFixture(t, "dive/01-single-stage.json"), layers: 5, size: 964669404},
		{name: "03", data: readFixture(t, "dive/03-distroless.json"), layers: 2, size: 10208715},
		{name: "04", data: full, layers: 1, size: 5902498},
		{name: "truncated", data: full[:len(full)/2], wantErr: "is truncated"},
		{name: "empty", data: nil, wantErr: "is empty"},
		{name: "not JSON", data: []byte("Analyzing image...\n"), wantErr: "is malformed"},
		{name: "trailing", data: append(bytes.Clone(full), "{}"...), wantErr: "data after the top-level object"},
		{name: "no image", data: []byte(`{"layer":[{"index":0,"digestId":"sha256:00"}]}`), wantErr: "lacks sizeBytes"},
		{name: "no layers", data: []byte(`{"layer":[],"image":{"sizeBytes":1,"inefficientBytes":0,"efficiencyScore":1}}`), wantErr: "no layers"},
		{name: "bad index", data: []byte(`{"layer":[{"index":1,"digestId":"sha256:00"}],"image":{"sizeBytes":1,"inefficientBytes":0,"efficiencyScore":1}}`), wantErr: "layer 0 has index 1"},
		{name: "no digest", data: []byte(`{"layer":[{"index":0}],"image":{"sizeBytes":1,"inefficientBytes":0,"efficiencyScore":1}}`), wantErr: "no sha256 digestId"},
		{name: "bad score", data: []byte(`{"layer":[{"index":0,"digestId":"sha256:00"}],"image":{"sizeBytes":1,"inefficientBytes":0,"efficiencyScore":1.5}}`), wantErr: "not between 0 and 1"},
		{name: "wrong type", data: []byte(`{"layer":[{"index":"0"}]}`), wantErr: "is malformed"},
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
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Layer) != tt.layers || *d.Image.SizeBytes != tt.size {
				t.Errorf("readDive: %d layers, %d bytes; want %d, %d", len(d.Layer), *d.Image.SizeBytes, tt.layers, tt.size)
			}
		})
	}
}

func TestFacts(t *testing.T) {
	tests := []struct {
		fixture string
		argv0   string
		want    fileFacts
		empty   []bool
	}{
		{
			fixture: "dive/01-single-stage.json", argv0: "/usr/local/bin/server",
			want: fileFacts{
				Shell: "/usr/bin/dash", PackageManagers: []string{"apt", "apt-get", "dpkg"},
				CABundle: "/etc/ssl/certs/ca-certificates.crt", ZoneinfoFiles: 3, Files: 19, Executables: 9,
				Binary: "/usr/local/bin/server", BinaryBytes: 8619481,
			},
			empty: []bool{false, true, false, false, false},
		},
		{
			// The same image, started by name through PATH: /bin/perl is
			// found through the /bin symlink and a hard link.
			fixture: "dive/01-single-stage.json", argv0: "perl",
			want: fileFacts{
				Shell: "/usr/bin/dash", PackageManagers: []string{"apt", "apt-get", "dpkg"},
				CABundle: "/etc/ssl/certs/ca-certificates.crt", ZoneinfoFiles: 3, Files: 19, Executables: 9,
				Binary: "/usr/bin/perl5.40.1", BinaryBytes: 3935376,
			},
			empty: []bool{false, true, false, false, false},
		},
		{
			fixture: "dive/02-multi-stage.json", argv0: "/usr/local/bin/server",
			want: fileFacts{
				Shell: "/usr/bin/dash", PackageManagers: []string{"apt", "apt-get", "dpkg"},
				ZoneinfoFiles: 2, Files: 9, Executables: 6,
				Binary: "/usr/local/bin/server", BinaryBytes: 8619489,
			},
			empty: []bool{false, false},
		},
		{
			fixture: "dive/03-distroless.json", argv0: "/server",
			want: fileFacts{
				PackageManagers: []string{}, CABundle: "/etc/ssl/certs/ca-certificates.crt",
				ZoneinfoFiles: 5, Files: 23, Executables: 1,
				Binary: "/server", BinaryBytes: 8545967,
			},
			empty: []bool{false, false},
		},
		{
			fixture: "dive/04-scratch-static.json", argv0: "/server",
			want:  fileFacts{PackageManagers: []string{}, Files: 1, Executables: 1, Binary: "/server", BinaryBytes: 5902498},
			empty: []bool{false},
		},
		{
			fixture: "dive/04-scratch-static.json", argv0: "/missing",
			want:  fileFacts{PackageManagers: []string{}, Files: 1, Executables: 1},
			empty: []bool{false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.argv0, func(t *testing.T) {
			d, err := readDive(bytes.NewReader(readFixture(t, tt.fixture)), tt.fixture)
			if err != nil {
				t.Fatal(err)
			}
			got := facts(mergeLayers(d.Layer), tt.argv0, defaultPath)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("facts:\ngot  %+v\nwant %+v", got, tt.want)
			}
			var empty []bool
			for _, l := range d.Layer {
				empty = append(empty, l.empty())
			}
			if !reflect.DeepEqual(empty, tt.empty) {
				t.Errorf("empty layers = %v, want %v", empty, tt.empty)
			}
		})
	}
}

func TestMergeWhiteouts(t *testing.T) {
	// whiteout.json: layer 0 adds /etc/junk, /opt/a and /bin -> usr/bin;
	// layer 1 deletes /etc/junk (a .wh. file), makes /opt opaque and adds
	// /opt/b and /server; layer 2, WORKDIR /app, holds only a directory.
	d, err := readDive(bytes.NewReader(readFixture(t, "dive/whiteout.json")), "whiteout.json")
	if err != nil {
		t.Fatal(err)
	}
	root := mergeLayers(d.Layer)
	for p, want := range map[string]bool{
		"/etc/junk": false, "/etc/.wh.junk": false, "/opt/b": true, "/server": true,
		"/usr/bin/dash": true, "/bin/sh": true, "/bin/dash": true,
	} {
		if got := root.isFile(p); got != want {
			t.Errorf("isFile(%s) = %v, want %v", p, got, want)
		}
	}
	if !d.Layer[2].empty() || d.Layer[1].empty() {
		t.Errorf("empty() = %v, %v for layers 1 and 2, want false, true", d.Layer[1].empty(), d.Layer[2].empty())
	}

	// dive leaves opaque markers out of its export; a layer list that has
	// one must still empty the directory below it.
	layers := []diveLayer{
		{FileList: []diveFile{{Path: "opt/a", TypeFlag: typeReg}, {Path: "opt/keep/x", TypeFlag: typeReg}}},
		{FileList: []diveFile{{Path: "opt/.wh..wh..opq", TypeFlag: typeReg}, {Path: "opt/b", TypeFlag: typeReg}}},
		{FileList: []diveFile{{Path: "opt/.wh.b", TypeFlag: typeReg}, {Path: "opt/c", TypeFlag: typeReg}}},
	}
	root = mergeLayers(layers)
	for p, want := range map[string]bool{"/opt/a": false, "/opt/keep/x": false, "/opt/b": false, "/opt/c": true} {
		if got := root.isFile(p); got != want {
			t.Errorf("opaque: isFile(%s) = %v, want %v", p, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	fl := []diveFile{
		{Path: "usr/bin/dash", TypeFlag: typeReg, Size: 10},
		{Path: "usr/bin/sh", TypeFlag: typeSymlink, LinkName: "dash"},
		{Path: "bin", TypeFlag: typeSymlink, LinkName: "usr/bin"},
		{Path: "etc/alt/sh", TypeFlag: typeSymlink, LinkName: "/bin/sh"},
		{Path: "etc/up", TypeFlag: typeSymlink, LinkName: "../usr/./bin/../bin/dash"},
		{Path: "loop/a", TypeFlag: typeSymlink, LinkName: "b"},
		{Path: "loop/b", TypeFlag: typeSymlink, LinkName: "a"},
		{Path: "usr/bin/hard", TypeFlag: typeLink, LinkName: "./usr/bin/dash"},
		{Path: "dangling", TypeFlag: typeSymlink, LinkName: "/nowhere"},
		{Path: "empty", TypeFlag: typeSymlink, LinkName: ""},
		{Path: "file/x", TypeFlag: typeReg},
		{Path: "file", TypeFlag: typeReg}, // replaces the directory
	}
	root := mergeLayers([]diveLayer{{FileList: fl}})
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
		n, got := root.resolve(tt.path)
		if (n == nil) != (tt.want == "") || got != tt.want {
			t.Errorf("resolve(%q) = %v, %q; want %q", tt.path, n != nil, got, tt.want)
		}
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
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"layer":[{"index":0,"digestId":"sha256:0","fileList":[{"path":"a","typeFlag":50,"linkName":"a"},{"path":"b/../../c","typeFlag":49,"linkName":"/c"}]}],"image":{"sizeBytes":0,"inefficientBytes":0,"efficiencyScore":0}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := readDive(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if len(d.Layer) == 0 {
			t.Fatal("readDive accepted an export without layers")
		}
		ff := facts(mergeLayers(d.Layer), "/server", defaultPath)
		if ff.Executables > ff.Files || ff.ZoneinfoFiles > ff.Files || ff.BinaryBytes < 0 && ff.Binary != "" {
			t.Errorf("inconsistent facts %+v", ff)
		}
	})
}
