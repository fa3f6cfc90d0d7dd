package archive

import (
	"archive/tar"
	"path"
	"strings"
)

// maxHops bounds symlink and hard link chains, as Linux's 40 does.
const maxHops = 40

// A Node is one entry of an image's merged file system.
type Node struct {
	Type     byte   // tar type flag; tar.TypeReg for every regular file
	Link     string // symlink target, or hard link target (an absolute path)
	Size     int64
	Mode     int64
	Children map[string]*Node // directories only
}

func newDir() *Node { return &Node{Type: tar.TypeDir, Children: map[string]*Node{}} }

// Regular reports whether n is a regular file, or a hard link to one.
func (n *Node) Regular() bool { return n.Type == tar.TypeReg || n.Type == tar.TypeLink }

// FS returns the file system a container of the image starts with: the
// layers applied bottom first, with overlay whiteouts (.wh.name deletes
// name, .wh..wh..opq empties its directory) honoured.
func (img *Image) FS() *Node {
	root := newDir()
	for _, l := range img.Layers {
		// Whiteouts refer to the layers below, so they go first.
		for _, f := range l.Files {
			dir, base := path.Split(f.Path)
			switch {
			case base == ".wh..wh..opq":
				if d := root.Lookup(dir); d != nil && d.Type == tar.TypeDir {
					clear(d.Children)
				}
			case strings.HasPrefix(base, ".wh."):
				if d := root.Lookup(dir); d != nil && d.Type == tar.TypeDir {
					delete(d.Children, strings.TrimPrefix(base, ".wh."))
				}
			}
		}
		for _, f := range l.Files {
			if !strings.HasPrefix(path.Base(f.Path), ".wh.") {
				root.add(f)
			}
		}
	}
	return root
}

// add puts f in the tree, creating parent directories. A directory that
// replaces a directory keeps its children.
func (root *Node) add(f File) {
	parts := strings.Split(f.Path, "/")
	d := root
	for _, name := range parts[:len(parts)-1] {
		c := d.Children[name]
		if c == nil || c.Type != tar.TypeDir {
			c = newDir()
			d.Children[name] = c
		}
		d = c
	}
	name := parts[len(parts)-1]
	n := &Node{Type: f.Type, Link: f.LinkName, Size: f.Size, Mode: f.Mode}
	switch f.Type {
	case tar.TypeDir:
		if old := d.Children[name]; old != nil && old.Type == tar.TypeDir {
			old.Mode = f.Mode
			return
		}
		n.Children = map[string]*Node{}
	case tar.TypeLink:
		n.Link = "/" + clean(f.LinkName) // tar names hard link targets from the root
	}
	d.Children[name] = n
}

// Lookup returns the node at p without following any symlink, or nil.
func (root *Node) Lookup(p string) *Node {
	n := root
	for _, name := range strings.Split(clean(p), "/") {
		if name == "" {
			continue
		}
		if n = n.Children[name]; n == nil {
			return nil
		}
	}
	return n
}

// Resolve returns the node that p names, following symlinks in every
// component as the kernel does, and hard links at the end, with its real
// path. It returns nil for a missing path or a symlink loop.
func (root *Node) Resolve(p string) (*Node, string) {
	todo := strings.Split(clean(p), "/")
	var stack []*Node // the directories walked so far, below root
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
		if cur.Children == nil {
			return nil, ""
		}
		next := cur.Children[name]
		switch {
		case next == nil, (next.Type == tar.TypeSymlink || next.Type == tar.TypeLink) && next.Link == "":
			return nil, ""
		case next.Type == tar.TypeSymlink || (next.Type == tar.TypeLink && len(todo) == 0):
			if hops++; hops > maxHops {
				return nil, ""
			}
			if strings.HasPrefix(next.Link, "/") {
				stack, names, cur = nil, nil, root
			}
			todo = append(strings.Split(next.Link, "/"), todo...)
			continue
		}
		stack, names = append(stack, next), append(names, name)
		cur = next
	}
	return cur, "/" + strings.Join(names, "/")
}

// IsFile reports whether p resolves to a regular file.
func (root *Node) IsFile(p string) bool {
	n, _ := root.Resolve(p)
	return n != nil && n.Regular()
}

// Walk calls f for every node below n, with its path relative to n, in no
// particular order.
func (n *Node) Walk(f func(p string, n *Node)) {
	for name, c := range n.Children {
		f(name, c)
		c.Walk(func(p string, n *Node) { f(name+"/"+p, n) })
	}
}
