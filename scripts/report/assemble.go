package main

import (
	"fmt"
	"slices"

	"lean-go-images/scripts/internal/dockercli"
)

// step assembles the model of a measured target.
func (t *target) step(repo string, baseImgs map[string]dockercli.Image) (Step, error) {
	ids := t.img.RootFS.Layers
	if len(t.dive.Layers) != len(ids) {
		return Step{}, fmt.Errorf("dive saw %d layers, docker image inspect %d: was the image rebuilt during the report?", len(t.dive.Layers), len(ids))
	}
	from, nfrom := t.baseLayers(baseImgs)
	v := Step{
		Name: t.v.Name, Image: t.v.Image(repo), ImageID: t.img.ID, Dockerfile: t.v.Dockerfile(),
		Bases:     slices.Concat([]string{}, t.bases),
		SizeBytes: t.img.Size, Binary: t.dive.Facts.Binary, BinaryBytes: t.dive.Facts.BinaryBytes,
		LayerCount: len(ids),
		Config: Config{
			User: t.img.Config.User, Entrypoint: t.img.Config.Entrypoint,
			Cmd: t.img.Config.Cmd, Labels: t.img.Config.Labels,
		},
		Dive:     t.dive.Dive,
		Hadolint: t.lint,
		Posture:  t.posture(),
	}
	for i, l := range t.dive.Layers {
		if l.DiffID != ids[i] {
			return Step{}, fmt.Errorf("dive's layer %d is %s, docker image inspect's %s: was the image rebuilt during the report?", i, l.DiffID, ids[i])
		}
		layer := Layer{Index: i, DiffID: l.DiffID, SizeBytes: l.SizeBytes, CompressedBytes: t.gz[l.DiffID], Empty: l.Empty, Command: l.Command}
		if i < nfrom {
			layer.FromBase = from
		}
		v.Layers = append(v.Layers, layer)
		v.CompressedBytes += layer.CompressedBytes
		if l.Empty {
			v.EmptyLayerCount++
		}
	}
	return v, nil
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
func (t *target) posture() Posture {
	f := t.dive.Facts
	p := Posture{
		User: t.img.Config.User, Shell: f.Shell, PackageManagers: f.PackageManagers,
		CABundle: f.CABundle, ZoneinfoFiles: f.ZoneinfoFiles, Files: f.Files, Executables: f.Executables,
	}
	if uid, ok := userID(p.User); ok {
		p.UID = &uid
	}
	return p
}
