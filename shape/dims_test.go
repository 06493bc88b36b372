package shape

import (
	"strings"
	"testing"
)

func TestParseDims(t *testing.T) {
	good := map[string]string{
		"1x3x224x224":   "[1 3 224 224]",
		"batchx128":     "[batch 128]",
		"batch,max_len": "[batch max_len]",
		"2×3":           "[2 3]",
		" 4 x 2*seq ":   "[4 2*seq]",
		"scalar":        "[]",
		"":              "[]",
	}
	for in, want := range good {
		e, err := ParseDims(in)
		if err != nil {
			t.Errorf("ParseDims(%q): %v", in, err)
			continue
		}
		var parts []string
		for _, d := range e {
			parts = append(parts, d.String())
		}
		if got := "[" + strings.Join(parts, " ") + "]"; got != want {
			t.Errorf("ParseDims(%q) = %s, want %s", in, got, want)
		}
	}
	bad := map[string]string{
		"8x3x0x224":              "dim 3 of \"8x3x0x224\" is 0",
		"1x-3":                   "negative",
		"1xx3":                   "dim 2 of \"1xx3\" is empty",
		"1x3$":                   "is not an integer or a symbol",
		"99999999999999999999x1": "not an integer or a symbol",
	}
	for in, want := range bad {
		_, err := ParseDims(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDims(%q): error %v, want one containing %q", in, err, want)
		}
	}
}

func FuzzParseDims(f *testing.F) {
	for _, s := range []string{"1x3x224x224", "batch,seq", "2*batchx(3+seq)", "0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dims, err := ParseDims(s)
		if err != nil {
			return
		}
		for _, d := range dims {
			if c, ok := d.IsConst(); ok && c <= 0 {
				t.Fatalf("ParseDims(%q) accepted dim %d", s, c)
			}
		}
	})
}
