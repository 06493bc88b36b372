// Package plot draws greenai's report figures with gonum/plot: SI-prefixed ticks, automatic log axes, legends, and SVG, PNG, PDF or TikZ/PGF output.
package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/charmap"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
	"gonum.org/v1/plot/vg/vgtex"
)

// Scale chooses between linear and logarithmic axes.
type Scale int

const (
	// Auto uses a log axis when all values are positive and span at least
	// two decades (max/min ≥ 100), a linear one otherwise.
	Auto Scale = iota
	// Linear forces a linear axis.
	Linear
	// Log forces a log axis; rendering fails if a value is not positive.
	Log
)

// ParseScale accepts "auto", "linear" (or "lin") and "log".
func ParseScale(s string) (Scale, error) {
	switch strings.ToLower(s) {
	case "auto", "":
		return Auto, nil
	case "linear", "lin":
		return Linear, nil
	case "log":
		return Log, nil
	}
	return Auto, fmt.Errorf("plot: unknown axis scale %q (want auto, linear or log)", s)
}

// Axis describes one axis: its label, the unit of its values (shown in
// parentheses; tick labels carry the SI prefix) and its scale.
type Axis struct {
	Label string
	Unit  string
	Scale Scale
}

func (a Axis) title() string {
	if a.Unit == "" {
		return a.Label
	}
	return a.Label + " (" + a.Unit + ")"
}

