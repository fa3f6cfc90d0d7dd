//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The size of the terminal dive's screens are captured at, in the lessons.
const screenCols, screenRows = 120, 40

// A screen is a command running in a detached tmux session of a fixed size,
// on a tmux server of the test's own (its own socket, no user config), so
// that the test can type into it and read what it shows.
type screen struct {
	t      *testing.T
	socket string
	status string // where the command writes its exit status
}

// startScreen runs command, a shell command line, in dir on a new tmux
// server. The server is killed when the test ends.
func startScreen(t *testing.T, dir, command string) *screen {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: install it (apt-get install tmux, brew install tmux); the test types into dive through it")
	}
	tmp := t.TempDir()
	s := &screen{t: t, socket: filepath.Join(tmp, "tmux.sock"), status: filepath.Join(tmp, "status")}
	line := fmt.Sprintf("cd %s && %s; echo $? > %s", shellQuote(dir), command, shellQuote(s.status))
	pid, err := strconv.Atoi(strings.TrimSpace(s.tmux("new-session", "-d", "-P", "-F", "#{pane_pid}",
		"-x", strconv.Itoa(screenCols), "-y", strconv.Itoa(screenRows), line)))
	if err != nil {
		t.Fatalf("tmux printed no pane PID: %v", err)
	}
	t.Cleanup(func() {
		// A command still running (a failed test) gets SIGTERM, its whole
		// process group: killing tmux alone would leave dive running.
		if syscall.Kill(-pid, syscall.SIGTERM) == nil {
			time.Sleep(2 * time.Second)
		}
		exec.Command("tmux", "-f", "/dev/null", "-S", s.socket, "kill-server").Run()
	})
	return s
}

func (s *screen) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-f", "/dev/null", "-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// text returns what the screen shows now.
func (s *screen) text() string { return s.tmux("capture-pane", "-p") }

