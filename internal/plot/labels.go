package plot

import (
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// labelPoint is a point label in axis coordinates.
type labelPoint struct {
	x, y     float64
	text     string
	priority bool // on the Pareto front: placed first
}

// labeller writes point labels where they do not collide: each label tries
// a few positions around its point and takes the first that overlaps no
// marker, no label already placed and not the legend. Front points are
// labelled first; a label that finds no free place is left out rather than
// drawn over others (the table lists every point), except on the front.
type labeller struct {
	labels  []labelPoint
	markers [][2]float64 // every point of the panel, axis coordinates
	style   text.Style
}

// Plot implements gonum's plot.Plotter.
func (l *labeller) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	const r = vg.Length(4.5) // marker half-size, points
	var taken []vg.Rectangle
	for _, m := range l.markers {
		x, y := trX(m[0]), trY(m[1])
		taken = append(taken, vg.Rectangle{Min: vg.Point{X: x - r, Y: y - r}, Max: vg.Point{X: x + r, Y: y + r}})
	}
	taken = append(taken, legendRect(c, &p.Legend))
	order := make([]labelPoint, 0, len(l.labels))
	for _, pass := range []bool{true, false} {
		for _, lp := range l.labels {
			if lp.priority == pass && lp.text != "" {
				order = append(order, lp)
			}
		}
	}
	sty := l.style
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	for _, lp := range order {
		x, y := trX(lp.x), trY(lp.y)
		box := sty.Rectangle(lp.text)
		w, h := box.Size().X, box.Size().Y
		const d = vg.Length(5)
		candidates := []vg.Point{
			{X: x + d, Y: y + 1},         // right, above the centre line
			{X: x + d, Y: y - h - 1},     // right, below
			{X: x - d - w, Y: y + 1},     // left, above
			{X: x - d - w, Y: y - h - 1}, // left, below
			{X: x - w/2, Y: y + d + 1},   // above
			{X: x - w/2, Y: y - d - h},   // below
			{X: x + d, Y: y - h/2},       // right, centred
			{X: x - d - w, Y: y - h/2},   // left, centred
		}
		chosen := -1
		for i, pt := range candidates {
			rect := vg.Rectangle{Min: pt, Max: vg.Point{X: pt.X + w, Y: pt.Y + h}}
			if inside(rect, c.Rectangle) && !overlapsAny(rect, taken) {
				chosen = i
				break
			}
		}
		if chosen < 0 {
			if !lp.priority {
				continue
			}
			chosen = 0
		}
		pt := candidates[chosen]
		c.FillText(sty, vg.Point{X: pt.X - box.Min.X, Y: pt.Y - box.Min.Y}, lp.text)
		taken = append(taken, vg.Rectangle{Min: pt, Max: vg.Point{X: pt.X + w, Y: pt.Y + h}})
	}
}

// legendRect is where gonum draws the legend in c (see Legend.Draw).
func legendRect(c draw.Canvas, l *gplot.Legend) vg.Rectangle {
	size := l.Rectangle(c).Size()
	var r vg.Rectangle
	if l.Left {
		r.Min.X = c.Min.X + l.XOffs
	} else {
		r.Min.X = c.Max.X + l.XOffs - size.X
	}
	if l.Top {
		r.Min.Y = c.Max.Y + l.YOffs - size.Y
	} else {
		r.Min.Y = c.Min.Y + l.YOffs
	}
	r.Max = vg.Point{X: r.Min.X + size.X, Y: r.Min.Y + size.Y}
	return r
}

func inside(r, outer vg.Rectangle) bool {
	return r.Min.X >= outer.Min.X && r.Max.X <= outer.Max.X && r.Min.Y >= outer.Min.Y && r.Max.Y <= outer.Max.Y
}

func overlapsAny(r vg.Rectangle, others []vg.Rectangle) bool {
	for _, o := range others {
		if r.Min.X < o.Max.X && o.Min.X < r.Max.X && r.Min.Y < o.Max.Y && o.Min.Y < r.Max.Y {
			return true
		}
	}
	return false
}

// legendFraction estimates the legend's width and height as fractions of
// a data area of w × h points.
func legendFraction(names []string, sty text.Style, thumb vg.Length, pad vg.Length, w, h vg.Length) (fw, fh float64) {
	var width, height vg.Length
	em := sty.Rectangle(" ").Max.X
	var enth vg.Length
	for _, n := range names {
		enth = max(enth, sty.Rectangle(n).Max.Y)
	}
	for i, n := range names {
		width = max(width, thumb+em+sty.Width(n))
		height += enth
		if i > 0 {
			height += pad
		}
	}
	const margin = 10 // offset from the frame and a little air
	return math.Min(1, float64(width+margin)/float64(w)), math.Min(1, float64(height+margin)/float64(h))
}