// Colours. Series use the Okabe–Ito palette, which stays distinguishable
// for colour-blind readers; FrontColor is reserved for the Pareto front.
var (
	Palette = []color.RGBA{
		{0x00, 0x72, 0xB2, 0xff}, // blue
		{0xE6, 0x9F, 0x00, 0xff}, // orange
		{0x00, 0x9E, 0x73, 0xff}, // bluish green
		{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
		{0x56, 0xB4, 0xE9, 0xff}, // sky blue
		{0x99, 0x66, 0x00, 0xff}, // brown
		{0x00, 0x00, 0x00, 0xff}, // black
	}
	FrontColor = color.RGBA{0xD6, 0x27, 0x28, 0xff}
	MutedColor = color.RGBA{0xA0, 0xA0, 0xA0, 0xff}
)

// Font sizes in points, chosen to stay readable when a figure is shrunk to
// a single paper column.
var (
	fontFace   = font.Font{Typeface: "Liberation", Variant: "Sans"}
	titleSize  = vg.Points(13)
	labelSize  = vg.Points(12)
	tickSize   = vg.Points(10)
	legendSize = vg.Points(10)
	pointSize  = vg.Points(8)
)

type itemKind int

const (
	lineItem itemKind = iota
	pointsItem
	frontItem
	markersItem
)

type item struct {
	kind   itemKind
	name   string
	xs, ys []float64
	// lineItem: the shaded band's edges in data coordinates (nil: no
	// band); Line sets them to ys ± sd.
	lo, hi []float64
	labels []string // pointsItem: text next to each point
	joined bool     // pointsItem: join the points with a line
	muted  bool     // pointsItem: drawn in MutedColor
	// bandLo and bandHi are the band's edges in axis coordinates (set
	// while building).
	bandLo, bandHi []float64
	series         int // palette / glyph index
}

// Panel is one set of axes. Add data with Line, Band, Points, Front and
// Markers; nothing is drawn until the Figure is rendered, so axis scales
// can be chosen from all the data.
type Panel struct {
	Title string
	X, Y  Axis
	// Legend says where the legend goes; by default (LegendAuto) inside the
	// data area, in the corner with the fewest points, unless it is large
	// (more than six entries, or more than 40% of the width or half the
	// height), then outside, right of the axes.
	Legend LegendPlace
	items  []item
	series int
}

// LegendPlace places a panel's legend.
type LegendPlace int

const (
	// LegendAuto puts a small legend inside and a large one outside.
	LegendAuto LegendPlace = iota
	// LegendInside puts it in the data area's emptiest corner.
	LegendInside
	// LegendOutside puts it right of the axes, where it covers no data.
	LegendOutside
)

// NewPanel returns an empty panel.
func NewPanel(title string, x, y Axis) *Panel {
	return &Panel{Title: title, X: x, Y: y}
}

// Line adds a named curve. If sd is not nil, a band of ±sd around the curve
// is shaded in the curve's colour.
func (p *Panel) Line(name string, xs, ys, sd []float64) {
	it := item{kind: lineItem, name: name, xs: xs, ys: ys, series: p.next()}
	if sd != nil {
		it.lo, it.hi = make([]float64, len(sd)), make([]float64, len(sd))
		for i := range sd {
			if i < len(ys) {
				it.lo[i], it.hi[i] = ys[i]-math.Abs(sd[i]), ys[i]+math.Abs(sd[i])
			}
		}
	}
	p.items = append(p.items, it)
}

// Band adds a named curve with a shaded band from lo to hi around it (for
// example the minimum and maximum of several runs about their mean).
func (p *Panel) Band(name string, xs, ys, lo, hi []float64) {
	p.items = append(p.items, item{kind: lineItem, name: name, xs: xs, ys: ys, lo: lo, hi: hi, series: p.next()})
}

// Points adds a named scatter series; labels (if not nil) are written next
// to the points.
func (p *Panel) Points(name string, xs, ys []float64, labels []string) {
	p.items = append(p.items, item{kind: pointsItem, name: name, xs: xs, ys: ys, labels: labels, series: p.next()})
}

// ConnectedPoints is Points with a thin line joining the points in the
// order given (for a sweep, such as network depth).
func (p *Panel) ConnectedPoints(name string, xs, ys []float64, labels []string) {
	p.items = append(p.items, item{kind: pointsItem, name: name, xs: xs, ys: ys, labels: labels, joined: true, series: p.next()})
}

// Dimmed is Points drawn in grey: points that are shown for context but
// are out of the running (the dominated entries of a leaderboard).
func (p *Panel) Dimmed(name string, xs, ys []float64, labels []string) {
	p.items = append(p.items, item{kind: pointsItem, name: name, xs: xs, ys: ys, labels: labels, muted: true, series: p.next()})
}

// Front adds a Pareto front through the given points (sorted by x), drawn
// as a staircase in FrontColor with the legend entry "Pareto front".
func (p *Panel) Front(xs, ys []float64) {
	p.items = append(p.items, item{kind: frontItem, name: "Pareto front", xs: xs, ys: ys})
}

// Markers adds named black cross markers (used for curve crossings).
func (p *Panel) Markers(name string, xs, ys []float64) {
	p.items = append(p.items, item{kind: markersItem, name: name, xs: xs, ys: ys})
}

func (p *Panel) hasLabels() bool {
	for _, it := range p.items {
		if it.labels != nil {
			return true
		}
	}
	return false
}

func (p *Panel) next() int {
	p.series++
	return p.series - 1
}

// Figure is one or more panels side by side.
type Figure struct {
	Panels []*Panel
	// Width and Height of the whole figure; zero means 5in × 3.5in per
	// panel.
	Width, Height vg.Length
	// FontURL, for SVG, makes the @font-face refer to the font at this URL
	// (a web server serving FontTTF once, cached by browsers) instead of
	// embedding its 400 kB in every file.
	FontURL string
}

// FontTTF returns the TrueType font figures are laid out with (Liberation
// Sans), for a server to serve at a Figure's FontURL.
func FontTTF() ([]byte, error) {
	var b bytes.Buffer
	if _, err := font.DefaultCache.Lookup(fontFace, labelSize).Face.WriteSourceTo(nil, &b); err != nil {
		return nil, fmt.Errorf("plot: font: %w", err)
	}
	return b.Bytes(), nil
}

// Formats lists the output formats, by file extension.
var Formats = []string{"svg", "png", "pdf", "tex"}

// FormatOf returns the output format for a file name from its extension.
func FormatOf(path string) (string, error) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	for _, f := range Formats {
		if ext == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("plot: %s: unsupported figure format %q (want .svg, .png, .pdf or .tex)", path, ext)
}

// PNGDPI is the resolution of PNG output.
const PNGDPI = 150

// Save renders the figure to path in the format given by its extension.
func (f *Figure) Save(path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.Render(&buf, format); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// Render writes the figure in format ("svg", "png", "pdf" or "tex"; the
// last is a PGF picture to \input into a LaTeX document that loads tikz or
// pgf).
func (f *Figure) Render(w io.Writer, format string) (err error) {
	if len(f.Panels) == 0 {
		return fmt.Errorf("plot: figure has no panels")
	}
	width, height := f.Width, f.Height
	if width == 0 {
		width = vg.Length(len(f.Panels)) * 5 * vg.Inch
	}
	if height == 0 {
		height = 3.5 * vg.Inch
		for _, p := range f.Panels {
			if p.hasLabels() {
				height = 4.5 * vg.Inch // room for the point labels
			}
		}
	}
	escape := func(s string) string { return s }
	switch format {
	case "svg", "png":
	case "pdf":
		escape = cp1252
	case "tex":
		escape = TeXEscape
	default:
		return fmt.Errorf("plot: unsupported figure format %q (want svg, png, pdf or tex)", format)
	}
	// A legend outside the axes takes a strip right of them; without a
	// given width the figure widens by it.
	plots := make([]*gplot.Plot, len(f.Panels))
	legends := make([][]*gplot.Legend, len(f.Panels))
	outside := make([]outsideLegend, len(f.Panels))
	var extra vg.Length
	for i, p := range f.Panels {
		outside[i] = p.outside(escape, width/vg.Length(len(f.Panels)), height)
		extra += outside[i].strip
	}
	if f.Width == 0 {
		width += extra
	}
	for i, p := range f.Panels {
		pw := width/vg.Length(len(f.Panels)) - outside[i].strip
		if pw < 2*vg.Inch {
			return fmt.Errorf("plot: panel %q: %v wide leaves too little room beside its legend", p.Title, width/vg.Length(len(f.Panels)))
		}
		if plots[i], legends[i], err = p.build(escape, pw, height, outside[i]); err != nil {
			return err
		}
	}
	var c vg.CanvasWriterTo
	switch format {
	case "svg":
		// The font goes into the file (@font-face), so that text keeps
		// the metrics it was laid out with on machines without it.
		c = vgsvg.NewWith(vgsvg.UseWH(width, height), vgsvg.EmbedFonts(f.FontURL == ""))
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(PNGDPI),
			vgimg.UseBackgroundColor(color.White))}
	case "pdf":
		c = vgpdf.New(width, height)
	case "tex":
		c = vgtex.New(width, height)
	}
	// gonum/plot panics on data it cannot draw; report that as an error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: cannot draw figure: %v", r)
		}
	}()
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(12)}
	canvases := gplot.Align([][]*gplot.Plot{plots}, tiles, dc)
	for i, p := range plots {
		tile := canvases[0][i]
		if !outside[i].on {
			p.Draw(tile)
			continue
		}
		strip := tile
		tile = draw.Crop(tile, 0, -outside[i].strip, 0, 0)
		strip.Min.X = tile.Max.X + vg.Points(8)
		p.Draw(tile)
		// Top-aligned with the data area: below the title.
		if p.Title.Text != "" {
			strip.Max.Y -= p.Title.TextStyle.FontExtents().Height + 2*p.Title.Padding
		}
		for _, leg := range legends[i] {
			leg.Draw(strip)
			strip.Min.X += outside[i].colWidth
		}
	}
	if format != "svg" {
		_, err = c.WriteTo(w)
		return err
	}
	var svg bytes.Buffer
	if _, err = c.WriteTo(&svg); err != nil {
		return err
	}
	out := svgFallbackFonts(svg.Bytes())
	if f.FontURL != "" {
		out = svgFontLink(out, f.FontURL)
	}
	_, err = w.Write(out)
	return err
}

