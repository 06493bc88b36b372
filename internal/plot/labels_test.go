package plot

import (
	"fmt"
	"image/color"
	"testing"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// TestLabelsMoveApart: crowded point labels are placed where they overlap
// no other label, no marker and no line (the Pareto front's staircase); a
// label set off from its point gets a leader; front labels are always
// drawn.
func TestLabelsMoveApart(t *testing.T) {
	c := draw.New(vgimg.New(5*vg.Inch, 3.5*vg.Inch))
	// Axis coordinates are points on the canvas: 0..360 × 0..252.
	id := func(v float64) vg.Length { return vg.Length(v) }
	lb := &labeller{style: text.Style{Color: color.Black, Font: font.From(fontFace, pointSize), Handler: gplot.DefaultTextHandler}}
	// A tight cluster of twelve points, three of them on a front that
	// runs through the cluster.
	var front [][2]float64
	for i := range 12 {
		x, y := 150+float64(i%4)*9, 100+float64(i/4)*8
		lb.markers = append(lb.markers, [2]float64{x, y})
		onFront := i%4 == i/4
		lb.labels = append(lb.labels, labelPoint{x: x, y: y, text: fmt.Sprintf("model_%02d", i), priority: onFront})
		if onFront {
			front = append(front, [2]float64{x, y})
		}
	}
	var stairs [][2]float64
	for i, p := range front {
		if i > 0 {
			stairs = append(stairs, [2]float64{p[0], front[i-1][1]})
		}
		stairs = append(stairs, p)
	}
	// The front's long horizontal step runs just above the lowest row,
	// where a label right of and above its point would cross it.
	stairs = append([][2]float64{{60, 103}, {150, 103}}, stairs...)
	lb.lines = [][][2]float64{stairs}
	placed := lb.place(c, id, id, vg.Rectangle{Min: vg.Point{X: 300, Y: 200}, Max: vg.Point{X: 360, Y: 252}})
	if len(placed) < 9 {
		t.Errorf("only %d of 12 labels placed", len(placed))
	}
	got := map[string]placedLabel{}
	for i, a := range placed {
		got[a.text] = a
		for _, b := range placed[i+1:] {
			if overlaps(a.rect, b.rect) {
				t.Errorf("labels %q %v and %q %v overlap", a.text, a.rect, b.text, b.rect)
			}
		}
		for _, m := range lb.markers {
			mr := vg.Rectangle{Min: vg.Point{X: vg.Length(m[0]) - 4.5, Y: vg.Length(m[1]) - 4.5}, Max: vg.Point{X: vg.Length(m[0]) + 4.5, Y: vg.Length(m[1]) + 4.5}}
			if overlaps(a.rect, mr) {
				t.Errorf("label %q %v covers the marker at %v", a.text, a.rect, m)
			}
		}
		for k := 1; k < len(stairs); k++ {
			seg := vg.Rectangle{
				Min: vg.Point{X: vg.Length(min(stairs[k-1][0], stairs[k][0])), Y: vg.Length(min(stairs[k-1][1], stairs[k][1]))},
				Max: vg.Point{X: vg.Length(max(stairs[k-1][0], stairs[k][0])), Y: vg.Length(max(stairs[k-1][1], stairs[k][1]))},
			}
			if overlaps(a.rect, seg) {
				t.Errorf("label %q %v crosses the front segment %v", a.text, a.rect, seg)
			}
		}
		near := a.rect.Min.X-a.point.X <= 6 && a.rect.Min.X-a.point.X >= 4 ||
			a.point.X-a.rect.Max.X <= 6 && a.point.X-a.rect.Max.X >= 4 ||
			a.rect.Min.Y-a.point.Y <= 7 && a.rect.Min.Y-a.point.Y >= 0 ||
			a.point.Y-a.rect.Max.Y <= 7 && a.point.Y-a.rect.Max.Y >= 0
		if !a.leader && !near {
			t.Errorf("label %q at %v is set off from its point %v without a leader", a.text, a.rect, a.point)
		}
	}
	for _, name := range []string{"model_00", "model_05", "model_10"} {
		if _, ok := got[name]; !ok {
			t.Errorf("front label %s not drawn", name)
		}
	}
}
