package docnums

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLessons(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md": {}, "README.es.md": {}, "RESULTS.md": {}, "NOTES.md": {},
		"01-a/README.md": {}, "01-a/README.es.md": {}, "01-a/Dockerfile": {},
		"12-b/README.md": {}, "12-b/sub/README.md": {},
		"1-short/README.md": {}, "ab-letters/README.md": {},
		"scripts/README.md": {},
	}
	got, err := Lessons(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"01-a/README.es.md", "01-a/README.md", "12-b/README.md", "README.es.md", "README.md"}
	if !slices.Equal(got, want) {
		t.Errorf("Lessons = %v, want %v", got, want)
	}
	if got, err := Lessons(fstest.MapFS{"RESULTS.md": {}}); err != nil || len(got) != 0 {
		t.Errorf("Lessons without READMEs = %v, %v; want none", got, err)
	}
}

func TestCheckMarkers(t *testing.T) {
	const twice = "has the " + ResultsBegin + " or " + ResultsEnd + " marker more than once"
	tests := []struct {
		name, text string
		want       string // "" for no error
	}{
		{"in order", "# R\n\n" + ResultsBegin + "\n| a |\n" + ResultsEnd + "\n\nmore\n", ""},
		{"empty between", ResultsBegin + ResultsEnd, ""},
		{"none", "# no markers\n", ErrNoMarkers.Error()},
		{"begin only", ResultsBegin + "\n", ErrNoMarkers.Error()},
		{"end only", ResultsEnd + "\n", ErrNoMarkers.Error()},
		{"reversed", ResultsEnd + "\n" + ResultsBegin + "\n", ErrNoMarkers.Error()},
		{"pair twice", strings.Repeat(ResultsBegin+"\n"+ResultsEnd+"\n", 2), twice},
		{"begin twice", ResultsBegin + "\n" + ResultsBegin + "\n" + ResultsEnd + "\n", twice},
		{"end twice", ResultsBegin + "\n" + ResultsEnd + "\n" + ResultsEnd + "\n", twice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMarkers([]byte(tt.text))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckMarkers = %v, want no error", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("CheckMarkers = %v, want %q", err, tt.want)
			}
		})
	}
	if err := CheckMarkers([]byte("x")); !errors.Is(err, ErrNoMarkers) {
		t.Errorf("CheckMarkers without markers = %v, want ErrNoMarkers", err)
	}
	// The message report prints after the README's name.
	if want := "has no <!-- results:begin --> … <!-- results:end --> markers to put the results table between"; ErrNoMarkers.Error() != want {
		t.Errorf("ErrNoMarkers = %q, want %q", ErrNoMarkers, want)
	}
}