// svgFontLink adds an @font-face for Liberation Sans at url after the
// opening svg element.
func svgFontLink(svg []byte, url string) []byte {
	i := bytes.Index(svg, []byte("<svg "))
	if i < 0 {
		return svg
	}
	j := bytes.IndexByte(svg[i:], '>')
	if j < 0 {
		return svg
	}
	j += i + 1
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(url))
	face := fmt.Sprintf("\n<defs>\n\t<style>\n\t\t@font-face{font-family:\"Liberation Sans\";src:url(\"%s\") format(\"truetype\");}\n\t</style>\n</defs>", strings.ReplaceAll(esc.String(), `"`, "%22"))
	return append(svg[:j:j], append([]byte(face), svg[j:]...)...)
}

// svgFamily is the font-family list of SVG text: the embedded Liberation
// Sans first, then fonts with the same metrics (Liberation Sans is
// metric-compatible with Arial and Helvetica; Arimo is its Chrome OS
// twin), then the generic family, for viewers that ignore @font-face.
const svgFamily = `'Liberation Sans', Arimo, Arial, Helvetica, sans-serif`

// svgFallbackFonts gives every text element of the SVG the family list
// svgFamily instead of the single family gonum writes.
func svgFallbackFonts(svg []byte) []byte {
	return bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"), []byte("font-family:"+svgFamily+";"))
}

