package main

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestFind(t *testing.T) {
	deb822 := `# The machine's sources
Types: deb
URIs: http://archive.example/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://archive.example/debian-security
Suites: trixie-security
Components: main
`
	tests := []struct {
		name         string
		files        map[string]string
		wantMain     string
		wantSecurity string
	}{
		{"deb822", map[string]string{"etc/apt/sources.list.d/debian.sources": deb822},
			"http://archive.example/debian", "http://archive.example/debian-security"},
		{"deb822, disabled and source-only stanzas skipped", map[string]string{
			"etc/apt/sources.list.d/a.sources": "Types: deb\nURIs: http://off.example/debian\nSuites: trixie\nEnabled: no\n\n" +
				"Types: deb-src\nURIs: http://src.example/debian\nSuites: trixie\n\n" +
				"Types: deb deb-src\nURIs: https://on.example/debian/\nSuites: trixie\n",
		}, "https://on.example/debian", ""},
		{"security recognised by its suite", map[string]string{
			"etc/apt/sources.list.d/s.sources": "Types: deb\nURIs: http://sec.example/x\nSuites: trixie-security\n",
		}, "", "http://sec.example/x"},
		{"one-line, with options", map[string]string{
			"etc/apt/sources.list": "# comment\ndeb-src http://src.example/debian trixie main\n" +
				"deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian trixie main\n" +
				"deb http://one.example/debian-security trixie-security main\n",
		}, "http://one.example/debian", "http://one.example/debian-security"},
		{"deb822 before one-line", map[string]string{
			"etc/apt/sources.list":                  "deb http://one.example/debian trixie main\n",
			"etc/apt/sources.list.d/debian.sources": deb822,
		}, "http://archive.example/debian", "http://archive.example/debian-security"},
		{"only other schemes", map[string]string{"etc/apt/sources.list": "deb cdrom:[Debian]/ trixie main\n"}, "", ""},
		{"nothing", map[string]string{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, text := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			for _, c := range []struct {
				security bool
				want     string
			}{{false, tt.wantMain}, {true, tt.wantSecurity}} {
				got, err := aptMirror(fsys, c.security)
				if c.want == "" {
					if err == nil || !strings.Contains(err.Error(), "set DEBIAN_MIRROR") {
						t.Errorf("security=%v: got %q, %v; want an error that says to set DEBIAN_MIRROR", c.security, got, err)
					}
					continue
				}
				if err != nil || got != c.want {
					t.Errorf("security=%v: got %q, %v; want %q", c.security, got, err, c.want)
				}
			}
		})
	}
}
