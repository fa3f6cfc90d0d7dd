//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lean-go-images/scripts/internal/archive"
	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/loopback"
	"lean-go-images/scripts/internal/steps"
)

// debugImage is the debugging container's image in the lessons: step 1's
// base, already on every attendee's machine, with a shell, curl and ls.
const debugImage = "golang:1.26-trixie"

// debugSession is what the lessons type in the debugging container.
var debugSession = []string{
	"ls /proc/1/root/",
	"ls -l /proc/1/root/server",
	"grep -E '^(Name|Uid|Gid)' /proc/1/status",
	"grep -E 'local_address| 0A ' /proc/1/net/tcp6",
	"curl -s http://localhost:8080/",
}

// TestDebugContainer runs the lessons' debugging exercise without a
// terminal: step 4 runs locked down, and a throwaway container that joins
// its PID and network namespaces finds its binary and uid through /proc/1,
// its listening socket, and its answer on localhost.
func TestDebugContainer(t *testing.T) {
	te := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const step = "04-scratch-static"
	image := steps.Step{Name: step}.Image(te.repo)
	// The server, as the lesson starts it (a published port on 127.0.0.1),
	// and locked down as make run does.
	c, err := dockercli.Run(ctx, image, "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")
	if err != nil {
		t.Fatal(err)
	}
	name := c.Name
	t.Cleanup(func() { dockercli.Remove(name) })
	if _, err := loopback.WaitOK(ctx, c.URL+"/"); err != nil {
		t.Fatalf("%s: %v; container log: %s", step, err, dockercli.Logs(name, 5))
	}
	// The debugging container, kept running so that each command of the
	// session runs in it as the lesson types them.
	debug := name + "-tools"
	if _, err := dockercli.Output(ctx, "run", "--detach", "--pull", "never", "--label", dockercli.ManagedLabel, "--name", debug,
		"--pid", "container:"+name, "--network", "container:"+name, "--cap-add", "SYS_PTRACE", debugImage, "sleep", "infinity"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dockercli.Remove(debug) })

	var session strings.Builder
	for _, c := range debugSession {
		// -t, as in the lesson's interactive shell: ls prints columns.
		out, err := exec.CommandContext(ctx, "docker", "exec", "-t", debug, "bash", "-c", c).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
		text := strings.ReplaceAll(string(out), "\r\n", "\n")
		if !strings.HasSuffix(text, "\n") {
			text += "\n" // curl's answer has no newline; the shell's prompt would follow it
		}
		fmt.Fprintf(&session, "# %s\n%s", c, text)
	}
	got := session.String()

	// What the exercise must find, whatever the lesson says.
	img, err := archive.Save(ctx, image, "", false)
	if err != nil {
		t.Fatal(err)
	}
	server, _ := img.FS().Resolve("/server")
	if server == nil {
		t.Fatalf("%s has no /server", image)
	}
	bin := server.Size
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^-rwxr-xr-x +1 root +root +` + strconv.FormatInt(bin, 10) + ` .*/proc/1/root/server$`),
		regexp.MustCompile(`(?m)^Name:\tserver$`),
		regexp.MustCompile(`(?m)^Uid:\t65532\t65532\t65532\t65532$`),
		regexp.MustCompile(`(?m)^ +[0-9]+: 0{32}:1F90 0{32}:0000 0A `), // [::]:8080, LISTEN
		regexp.MustCompile(`(?m)^Hello world!$`),
	} {
		if !want.MatchString(got) {
			t.Errorf("the session lacks a line matching %s:\n%s", want, got)
		}
	}
	// The kernel's socket inode and address change with every run.
	normSocket := normalizer{re: regexp.MustCompile(`(65532 +[0-9]+ )[0-9]+ ([0-9]+ )[0-9a-f]{16}`), repl: "${1}<inode> ${2}<address>"}
	checkOutput(t, te.root, "debug-session", got, normDates, normSocket)
}