// legendNames are the escaped names of the panel's legend entries.
func (p *Panel) legendNames(escape func(string) string) []string {
	var names []string
	for _, it := range p.items {
		if it.name != "" {
			names = append(names, escape(it.name))
		}
	}
	return names
}

// legendStyle is the text style of legends.
func legendStyle() text.Style {
	return text.Style{Color: color.Black, Font: font.From(fontFace, legendSize), Handler: gplot.DefaultTextHandler}
}

const (
	legendPad   = vg.Length(2) // between entries
	legendThumb = vg.Length(20)
)

// outsideLegend is how a legend outside the axes is laid out: in columns
// of perColumn entries, colWidth wide, in a strip of width strip.
type outsideLegend struct {
	on              bool
	perColumn       int
	colWidth, strip vg.Length
}

// outside decides whether the panel's legend goes outside the axes (see
// Panel.Legend) and lays it out: as many columns as the panel's height
// needs. w × h is the panel's area.
func (p *Panel) outside(escape func(string) string, w, h vg.Length) outsideLegend {
	names := p.legendNames(escape)
	if len(names) == 0 || p.Legend == LegendInside {
		return outsideLegend{}
	}
	sty := legendStyle()
	fw, fh := legendFraction(names, sty, legendThumb, legendPad, w-vg.Points(75), h-vg.Points(75))
	if p.Legend == LegendAuto && len(names) <= 6 && fw <= 0.4 && fh <= 0.5 {
		return outsideLegend{}
	}
	var width, enth vg.Length
	for _, n := range names {
		width = max(width, legendThumb+sty.Rectangle(" "+n).Max.X)
		enth = max(enth, sty.Rectangle(n).Max.Y)
	}
	// The strip runs from the top of the data area down to the x axis.
	avail := h - vg.Points(60)
	if p.Title != "" {
		avail -= titleSize + vg.Points(12)
	}
	per := max(1, int((avail+legendPad)/(enth+legendPad)))
	cols := (len(names) + per - 1) / per
	per = (len(names) + cols - 1) / cols // balance the columns
	col := width + vg.Points(12)
	return outsideLegend{on: true, perColumn: per, colWidth: col, strip: vg.Length(cols)*col + vg.Points(8)}
}

