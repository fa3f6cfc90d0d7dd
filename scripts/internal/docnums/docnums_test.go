package docnums

import (
	"reflect"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	text := "# Step 4\n\nThe image is <!-- num:size:04-scratch-static -->5.8 MB<!-- /num -->,\n" +
		"down from <!-- num:size:01-single-stage -->940 MB<!-- /num --> (<!-- num:binary_size:04-scratch-static -->5.8 MB<!-- /num --> binary).\n"
	got, err := Find(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Marker{
		{Key: "size:04-scratch-static", Value: "5.8 MB", Line: 3},
		{Key: "size:01-single-stage", Value: "940 MB", Line: 4},
		{Key: "binary_size:04-scratch-static", Value: "5.8 MB", Line: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Find =\n%+v\nwant\n%+v", got, want)
	}
	if v := got[2].Step(); v != "04-scratch-static" {
		t.Errorf("Step = %q", v)
	}
}

func TestFindErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"not closed", "a <!-- num:size:04-x -->5 MB\n<!-- /num -->", "line 1: <!-- num:size:04-x --> is not closed by <!-- /num --> on the same line"},
		{"stray close", "5 MB<!-- /num -->", "line 1: <!-- /num --> without an opening"},
		{"nested", "<!-- num:size:04-x --><!-- num:size:03-y -->1<!-- /num --><!-- /num -->", "holds another comment"},
		{"empty", "x\n<!-- num:size:04-x --> <!-- /num -->", "line 2: <!-- num:size:04-x --> is empty"},
		{"no step", "<!-- num:size -->5<!-- /num -->", `line 1: malformed marker "<!-- num:size -->"`},
		{"typo", "<!-- num: size:04-x -->5<!-- /num -->", "malformed marker"},
		{"bad close", "<!-- num:size:04-x -->5<!--/num-->", "malformed marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Find(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Find error = %v, want %q", err, tt.want)
			}
			out, _, err := Rewrite(tt.text, map[string]string{"size:04-x": "1 MB"})
			if err == nil || out != tt.text {
				t.Errorf("Rewrite = %q, %v; want the text unchanged and an error", out, err)
			}
		})
	}
}

func TestRewrite(t *testing.T) {
	text := "| step | size |\n| --- | --- |\n" +
		"| 01 | <!-- num:size:01-single-stage -->TBD<!-- /num --> |\n" +
		"| 04 | <!-- num:size:04-scratch-static -->6.1 MB<!-- /num --> |\n" +
		"again <!-- num:size:04-scratch-static -->6.1 MB<!-- /num -->, <!-- num:size:05-new -->?<!-- /num --> and <!-- num:size:05-new -->?<!-- /num -->\n"
	values := map[string]string{
		"size:01-single-stage":   "940 MB",
		"size:04-scratch-static": "5.8 MB",
		"size:02-multi-stage":    "unused",
	}
	got, missing, err := Rewrite(text, values)
	if err != nil {
		t.Fatal(err)
	}
	want := "| step | size |\n| --- | --- |\n" +
		"| 01 | <!-- num:size:01-single-stage -->940 MB<!-- /num --> |\n" +
		"| 04 | <!-- num:size:04-scratch-static -->5.8 MB<!-- /num --> |\n" +
		"again <!-- num:size:04-scratch-static -->5.8 MB<!-- /num -->, <!-- num:size:05-new -->?<!-- /num --> and <!-- num:size:05-new -->?<!-- /num -->\n"
	if got != want {
		t.Errorf("Rewrite =\n%s\nwant\n%s", got, want)
	}
	if !reflect.DeepEqual(missing, []string{"size:05-new"}) {
		t.Errorf("missing = %v, want [size:05-new]", missing)
	}
	// Rewriting is idempotent, and text without markers passes through.
	if again, _, _ := Rewrite(got, values); again != got {
		t.Errorf("second Rewrite changed the text:\n%s", again)
	}
	if plain, _, _ := Rewrite("no markers\n", values); plain != "no markers\n" {
		t.Errorf("Rewrite of plain text = %q", plain)
	}
}

func TestRewriteEmptyValueIsMissing(t *testing.T) {
	text := "<!-- num:size:04-x -->5 MB<!-- /num -->"
	got, missing, err := Rewrite(text, map[string]string{"size:04-x": "  "})
	if err != nil || got != text || len(missing) != 1 {
		t.Errorf("Rewrite with an empty value = %q, %v, %v; want the old figure kept and the key missing", got, missing, err)
	}
}
