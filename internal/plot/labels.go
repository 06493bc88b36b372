package plot

import (
	"image/color"
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
// positions around its point, nearest first (eight directions at three
// distances), and takes the first that overlaps no marker, no line of the
// panel (the Pareto front's staircase, a sweep's joining line), no label
// already placed and not the legend; a label set off from its point gets a
// thin leader line. Front points are labelled first; a label that finds no
// free place is left out rather than drawn over others (the table lists
// every point), except on the front, where it takes the place with the
// fewest collisions.
type labeller struct {
	labels  []labelPoint
	markers [][2]float64   // every point of the panel, axis coordinates
	lines   [][][2]float64 // polylines of the panel, axis coordinates
	style   text.Style
}

// placedLabel is a label and where it went, in canvas coordinates.
type placedLabel struct {
	text  string
	rect  vg.Rectangle
	point vg.Point
	// leader says the label is set off from its point and needs a line.
	leader bool
}

// Plot implements gonum's plot.Plotter.
func (l *labeller) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := l.style
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	for _, pl := range l.place(c, trX, trY, legendRect(c, &p.Legend)) {
		if pl.leader {
			to := nearestOnRect(pl.rect, pl.point)
			c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 0x99}, Width: vg.Points(0.5)}, pl.point.X, pl.point.Y, to.X, to.Y)
		}
		box := sty.Rectangle(pl.text)
		c.FillText(sty, vg.Point{X: pl.rect.Min.X - box.Min.X, Y: pl.rect.Min.Y - box.Min.Y}, pl.text)
	}
}

// place lays the labels out in c, avoiding the legend rectangle.
func (l *labeller) place(c draw.Canvas, trX, trY func(float64) vg.Length, legend vg.Rectangle) []placedLabel {
	const r = vg.Length(4.5) // marker half-size, points
	var taken []vg.Rectangle
	for _, m := range l.markers {
		x, y := trX(m[0]), trY(m[1])
		taken = append(taken, vg.Rectangle{Min: vg.Point{X: x - r, Y: y - r}, Max: vg.Point{X: x + r, Y: y + r}})
	}
	// Lines as chains of small boxes, one every 3 points along them.
	for _, line := range l.lines {
		for i := 1; i < len(line); i++ {
			x0, y0, x1, y1 := trX(line[i-1][0]), trY(line[i-1][1]), trX(line[i][0]), trY(line[i][1])
			n := int(math.Ceil(math.Hypot(float64(x1-x0), float64(y1-y0)) / 3))
			for k := 0; k <= n; k++ {
				f := vg.Length(k) / vg.Length(max(n, 1))
				x, y := x0+f*(x1-x0), y0+f*(y1-y0)
				taken = append(taken, vg.Rectangle{Min: vg.Point{X: x - 1.5, Y: y - 1.5}, Max: vg.Point{X: x + 1.5, Y: y + 1.5}})
			}
		}
	}
	taken = append(taken, legend)
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
	var out []placedLabel
	for _, lp := range order {
		x, y := trX(lp.x), trY(lp.y)
		box := sty.Rectangle(lp.text)
		w, h := box.Size().X, box.Size().Y
		best, bestHits, bestRing := vg.Rectangle{}, -1, 0
		for ring, d := range []vg.Length{5, 13, 24} {
			// Right and left first (labels are wide), then above and
			// below, then the diagonals.
			for _, pt := range []vg.Point{
				{X: x + d, Y: y + 1},         // right, above the centre line
				{X: x + d, Y: y - h - 1},     // right, below
				{X: x - d - w, Y: y + 1},     // left, above
				{X: x - d - w, Y: y - h - 1}, // left, below
				{X: x - w/2, Y: y + d + 1},   // above
				{X: x - w/2, Y: y - d - h},   // below
				{X: x + d, Y: y - h/2},       // right, centred
				{X: x - d - w, Y: y - h/2},   // left, centred
				{X: x + d*0.7, Y: y + d*0.7}, // above right
				{X: x - d*0.7 - w, Y: y + d*0.7},
				{X: x + d*0.7, Y: y - d*0.7 - h},
				{X: x - d*0.7 - w, Y: y - d*0.7 - h},
			} {
				rect := vg.Rectangle{Min: pt, Max: vg.Point{X: pt.X + w, Y: pt.Y + h}}
				if !inside(rect, c.Rectangle) {
					continue
				}
				hits := countOverlaps(rect, taken)
				if bestHits < 0 || hits < bestHits {
					best, bestHits, bestRing = rect, hits, ring
				}
				if hits == 0 {
					break
				}
			}
			if bestHits == 0 {
				break
			}
		}
		if bestHits < 0 || (bestHits > 0 && !lp.priority) {
			continue // no room: left out (the table lists it)
		}
		out = append(out, placedLabel{text: lp.text, rect: best, point: vg.Point{X: x, Y: y}, leader: bestRing > 0})
		taken = append(taken, best)
	}
	return out
}

// nearestOnRect is the point of r nearest to p.
func nearestOnRect(r vg.Rectangle, p vg.Point) vg.Point {
	return vg.Point{X: min(max(p.X, r.Min.X), r.Max.X), Y: min(max(p.Y, r.Min.Y), r.Max.Y)}
}

func countOverlaps(r vg.Rectangle, others []vg.Rectangle) int {
	n := 0
	for _, o := range others {
		if overlaps(r, o) {
			n++
		}
	}
	return n
}

func overlaps(r, o vg.Rectangle) bool {
	return r.Min.X < o.Max.X && o.Min.X < r.Max.X && r.Min.Y < o.Max.Y && o.Min.Y < r.Max.Y
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