// build turns the panel into a gonum plot that will be drawn in an area of
// w × h. With outside.on, the legend is returned, in columns, to be drawn
// beside the plot instead of in it.
func (p *Panel) build(escape func(string) string, w, h vg.Length, outside outsideLegend) (*gplot.Plot, []*gplot.Legend, error) {
	xmin, xmax, ymin, ymax, err := p.ranges()
	if err != nil {
		return nil, nil, err
	}
	logX, err := useLog(p.X, xmin, xmax, "x")
	if err != nil {
		return nil, nil, fmt.Errorf("plot: panel %q: %w", p.Title, err)
	}
	logY, err := useLog(p.Y, ymin, ymax, "y")
	if err != nil {
		return nil, nil, fmt.Errorf("plot: panel %q: %w", p.Title, err)
	}

	g := gplot.New()
	sty := func(size vg.Length) text.Style {
		return text.Style{Color: color.Black, Font: font.From(fontFace, size), Handler: gplot.DefaultTextHandler}
	}
	g.Title.Text = escape(p.Title)
	g.Title.Padding = vg.Points(6)
	g.Title.TextStyle = withAlign(sty(titleSize), g.Title.TextStyle)
	for _, ax := range []struct {
		a    *gplot.Axis
		spec Axis
		log  bool
	}{{&g.X, p.X, logX}, {&g.Y, p.Y, logY}} {
		ax.a.Label.Text = escape(ax.spec.title())
		ax.a.Label.TextStyle = withAlign(sty(labelSize), ax.a.Label.TextStyle)
		ax.a.Tick.Label = withAlign(sty(tickSize), ax.a.Tick.Label)
		// Log axes are drawn as linear axes over log10 of the data:
		// gonum/plot places the label of a log axis by the arithmetic
		// midpoint of the range and then pads the data area wrongly.
		ax.a.Tick.Marker = siTicks{escape: escape}
		if ax.log {
			ax.a.Tick.Marker = log10Ticks{escape: escape}
		}
	}
	fx, fy := transform(logX), transform(logY)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xdd}
	grid.Horizontal.Color = color.Gray{Y: 0xdd}
	g.Add(grid)

	g.Legend.TextStyle = legendStyle()
	g.Legend.Padding = legendPad
	g.Legend.ThumbnailWidth = legendThumb

	clipY := func(v float64) float64 {
		if logY && v <= 0 {
			return ymin
		}
		return v
	}
	items := make([]item, len(p.items))
	for i, it := range p.items {
		items[i] = it
		items[i].xs, items[i].ys = mapf(fx, it.xs), mapf(fy, it.ys)
		if it.lo != nil {
			items[i].bandLo, items[i].bandHi = make([]float64, len(it.xs)), make([]float64, len(it.xs))
			for k := range it.xs {
				items[i].bandLo[k], items[i].bandHi[k] = fy(clipY(it.lo[k])), fy(clipY(it.hi[k]))
			}
		}
	}
	// Legend entries go to g's legend, or, outside, to columns of at most
	// perColumn entries.
	var columns []*gplot.Legend
	entries := 0
	addLegend := func(name string, thumbs ...gplot.Thumbnailer) {
		if !outside.on {
			g.Legend.Add(name, thumbs...)
			return
		}
		if entries%outside.perColumn == 0 {
			leg := g.Legend
			leg.Top, leg.Left = true, true
			columns = append(columns, &leg)
		}
		columns[len(columns)-1].Add(name, thumbs...)
		entries++
	}
	// Draw order: bands, then the front, then lines and points on top.
	for _, it := range p.items {
		if it.kind == lineItem && it.lo != nil {
			band := make(plotter.XYs, 0, 2*len(it.xs))
			for i := range it.xs {
				band = append(band, plotter.XY{X: fx(it.xs[i]), Y: fy(clipY(it.hi[i]))})
			}
			for i := len(it.xs) - 1; i >= 0; i-- {
				band = append(band, plotter.XY{X: fx(it.xs[i]), Y: fy(clipY(it.lo[i]))})
			}
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, nil, fmt.Errorf("plot: %s: %w", it.name, err)
			}
			// An opaque tint rather than transparency: the PDF backend
			// cannot fill with alpha correctly. A thin edge keeps an
			// overlapped band readable.
			c := Palette[it.series%len(Palette)]
			if it.muted {
				c = MutedColor
			}
			poly.Color = tint(c, 0.2)
			poly.LineStyle.Color = tint(c, 0.5)
			poly.LineStyle.Width = vg.Points(0.5)
			g.Add(poly)
		}
	}
	for _, kind := range []itemKind{frontItem, lineItem, pointsItem, markersItem} {
		for _, it := range items {
			if it.kind != kind {
				continue
			}
			if err := addItem(g, it, escape, addLegend); err != nil {
				return nil, nil, err
			}
		}
	}
	g.X.Min, g.X.Max = pad(fx(xmin), fx(xmax))
	if p.hasLabels() {
		// Room for the text right of the rightmost points.
		_, g.X.Max = pad(fx(xmin), g.X.Max)
		_, g.X.Max = pad(fx(xmin), g.X.Max)
	}
	g.Y.Min, g.Y.Max = pad(fy(ymin), fy(ymax))
	if !outside.on {
		// The data area is the panel less the title, axis labels and ticks.
		fw, fh := legendFraction(p.legendNames(escape), g.Legend.TextStyle, g.Legend.ThumbnailWidth, g.Legend.Padding, w-vg.Points(75), h-vg.Points(75))
		placeLegend(g, items, fw, fh)
	}
	if lb := labelsOf(items, escape); lb != nil {
		g.Add(lb)
	}
	return g, columns, nil
}

