package results

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// BasesFile is where make bases records how it obtained each base image,
// by image ID, relative to the repository root. An image's own metadata
// cannot say: the containerd image store gives every image a registry
// digest, loaded and imported ones too, and a look-alike pulled from a
// mirror carries the label of the one built offline. Image IDs differ from
// engine to engine, so one record serves them all.
const BasesFile = ".cache/bases.json"

// Obtained is how make bases obtained a base image.
type Obtained struct {
	Ref        string `json:"ref"`
	Provenance string `json:"provenance"` // Pulled or BuiltOffline
}

// ReadObtained returns the record under root, by image ID; an empty one
// when there is none yet.
func ReadObtained(root string) map[string]Obtained {
	rec := map[string]Obtained{}
	if b, err := os.ReadFile(filepath.Join(root, BasesFile)); err == nil {
		json.Unmarshal(b, &rec) // an unreadable record is no record
	}
	return rec
}

// RecordObtained adds how the image id was obtained to the record under root.
func RecordObtained(root, id string, o Obtained) error {
	rec := ReadObtained(root)
	rec[id] = o
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(root, BasesFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
