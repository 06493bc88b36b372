// Package plottest holds test helpers for greenai's reports: golden files (rewritten with -update) and readers for the text of SVG figures and the colours of PNG figures.
package plottest

import (
	"bytes"
	"encoding/xml"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// Golden compares got with the file at path, or rewrites the file when the
// test runs with -update. In an SVG (path ending in .svg) the base64 data
// of embedded fonts is replaced by "FONT" on both sides, so that golden
// figures stay small; TestSVGEmbedsFont checks that data.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if strings.HasSuffix(path, ".svg") {
		got = StripFontData(got)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if strings.HasSuffix(path, ".svg") {
		want = StripFontData(want)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept):\n%s", path, firstDiff(string(want), string(got)))
	}
}

var fontData = regexp.MustCompile(`base64,[A-Za-z0-9+/=]+\)`)

// StripFontData replaces the base64 data of the fonts embedded in an SVG
// by "FONT".
func StripFontData(svg []byte) []byte {
	return fontData.ReplaceAll(svg, []byte("base64,FONT)"))
}

// firstDiff describes the first differing line.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(only line endings differ)"
}

// SVGTexts returns the content of every <text> element of an SVG document,
// in document order.
func SVGTexts(svg []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(svg))
	var out []string
	inText := false
	var cur strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if tk.Name.Local == "text" {
				inText = true
				cur.Reset()
			}
		case xml.CharData:
			if inText {
				cur.Write(tk)
			}
		case xml.EndElement:
			if tk.Name.Local == "text" {
				inText = false
				out = append(out, cur.String())
			}
		}
	}
}

// Missing returns the strings of want that are not among have.
func Missing(have, want []string) []string {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	var miss []string
	for _, w := range want {
		if !set[w] {
			miss = append(miss, w)
		}
	}
	return miss
}

// DecodePNG decodes a PNG image.
func DecodePNG(b []byte) (image.Image, error) {
	return png.Decode(bytes.NewReader(b))
}

// CountColor counts the pixels of img that are exactly c (alpha ignored).
func CountColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return n
}
