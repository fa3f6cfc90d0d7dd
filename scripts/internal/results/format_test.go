package results

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBytes(t *testing.T) {
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
		if got := Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.want)
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
		if got := Times(tt.base, tt.x); got != tt.want {
			t.Errorf("Times(%d, %d) = %q, want %q", tt.base, tt.x, got, tt.want)
		}
	}
}

func TestPercentShareMillis(t *testing.T) {
	for r, want := range map[float64]string{1: "100 %", 0.9998909556191551: "99.99 %", 0.5: "50 %", 0: "0 %"} {
		if got := Percent(r); got != want {
			t.Errorf("Percent(%v) = %q, want %q", r, got, want)
		}
	}
	shares := []struct {
		part, total int64
		want        string
	}{{868709452, 964669404, "90.1 %"}, {31, 964669404, "<0.1 %"}, {0, 10, "0.0 %"}, {5, 0, "–"}, {10, 10, "100.0 %"}}
	for _, tt := range shares {
		if got := Share(tt.part, tt.total); got != tt.want {
			t.Errorf("Share(%d, %d) = %q, want %q", tt.part, tt.total, got, tt.want)
		}
	}
	for ns, want := range map[int64]string{185_400_000: "185 ms", 8_440_000: "8.4 ms", 0: "0.0 ms", 1_500_000_000: "1500 ms"} {
		if got := Millis(ns); got != want {
			t.Errorf("Millis(%d) = %q, want %q", ns, got, want)
		}
	}
}

func TestLoadFormats(t *testing.T) {
	for r, want := range map[float64]string{39339.75: "39\u202f300", 987.4: "987", 12.34: "12.3", 1234567: "1\u202f230\u202f000", 999.6: "1000", 1000: "1000", 9876: "9880", 0: "0"} {
		if got := Rate(r); got != want {
			t.Errorf("Rate(%v) = %q, want %q", r, got, want)
		}
	}
	one, r := 1.0, 1.0349
	for _, tt := range []struct {
		r    *float64
		want string
	}{{nil, "–"}, {&one, "1×"}, {&r, "1.03×"}} {
		if got := Ratio(tt.r); got != tt.want {
			t.Errorf("ratio = %q, want %q", got, tt.want)
		}
	}
	for ns, want := range map[int64]string{506812: "0.51 ms", 5586958: "5.6 ms", 12_400_000: "12 ms"} {
		if got := Latency(ns); got != want {
			t.Errorf("Latency(%d) = %q, want %q", ns, got, want)
		}
	}
	for ns, want := range map[int64]string{300_000_000: "0.3 s", 5_000_000_000: "5 s", 250_000_000: "0.25 s"} {
		if got := Seconds(ns); got != want {
			t.Errorf("Seconds(%d) = %q, want %q", ns, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 9999: "9999", 10000: "10\u202f000", 964742500: "964\u202f742\u202f500", -12345: "-12\u202f345"} {
		if got := Int(n); got != want {
			t.Errorf("Int(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestObtained(t *testing.T) {
	root := t.TempDir()
	if got := ReadObtained(root); len(got) != 0 {
		t.Errorf("no record yet: %v", got)
	}
	for id, o := range map[string]Obtained{"sha256:a": {"golang:1.26-trixie", Pulled}, "sha256:b": {"debian:trixie-slim", BuiltOffline}} {
		if err := RecordObtained(root, id, o); err != nil {
			t.Fatal(err)
		}
	}
	if got := ReadObtained(root); len(got) != 2 || got["sha256:a"].Provenance != Pulled || got["sha256:b"].Ref != "debian:trixie-slim" {
		t.Errorf("ReadObtained = %v", got)
	}
	os.WriteFile(filepath.Join(root, BasesFile), []byte("not json"), 0o644)
	if got := ReadObtained(root); len(got) != 0 {
		t.Errorf("an unreadable record: %v, want none", got)
	}
}
