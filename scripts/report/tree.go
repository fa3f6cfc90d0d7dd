package main

import (
	"path"
	"slices"
	"strings"
)

// Tar type flags, as dive reports them.
const (
	typeReg     = '0'
	typeRegA    = 0 // old tar: a regular file
	typeLink    = '1'
	typeSymlink = '2'
	typeDir     = '5'
	typeCont    = '7'
)

func isRegular(t byte) bool { return t == typeReg || t == typeRegA || t == typeCont || t == typeLink }

// maxHops bounds symlink and hard link chains, as Linux's 40 does.
const maxHops = 40

// A node is one entry of the image's merged file system.
type node struct {
	typ      byte
	link     string // symlink target, or hard link target (an absolute path)
	size     int64
	mode     uint32
	children map[string]*node // directories only
}

func newDir() *node { return &node{typ: typeDir, children: map[string]*node{}} }

// mergeLayers returns the file system a container sees: the layers' file
// lists applied bottom first, with overlay whiteouts (.wh.name deletes name,
// .wh..wh..opq empties its directory) honoured.
func mergeLayers(layers []diveLayer) *node {
	root := newDir()
	for _, l := range layers {
		// Whiteouts refer to the layers below, so they go first.
		for _, f := range l.FileList {
			dir, base := path.Split(cleanPath(f.Path))
			switch {
			case base == ".wh..wh..opq":
				if d := root.lookup(dir); d != nil && d.typ == typeDir {
					clear(d.children)
				}
			case strings.HasPrefix(base, ".wh."):
				if d := root.lookup(dir); d != nil && d.typ == typeDir {
					delete(d.children, strings.TrimPrefix(base, ".wh."))
				}
			}
		}
		for _, f := range l.FileList {
			if p := cleanPath(f.Path); p != "" && !strings.HasPrefix(path.Base(p), ".wh.") {
				root.add(p, f)
			}
		}
	}
	return root
}

// cleanPath returns p relative to the root, cleaned: "./usr/bin/" is "usr/bin".
func cleanPath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// add puts f at p, creating parent directories. A directory that replaces a
// directory keeps its children.
func (root *node) add(p string, f diveFile) {
	parts := strings.Split(p, "/")
	d := root
	for _, name := range parts[:len(parts)-1] {
		c := d.children[name]
		if c == nil || c.typ != typeDir {
			c = newDir()
			d.children[name] = c
		}
		d = c
	}
	name := parts[len(parts)-1]
	n := &node{typ: f.TypeFlag, link: f.LinkName, size: f.Size, mode: f.FileMode}
	switch {
	case f.TypeFlag == typeDir:
		if old := d.children[name]; old != nil && old.typ == typeDir {
			old.mode = f.FileMode
			return
		}
		n.children = map[string]*node{}
	case f.TypeFlag == typeLink:
		n.link = "/" + cleanPath(f.LinkName) // tar names hard link targets from the root
	}
	d.children[name] = n
}

// lookup returns the node at p without following any symlink, or nil.
func (root *node) lookup(p string) *node {
	n := root
	for _, name := range strings.Split(cleanPath(p), "/") {
		if name == "" {
			continue
		}
		if n.children == nil {
			return nil
		}
		if n = n.children[name]; n == nil {
			return nil
		}
	}
	return n
}

// resolve returns the node that p names, following symlinks in every
// component as the kernel does, and hard links at the end, with its real
// path. It returns nil for a missing path or a symlink loop.
func (root *node) resolve(p string) (*node, string) {
	todo := strings.Split(cleanPath(p), "/")
	var stack []*node // the directories walked so far, below root
	var names []string
	cur := root
	for hops := 0; len(todo) > 0; {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			if len(stack) > 0 {
				stack, names = stack[:len(stack)-1], names[:len(names)-1]
			}
			cur = root
			if len(stack) > 0 {
				cur = stack[len(stack)-1]
			}
			continue
		}
		if cur.children == nil {
			return nil, ""
		}
		next := cur.children[name]
		switch {
		case next == nil, (next.typ == typeSymlink || next.typ == typeLink) && next.link == "":
			return nil, ""
		case next.typ == typeSymlink || (next.typ == typeLink && len(todo) == 0):
			if hops++; hops > maxHops {
				return nil, ""
			}
			if strings.HasPrefix(next.link, "/") {
				stack, names, cur = nil, nil, root
			}
			todo = append(strings.Split(next.link, "/"), todo...)
			continue
		}
		stack, names = append(stack, next), append(names, name)
		cur = next
	}
	return cur, "/" + strings.Join(names, "/")
}

// isFile reports whether p resolves to a regular file.
func (root *node) isFile(p string) bool {
	n, _ := root.resolve(p)
	return n != nil && isRegular(n.typ)
}

// walk calls f for every node below n, in no particular order.
func (n *node) walk(f func(*node)) {
	for _, c := range n.children {
		f(c)
		c.walk(f)
	}
}

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
func facts(root *node, argv0, pathEnv string) fileFacts {
	var ff fileFacts
	if n, real := root.resolve("/bin/sh"); n != nil && isRegular(n.typ) {
		ff.Shell = real
	}
	ff.PackageManagers = []string{}
	for _, tool := range packageTools {
		if slices.ContainsFunc(binDirs, func(d string) bool { return root.isFile(d + "/" + tool) }) {
			ff.PackageManagers = append(ff.PackageManagers, tool)
		}
	}
	for _, ca := range caFiles {
		if root.isFile(ca) {
			ff.CABundle = ca
			break
		}
	}
	if zi, _ := root.resolve("/usr/share/zoneinfo"); zi != nil && zi.typ == typeDir {
		zi.walk(func(n *node) {
			if isRegular(n.typ) {
				ff.ZoneinfoFiles++
			}
		})
	}
	root.walk(func(n *node) {
		if isRegular(n.typ) {
			ff.Files++
			if n.mode&0o111 != 0 {
				ff.Executables++
			}
		}
	})
	ff.Binary, ff.BinaryBytes = findBinary(root, argv0, pathEnv)
	return ff
}

// findBinary resolves argv0 as execve would after a PATH search, and
// returns the file's path and size, or "" and 0.
func findBinary(root *node, argv0, pathEnv string) (string, int64) {
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
		if n, real := root.resolve(c); n != nil && isRegular(n.typ) {
			return real, n.size
		}
	}
	return "", 0
}
