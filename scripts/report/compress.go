package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path"
	"strings"

	"lean-go-images/scripts/internal/dockercli"
)

// layerSize is the cached measurement of one layer, keyed by its diff ID.
type layerSize struct {
	Gzip int64 `json:"gzip"` // the layer tarball gzip-compressed at the default level
	Tar  int64 `json:"tar"`  // the layer tarball, uncompressed
}

// errRecount says that a layer the archive reader skipped, taking it for a
// known one, turned out to be another: the archive must be read again.
var errRecount = errors.New("a skipped layer was not the one expected")

// compressedSizes measures the gzip-compressed size of each of image's
// layers, keyed by diff ID: it streams docker save and compresses every
// layer tarball at gzip's default level, the way docker push does, counting
// bytes rather than storing them. diffIDs are the image's RootFS layers;
// known are layers measured before, which are not compressed again.
func compressedSizes(ctx context.Context, image string, diffIDs []string, known map[string]layerSize) (map[string]layerSize, error) {
	sizes, err := saveAndCompress(ctx, image, diffIDs, known)
	if errors.Is(err, errRecount) {
		sizes, err = saveAndCompress(ctx, image, diffIDs, nil)
	}
	if err != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("measuring the compressed size: %w", err)
	}
	return sizes, err
}

// saveAndCompress runs docker save image once and reads its output.
func saveAndCompress(ctx context.Context, image string, diffIDs []string, known map[string]layerSize) (map[string]layerSize, error) {
	saveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(saveCtx, dockercli.Bin, "save", image)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sizes, perr := compressArchive(stdout, diffIDs, known)
	if perr != nil {
		cancel() // stop docker save: its output is of no use now
	} else {
		io.Copy(io.Discard, stdout)
	}
	werr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case werr != nil && (perr == nil || stderr.Len() > 0):
		return nil, dockercli.Diagnose(&dockercli.Error{Args: []string{"save", image}, Stderr: stderr.String(), Err: werr})
	case errors.Is(perr, errRecount):
		return nil, perr
	case perr != nil:
		return nil, fmt.Errorf("reading docker save %s: %v", image, perr)
	}
	return sizes, nil
}

// An entry is what the reader learnt of one layer tarball in the archive.
type entry struct {
	digest  string // sha256:..., of the tarball
	size    layerSize
	skipped bool // not compressed: its size says it is a known layer
}

// compressArchive reads a docker save archive (the docker-archive layout,
// or the OCI layout of Docker 25 and later) and returns the size of each
// layer, keyed by the diff ID at the same position in diffIDs: the
// archive's manifest.json lists the layers in RootFS order.
//
// A tarball is only hashed, not compressed, when its length is that of a
// known layer of the image (and of no unknown one); if its digest then
// differs, compressArchive returns errRecount.
func compressArchive(r io.Reader, diffIDs []string, known map[string]layerSize) (map[string]layerSize, error) {
	skippable := skippableLengths(diffIDs, known)
	tr := tar.NewReader(r)
	entries := map[string]entry{}
	links := map[string]string{} // entry name -> the entry it links to
	var manifest []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive: %v", err)
		}
		name := cleanPath(h.Name)
		switch {
		case name == "manifest.json":
			if manifest, err = io.ReadAll(io.LimitReader(tr, 16<<20)); err != nil {
				return nil, fmt.Errorf("reading manifest.json: %v", err)
			}
		case h.Typeflag == tar.TypeSymlink:
			links[name] = cleanPath(path.Join(path.Dir(name), h.Linkname))
		case h.Typeflag == tar.TypeReg && isLayerEntry(name):
			e, err := measureEntry(tr, skippable[h.Size])
			if err != nil {
				return nil, fmt.Errorf("reading %s: %v", name, err)
			}
			entries[name] = e
		}
	}
	return layerSizes(manifest, entries, links, diffIDs, known)
}

// skippableLengths returns the tarball lengths of the image's known
// layers. A tarball of another length cannot be a known layer; one of such a
// length most likely is, and its digest, checked afterwards, says for sure.
func skippableLengths(diffIDs []string, known map[string]layerSize) map[int64]bool {
	skip := map[int64]bool{}
	for _, id := range diffIDs {
		if k, ok := known[id]; ok && k.Tar > 0 {
			skip[k.Tar] = true
		}
	}
	return skip
}

// measureEntry hashes a tarball and, unless skip, compresses it.
func measureEntry(r io.Reader, skip bool) (entry, error) {
	h := sha256.New()
	var c counter
	var zw *gzip.Writer
	w := io.Writer(h)
	if !skip {
		zw = gzip.NewWriter(&c)
		w = io.MultiWriter(h, zw)
	}
	n, err := io.Copy(w, r)
	if err != nil {
		return entry{}, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return entry{}, err
		}
	}
	return entry{
		digest:  "sha256:" + hex.EncodeToString(h.Sum(nil)),
		size:    layerSize{Gzip: int64(c), Tar: n},
		skipped: skip,
	}, nil
}

// isLayerEntry reports whether an archive entry may be a layer tarball:
// <id>/layer.tar in the docker-archive layout, blobs/sha256/<digest> in the
// OCI one (where configs are blobs too: they are small, and unused below).
func isLayerEntry(name string) bool {
	return strings.HasSuffix(name, "/layer.tar") || strings.HasPrefix(name, "blobs/")
}

// layerSizes maps the manifest's layer entries to diff IDs.
func layerSizes(manifest []byte, entries map[string]entry, links map[string]string, diffIDs []string, known map[string]layerSize) (map[string]layerSize, error) {
	if manifest == nil {
		return nil, fmt.Errorf("no manifest.json in the archive")
	}
	var m []struct{ Layers []string }
	if err := json.Unmarshal(manifest, &m); err != nil || len(m) != 1 {
		return nil, fmt.Errorf("manifest.json: want one image, got %d (%v)", len(m), err)
	}
	if len(m[0].Layers) != len(diffIDs) {
		return nil, fmt.Errorf("manifest.json lists %d layers, docker image inspect %d", len(m[0].Layers), len(diffIDs))
	}
	sizes := map[string]layerSize{}
	for i, name := range m[0].Layers {
		name = cleanPath(name)
		for hops := 0; hops < maxHops && links[name] != ""; hops++ {
			name = links[name]
		}
		e, ok := entries[name]
		if !ok {
			return nil, fmt.Errorf("layer %d (%s) is not in the archive", i, m[0].Layers[i])
		}
		if !e.skipped {
			sizes[diffIDs[i]] = e.size
			continue
		}
		// A skipped tarball must be the known layer at its position.
		k, ok := known[diffIDs[i]]
		if !ok || e.digest != diffIDs[i] {
			return nil, errRecount
		}
		sizes[diffIDs[i]] = k
	}
	return sizes, nil
}

// counter is an io.Writer that only counts.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
