// Package archive reads an image the way `docker save` writes it, and is
// the tooling's one way to look inside an image: its configuration, each
// layer's sizes, and the file system a container of it starts with.
//
// It reads every layout docker save produces: the legacy docker-archive of
// Docker 20.10 (<id>/layer.tar), and the OCI layout of Docker 25 and later,
// whose layers are plain tars with the classic image store and gzip blobs
// with the containerd image store. Either way each layer is measured from
// its uncompressed tar, so the same image gives the same figures on every
// engine and store:
//
//	img, err := archive.Save(ctx, "lean-go-images:04-scratch-static", "", true)
//	fmt.Println(img.Size(), img.Layers[0].GzipBytes)
//	n, path := img.FS().Resolve("/server")
package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"

	"lean-go-images/scripts/internal/dockercli"
)

// Image is a saved image: its configuration and its layers, bottom first.
type Image struct {
	Config Config
	Layers []Layer
}

// Config is the part of the image configuration the tooling reads.
type Config struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		User       string
		Entrypoint []string
		Cmd        []string
		Env        []string
		Labels     map[string]string
	} `json:"config"`
	RootFS struct {
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
	History []struct {
		CreatedBy  string `json:"created_by"`
		EmptyLayer bool   `json:"empty_layer"`
	} `json:"history"`
}

// Layer is one filesystem layer.
type Layer struct {
	DiffID string // sha256 of the uncompressed tar, as RootFS lists it
	// Size is what Docker's classic image store counts for the layer, and
	// docker history shows: the bytes of its regular files, each hard-linked
	// file once, plus the length of each symlink's target (an overlay2
	// store that cannot diff natively, as rootless Docker's, leaves those out).
	Size      int64
	TarBytes  int64 // the uncompressed tar
	GzipBytes int64 // the tar gzip-compressed at the default level, as docker push sends it; 0 unless asked for
	Command   string
	Files     []File
}

// File is one entry of a layer's tar.
type File struct {
	Path     string // relative to the root, cleaned: "usr/bin/sh"
	Type     byte   // tar type flag
	LinkName string // symlink target, or hard link target (relative to the root)
	Size     int64
	Mode     int64 // permission bits
}

// Size returns the image's size: the sum of its layers' sizes, the figure
// the classic image store and docker history give. The containerd image
// store's docker images adds the compressed blobs it keeps to that.
func (img *Image) Size() int64 {
	var n int64
	for _, l := range img.Layers {
		n += l.Size
	}
	return n
}

// Save runs docker save on image and reads its output, gzipping each layer
// when gz is set (a minute's work for a gigabyte). When keep is not empty,
// the archive is also written there (dive reads it), and removed again if
// anything fails.
func Save(ctx context.Context, image, keep string, gz bool) (*Image, error) {
	saveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(saveCtx, dockercli.Bin, "save", image)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var r io.Reader = stdout
	var f *os.File
	if keep != "" {
		if f, err = os.Create(keep); err != nil {
			return nil, err
		}
		defer f.Close()
		r = io.TeeReader(stdout, f)
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	img, rerr := Read(r, gz)
	if rerr != nil {
		cancel() // docker save's output is of no use now
	} else {
		_, rerr = io.Copy(io.Discard, r) // the rest, for keep
	}
	werr := cmd.Wait()
	if f != nil {
		if cerr := f.Close(); rerr == nil && werr == nil {
			rerr = cerr
		}
	}
	switch {
	case ctx.Err() != nil:
		rerr = ctx.Err()
	case werr != nil && (rerr == nil || stderr.Len() > 0):
		rerr = dockercli.Diagnose(&dockercli.Error{Args: []string{"save", image}, Stderr: stderr.String(), Err: werr})
	case rerr != nil:
		rerr = fmt.Errorf("reading docker save %s: %w", image, rerr)
	}
	if rerr != nil && keep != "" {
		os.Remove(keep)
	}
	return img, rerr
}

// Read reads a docker save archive; with gz, it also measures each layer's
// gzip size.
func Read(r io.Reader, gz bool) (*Image, error) {
	tr := tar.NewReader(r)
	layers := map[string]Layer{} // by entry name
	jsons := map[string][]byte{} // small JSON entries: manifest.json, configs
	links := map[string]string{} // entry name -> the entry it links to
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := clean(h.Name)
		switch h.Typeflag {
		case tar.TypeSymlink:
			links[name] = clean(path.Join(path.Dir(name), h.Linkname))
			continue
		case tar.TypeReg:
		default:
			continue
		}
		br := bufio.NewReaderSize(tr, 4096)
		switch head, _ := br.Peek(512); {
		case len(head) > 0 && (head[0] == '{' || head[0] == '['): // JSON: manifest.json, a configuration
			if jsons[name], err = io.ReadAll(io.LimitReader(br, 16<<20)); err != nil {
				return nil, err
			}
		case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b: // a gzip blob
			zr, err := gzip.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			if layers[name], err = readLayer(zr, gz); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
		case isTar(head):
			if layers[name], err = readLayer(br, gz); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
		}
	}
	return assemble(jsons, layers, links)
}

