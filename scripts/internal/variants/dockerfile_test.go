package variants

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestFromImages(t *testing.T) {
	tests := []struct {
		name, dockerfile string
		want             []string
		wantErr          string
	}{
		{"single", "FROM golang:1.26-trixie\nRUN go build .\n", []string{"golang:1.26-trixie"}, ""},
		{"stages", "FROM golang:1.26-trixie AS build\nRUN x\nFROM build AS again\nFROM scratch\nCOPY --from=build /a /a\n",
			[]string{"golang:1.26-trixie"}, ""},
		{"two bases, lower-case keywords", "from golang:1.26-trixie as Build\nfrom debian:trixie-slim\n",
			[]string{"golang:1.26-trixie", "debian:trixie-slim"}, ""},
		{"platform flag and continuation", "# FROM commented:out\nFROM --platform=$BUILDPLATFORM \\\n  gcr.io/distroless/static-debian13:nonroot\n",
			[]string{"gcr.io/distroless/static-debian13:nonroot"}, ""},
		{"repeated base", "FROM a:1 AS x\nFROM a:1\n", []string{"a:1"}, ""},
		{"no FROM", "RUN true\n", nil, ""},
		{"FROM alone", "FROM\n", nil, "FROM without an image"},
		{"ARG image", "ARG GO=1.26\nFROM golang:${GO}\n", nil, "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromImages(strings.NewReader(tt.dockerfile))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FromImages = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBaseImages(t *testing.T) {
	fsys := fstest.MapFS{"02-x/Dockerfile": {Data: []byte("FROM g:1 AS build\nFROM d:slim\n")}}
	got, err := Variant{"02-x"}.BaseImages(fsys)
	if err != nil || !reflect.DeepEqual(got, []string{"g:1", "d:slim"}) {
		t.Errorf("BaseImages = %q, %v", got, err)
	}
	if _, err := (Variant{"03-gone"}).BaseImages(fsys); err == nil {
		t.Error("BaseImages of a missing Dockerfile: no error")
	}
}
