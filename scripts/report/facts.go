package main

import (
	"archive/tar"
	"path"
	"slices"
	"strings"

	"lean-go-images/scripts/internal/archive"
)

// fileFacts is what the report learns from the merged file system: the
// image-dependent part of the posture, and the entrypoint binary.
type fileFacts struct {
	Shell           string   `json:"shell"`
	PackageManagers []string `json:"packageManagers"`
	CABundle        string   `json:"caBundle"`
	ZoneinfoFiles   int      `json:"zoneinfoFiles"`
	Files           int      `json:"files"`
	Executables     int      `json:"executables"`
	Binary          string   `json:"binary"`
	BinaryBytes     int64    `json:"binaryBytes"`
}

// packageTools are the package managers' commands the posture looks for.
var packageTools = []string{"apk", "apt", "apt-get", "dnf", "dpkg", "microdnf", "pacman", "rpm", "yum", "zypper"}

// binDirs are where the posture looks for them.
var binDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// caFiles are the CA bundles Go's crypto/x509 tries on Linux, in its order.
var caFiles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// facts inspects the merged file system of an image whose configuration
// starts the program argv[0] with PATH pathEnv.
func facts(root *archive.Node, argv0, pathEnv string) fileFacts {
	var ff fileFacts
	if n, real := root.Resolve("/bin/sh"); n != nil && n.Regular() {
		ff.Shell = real
	}
	ff.PackageManagers = []string{}
	for _, tool := range packageTools {
		if slices.ContainsFunc(binDirs, func(d string) bool { return root.IsFile(d + "/" + tool) }) {
			ff.PackageManagers = append(ff.PackageManagers, tool)
		}
	}
	for _, ca := range caFiles {
		if root.IsFile(ca) {
			ff.CABundle = ca
			break
		}
	}
	if zi, _ := root.Resolve("/usr/share/zoneinfo"); zi != nil && zi.Type == tar.TypeDir {
		zi.Walk(func(_ string, n *archive.Node) {
			if n.Regular() {
				ff.ZoneinfoFiles++
			}
		})
	}
	root.Walk(func(_ string, n *archive.Node) {
		if n.Regular() {
			ff.Files++
			if n.Mode&0o111 != 0 {
				ff.Executables++
			}
		}
	})
	ff.Binary, ff.BinaryBytes = findBinary(root, argv0, pathEnv)
	return ff
}

// findBinary resolves argv0 as execve would after a PATH search, and
// returns the file's path and size, or "" and 0.
func findBinary(root *archive.Node, argv0, pathEnv string) (string, int64) {
	if argv0 == "" {
		return "", 0
	}
	cands := []string{argv0}
	if !strings.Contains(argv0, "/") {
		cands = nil
		for _, dir := range strings.Split(pathEnv, ":") {
			if dir != "" {
				cands = append(cands, path.Join(dir, argv0))
			}
		}
	}
	for _, c := range cands {
		if n, real := root.Resolve(c); n != nil && n.Regular() {
			return real, n.Size
		}
	}
	return "", 0
}
