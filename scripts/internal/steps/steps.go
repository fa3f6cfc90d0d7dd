// Package steps finds the workshop's steps: the NN-name directories at the
// repository root that each hold a Dockerfile and a copy of main.go.
package steps

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

// A Step is one step of the workshop, named after its directory.
type Step struct {
	Name string // for example "02-multi-stage"
}

// Dockerfile returns the Dockerfile's path relative to the repository root.
func (v Step) Dockerfile() string { return v.Name + "/Dockerfile" }

// Image returns the step's image reference in repository repo.
func (v Step) Image(repo string) string { return repo + ":" + v.Name }

var dirName = regexp.MustCompile(`^[0-9]{2}-[a-z0-9][a-z0-9-]*$`)

// Find returns the steps in fsys, the repository root, ordered by name.
// A directory counts when its name is NN-something and it has a Dockerfile;
// one that has a main.go but lost its Dockerfile is an error.
func Find(fsys fs.FS) ([]Step, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var vs []Step
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
		vs = append(vs, Step{Name: e.Name()})
	}
	if len(vs) == 0 {
		return nil, errors.New("no steps found: expected NN-name directories with a Dockerfile at the repository root")
	}
	return vs, nil // fs.ReadDir sorts by name
}

// Select returns the steps named in list, a comma-separated list such as
// the STEPS variable holds, in directory order. An empty list selects all.
func Select(all []Step, list string) ([]Step, error) {
	if strings.TrimSpace(list) == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSuffix(strings.TrimSpace(name), "/")
		if name == "" {
			continue
		}
		if !slices.ContainsFunc(all, func(v Step) bool { return v.Name == name }) {
			return nil, fmt.Errorf("unknown step %q: choose from %s", name, Names(all))
		}
		want[name] = true
	}
	var vs []Step
	for _, v := range all {
		if want[v.Name] {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("no step selected by %q: choose from %s", list, Names(all))
	}
	return vs, nil
}

// Names returns the steps' names, comma-separated.
func Names(vs []Step) string {
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