// labelsOf gathers the point labels of a panel (in axis coordinates) into
// one labeller, so that they can avoid each other; nil if there are none.
func labelsOf(items []item, escape func(string) string) *labeller {
	lb := &labeller{style: text.Style{Color: color.Gray{Y: 0x33}, Font: font.From(fontFace, pointSize), Handler: gplot.DefaultTextHandler}}
	front := map[[2]float64]bool{}
	for _, it := range items {
		if it.kind == frontItem {
			for i := range it.xs {
				front[[2]float64{it.xs[i], it.ys[i]}] = true
			}
		}
	}
	for _, it := range items {
		switch {
		case it.kind == frontItem:
			// The staircase as drawn (plotter.PostStep).
			var line [][2]float64
			for i := range it.xs {
				if i > 0 {
					line = append(line, [2]float64{it.xs[i], it.ys[i-1]})
				}
				line = append(line, [2]float64{it.xs[i], it.ys[i]})
			}
			lb.lines = append(lb.lines, line)
		case it.kind == lineItem || it.joined:
			line := make([][2]float64, len(it.xs))
			for i := range it.xs {
				line[i] = [2]float64{it.xs[i], it.ys[i]}
			}
			lb.lines = append(lb.lines, line)
		}
		if it.kind != pointsItem && it.kind != frontItem {
			continue
		}
		for i := range it.xs {
			pt := [2]float64{it.xs[i], it.ys[i]}
			lb.markers = append(lb.markers, pt)
			if it.labels != nil && it.labels[i] != "" {
				lb.labels = append(lb.labels, labelPoint{x: pt[0], y: pt[1], text: escape(it.labels[i]), priority: front[pt]})
			}
		}
	}
	if len(lb.labels) == 0 {
		return nil
	}
	return lb
}

// pad widens a data range by 4% on each side, so that points on the edge
// stay clear of the frame.
func pad(lo, hi float64) (float64, float64) {
	d := 0.04 * (hi - lo)
	if d == 0 {
		d = math.Max(0.05*math.Abs(lo), 0.5)
	}
	return lo - d, hi + d
}

// transform maps data to axis coordinates: log10 on a log axis.
func transform(log bool) func(float64) float64 {
	if log {
		return math.Log10
	}
	return func(v float64) float64 { return v }
}

func mapf(f func(float64) float64, vs []float64) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = f(v)
	}
	return out
}

// withAlign keeps gonum's alignment for a text style but replaces font and
// size.
func withAlign(s, orig text.Style) text.Style {
	s.XAlign, s.YAlign, s.Rotation = orig.XAlign, orig.YAlign, orig.Rotation
	return s
}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
	draw.RingGlyph{}, draw.SquareGlyph{}, draw.PlusGlyph{},
}

