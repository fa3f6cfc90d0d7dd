package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// diveExport is the part of dive's --json export the report reads.
type diveExport struct {
	Layer []diveLayer `json:"layer"`
	Image struct {
		SizeBytes        *int64   `json:"sizeBytes"`
		InefficientBytes *int64   `json:"inefficientBytes"`
		EfficiencyScore  *float64 `json:"efficiencyScore"`
	} `json:"image"`
}

type diveLayer struct {
	Index     int        `json:"index"`
	DigestID  string     `json:"digestId"` // the layer's diff ID
	SizeBytes int64      `json:"sizeBytes"`
	Command   string     `json:"command"`
	FileList  []diveFile `json:"fileList"`
}

// diveFile is one tar entry of a layer, as dive lists it.
type diveFile struct {
	Path     string `json:"path"` // relative, no leading slash
	TypeFlag byte   `json:"typeFlag"`
	LinkName string `json:"linkName"`
	Size     int64  `json:"size"`
	FileMode uint32 `json:"fileMode"` // Go's os.FileMode bits
}

// readDive decodes and checks a dive JSON export. name is the file, for errors.
func readDive(r io.Reader, name string) (*diveExport, error) {
	dec := json.NewDecoder(r)
	var d diveExport
	if err := dec.Decode(&d); err != nil {
		switch {
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("dive JSON %s is empty", name)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("dive JSON %s is truncated", name)
		}
		return nil, fmt.Errorf("dive JSON %s is malformed: %v", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("dive JSON %s is malformed: data after the top-level object", name)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("dive JSON %s is malformed: %v", name, err)
	}
	return &d, nil
}

// check verifies what the report relies on.
func (d *diveExport) check() error {
	im := d.Image
	switch {
	case im.SizeBytes == nil || im.InefficientBytes == nil || im.EfficiencyScore == nil:
		return errors.New(`"image" lacks sizeBytes, inefficientBytes or efficiencyScore`)
	case *im.SizeBytes < 0 || *im.InefficientBytes < 0:
		return errors.New("negative size")
	case !(*im.EfficiencyScore >= 0 && *im.EfficiencyScore <= 1):
		return fmt.Errorf("efficiencyScore %v is not between 0 and 1", *im.EfficiencyScore)
	case len(d.Layer) == 0:
		return errors.New("no layers")
	}
	for i, l := range d.Layer {
		if l.Index != i {
			return fmt.Errorf("layer %d has index %d", i, l.Index)
		}
		if !strings.HasPrefix(l.DigestID, "sha256:") {
			return fmt.Errorf("layer %d has no sha256 digestId", i)
		}
		if l.SizeBytes < 0 {
			return fmt.Errorf("layer %d has a negative size", i)
		}
	}
	return nil
}

// empty reports whether a layer adds no file content: only directories, or
// empty files. Docker counts regular files and symlinks (their target's
// length), so docker history shows such a layer as 0B.
func (l *diveLayer) empty() bool {
	for _, f := range l.FileList {
		if f.TypeFlag == typeSymlink || (isRegular(f.TypeFlag) && f.Size > 0) {
			return false
		}
	}
	return true
}

// runDive runs dive on image (an ID, which ref names in errors) and returns
// its export. The JSON goes to a
// temporary file in dir, removed afterwards: it lists every file of the
// image and is large. An export the report cannot read is kept as
// dive-<name>.failed.json in dir, for inspection, and the error names it.
func runDive(ctx context.Context, bin, image, ref, name, dir string) (*diveExport, error) {
	f, err := os.CreateTemp(dir, "dive-"+name+"-*.json")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	// dive does not truncate an existing file: let it create a new one.
	if err := os.Remove(tmp); err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, bin, image, "--source", "docker", "--json", tmp)
	// CI=true makes dive apply its CI rules and change its exit status.
	cmd.Env = append(withoutEnv(os.Environ(), "CI"), "CI=false")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("dive %s failed: %v: %s", ref, err, lastLine(out.String()))
	}
	r, err := os.Open(tmp)
	if err != nil {
		return nil, fmt.Errorf("dive %s wrote no JSON: %s", ref, lastLine(out.String()))
	}
	defer r.Close()
	kept := filepath.Join(dir, "dive-"+name+".failed.json")
	d, err := readDive(r, display(kept))
	if err != nil {
		r.Close()
		if rerr := os.Rename(tmp, kept); rerr != nil {
			return nil, fmt.Errorf("%v (%v)", err, rerr)
		}
		return nil, err
	}
	os.Remove(kept) // an old failure is history now
	return d, nil
}

// withoutEnv returns env without the variable key.
func withoutEnv(env []string, key string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// lastLine returns the last non-empty line of s, trimmed.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
