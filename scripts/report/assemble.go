package main

import (
	"slices"

	"lean-go-images/scripts/internal/dockercli"
	"lean-go-images/scripts/internal/results"
)

// step assembles the model of a measured target.
func (t *target) step(repo string, baseImgs map[string]dockercli.Image) results.Step {
	st := t.static
	from, nfrom := t.baseLayers(baseImgs)
	s := results.Step{
		Name: t.s.Name, Image: t.s.Image(repo), ImageID: t.img.ID, Dockerfile: t.s.Dockerfile(),
		Bases:        slices.Concat([]string{}, t.bases),
		Architecture: st.Architecture,
		Binary:       st.Facts.Binary, BinaryBytes: st.Facts.BinaryBytes,
		LayerCount: len(st.Layers),
		Config: results.Config{
			User: t.img.Config.User, Entrypoint: t.img.Config.Entrypoint,
			Cmd: t.img.Config.Cmd, Labels: t.img.Config.Labels,
		},
		Dive:     st.Dive,
		Hadolint: t.lint,
		Posture:  t.posture(),
	}
	for i, l := range st.Layers {
		layer := results.Layer{Index: i, DiffID: l.DiffID, SizeBytes: l.Size, CompressedBytes: l.GzipBytes, Empty: l.Size == 0, Command: l.Command}
		if i < nfrom {
			layer.FromBase = from
		}
		s.Layers = append(s.Layers, layer)
		s.SizeBytes += l.Size
		s.CompressedBytes += l.GzipBytes
		if layer.Empty {
			s.EmptyLayerCount++
		}
	}
	return s
}

// baseLayers returns the base image whose layers the image starts with, and
// how many they are: the runtime stage's FROM image.
func (t *target) baseLayers(baseImgs map[string]dockercli.Image) (string, int) {
	ref, n := "", 0
	for _, b := range t.bases {
		bl := baseImgs[b].RootFS.Layers
		if len(bl) > n && len(bl) <= len(t.img.RootFS.Layers) && slices.Equal(bl, t.img.RootFS.Layers[:len(bl)]) {
			ref, n = b, len(bl)
		}
	}
	return ref, n
}

// posture combines the image's user with the facts of its file system.
func (t *target) posture() results.Posture {
	f := t.static.Facts
	p := results.Posture{
		User: t.img.Config.User, Shell: f.Shell, PackageManagers: f.PackageManagers,
		CABundle: f.CABundle, ZoneinfoFiles: f.ZoneinfoFiles, Files: f.Files, Executables: f.Executables,
	}
	if uid, ok := userID(p.User); ok {
		p.UID = &uid
	}
	return p
}
