package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
)

// runHadolint lints dockerfile, a path relative to root, with the
// repository's .hadolint.yaml (hadolint reads it from its working directory).
func runHadolint(ctx context.Context, bin, root, dockerfile string) (Lint, error) {
	cmd := exec.CommandContext(ctx, bin, "--format", "json", "--no-fail", "--no-color", dockerfile)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return Lint{}, ctx.Err()
	}
	if err != nil {
		return Lint{}, fmt.Errorf("hadolint %s failed: %v: %s", dockerfile, err, lastLine(stderr.String()+stdout.String()))
	}
	lint, err := parseHadolint(stdout.Bytes())
	if err != nil {
		return Lint{}, fmt.Errorf("hadolint %s: %v", dockerfile, err)
	}
	return lint, nil
}

// parseHadolint reads hadolint's --format json output: an array of findings.
func parseHadolint(out []byte) (Lint, error) {
	var fs []Finding
	if err := json.Unmarshal(out, &fs); err != nil {
		return Lint{}, fmt.Errorf("unreadable JSON output: %v", err)
	}
	if fs == nil {
		return Lint{}, fmt.Errorf("unreadable JSON output: %q", bytes.TrimSpace(out))
	}
	return Lint{Tool: "hadolint", Count: len(fs), Findings: fs}, nil
}