// waitFor waits until the screen shows want, and returns it.
func (s *screen) waitFor(want string, timeout time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		text := s.text()
		if strings.Contains(text, want) {
			return text
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("after %v the screen does not show %q; it shows:\n%s", timeout, want, text)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// keys types each key (tmux key names: Tab, Space, C-u, PgDn, q) and
// waits for the screen to settle after each: dive redraws only once it has
// gone through the whole image's file tree.
func (s *screen) keys(keys ...string) string {
	s.t.Helper()
	var text string
	for _, k := range keys {
		s.tmux("send-keys", k)
		text = s.settle()
	}
	return text
}

// settle waits until the screen has not changed for a second, and returns it.
func (s *screen) settle() string {
	s.t.Helper()
	last, same := s.text(), 0
	for deadline := time.Now().Add(time.Minute); same < 4; {
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen is still changing after a minute:\n%s", last)
		}
		time.Sleep(250 * time.Millisecond)
		text := s.text()
		if text == last {
			same++
		} else {
			last, same = text, 0
		}
	}
	return last
}

// exitStatus waits for the command to end and returns its exit status.
func (s *screen) exitStatus(timeout time.Duration) int {
	s.t.Helper()
	for deadline := time.Now().Add(timeout); ; {
		if b, err := os.ReadFile(s.status); err == nil && strings.HasSuffix(string(b), "\n") {
			code, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				s.t.Fatalf("exit status %q: %v", b, err)
			}
			return code
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the command did not end within %v; the screen shows:\n%s", timeout, s.text())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestExplore opens make explore on every step through tmux, as a user
// would, and quits. On steps 1 and 2 it walks the lessons' key presses and
// compares dive's screens with the captures the lessons show.
func TestExplore(t *testing.T) {
	te := setup(t)
	// The IDs dive shows change with every build, and the sizes move a
	// little with the base (normSizes); the rest is the image's, but for
	// one row of the wasted-space list: whether the build's layer lists the
	// empty /tmp again (2, 0 B) depends on how the engine diffs the layer,
	// and rootless Docker's does not.
	tmp := `(?m)^    2           0 B  /tmp`
	norms := []normalizer{normHexIDs,
		{re: regexp.MustCompile(tmp + ` {35}`), repl: strings.Repeat(" ", 60)}, // beside the file tree
		{re: regexp.MustCompile(tmp + `$`), repl: ""}, normSizes}
	// The lessons' screens come from the classic image store. From the
	// containerd store's OCI archive, dive names every layer "blobs", which
	// shifts the screen's left half: there, check the contents only.
	check := func(t *testing.T, name, text string) {
		if te.engine.ImageStore == "classic" {
			checkOutput(t, te.root, name, text, norms...)
			return
		}
		wantAll(t, name, text, "FROM blobs")
		t.Logf("%s image store: the lessons show the classic store's screen; checked what it must hold", te.engine.ImageStore)
	}
	for _, v := range te.vs {
		t.Run(v.Name, func(t *testing.T) {
			s := startScreen(t, te.root, fmt.Sprintf("make explore STEP=%s IMAGE=%s", v.Name, shellQuote(te.repo)))
			// docker save and dive's analysis of a 1 GB image take a while on 2 busy cores.
			text := s.waitFor("Image efficiency score", 5*time.Minute)
			s.settle()
			if want := "Image name: " + v.Name + ".tar"; !strings.Contains(text, want) {
				t.Errorf("dive's screen lacks %q:\n%s", want, text)
			}
			switch v.Name {
			case "01-single-stage":
				// The golang base's layer, the first one, is selected. Go to
				// its files, fold every directory, sort by size, open usr,
				// then usr/local: the Go toolchain.
				base := s.keys("Tab", "C-Space", "C-o", "Space", "Down", "Down", "Space")
				wantAll(t, "the golang base's files", base, "FROM ", "├── usr", "│   ├── local", "│   │   ├─⊕ go", "│   ├─⊕ libexec")
				check(t, "dive-01-single-stage-base", base)
				// Back to the layers, down to the last one (RUN go build),
				// then to its files, hiding those it did not change; up to
				// root and open it; fold Go's build cache, two lines below,
				// and Go's telemetry counters in .config, the next line; open
				// usr/local/bin, folded by Ctrl+Space above.
				build := s.keys("Tab", "PgDn", "Tab", "C-u", "Up", "Up", "Up", "Up", "Space",
					"Down", "Down", "Space", "Down", "Space", "Down", "Down", "Down", "Space")
				wantAll(t, "the build layer's files", build, "RUN /bin/sh -c go build", "├── root", "│   ├── .cache", "│   │   └─⊕ go-build", "│   └─⊕ .config", "└── server")
				check(t, "dive-01-single-stage-build", build)
			case "02-multi-stage":
				// The last layer, the COPY of the binary, and only its files.
				last := s.keys("PgDn", "Tab", "C-u")
				wantAll(t, "the binary's layer", last, "COPY /out/server /usr/local/bin/server", "server")
				if strings.Contains(last, "go-build") || strings.Contains(last, "RUN /bin/sh -c go build") {
					t.Errorf("step 2 still shows the build cache or the build layer:\n%s", last)
				}
				check(t, "dive-02-multi-stage", last)
			}
			s.tmux("send-keys", "q") // and the session ends with make
			if code := s.exitStatus(30 * time.Second); code != 0 {
				t.Errorf("make explore exited %d after q", code)
			}
		})
	}
}

// wantAll checks that text holds every one of wants.
func wantAll(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: the screen lacks %q:\n%s", what, w, text)
		}
	}
}

// TestHistory compares docker history of step 1 with the lesson's.
func TestHistory(t *testing.T) {
	te := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ref := te.vs[0].Image(te.repo)
	out, err := exec.CommandContext(ctx, "docker", "history", "--format", "table {{.Size}}\t{{.CreatedBy}}", ref).CombinedOutput()
	if err != nil {
		t.Fatalf("docker history %s: %v: %s", ref, err, out)
	}
	wantAll(t, "docker history", string(out), "RUN /bin/sh -c go build", "COPY go.mod ./")
	// The lesson, which says so, shows the classic store's sizes and the
	// wording of Docker 20.10's BuildKit. The containerd store's docker
	// history shows each layer's disk usage instead, and a newer BuildKit
	// words HEALTHCHECK and EXPOSE otherwise: compare the instructions.
	norms := []normalizer{{re: regexp.MustCompile(`(?m)^(\S+ +(HEALTHCHECK|EXPOSE)) .*$`), repl: "$1 …"}}
	sizes := normSizes
	if te.engine.ImageStore != "classic" {
		sizes.within = 0 // disk usage: masked, not compared
	}
	norms = append(norms, sizes)
	checkOutput(t, te.root, "history-01-single-stage", string(out), norms...)
}
