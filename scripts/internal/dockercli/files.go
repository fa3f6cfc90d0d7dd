package dockercli

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// FileSize returns the size in bytes of the regular file at path inside
// image, without running the image: it creates a stopped container and reads
// the file's tar header from docker cp.
func FileSize(ctx context.Context, image, path string) (int64, error) {
	out, err := Output(ctx, "create", "--pull", "never", "--label", ManagedLabel, image)
	if err != nil {
		return 0, Diagnose(err)
	}
	id := strings.TrimSpace(string(out))
	defer Remove(id)

	cmd := exec.CommandContext(ctx, Bin, "cp", id+":"+path, "-")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	hdr, err := tar.NewReader(stdout).Next()
	if err != nil {
		// Wait for docker cp's stderr, which says why, and its exit.
		cmd.Wait()
		return 0, fmt.Errorf("docker cp %s:%s: %v %s", image, path, err, strings.TrimSpace(stderr.String()))
	}
	io.Copy(io.Discard, stdout) // docker cp exits once its output is read
	if err := cmd.Wait(); err != nil {
		return 0, Diagnose(&Error{Args: cmd.Args[1:], Stderr: stderr.String(), Err: err})
	}
	if hdr.Typeflag != tar.TypeReg {
		return 0, fmt.Errorf("%s in %s is not a regular file", path, image)
	}
	return hdr.Size, nil
}