func xys(xs, ys []float64) plotter.XYs {
	out := make(plotter.XYs, len(xs))
	for i := range xs {
		out[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	return out
}

// addItem draws it on g, its legend entry going to legend.
func addItem(g *gplot.Plot, it item, escape func(string) string, legend func(string, ...gplot.Thumbnailer)) error {
	data := xys(it.xs, it.ys)
	c := Palette[it.series%len(Palette)]
	if it.muted {
		c = MutedColor
	}
	switch it.kind {
	case lineItem:
		l, err := plotter.NewLine(data)
		if err != nil {
			return fmt.Errorf("plot: %s: %w", it.name, err)
		}
		l.Color = c
		l.Width = vg.Points(1.8)
		l.Dashes = dashes(it.series)
		g.Add(l)
		legend(escape(it.name), l)
	case pointsItem:
		s, err := plotter.NewScatter(data)
		if err != nil {
			return fmt.Errorf("plot: %s: %w", it.name, err)
		}
		s.Color = c
		s.Radius = vg.Points(3.5)
		s.Shape = glyphs[it.series%len(glyphs)]
		thumbs := []gplot.Thumbnailer{s}
		if it.joined {
			l, err := plotter.NewLine(data)
			if err != nil {
				return fmt.Errorf("plot: %s: %w", it.name, err)
			}
			l.Color = c
			l.Width = vg.Points(1)
			g.Add(l)
			thumbs = append(thumbs, l)
		}
		g.Add(s)
		if it.name != "" {
			legend(escape(it.name), thumbs...)
		}
	case frontItem:
		l, err := plotter.NewLine(data)
		if err != nil {
			return fmt.Errorf("plot: Pareto front: %w", err)
		}
		l.StepStyle = plotter.PostStep
		l.Color = FrontColor
		l.Width = vg.Points(2.2)
		s, err := plotter.NewScatter(data)
		if err != nil {
			return fmt.Errorf("plot: Pareto front: %w", err)
		}
		s.Color = FrontColor
		s.Shape = draw.RingGlyph{}
		s.Radius = vg.Points(6)
		g.Add(l, s)
		legend(escape(it.name), l, s)
	case markersItem:
		s, err := plotter.NewScatter(data)
		if err != nil {
			return fmt.Errorf("plot: %s: %w", it.name, err)
		}
		s.Color = color.Black
		s.Shape = draw.CrossGlyph{}
		s.Radius = vg.Points(5)
		g.Add(s)
		legend(escape(it.name), s)
	}
	return nil
}

// dashes gives series beyond the first few a dash pattern, so curves stay
// apart in black-and-white print.
func dashes(series int) []vg.Length {
	switch (series / 2) % 3 {
	case 1:
		return []vg.Length{vg.Points(6), vg.Points(3)}
	case 2:
		return []vg.Length{vg.Points(2), vg.Points(2)}
	}
	return nil
}

// ranges returns the data ranges over all items, rejecting non-finite
// values and mismatched lengths.
func (p *Panel) ranges() (xmin, xmax, ymin, ymax float64, err error) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	n := 0
	for _, it := range p.items {
		if len(it.xs) != len(it.ys) || (it.lo != nil && (len(it.lo) != len(it.xs) || len(it.hi) != len(it.xs))) ||
			(it.labels != nil && len(it.labels) != len(it.xs)) {
			return 0, 0, 0, 0, fmt.Errorf("plot: %s: x, y, sd and labels differ in length", it.name)
		}
		for i := range it.xs {
			x, y := it.xs[i], it.ys[i]
			if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
				return 0, 0, 0, 0, fmt.Errorf("plot: %s: point %d is not finite (%v, %v)", it.name, i+1, x, y)
			}
			xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
			if it.lo != nil && !math.IsNaN(it.lo[i]) && !math.IsInf(it.lo[i], 0) && !math.IsNaN(it.hi[i]) && !math.IsInf(it.hi[i], 0) {
				ymax = math.Max(ymax, it.hi[i])
				if lo := it.lo[i]; lo > 0 || ymin <= 0 {
					ymin = math.Min(ymin, lo) // a band below zero does not force a linear axis
				}
			}
			n++
		}
	}
	if n == 0 {
		return 0, 0, 0, 0, fmt.Errorf("plot: panel %q has no data", p.Title)
	}
	return xmin, xmax, ymin, ymax, nil
}

func useLog(a Axis, lo, hi float64, name string) (bool, error) {
	switch a.Scale {
	case Linear:
		return false, nil
	case Log:
		if lo <= 0 {
			return false, fmt.Errorf("log %s axis needs positive values, have %v", name, lo)
		}
		return true, nil
	}
	return lo > 0 && hi/lo >= 100, nil
}

