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
	if c, v := got[2].Column(), got[2].Step(); c != "binary_size" || v != "04-scratch-static" {
		t.Errorf("Column, Step = %q, %q", c, v)
	}
	if k := Key("size", "02-multi-stage"); k != "size:02-multi-stage" {
		t.Errorf("Key = %q", k)
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

// resultsSample has the shape of the RESULTS.md that make report writes.
const resultsSample = `# Results

<!-- Written by make report. -->

| Base image | ID | Provenance | Size | Used by |
|---|---|---|--:|---|
| golang:1.26-trixie | ` + "`40ee2f6bd01f`" + ` | built offline | 869 MB | 01-single-stage, 02-multi-stage |

## Summary

| Step | Size | vs 01-single-stage | Compressed | Layers | Shell |
|---|--:|--:|--:|--:|---|
| 01-single-stage | 965 MB | 1× | 352 MB | 12 (1 empty) | yes |
| 04-scratch-static | **5.90 MB** | 164× | 2.52 MB | 1 | no |

### 01-single-stage

| # | Size | % of image | Compressed | Command |
|--:|--:|--:|--:|---|
| 0 | 869 MB | 90.1 % | 300 MB | FROM golang |

## Posture

| Step | Runs as | Shell | CA bundle | Binary |
|---|---|---|---|--:|
| ` + "`01-single-stage`" + ` | root | yes, ` + "`/usr/bin/dash`" + ` | yes | 8.27 MB |
| [04-scratch-static](04-scratch-static/) | 65532 | no | no | 5.90 MB |
`

func TestValues(t *testing.T) {
	got, err := Values(resultsSample)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"size:01-single-stage":                 "965 MB",
		"vs_01_single_stage:01-single-stage":   "1×",
		"compressed:01-single-stage":           "352 MB",
		"layers:01-single-stage":               "12 (1 empty)",
		"shell:01-single-stage":                "yes", // the summary's, not the posture's
		"size:04-scratch-static":               "5.90 MB",
		"vs_01_single_stage:04-scratch-static": "164×",
		"compressed:04-scratch-static":         "2.52 MB",
		"layers:04-scratch-static":             "1",
		"shell:04-scratch-static":              "no",
		"runs_as:01-single-stage":              "root",
		"ca_bundle:01-single-stage":            "yes",
		"binary:01-single-stage":               "8.27 MB",
		"runs_as:04-scratch-static":            "65532",
		"ca_bundle:04-scratch-static":          "no",
		"binary:04-scratch-static":             "5.90 MB",
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected key %s = %q", k, v)
			}
		}
	}
	if _, err := Values("# Results\n\nno table\n"); err == nil {
		t.Error("Values without a table: no error")
	}
}

func TestColumnKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Size", "size"},
		{"vs 01-single-stage", "vs_01_single_stage"},
		{"Start-up", "start_up"},
		{"**Idle memory**", "idle_memory"},
		{"Size (MB)", "size"},
		{"#", ""},
	}
	for _, tt := range tests {
		if got := ColumnKey(tt.in); got != tt.want {
			t.Errorf("ColumnKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
