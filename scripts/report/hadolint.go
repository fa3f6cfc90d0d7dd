package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"lean-go-images/scripts/internal/results"
	"os/exec"
)

// runHadolint lints dockerfile, a path relative to root, with the
// repository's .hadolint.yaml (hadolint reads it from its working directory).
func runHadolint(ctx context.Context, bin, root, dockerfile string) (results.Lint, error) {
	cmd := exec.CommandContext(ctx, bin, "--format", "json", "--no-fail", "--no-color", dockerfile)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return results.Lint{}, ctx.Err()
	}
	if err != nil {
		return results.Lint{}, fmt.Errorf("hadolint %s failed: %v: %s", dockerfile, err, lastLine(stderr.String()+stdout.String()))
	}
	lint, err := parseHadolint(stdout.Bytes())
	if err != nil {
		return results.Lint{}, fmt.Errorf("hadolint %s: %v", dockerfile, err)
	}
	return lint, nil
}

// parseHadolint reads hadolint's --format json output: an array of findings.
func parseHadolint(out []byte) (results.Lint, error) {
	var fs []results.Finding
	if err := json.Unmarshal(out, &fs); err != nil {
		return results.Lint{}, fmt.Errorf("unreadable JSON output: %v", err)
	}
	if fs == nil {
		return results.Lint{}, fmt.Errorf("unreadable JSON output: %q", bytes.TrimSpace(out))
	}
	return results.Lint{Tool: "hadolint", Count: len(fs), Findings: fs}, nil
}