// placeLegend puts the legend, fw × fh of the data area, in the corner
// with the fewest points under it. If every corner has some, it widens the
// y range at the top or bottom just enough to clear the points below (or
// above) the legend, choosing the corner that needs the least room.
func placeLegend(g *gplot.Plot, items []item, fw, fh float64) {
	type corner struct{ top, left bool }
	corners := []corner{{false, false}, {true, true}, {true, false}, {false, true}}
	ylo, yhi := g.Y.Min, g.Y.Max
	span := yhi - ylo
	best, bestGrow := corners[0], math.Inf(1)
	var bestLo, bestHi float64
	for _, c := range corners {
		// The normalised extremes of the points in the legend's columns.
		lowest, highest := math.Inf(1), math.Inf(-1)
		for _, it := range items {
			for i := range it.xs {
				x := (it.xs[i] - g.X.Min) / (g.X.Max - g.X.Min)
				y := (it.ys[i] - ylo) / span
				if (c.left && x <= fw) || (!c.left && x >= 1-fw) {
					lowest, highest = math.Min(lowest, y), math.Max(highest, y)
					if it.bandLo != nil {
						lowest = math.Min(lowest, (it.bandLo[i]-ylo)/span)
						highest = math.Max(highest, (it.bandHi[i]-ylo)/span)
					}
				}
			}
		}
		lo, hi := ylo, yhi
		if c.top && highest > 1-fh {
			// highest·span must fit below 1−fh of the new range.
			hi = ylo + highest*span/(1-fh)
		}
		if !c.top && lowest < fh {
			// (y−lo')/(hi−lo') ≥ fh for the lowest point y.
			y := ylo + lowest*span
			lo = (y - fh*yhi) / (1 - fh)
		}
		if grow := (hi - lo) - span; grow < bestGrow-1e-12*span {
			best, bestGrow, bestLo, bestHi = c, grow, lo, hi
		}
	}
	if fh < 0.9 {
		g.Y.Min, g.Y.Max = bestLo, bestHi
	}
	g.Legend.Top, g.Legend.Left = best.top, best.left
	g.Legend.XOffs = vg.Points(-6)
	if best.left {
		g.Legend.XOffs = vg.Points(6)
	}
	g.Legend.YOffs = vg.Points(6)
	if best.top {
		g.Legend.YOffs = vg.Points(-6)
	}
}

// tint mixes c with white: f = 1 is c itself, f = 0 is white.
func tint(c color.RGBA, f float64) color.RGBA {
	mix := func(v uint8) uint8 { return uint8(math.Round(255 - f*(255-float64(v)))) }
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 0xff}
}

// cp1252 re-encodes text for the PDF backend, which writes string bytes as
// Windows-1252. Characters outside that code page get an ASCII stand-in.
func cp1252(s string) string {
	var b []byte
	for _, r := range s {
		if r < 0x80 {
			b = append(b, byte(r))
			continue
		}
		if enc, ok := charmap.Windows1252.EncodeRune(r); ok {
			b = append(b, enc)
			continue
		}
		switch r {
		case '≤':
			b = append(b, "<="...)
		case '≥':
			b = append(b, ">="...)
		case '−', '–', '—':
			b = append(b, '-')
		default:
			b = append(b, '?')
		}
	}
	return string(b)
}

// TeXEscape escapes text for LaTeX.
func TeXEscape(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		// A run of superscript digits (an exponent, "10¹⁶") becomes a
		// math superscript.
		if _, ok := superscripts[r]; ok {
			b.WriteString(`\ensuremath{^{`)
			for ; i < len(rs); i++ {
				d, ok := superscripts[rs[i]]
				if !ok {
					break
				}
				b.WriteByte(d)
			}
			i--
			b.WriteString(`}}`)
			continue
		}
		switch r {
		case '\\':
			b.WriteString(`\textbackslash{}`)
		case '&', '%', '$', '#', '_', '{', '}':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '~':
			b.WriteString(`\textasciitilde{}`)
		case '^':
			b.WriteString(`\textasciicircum{}`)
		case '|': // under OT1 a bare | prints as an em dash
			b.WriteString(`\textbar{}`)
		case '<': // and < > as inverted ¡ ¿
			b.WriteString(`\textless{}`)
		case '>':
			b.WriteString(`\textgreater{}`)
		case '`': // else an opening quote
			b.WriteString(`\textasciigrave{}`)
		case 'µ':
			b.WriteString(`\ensuremath{\mu}`)
		case '±':
			b.WriteString(`\ensuremath{\pm}`)
		case '×':
			b.WriteString(`\ensuremath{\times}`)
		case '≤':
			b.WriteString(`\ensuremath{\le}`)
		case '≥':
			b.WriteString(`\ensuremath{\ge}`)
		case '·': // written by units in polynomials ("354·batch")
			b.WriteString(`\ensuremath{\cdot}`)
		case '−':
			b.WriteString(`\ensuremath{-}`)
		case '→':
			b.WriteString(`\ensuremath{\to}`)
		case '∝':
			b.WriteString(`\ensuremath{\propto}`)
		case '–':
			b.WriteString(`--`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// superscripts maps the superscript digits and minus sign units writes in
// exponents to their plain characters.
var superscripts = map[rune]byte{'⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4',
	'⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', '⁻': '-'}
