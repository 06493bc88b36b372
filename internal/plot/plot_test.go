package plot

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/greenai/greenai/internal/plot/plottest"
)

func labels(tk siTicks, lo, hi float64) []string {
	var out []string
	for _, t := range tk.Ticks(lo, hi) {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestTicks(t *testing.T) {
	id := func(s string) string { return s }
	tests := []struct {
		name   string
		log    bool
		lo, hi float64
		want   []string
	}{
		{"log decades", true, 1e9, 1e12, []string{"1G", "10G", "100G", "1T"}},
		{"log narrow gets 2 and 5", true, 1, 50, []string{"1", "2", "5", "10", "20", "50"}},
		{"log within a decade labels every multiple", true, 2e9, 8e9, []string{"2G", "3G", "4G", "5G", "6G", "7G", "8G"}},
		// Two decades and a bit: not just 10M and 100M.
		{"log just over two decades gets 2 and 5", true, 1.2e6, 1.4e8, []string{"2M", "5M", "10M", "20M", "50M", "100M"}},
		{"log three decades keeps decades", true, 3e3, 4e6, []string{"5k", "10k", "20k", "50k", "100k", "200k", "500k", "1M", "2M"}},
		{"log 1.3 decades", true, 1.5e9, 3e10, []string{"2G", "5G", "10G", "20G"}},
		{"log with one label falls back to linear", true, 1.1e9, 1.9e9, []string{"1.2G", "1.4G", "1.6G", "1.8G"}},
		{"linear SI", false, 0, 4e9, []string{"0", "1G", "2G", "3G", "4G"}},
		{"linear scores", false, 0.5, 0.8, []string{"0.5", "0.55", "0.6", "0.65", "0.7", "0.75", "0.8"}},
		{"linear negative", false, -3, 3, []string{"-3", "-2", "-1", "0", "1", "2", "3"}},
		{"linear tiny", false, 0.001, 0.004, []string{"1m", "1.5m", "2m", "2.5m", "3m", "3.5m", "4m"}},
		// The rule's step (5P) would leave two labels.
		{"linear with few labels takes a finer step", false, 0.9e15, 14e15, []string{"2P", "4P", "6P", "8P", "10P", "12P", "14P"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := labels(siTicks{log: tc.log, escape: id}, tc.lo, tc.hi)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// Many decades: at most about eight labels.
	if got := labels(siTicks{log: true, escape: id}, 1, 1e18); len(got) > 10 {
		t.Errorf("too many labels: %q", got)
	}
}

// sample is a two-panel figure with every kind of item.
func sample() *Figure {
	a := NewPanel("Expected validation performance",
		Axis{Label: "Budget", Unit: "FPO"}, Axis{Label: "Expected max acc_1"})
	xs := []float64{1e9, 1e10, 1e11, 1e12}
	a.Line("cnn", xs, []float64{0.60, 0.66, 0.69, 0.70}, []float64{0.05, 0.03, 0.01, 0})
	a.Line("lstm", xs, []float64{0.64, 0.65, 0.66, 0.665}, []float64{0.02, 0.02, 0.01, 0.005})
	a.Markers("crossing", []float64{5e9}, []float64{0.645})

	b := NewPanel("Accuracy against compute",
		Axis{Label: "Training compute", Unit: "FPO"}, Axis{Label: "Top-1 accuracy", Unit: "%"})
	px := []float64{4e9, 8e9, 1.1e10, 2e10, 4e10}
	py := []float64{70, 73, 72, 76, 77}
	b.Points("models", px, py, []string{"A", "B", "C", "D", "E"})
	b.Front([]float64{4e9, 8e9, 2e10, 4e10}, []float64{70, 73, 76, 77})
	return &Figure{Panels: []*Panel{a, b}}
}

func render(t *testing.T, f *Figure, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Render(&buf, format); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

func TestSVG(t *testing.T) {
	out := render(t, sample(), "svg")
	plottest.Golden(t, "testdata/sample.svg", out)
	texts, err := plottest.SVGTexts(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Expected validation performance", "Accuracy against compute",
		"Budget (FPO)", "Expected max acc_1", "Training compute (FPO)", "Top-1 accuracy (%)",
		"cnn", "lstm", "crossing", "models", "Pareto front",
		"1G", "10G", "100G", "1T", "A", "E",
	}
	if miss := plottest.Missing(texts, want); len(miss) > 0 {
		t.Errorf("SVG lacks texts %q; has %q", miss, texts)
	}
	front := strings.ToUpper(strings.TrimPrefix(hex(FrontColor), "#"))
	if !strings.Contains(strings.ToUpper(string(out)), front) {
		t.Errorf("SVG has no element in the front colour #%s", front)
	}
}

func hex(c interface{ RGBA() (r, g, b, a uint32) }) string {
	r, g, b, _ := c.RGBA()
	const digits = "0123456789abcdef"
	out := []byte{'#'}
	for _, v := range []uint32{r >> 8, g >> 8, b >> 8} {
		out = append(out, digits[v>>4], digits[v&15])
	}
	return string(out)
}

func TestPNG(t *testing.T) {
	f := sample()
	out := render(t, f, "png")
	img, err := plottest.DecodePNG(out)
	if err != nil {
		t.Fatal(err)
	}
	// 10in × 4.5in (a panel has point labels) at PNGDPI.
	if b := img.Bounds(); b.Dx() != 10*PNGDPI || b.Dy() != 45*PNGDPI/10 {
		t.Errorf("PNG is %dx%d, want %dx%d", b.Dx(), b.Dy(), 10*PNGDPI, 45*PNGDPI/10)
	}
	if n := plottest.CountColor(img, FrontColor); n < 200 {
		t.Errorf("only %d pixels in the front colour", n)
	}
	if n := plottest.CountColor(img, Palette[0]); n < 200 {
		t.Errorf("only %d pixels in the first series colour", n)
	}
	// A figure without a front has no front-coloured pixels.
	noFront := &Figure{Panels: f.Panels[:1]}
	img, _ = plottest.DecodePNG(render(t, noFront, "png"))
	if n := plottest.CountColor(img, FrontColor); n != 0 {
		t.Errorf("%d front-coloured pixels without a front", n)
	}
}

func TestPDF(t *testing.T) {
	out := render(t, sample(), "pdf")
	if !bytes.HasPrefix(out, []byte("%PDF-")) || !bytes.Contains(out, []byte("%%EOF")) {
		t.Fatalf("not a PDF: %.40q", out)
	}
	if n := bytes.Count(out, []byte("/Type /Page\n")) + bytes.Count(out, []byte("/Type /Page ")); n != 1 {
		t.Logf("page markers: %d", n)
	}
	// 10in × 4.5in = 720pt × 324pt.
	if !bytes.Contains(out, []byte("/MediaBox [0 0 720.00 324.00]")) {
		t.Errorf("PDF lacks the expected media box")
	}
	if !bytes.Contains(out, []byte("LiberationSans")) {
		t.Errorf("PDF does not embed the sans font")
	}
}

func TestTeX(t *testing.T) {
	out := render(t, sample(), "tex")
	plottest.Golden(t, "testdata/sample.tex", out)
	s := string(out)
	for _, want := range []string{`\begin{pgfpicture}`, `\end{pgfpicture}`, `Expected max acc\_1`, `Top-1 accuracy (\%)`, "Pareto front", `\selectfont 100G}`} {
		if !strings.Contains(s, want) {
			t.Errorf("TeX output lacks %q", want)
		}
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	for _, f := range Formats {
		path := filepath.Join(dir, "fig."+strings.ToUpper(f))
		if err := sample().Save(path); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", path, err)
		}
	}
	err := sample().Save(filepath.Join(dir, "fig.gif"))
	if err == nil || !strings.Contains(err.Error(), "fig.gif") {
		t.Errorf("want unsupported-format error naming the file, got %v", err)
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		fig  func() *Figure
		want string
	}{
		{"no panels", func() *Figure { return &Figure{} }, "no panels"},
		{"empty panel", func() *Figure { return &Figure{Panels: []*Panel{NewPanel("e", Axis{}, Axis{})}} }, "no data"},
		{"NaN", func() *Figure {
			p := NewPanel("p", Axis{}, Axis{})
			p.Line("l", []float64{1, 2}, []float64{1, math.NaN()}, nil)
			return &Figure{Panels: []*Panel{p}}
		}, "not finite"},
		{"log with zero", func() *Figure {
			p := NewPanel("p", Axis{Scale: Log}, Axis{})
			p.Points("s", []float64{0, 2}, []float64{1, 2}, nil)
			return &Figure{Panels: []*Panel{p}}
		}, "positive"},
		{"length mismatch", func() *Figure {
			p := NewPanel("p", Axis{}, Axis{})
			p.Points("s", []float64{1, 2}, []float64{1}, nil)
			return &Figure{Panels: []*Panel{p}}
		}, "length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fig().Render(&bytes.Buffer{}, "svg")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
	if err := sample().Render(&bytes.Buffer{}, "bmp"); err == nil {
		t.Error("bmp: want error")
	}
}

func TestAutoScale(t *testing.T) {
	tests := []struct {
		lo, hi float64
		scale  Scale
		want   bool
	}{
		{1, 50, Auto, false},
		{1, 100, Auto, true},
		{-1, 1000, Auto, false},
		{1, 1e6, Linear, false},
		{0.5, 0.9, Log, true},
	}
	for _, tc := range tests {
		got, err := useLog(Axis{Scale: tc.scale}, tc.lo, tc.hi, "x")
		if err != nil || got != tc.want {
			t.Errorf("%v [%v,%v]: %v %v, want %v", tc.scale, tc.lo, tc.hi, got, err, tc.want)
		}
	}
	for in, want := range map[string]Scale{"auto": Auto, "": Auto, "lin": Linear, "linear": Linear, "LOG": Log} {
		if got, err := ParseScale(in); err != nil || got != want {
			t.Errorf("ParseScale(%q) = %v %v", in, got, err)
		}
	}
	if _, err := ParseScale("sqrt"); err == nil {
		t.Error("sqrt: want error")
	}
}

func TestTeXEscape(t *testing.T) {
	got := TeXEscape(`a_b & 5% $x$ #1 {y} ~ ^ \ µs ± × 1.6 × 10¹⁶ 10⁻⁴ 354·batch a|b <x>` + "`x`")
	want := `a\_b \& 5\% \$x\$ \#1 \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{} \ensuremath{\mu}s \ensuremath{\pm} \ensuremath{\times} 1.6 \ensuremath{\times} 10\ensuremath{^{16}} 10\ensuremath{^{-4}} 354\ensuremath{\cdot}batch a\textbar{}b \textless{}x\textgreater{}\textasciigrave{}x\textasciigrave{}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestLogAxisUsesTheWidth guards against gonum/plot's padding of log axes
// with a long label, which squeezed the data area to two thirds.
func TestLogAxisUsesTheWidth(t *testing.T) {
	p := NewPanel("t", Axis{Label: "Budget: trials × mean seconds per trial", Unit: "s"}, Axis{Label: "y"})
	p.Line("curve", []float64{150, 1e3, 1e5, 7.5e6}, []float64{0.7, 0.8, 0.85, 0.9}, nil)
	g, _, err := p.build(func(s string) string { return s }, 5*vg.Inch, 3.5*vg.Inch, outsideLegend{})
	if err != nil {
		t.Fatal(err)
	}
	c := draw.New(vgimg.New(5*vg.Inch, 3.5*vg.Inch))
	d := g.DataCanvas(c)
	if w, total := d.Max.X-d.Min.X, c.Max.X-c.Min.X; w < 0.8*total {
		t.Errorf("data area is %v of %v wide", w, total)
	}
}

func TestCP1252(t *testing.T) {
	tests := map[string]string{
		"plain":       "plain",
		"±1 sd":       "\xb11 sd",
		"n × FPO":     "n \xd7 FPO",
		"5 µs – 10 s": "5 \xb5s \x96 10 s",
		"n ≤ N":       "n <= N",
		"CO₂":         "CO?",
	}
	for in, want := range tests {
		if got := cp1252(in); got != want {
			t.Errorf("cp1252(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTint(t *testing.T) {
	c := Palette[0]
	if tint(c, 1) != c || tint(c, 0) != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("tint endpoints: %v %v", tint(c, 1), tint(c, 0))
	}
}

// TestSVGEmbedsFont: an SVG carries the font its text was laid out with
// (@font-face with the TTF data), and names metric-compatible fallbacks, so
// that text neither clips nor overlaps where Liberation Sans is missing.
func TestSVGEmbedsFont(t *testing.T) {
	out := string(render(t, sample(), "svg"))
	m := regexp.MustCompile(`@font-face\{\s*font-family:"([^"]+)";[^}]*src: url\(data:font/ttf;charset=utf-8;base64,([A-Za-z0-9+/=]+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("the SVG embeds no font")
	}
	ttf, err := base64.StdEncoding.DecodeString(m[2])
	if err != nil {
		t.Fatal(err)
	}
	// The very font gonum measured the text with.
	var want bytes.Buffer
	if _, err := font.DefaultCache.Lookup(fontFace, 10).Face.WriteSourceTo(nil, &want); err != nil {
		t.Fatal(err)
	}
	if m[1] != "Liberation Sans" || !bytes.Equal(ttf, want.Bytes()) {
		t.Errorf("embedded font %q (%d bytes) is not gonum's Liberation Sans (%d bytes)", m[1], len(ttf), want.Len())
	}
	if n := strings.Count(out, "font-family:"+svgFamily+";"); n < 10 {
		t.Errorf("%d text elements name the fallback families %s", n, svgFamily)
	}
	if strings.Contains(out, "font-family:Liberation Sans;") {
		t.Error("some text names only Liberation Sans")
	}
}

// svgTextX returns the x position of each text element of an SVG, by its
// content.
func svgTextX(t *testing.T, svg []byte) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, m := range regexp.MustCompile(`(?s)<text x="([-0-9.]+)"[^>]*>([^<]*)</text>`).FindAllSubmatch(svg, -1) {
		x, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			t.Fatal(err)
		}
		out[string(m[2])] = x
	}
	return out
}

// TestLegendOutside: a legend of many entries goes right of the axes (the
// figure widens for it, in columns where it is taller than the axes), so
// it covers no data; a small one stays inside.
func TestLegendOutside(t *testing.T) {
	p := NewPanel("many runs", Axis{Label: "steps"}, Axis{Label: "loss"})
	for i := range 25 {
		p.Line(fmt.Sprintf("run %02d", i+1), []float64{0, 50, 100}, []float64{1, 0.5 - 0.01*float64(i), 0.2}, nil)
	}
	svg := render(t, &Figure{Panels: []*Panel{p}}, "svg")
	if !bytes.Contains(svg, []byte(`<svg width="`)) || bytes.Contains(svg, []byte(`<svg width="360pt"`)) {
		t.Errorf("the figure did not widen for the legend: %s", svg[:200])
	}
	x := svgTextX(t, svg)
	axisRight := x["100"] // the rightmost x tick label
	for i := range 25 {
		name := fmt.Sprintf("run %02d", i+1)
		if lx, ok := x[name]; !ok || lx <= axisRight+10 {
			t.Errorf("legend entry %q at x=%v, not right of the axes (last tick at %v)", name, lx, axisRight)
		}
	}
	if x["run 01"] == x["run 25"] {
		t.Error("25 entries in one column do not fit the height; want several columns")
	}
	// Forced inside, the same legend lies over the data area.
	p.Legend = LegendInside
	x = svgTextX(t, render(t, &Figure{Panels: []*Panel{p}}, "svg"))
	if x["run 01"] > x["100"] {
		t.Errorf("LegendInside: entry at x=%v, right of the axes (%v)", x["run 01"], x["100"])
	}
	// A two-entry legend stays inside by default.
	q := NewPanel("two", Axis{Label: "steps"}, Axis{Label: "loss"})
	q.Line("a", []float64{0, 100}, []float64{1, 0}, nil)
	q.Line("b", []float64{0, 100}, []float64{0, 1}, nil)
	x = svgTextX(t, render(t, &Figure{Panels: []*Panel{q}}, "svg"))
	if x["a"] > x["100"] {
		t.Errorf("a small legend went outside: %v", x)
	}
}

// TestSVGFontURL: with FontURL the SVG links the font instead of
// embedding it, and FontTTF is the font to serve there.
func TestSVGFontURL(t *testing.T) {
	f := sample()
	f.FontURL = "/static/font.ttf"
	out := render(t, f, "svg")
	if bytes.Contains(out, []byte("base64,")) {
		t.Error("the font is embedded although FontURL is set")
	}
	if !bytes.Contains(out, []byte(`@font-face{font-family:"Liberation Sans";src:url("/static/font.ttf") format("truetype");}`)) {
		t.Errorf("no @font-face for the URL:\n%s", out[:400])
	}
	if _, err := plottest.SVGTexts(out); err != nil {
		t.Errorf("not well-formed: %v", err)
	}
	ttf, err := FontTTF()
	if err != nil || len(ttf) < 100000 || string(ttf[:4]) != "\x00\x01\x00\x00" {
		t.Errorf("FontTTF: %d bytes, %v", len(ttf), err)
	}
}
