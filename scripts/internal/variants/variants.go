// Package variants finds the workshop's steps: the NN-name directories at the
// repository root that each hold a Dockerfile and a copy of main.go.
package variants

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A Variant is one step of the workshop, named after its directory.
type Variant struct {
	Name string // for example "02-multi-stage"
}

// Dockerfile returns the Dockerfile's path relative to the repository root.
func (v Variant) Dockerfile() string { return v.Name + "/Dockerfile" }

// Image returns the variant's image reference in repository repo.
func (v Variant) Image(repo string) string { return repo + ":" + v.Name }

var dirName = regexp.MustCompile(`^[0-9]{2}-[a-z0-9][a-z0-9-]*$`)

// Find returns the variants in fsys, the repository root, ordered by name.
// A directory counts when its name is NN-something and it has a Dockerfile;
// one that has a main.go but lost its Dockerfile is an error.
func Find(fsys fs.FS) ([]Variant, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var vs []Variant
	for _, e := range entries {
		if !e.IsDir() || !dirName.MatchString(e.Name()) {
			continue
		}
		if _, err := fs.Stat(fsys, e.Name()+"/Dockerfile"); err != nil {
			// A step with its server but no Dockerfile is a broken checkout,
			// not a directory to skip quietly.
			if _, merr := fs.Stat(fsys, e.Name()+"/main.go"); merr == nil {
				return nil, fmt.Errorf("%s has main.go but no Dockerfile: restore %[1]s/Dockerfile (git checkout -- %[1]s/Dockerfile)", e.Name())
			}
			continue
		}
		vs = append(vs, Variant{Name: e.Name()})
	}
	if len(vs) == 0 {
		return nil, errors.New("no variants found: expected NN-name directories with a Dockerfile at the repository root")
	}
	return vs, nil // fs.ReadDir sorts by name
}

// Select returns the variants named in list, a comma-separated list such as
// the VARIANTS variable holds, in directory order. An empty list selects all.
func Select(all []Variant, list string) ([]Variant, error) {
	if strings.TrimSpace(list) == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSuffix(strings.TrimSpace(name), "/")
		if name == "" {
			continue
		}
		if !slices.ContainsFunc(all, func(v Variant) bool { return v.Name == name }) {
			return nil, fmt.Errorf("unknown variant %q: choose from %s", name, Names(all))
		}
		want[name] = true
	}
	var vs []Variant
	for _, v := range all {
		if want[v.Name] {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("no variant selected by %q: choose from %s", list, Names(all))
	}
	return vs, nil
}

// Names returns the variants' names, comma-separated.
func Names(vs []Variant) string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Name
	}
	return strings.Join(names, ", ")
}

// Root returns the repository root: the nearest directory at or above the
// working directory that holds go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the lean-go-images repository (no go.mod found above the working directory)")
		}
		dir = parent
	}
}
