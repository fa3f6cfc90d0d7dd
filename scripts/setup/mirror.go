package main

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// The Debian mirror this machine's apt already uses, for
// scripts/offline-bases.sh to debootstrap from without the repository
// naming any host: setup passes it on as DEBIAN_MIRROR and
// DEBIAN_SECURITY_MIRROR, unless they are set. find reads the deb822 files
// /etc/apt/sources.list.d/*.sources first, then the one-line files
// /etc/apt/sources.list and /etc/apt/sources.list.d/*.list, and returns the
// first URI of an enabled "deb" entry: of the main archive, or with
// security of the security archive.

// A source is one apt entry: where, which suites, and whether it is usable.
type source struct {
	types, uris, suites []string
	enabled             bool
}

// wanted reports the first URI of s that apt would use for binary packages
// of the main archive (or, with security, of the security archive).
func (s source) wanted(security bool) (string, bool) {
	if !s.enabled || !slices.Contains(s.types, "deb") {
		return "", false
	}
	for _, u := range s.uris {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "file:") {
			continue
		}
		isSec := strings.HasSuffix(strings.TrimSuffix(u, "/"), "-security") ||
			slices.ContainsFunc(s.suites, func(x string) bool { return strings.Contains(x, "-security") })
		if isSec == security {
			return strings.TrimSuffix(u, "/"), true
		}
	}
	return "", false
}

// find returns the first wanted URI in the apt sources under fsys, the
// file system root.
func aptMirror(fsys fs.FS, security bool) (string, error) {
	var files []string
	deb822, _ := fs.Glob(fsys, "etc/apt/sources.list.d/*.sources")
	oneLine, _ := fs.Glob(fsys, "etc/apt/sources.list.d/*.list")
	files = append(files, deb822...)
	files = append(files, "etc/apt/sources.list")
	files = append(files, oneLine...)
	for _, name := range files {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			continue // sources.list may well not exist
		}
		parse := parseOneLine
		if path.Ext(name) == ".sources" {
			parse = parseDeb822
		}
		for _, s := range parse(string(b)) {
			if uri, ok := s.wanted(security); ok {
				return uri, nil
			}
		}
	}
	archive := "main"
	if security {
		archive = "security"
	}
	return "", fmt.Errorf("no Debian %s archive in /etc/apt/sources.list or sources.list.d: set DEBIAN_MIRROR to a mirror's URL", archive)
}

// parseDeb822 reads stanzas of Types:, URIs:, Suites: and Enabled: fields,
// separated by blank lines (sources.list(5), "DEB822-STYLE FORMAT").
func parseDeb822(text string) []source {
	var out []source
	cur, seen := source{enabled: true}, false
	flush := func() {
		if seen {
			out = append(out, cur)
		}
		cur, seen = source{enabled: true}, false
	}
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
			continue
		case strings.HasPrefix(trimmed, "#"):
			continue
		}
		key, value, ok := strings.Cut(trimmed, ":")
		if !ok {
			continue
		}
		seen = true
		fields := strings.Fields(value)
		switch strings.ToLower(key) {
		case "types":
			cur.types = fields
		case "uris":
			cur.uris = fields
		case "suites":
			cur.suites = fields
		case "enabled":
			cur.enabled = !strings.EqualFold(strings.TrimSpace(value), "no")
		}
	}
	flush()
	return out
}

// parseOneLine reads "deb [options] URI suite [component...]" lines.
func parseOneLine(text string) []source {
	var out []source
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // options: [arch=amd64 signed-by=...]
			end := slices.IndexFunc(f, func(s string) bool { return strings.HasSuffix(s, "]") })
			if end < 0 {
				continue
			}
			f = f[end+1:]
		}
		if len(f) < 2 {
			continue
		}
		out = append(out, source{types: []string{"deb"}, uris: f[:1], suites: f[1:2], enabled: true})
	}
	return out
}
