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
	"strings"

	"lean-go-images/scripts/internal/results"
)

// diveExport is the part of dive's --json export the report reads: its
// verdict on the whole image. The sizes come from the archive itself.
type diveExport struct {
	Image struct {
		InefficientBytes *int64   `json:"inefficientBytes"`
		EfficiencyScore  *float64 `json:"efficiencyScore"`
	} `json:"image"`
}

// readDive decodes and checks a dive JSON export. name is the file, for errors.
func readDive(r io.Reader, name string) (results.Dive, error) {
	dec := json.NewDecoder(r)
	var d diveExport
	if err := dec.Decode(&d); err != nil {
		switch {
		case errors.Is(err, io.EOF):
			return results.Dive{}, fmt.Errorf("dive JSON %s is empty", name)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return results.Dive{}, fmt.Errorf("dive JSON %s is truncated", name)
		}
		return results.Dive{}, fmt.Errorf("dive JSON %s is malformed: %v", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return results.Dive{}, fmt.Errorf("dive JSON %s is malformed: data after the top-level object", name)
	}
	im := d.Image
	switch {
	case im.InefficientBytes == nil || im.EfficiencyScore == nil:
		return results.Dive{}, fmt.Errorf(`dive JSON %s is malformed: "image" lacks inefficientBytes or efficiencyScore`, name)
	case *im.InefficientBytes < 0:
		return results.Dive{}, fmt.Errorf("dive JSON %s is malformed: negative size", name)
	case !(*im.EfficiencyScore >= 0 && *im.EfficiencyScore <= 1):
		return results.Dive{}, fmt.Errorf("dive JSON %s is malformed: efficiencyScore %v is not between 0 and 1", name, *im.EfficiencyScore)
	}
	return results.Dive{InefficientBytes: *im.InefficientBytes, EfficiencyScore: *im.EfficiencyScore}, nil
}

// runDive runs dive on a docker save archive (ref names the image in
// errors) and returns its verdict. The JSON goes to a temporary file beside
// the archive, removed afterwards; one the report cannot read is kept as
// ARCHIVE.failed.json, for inspection, and the error names it.
func runDive(ctx context.Context, bin, archive, ref string) (results.Dive, error) {
	out := archive + ".json"
	kept := archive + ".failed.json"
	os.Remove(out) // dive does not truncate an existing file
	defer os.Remove(out)
	cmd := exec.CommandContext(ctx, bin, "--source", "docker-archive", archive, "--json", out)
	// CI=true makes dive apply its CI rules and change its exit status.
	cmd.Env = append(withoutEnv(os.Environ(), "CI"), "CI=false")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return results.Dive{}, ctx.Err()
		}
		return results.Dive{}, fmt.Errorf("dive %s failed: %v: %s", ref, err, lastLine(log.String()))
	}
	f, err := os.Open(out)
	if err != nil {
		return results.Dive{}, fmt.Errorf("dive %s wrote no JSON: %s", ref, lastLine(log.String()))
	}
	d, err := readDive(f, display(kept))
	f.Close()
	if err != nil {
		if rerr := os.Rename(out, kept); rerr != nil {
			return results.Dive{}, fmt.Errorf("%v (%v)", err, rerr)
		}
		return results.Dive{}, err
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
