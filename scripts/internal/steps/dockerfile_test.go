package steps

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
	fsys := fstest.MapFS{
		"01-one/Dockerfile":   {Data: []byte("# syntax=docker/dockerfile:1\nFROM golang:1.26-trixie\nRUN true\n")},
		"02-two/Dockerfile":   {Data: []byte("FROM golang:1.26-trixie AS build\nRUN go build\n\n# runtime\nfrom --platform=$BUILDPLATFORM debian:trixie-slim as run\nCOPY --from=build /a /a\n")},
		"03-three/Dockerfile": {Data: []byte("FROM golang:1.26-trixie AS Build\nFROM build AS test\nFROM \\\n  gcr.io/distroless/static-debian13:nonroot\nCOPY --from=test /a /a\n")},
		"04-four/Dockerfile":  {Data: []byte("FROM golang:1.26-trixie AS build\nFROM scratch\nCOPY --from=build /a /a\n")},
		"05-five/Dockerfile":  {Data: []byte("FROM --platform=linux/amd64\n")},
		"06-six/Dockerfile":   {Data: []byte("FROM alpine AS a\nFROM alpine AS b\nFROM a\n")},
	}
	tests := []struct {
		step    string
		want    []string
		wantErr string
	}{
		{"01-one", []string{"golang:1.26-trixie"}, ""},
		{"02-two", []string{"golang:1.26-trixie", "debian:trixie-slim"}, ""},
		{"03-three", []string{"golang:1.26-trixie", "gcr.io/distroless/static-debian13:nonroot"}, ""},
		{"04-four", []string{"golang:1.26-trixie"}, ""},
		{"05-five", nil, "05-five/Dockerfile: FROM without an image"},
		{"06-six", []string{"alpine"}, ""},
		{"07-missing", nil, "07-missing/Dockerfile"},
	}
	for _, tt := range tests {
		got, err := Step{Name: tt.step}.BaseImages(fsys)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.step, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, %v; want %q", tt.step, got, err, tt.want)
		}
	}
}
