package dockercli

import (
	"context"
	"os"
	"path/filepath"
)

// Save writes image ref to path as a docker save archive, the one format
// every engine can produce and dive can read (--source docker-archive):
// dive's own engine source fails with the containerd image store. It saves
// to a temporary file beside path and renames it into place, so that a
// failed or interrupted save leaves no partial archive behind.
func Save(ctx context.Context, ref, path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	if _, err := Output(ctx, "save", "-o", tmp, ref); err != nil {
		os.Remove(tmp)
		return Diagnose(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
