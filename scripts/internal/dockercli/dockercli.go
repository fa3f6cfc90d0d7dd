// Package dockercli runs the docker command-line client for the workshop's
// scripts and tests, and turns its failures into one line that says what to do.
//
// It drives the CLI rather than the Engine API so that the project needs no
// module beyond the standard library, and sees Docker exactly as a user does.
package dockercli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"lean-go-images/scripts/internal/load"
)

// ManagedLabel marks every container the tooling starts, so that they can be
// found and removed even after a crash (make clean does).
const ManagedLabel = "lean-go-images.managed=true"

// Bin is the docker client to run; tests may point it at a fake.
var Bin = "docker"

// Error is a failed docker command with what it printed on stderr.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return fmt.Sprintf("docker %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Output runs docker with args and returns its standard output.
func Output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, Bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &Error{Args: args, Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}

// Check verifies that the docker client is installed and its daemon answers,
// and returns the server's version. Its errors say how to fix the problem.
func Check(ctx context.Context) (string, error) {
	if _, err := exec.LookPath(Bin); err != nil {
		return "", errors.New("docker is not installed: install Docker Engine with BuildKit (see README.md, Prerequisites)")
	}
	out, err := Output(ctx, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		return "", Diagnose(err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Diagnose rewrites the common ways a docker call fails into one actionable
// line, and returns any other error unchanged.
func Diagnose(err error) error {
	var de *Error
	if !errors.As(err, &de) {
		return err
	}
	s := de.Stderr
	switch {
	case strings.Contains(s, "permission denied") && strings.Contains(s, "docker.sock"):
		return errors.New("no permission on the Docker socket (/var/run/docker.sock): add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run as root")
	case strings.Contains(s, "Cannot connect to the Docker daemon"), strings.Contains(s, "Is the docker daemon running"), strings.Contains(s, "error during connect"):
		return errors.New("the Docker daemon is not running: start it (sudo systemctl start docker, or open Docker Desktop) and try again")
	case strings.Contains(s, "no space left on device"):
		return errors.New("the disk is full (no space left on device): free space, for example with docker system prune, and try again")
	}
	return err
}

// Image is the part of docker image inspect the workshop reads.
type Image struct {
	ID          string `json:"Id"`
	RepoTags    []string
	RepoDigests []string
	Size        int64
	Config      struct {
		User       string
		Entrypoint []string
		Cmd        []string
		Env        []string
		Labels     map[string]string
	}
	RootFS struct {
		Layers []string
	}
}

// InspectImage returns the image ref. A missing image is an error that
// names it and wraps ErrNoImage.
func InspectImage(ctx context.Context, ref string) (Image, error) {
	out, err := Output(ctx, "image", "inspect", ref)
	if err != nil {
		var de *Error
		if errors.As(err, &de) && strings.Contains(strings.ToLower(de.Stderr), "no such image") {
			return Image{}, fmt.Errorf("image %s: %w", ref, ErrNoImage)
		}
		return Image{}, Diagnose(err)
	}
	var imgs []Image
	if err := json.Unmarshal(out, &imgs); err != nil || len(imgs) != 1 {
		return Image{}, fmt.Errorf("docker image inspect %s: unexpected output: %v", ref, err)
	}
	return imgs[0], nil
}

// ErrNoImage reports that an image is not present locally.
var ErrNoImage = errors.New("no such image")

// RunOptions describes a container the tooling starts with docker run.
type RunOptions struct {
	Image string
	Port  int      // given to the server as PORT; on the host network the tooling reaches it at 127.0.0.1:Port
	Args  []string // extra docker run flags, before the image
	Cmd   []string // arguments after the image
}

// Run starts a detached, labelled container on the host network and returns
// its ID. The caller must Remove it.
//
// docker run can fail after it has created the container (an image whose
// entrypoint does not exist, a cancelled ctx): Run then removes the container
// itself, by name, and returns "" and the error. For that the container
// always has a name: the caller's --name in o.Args, or else one Run makes up.
func Run(ctx context.Context, o RunOptions) (string, error) {
	// --pull never: a missing image is an error here, never a registry pull.
	args := []string{"run", "--detach", "--pull", "never", "--label", ManagedLabel, "--network", "host",
		"--env", "PORT=" + strconv.Itoa(o.Port)}
	name, named := nameIn(o.Args)
	if !named {
		name = fmt.Sprintf("lean-go-images-%d-%d", os.Getpid(), runSeq.Add(1))
		args = append(args, "--name", name)
	}
	args = append(args, o.Args...)
	args = append(args, o.Image)
	args = append(args, o.Cmd...)
	out, err := Output(ctx, args...)
	if err != nil {
		// A name already in use is another container's: never remove that.
		var de *Error
		if name != "" && !(errors.As(err, &de) && strings.Contains(de.Stderr, "is already in use")) {
			Remove(name) // no such container is an error to ignore
		}
		return "", Diagnose(err)
	}
	return strings.TrimSpace(string(out)), nil
}

// runSeq numbers the containers Run names, in this process.
var runSeq atomic.Int64

// nameIn returns the value of the --name flag in docker run flags, and
// whether there is one.
func nameIn(args []string) (string, bool) {
	for i, a := range args {
		switch {
		case a == "--name" && i+1 < len(args):
			return args[i+1], true
		case strings.HasPrefix(a, "--name="):
			return strings.TrimPrefix(a, "--name="), true
		}
	}
	return "", false
}

// Remove force-removes containers. It uses a fresh context so that it still
// runs when the caller's context has been cancelled.
func Remove(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Output(ctx, append([]string{"rm", "--force", "--volumes"}, ids...)...)
	return err
}

// Logs returns the last n lines a container wrote (all of them when n <= 0),
// standard output and standard error together as docker logs prints them,
// on one line, joined by " / ", for error messages; "(none)" when there are
// none or docker logs fails. Like Remove, it uses a fresh context so that it
// still runs when the caller's context has ended, as it often has when
// something went wrong.
func Logs(id string, n int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tail := "all"
	if n > 0 {
		tail = strconv.Itoa(n)
	}
	out, err := exec.CommandContext(ctx, Bin, "logs", "--tail", tail, id).CombinedOutput()
	if err != nil {
		return "(none)"
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "(none)"
	}
	return strings.Join(lines, " / ")
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitHTTP polls url until it answers 200 and returns the body, or fails
// when ctx ends. It refuses, without sending anything, a URL that is not on
// loopback (load.CheckURL), and connects to loopback addresses only, with no
// proxy and without following redirects.
func WaitHTTP(ctx context.Context, url string) (string, error) {
	if _, err := load.CheckURL(url); err != nil {
		return "", err
	}
	transport := &http.Transport{Proxy: nil, DialContext: load.LoopbackDialContext(time.Second)}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport: transport,
		Timeout:   time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer other than 200
		},
	}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", err
		}
		resp, err := client.Do(req)
		if err != nil && ctx.Err() != nil && last != nil {
			// The deadline cut this try short: what the server said last is
			// the more useful news.
			return "", fmt.Errorf("%s did not answer 200: %v", url, last)
		}
		if err == nil {
			var body bytes.Buffer
			_, err = body.ReadFrom(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				return body.String(), nil
			}
			if err == nil {
				err = fmt.Errorf("status %s", resp.Status)
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s did not answer 200: %v", url, last)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// CheckBuildx verifies that the docker client has the buildx plugin, which
// every build here uses to run BuildKit.
func CheckBuildx(ctx context.Context) error {
	if _, err := Output(ctx, "buildx", "version"); err != nil {
		return errors.New("docker buildx is missing: install the buildx plugin (see README.md, Troubleshooting)")
	}
	return nil
}
