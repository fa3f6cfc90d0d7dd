//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lean-go-images/scripts/internal/docnums"
)

// TestReportInterrupted sends SIGINT to the report at several points of a
// real run, as Ctrl-C would, and checks what the user is promised: the
// previous RESULTS.md, results.json, results.svg and README table are
// untouched, and no temporary file or container of the report is left.
func TestReportInterrupted(t *testing.T) {
	e := newReportEnv(t)
	tests := []struct {
		name  string
		after string        // interrupt once the report prints a line containing this
		wait  time.Duration // and this much later
	}{
		{"while measuring", "measuring", 100 * time.Millisecond},
		{"while timing start-ups", "timing", 500 * time.Millisecond},
		{"during the hardened run", "timing", 4 * time.Second},
	}
	previous := map[string]string{
		"RESULTS.md":   "# Results from an earlier run\n",
		"results.json": "{\"schemaVersion\": 1, \"earlier\": true}\n",
		"results.svg":  "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
		"README.md":    "# Readme\n\n" + docnums.ResultsBegin + "\nthe earlier table\n" + docnums.ResultsEnd + "\n",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range previous {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, e.bin, "-image", e.repo, "-dive", e.dive, "-hadolint", e.hadolint,
				"-out", dir)
			cmd.Dir = e.root
			cmd.Env = append(os.Environ(), "STEPS=")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var lines []string
			seen := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				sc := bufio.NewScanner(stderr)
				announced := false
				for sc.Scan() {
					lines = append(lines, sc.Text())
					if strings.Contains(sc.Text(), tt.after) && !announced {
						close(seen)
						announced = true
					}
				}
			}()
			select {
			case <-seen:
			case <-done:
				t.Fatalf("the report ended before printing %q:\n%s", tt.after, strings.Join(lines, "\n"))
			}
			time.Sleep(tt.wait)
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			<-done
			err = cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("interrupted report: %v, want a non-zero exit\n%s", err, strings.Join(lines, "\n"))
			}
			last := lines[len(lines)-1]
			if !strings.Contains(last, "interrupted") {
				t.Errorf("last line %q does not say it was interrupted", last)
			}
			t.Logf("exit %d: %s", exit.ExitCode(), last)

			for name, text := range previous {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || string(got) != text {
					t.Errorf("%s changed: %q (%v), want the earlier %q", name, got, err, text)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(previous) {
				var names []string
				for _, en := range entries {
					names = append(names, en.Name())
				}
				t.Errorf("files in the output directory: %v, want only the earlier outputs", names)
			}
			checkReportContainersGone(t, ctx, cmd.Process.Pid)
		})
	}
}
