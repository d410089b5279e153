package file

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]float64{"1.8 GiB": 1.8 * (1 << 30), "244.1 MiB": 244.1 * (1 << 20), "512 bytes": 512, "3 KiB": 3072} {
		if got, ok := parseSize(in); !ok || got != want {
			t.Errorf("parseSize(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "lots", "3 GB"} {
		if _, ok := parseSize(in); ok {
			t.Errorf("parseSize(%q) took it", in)
		}
	}
}
