//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lean-go-images/scripts/internal/results"
)

// TestEnginesAgree compares make report's results from several engines,
// LGI_LEGS, a comma-separated list of the directories each wrote its
// results.json to (.ci/run runs rootful Docker, rootless Docker and Docker
// 29 with the containerd image store). What depends on the image, not on
// the engine, must agree: binary sizes, layer counts and hadolint's
// findings exactly; image and compressed sizes within 0.1 %, as two
// BuildKit versions may write a layer's tar headers slightly differently.
func TestEnginesAgree(t *testing.T) {
	legs := os.Getenv("LGI_LEGS")
	if legs == "" {
		t.Skip("LGI_LEGS is not set: .ci/run sets it to the results of each engine")
	}
	var runs []*results.Results
	var names []string
	dirs := strings.Split(legs, ",")
	for _, dir := range dirs {
		r, err := results.ReadFile(filepath.Join(dir, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
		names = append(names, engineName(r))
	}
	if len(runs) < 2 {
		t.Fatalf("LGI_LEGS names %d run(s), want two or more to compare", len(runs))
	}
	first := runs[0]
	for i, r := range runs[1:] {
		if names[i+1] == names[0] {
			t.Errorf("%s and %s ran on the same kind of engine (%s)", dirs[0], dirs[i+1], names[0])
		}
		if len(r.Steps) != len(first.Steps) {
			t.Fatalf("%s measured %d steps, %s %d", names[i+1], len(r.Steps), names[0], len(first.Steps))
		}
		for j, s := range r.Steps {
			f := first.Steps[j]
			for _, c := range []struct {
				what      string
				got, want int64
				tolerance float64
			}{
				{"binary bytes", s.BinaryBytes, f.BinaryBytes, 0},
				{"layers", int64(s.LayerCount), int64(f.LayerCount), 0},
				{"empty layers", int64(s.EmptyLayerCount), int64(f.EmptyLayerCount), 0},
				{"hadolint findings", int64(s.Hadolint.Count), int64(f.Hadolint.Count), 0},
				{"image bytes", s.SizeBytes, f.SizeBytes, 0.001},
				{"compressed bytes", s.CompressedBytes, f.CompressedBytes, 0.001},
			} {
				if diff := float64(c.got - c.want); diff*diff > c.tolerance*c.tolerance*float64(c.want)*float64(c.want) {
					t.Errorf("%s %s: %d on %s, %d on %s", s.Name, c.what, c.got, names[i+1], c.want, names[0])
				}
			}
			t.Logf("%s: %d bytes (%d compressed) on %s; %d (%d) on %s", s.Name, s.SizeBytes, s.CompressedBytes, names[i+1], f.SizeBytes, f.CompressedBytes, names[0])
		}
	}
}

// engineName names the kind of engine a run measured on.
func engineName(r *results.Results) string {
	mode := "rootful"
	if r.Engine.Rootless {
		mode = "rootless"
	}
	return "Docker " + r.Engine.Version + " (" + mode + ", " + r.Engine.ImageStore + " store)"
}
