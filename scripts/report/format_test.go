package main

import (
	"testing"
)

func TestHumanSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {31, "31 B"}, {999, "999 B"}, {1000, "1.00 kB"}, {5335, "5.33 kB"},
		{99949, "99.9 kB"}, {99950, "100 kB"}, {999499, "999 kB"}, {999500, "1.00 MB"},
		{5902498, "5.90 MB"}, {86463443, "86.5 MB"}, {964742500, "965 MB"}, {999_999_999, "1.00 GB"},
		{1_234_567_890_123, "1.23 TB"},
	}
	for _, tt := range tests {
		if got := humanSize(tt.n); got != tt.want {
			t.Errorf("humanSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestTimes(t *testing.T) {
	tests := []struct {
		base, x int64
		want    string
	}{
		{964742500, 964742500, "1×"}, {964742500, 86463443, "11.2×"}, {964742500, 10208715, "94.5×"},
		{964742500, 5902498, "163×"}, {100, 50, "2.00×"}, {100, 0, "–"}, {0, 5, "–"},
	}
	for _, tt := range tests {
		if got := times(tt.base, tt.x); got != tt.want {
			t.Errorf("times(%d, %d) = %q, want %q", tt.base, tt.x, got, tt.want)
		}
	}
}

func TestPercentShareMillis(t *testing.T) {
	for r, want := range map[float64]string{1: "100 %", 0.9998909556191551: "99.99 %", 0.5: "50 %", 0: "0 %"} {
		if got := percent(r); got != want {
			t.Errorf("percent(%v) = %q, want %q", r, got, want)
		}
	}
	shares := []struct {
		part, total int64
		want        string
	}{{868709452, 964669404, "90.1 %"}, {31, 964669404, "<0.1 %"}, {0, 10, "0.0 %"}, {5, 0, "–"}, {10, 10, "100.0 %"}}
	for _, tt := range shares {
		if got := share(tt.part, tt.total); got != tt.want {
			t.Errorf("share(%d, %d) = %q, want %q", tt.part, tt.total, got, tt.want)
		}
	}
	for ns, want := range map[int64]string{185_400_000: "185 ms", 8_440_000: "8.4 ms", 0: "0.0 ms", 1_500_000_000: "1500 ms"} {
		if got := millis(ns); got != want {
			t.Errorf("millis(%d) = %q, want %q", ns, got, want)
		}
	}
}

func TestShortCommand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"COPY /out/server /server # buildkit", "COPY /out/server /server"},
		{"RUN /bin/sh -c go build -o /usr/local/bin/server . # buildkit", "RUN go build -o /usr/local/bin/server ."},
		{"RUN |1 X=1 /bin/sh -c a  |  b", "RUN |1 X=1 /bin/sh -c a | b"},
		{"RUN echo `date`", "RUN echo 'date'"},
		{"RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git", "RUN apt-get update && apt-get install -y --no-install-recommends ca-cer…"},
	}
	for _, tt := range tests {
		if got := shortCommand(tt.in); got != tt.want {
			t.Errorf("shortCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := layerCommand(Layer{Command: "a | b"}); got != "`a \\| b`" {
		t.Errorf("layerCommand with a pipe = %q, want the pipe escaped for the table", got)
	}
	if got := layerCommand(Layer{FromBase: "debian:trixie-slim"}); got != "FROM debian:trixie-slim" {
		t.Errorf("layerCommand of a base layer = %q", got)
	}
}

func TestParseMemUsage(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2.156MiB / 23.54GiB", 2260730, true},
		{"512KiB / 1GiB", 524288, true},
		{"1.5GiB / 2GiB", 1610612736, true},
		{"900B / 1GiB", 900, true},
		{"3.2MB / 8GB", 3200000, true},
		{"-- / --", 0, false},
		{"", 0, false},
		{"12XB / 1GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseMemUsage(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseMemUsage(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []int64
		want int64
	}{{nil, 0}, {[]int64{5}, 5}, {[]int64{900, 100, 300, 200, 250}, 250}, {[]int64{4, 1, 3, 2}, 2}}
	for _, tt := range tests {
		in := append([]int64(nil), tt.xs...)
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %d, want %d", tt.xs, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.xs[i] {
				t.Errorf("median reordered its input: %v", tt.xs)
			}
		}
	}
}

func TestLoadFormats(t *testing.T) {
	for r, want := range map[float64]string{39339.75: "39,300", 987.4: "987", 12.34: "12.3", 1234567: "1,230,000", 999.6: "1,000", 1000: "1,000", 0: "0"} {
		if got := rate(r); got != want {
			t.Errorf("rate(%v) = %q, want %q", r, got, want)
		}
	}
	one, r := 1.0, 1.0349
	for _, tt := range []struct {
		r    *float64
		want string
	}{{nil, "–"}, {&one, "1×"}, {&r, "1.03×"}} {
		if got := ratio(tt.r); got != tt.want {
			t.Errorf("ratio = %q, want %q", got, tt.want)
		}
	}
	for ns, want := range map[int64]string{506812: "0.51 ms", 5586958: "5.6 ms", 12_400_000: "12 ms"} {
		if got := latency(ns); got != want {
			t.Errorf("latency(%d) = %q, want %q", ns, got, want)
		}
	}
	for ns, want := range map[int64]string{300_000_000: "0.3 s", 5_000_000_000: "5 s", 250_000_000: "0.25 s"} {
		if got := seconds(ns); got != want {
			t.Errorf("seconds(%d) = %q, want %q", ns, got, want)
		}
	}
	if got := clip("abcdef", 4); got != "abc…" {
		t.Errorf("clip = %q", got)
	}
}