// isTar reports whether a file's first 512 bytes are a tar header, or the
// zero block of an empty tar.
func isTar(head []byte) bool {
	return len(head) == 512 && (string(head[257:262]) == "ustar" || bytes.Count(head, []byte{0}) == 512)
}

// readLayer measures one layer from its uncompressed tar.
func readLayer(r io.Reader, gz bool) (Layer, error) {
	sum := sha256.New()
	var zn, n counter
	w := io.MultiWriter(sum, &n)
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&zn)
		w = io.MultiWriter(sum, &n, zw)
	}
	tee := io.TeeReader(r, w)
	tr := tar.NewReader(tee)
	var l Layer
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Layer{}, err
		}
		f := File{Path: clean(h.Name), Type: h.Typeflag, Size: h.Size, Mode: h.Mode & 0o7777}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			f.Type = tar.TypeReg
			l.Size += h.Size
		case tar.TypeSymlink:
			f.LinkName = h.Linkname
			l.Size += int64(len(h.Linkname))
		case tar.TypeLink:
			f.LinkName = clean(h.Linkname)
		}
		if f.Path != "" {
			l.Files = append(l.Files, f)
		}
	}
	// The tar's end-of-archive blocks and padding count in the digest.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return Layer{}, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return Layer{}, err
		}
	}
	l.DiffID = "sha256:" + hex.EncodeToString(sum.Sum(nil))
	l.TarBytes, l.GzipBytes = int64(n), int64(zn)
	return l, nil
}

// assemble puts the layers in the order manifest.json gives, checks them
// against the configuration's diff IDs, and names each layer's command.
func assemble(jsons map[string][]byte, layers map[string]Layer, links map[string]string) (*Image, error) {
	var manifest []struct {
		Config string
		Layers []string
	}
	if b, ok := jsons["manifest.json"]; !ok {
		return nil, errors.New("no manifest.json in the archive")
	} else if err := json.Unmarshal(b, &manifest); err != nil || len(manifest) != 1 {
		return nil, fmt.Errorf("manifest.json: want one image, got %d (%v)", len(manifest), err)
	}
	m := manifest[0]
	resolve := func(name string) string {
		name = clean(name)
		for hops := 0; hops < maxHops && links[name] != ""; hops++ {
			name = links[name]
		}
		return name
	}
	img := &Image{}
	cfg, ok := jsons[resolve(m.Config)]
	if !ok {
		return nil, fmt.Errorf("the configuration %s is not in the archive", m.Config)
	}
	if err := json.Unmarshal(cfg, &img.Config); err != nil {
		return nil, fmt.Errorf("the configuration %s: %v", m.Config, err)
	}
	if len(m.Layers) != len(img.Config.RootFS.DiffIDs) {
		return nil, fmt.Errorf("manifest.json lists %d layers, the configuration %d", len(m.Layers), len(img.Config.RootFS.DiffIDs))
	}
	var commands []string
	for _, h := range img.Config.History {
		if !h.EmptyLayer {
			commands = append(commands, h.CreatedBy)
		}
	}
	for i, name := range m.Layers {
		l, ok := layers[resolve(name)]
		switch {
		case !ok:
			return nil, fmt.Errorf("layer %d (%s) is not in the archive", i, name)
		case l.DiffID != img.Config.RootFS.DiffIDs[i]:
			return nil, fmt.Errorf("layer %d (%s) is %s, the configuration says %s", i, name, l.DiffID, img.Config.RootFS.DiffIDs[i])
		}
		if len(commands) == len(m.Layers) {
			l.Command = commands[i]
		}
		img.Layers = append(img.Layers, l)
	}
	return img, nil
}

// clean returns p relative to the root, cleaned: "./usr/bin/" is "usr/bin".
func clean(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// counter is an io.Writer that only counts.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
