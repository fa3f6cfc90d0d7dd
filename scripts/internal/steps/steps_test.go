package steps

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestFind(t *testing.T) {
	fsys := fstest.MapFS{
		"02-multi-stage/Dockerfile":  {},
		"01-single-stage/Dockerfile": {},
		"01-single-stage/main.go":    {},
		"03-no-dockerfile/README.md": {},
		"scripts/Dockerfile":         {},
		"1-too-short/Dockerfile":     {},
		"05-Upper/Dockerfile":        {},
		"go.mod":                     {},
	}
	got, err := Find(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{{"01-single-stage"}, {"02-multi-stage"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Find = %v, want %v", got, want)
	}
	if _, err := Find(fstest.MapFS{"go.mod": {}}); err == nil {
		t.Error("Find on a tree without steps: no error")
	}
	broken := fstest.MapFS{"01-a/Dockerfile": {}, "02-b/main.go": {}}
	if _, err := Find(broken); err == nil || !strings.Contains(err.Error(), "02-b has main.go but no Dockerfile") {
		t.Errorf("Find with a lost Dockerfile: error %v, want one naming 02-b", err)
	}
}

func TestSelect(t *testing.T) {
	all := []Step{{"01-a"}, {"02-b"}, {"03-c"}}
	tests := []struct {
		list    string
		want    []string
		wantErr string
	}{
		{"", []string{"01-a", "02-b", "03-c"}, ""},
		{"03-c,01-a", []string{"01-a", "03-c"}, ""},
		{" 02-b/ , ", []string{"02-b"}, ""},
		{"02-b,02-b", []string{"02-b"}, ""},
		{"04-d", nil, `unknown step "04-d": choose from 01-a, 02-b, 03-c`},
		{",", nil, "no step selected"},
	}
	for _, tt := range tests {
		got, err := Select(all, tt.list)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Select(%q) error = %v, want %q", tt.list, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Select(%q): %v", tt.list, err)
			continue
		}
		var names []string
		for _, v := range got {
			names = append(names, v.Name)
		}
		if !reflect.DeepEqual(names, tt.want) {
			t.Errorf("Select(%q) = %v, want %v", tt.list, names, tt.want)
		}
	}
}

// TestMainGoIdentical guards the workshop's promise: every step compiles the
// very same server, so only the Dockerfile explains a difference in size.
func TestMainGoIdentical(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	vs, err := Find(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 4 {
		t.Fatalf("found %d steps (%s), want the workshop's 4", len(vs), Names(vs))
	}
	first, err := os.ReadFile(filepath.Join(root, vs[0].Name, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs[1:] {
		b, err := os.ReadFile(filepath.Join(root, v.Name, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, first) {
			t.Errorf("%s/main.go differs from %s/main.go; copy it: cp %s/main.go %s/", v.Name, vs[0].Name, vs[0].Name, v.Name)
		}
	}
}
