package fpo

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/sym"
)

// Sampling, regions of interest and image-layout operators.

func init() {
	Register("", gridSampleRule, "GridSample")
	Register("com.microsoft", gridSampleRule, "GridSample")
	Register("", affineGridRule, "AffineGrid")
	Register("", roiAlignRule, "RoiAlign")
	Register("", maxRoiPoolRule, "MaxRoiPool")
	Register("", movementRule, "MaxUnpool")
	Register("", col2ImRule, "Col2Im")
	Register("", imageDecoderRule, "ImageDecoder")
	Register("com.microsoft", cropAndResizeRule, "CropAndResize")
}

// gridSampleRule: GridSample over r spatial axes. Per sampling location
// (N·∏output spatial) and axis: the coordinate is unnormalized (1 MUL +
// 1 ADD), padded (border: 2 CMP to clamp; reflection: 2 CMP + 2 ADD to
// fold; zeros: 2 CMP to test the bounds), and split into an index and a
// fraction (1 ROUND, 1 ADD; nearest: 1 ROUND). Cubic also computes its 4
// Keys coefficients per axis (12 MUL + 12 ADD). Per output element
// (·C): linear takes 2^r − 1 lerps (2 ADD + 1 MUL each), cubic 4^r MUL
// and 4^r − 1 ADD, nearest copies.
func gridSampleRule(n *Node) (Cost, error) {
	out, err := n.Shape(n.Out(0))
	if err != nil || len(out) < 3 {
		return Cost{}, fmt.Errorf("output: %w", errShape)
	}
	r := int64(len(out) - 2)
	locations := out[0].Mul(sym.Product(out[2:]...))
	elements := sym.Product(out...)
	mode := strings.ToLower(n.AttrString("mode", "bilinear"))
	if n.Opset >= 20 && n.Node.Domain == "" {
		mode = strings.ToLower(n.AttrString("mode", "linear"))
	}
	perAxis := ops(Mul, 1, Add, 1)
	switch strings.ToLower(n.AttrString("padding_mode", "zeros")) {
	case "reflection":
		perAxis = perAxis.Add(ops(Cmp, 2, Add, 2))
	default:
		perAxis = perAxis.Add(ops(Cmp, 2))
	}
	var perElem Ops
	switch mode {
	case "nearest":
		perAxis = perAxis.Add(ops(Round, 1))
	case "bilinear", "linear":
		perAxis = perAxis.Add(ops(Round, 1, Add, 1))
		lerps := int64(1)<<r - 1
		perElem = ops(Add, 2*lerps, Mul, lerps)
	case "bicubic", "cubic":
		perAxis = perAxis.Add(ops(Round, 1, Add, 13, Mul, 12))
		taps := int64(1)
		for range r {
			taps *= 4
		}
		perElem = ops(Mul, taps, Add, taps-1)
	default:
		return Cost{}, fmt.Errorf("unknown mode %q", mode)
	}
	o := perAxis.Scale(locations.MulInt(r)).Add(perElem.Scale(elements))
	return Cost{Ops: o}, nil
}

// affineGridRule: AffineGrid maps every grid point of the d spatial axes
// through θ: each of its d coordinates is d products of θ with the
// homogeneous point accumulated onto the translation (d MACs), so
// N·∏size·d² MACs; the normalized base coordinates cost 1 MUL + 1 ADD
// each (Σ size values) and 1 DIV per axis for the step.
func affineGridRule(n *Node) (Cost, error) {
	out, err := n.Shape(n.Out(0))
	if err != nil || len(out) < 3 {
		return Cost{}, fmt.Errorf("output: %w", errShape)
	}
	d := int64(len(out) - 2)
	points := sym.Product(out[:len(out)-1]...)
	macs := points.MulInt(d * d)
	base := sym.Sum(out[1 : len(out)-1]...)
	o := macOps(macs).Add(ops(Mul, base, Add, base, Div, d))
	return Cost{Ops: o, MACs: macs}, nil
}

// roiSamples returns the sampling points per output bin along an axis of
// length size split into bins: sampling_ratio when positive, else the
// adaptive ⌈roi/bins⌉ counted for a region spanning the whole feature map
// (upper bound).
func roiSamples(n *Node, size sym.Expr, bins int64) sym.Expr {
	if s := n.AttrInt("sampling_ratio", 0); s > 0 {
		return sym.Const(s)
	}
	return sym.CeilDiv(size, sym.Const(bins))
}

// roiAlignRule: RoiAlign. Per region: the scaled corners and bin sizes
// (4 MUL, 6 ADD, 2 CMP, 2 DIV). Per sampling point (region × bin ×
// samples, shared by the channels): per axis the coordinate (2 MUL,
// 2 ADD), bounds (2 CMP), floor (1 ROUND), fraction and complement
// (2 ADD), then the 4 bilinear weights (4 MUL). Per sample and channel the
// interpolation (4 MUL, then 3 ADD — or 3 CMP for max mode, which takes
// the largest weighted corner); per output the samples are combined
// (count−1 ADD and 1 MUL for the average, count−1 CMP for max). With
// sampling_ratio 0 the sample count is data-dependent: counted for a region
// spanning the whole feature map (upper bound).
func roiAlignRule(n *Node) (Cost, error) {
	x, err := n.inShape(0, "X", 4)
	if err != nil {
		return Cost{}, err
	}
	out, err := n.outShape(0, "output", 4)
	if err != nil {
		return Cost{}, err
	}
	oh, ow := n.AttrInt("output_height", 1), n.AttrInt("output_width", 1)
	count := roiSamples(n, x[2], oh).Mul(roiSamples(n, x[3], ow))
	rois, ch := out[0], out[1]
	bins := rois.MulInt(oh * ow)
	points := bins.Mul(count)
	outputs := bins.Mul(ch)
	o := ops(Mul, rois.MulInt(4), Add, rois.MulInt(6), Cmp, rois.MulInt(2), Div, rois.MulInt(2))
	o = o.Add(ops(Mul, points.MulInt(8), Add, points.MulInt(8), Cmp, points.MulInt(4), Round, points.MulInt(2)))
	samples := outputs.Mul(count)
	combine := outputs.Mul(count.AddInt(-1))
	if strings.ToLower(n.AttrString("mode", "avg")) == "max" {
		o = o.Add(ops(Mul, samples.MulInt(4), Cmp, samples.MulInt(3))).Add(ops(Cmp, combine))
	} else {
		o = o.Add(ops(Mul, samples.MulInt(4), Add, samples.MulInt(3))).Add(ops(Add, combine, Mul, outputs))
	}
	c := Cost{Ops: o}
	if n.AttrInt("sampling_ratio", 0) <= 0 {
		c.Bound = "upper bound: the adaptive sample count is taken for a region spanning the feature map"
	}
	return c, nil
}

// maxRoiPoolRule: MaxRoiPool. Per region: the corners scaled and rounded
// (4 MUL, 4 ROUND), its size (2 ADD, 2 CMP) and bin sizes (2 DIV). Per bin
// (shared by the channels): its bounds (4 MUL, 4 ROUND, 4 ADD, 8 CMP to
// clamp). Per output element the maximum over the bin: the bin of a
// region spanning the feature map covers at most min(⌈H/ph⌉+1, H) rows and
// min(⌈W/pw⌉+1, W) columns — counted as the upper bound, less 1 CMP.
func maxRoiPoolRule(n *Node) (Cost, error) {
	x, err := n.inShape(0, "X", 4)
	if err != nil {
		return Cost{}, err
	}
	ps, ok := n.AttrInts("pooled_shape")
	if !ok || len(ps) != 2 || ps[0] < 1 || ps[1] < 1 {
		return Cost{}, fmt.Errorf("pooled_shape must hold two positive sizes")
	}
	out, err := n.outShape(0, "output", 4)
	if err != nil {
		return Cost{}, err
	}
	rows := sym.Min(sym.CeilDiv(x[2], sym.Const(ps[0])).AddInt(1), x[2])
	cols := sym.Min(sym.CeilDiv(x[3], sym.Const(ps[1])).AddInt(1), x[3])
	rois := out[0]
	bins := rois.MulInt(ps[0] * ps[1])
	o := ops(Mul, rois.MulInt(4), Round, rois.MulInt(4), Add, rois.MulInt(2), Cmp, rois.MulInt(2), Div, rois.MulInt(2))
	o = o.Add(ops(Mul, bins.MulInt(4), Round, bins.MulInt(4), Add, bins.MulInt(4), Cmp, bins.MulInt(8)))
	o = o.Add(ops(Cmp, sym.Product(out...).Mul(rows.Mul(cols).AddInt(-1))))
	return Cost{Ops: o, Bound: "upper bound: each bin is taken to span the feature map"}, nil
}

// col2ImRule: Col2Im adds every column element into its image position
// (1 ADD per input element; elements that fall into the padding are
// dropped without arithmetic, so this is an upper bound).
func col2ImRule(n *Node) (Cost, error) {
	e, err := n.InNumel(0)
	if err != nil {
		return Cost{}, err
	}
	return Cost{Ops: ops(Add, e), Bound: "upper bound: every column element is counted as added, though those falling in the padding are dropped"}, nil
}

// imageDecoderRule: decoding a compressed image (entropy decoding, inverse
// DCT, colour conversion) depends on the format and the encoded contents,
// which are not modelled: the node is reported uncounted.
func imageDecoderRule(n *Node) (Cost, error) {
	return Cost{}, fmt.Errorf("the cost of decoding an image depends on its format and encoded contents and is not modelled")
}

// cropAndResizeRule: CropAndResize. Per region the scales (2 ADD, 2 MUL,
// 2 DIV); per region and output row, and per region and output column, the
// source coordinate (2 MUL, 1 ADD), bounds (2 CMP), floor (1 ROUND) and
// fraction (1 ADD); per output element bilinear takes 3 lerps (6 ADD,
// 3 MUL), nearest copies.
func cropAndResizeRule(n *Node) (Cost, error) {
	out, err := n.outShape(0, "output", 4)
	if err != nil {
		return Cost{}, err
	}
	rois := out[0]
	lines := rois.Mul(out[2].Add(out[3]))
	o := ops(Add, rois.MulInt(2), Mul, rois.MulInt(2), Div, rois.MulInt(2))
	o = o.Add(ops(Mul, lines.MulInt(2), Add, lines.MulInt(2), Cmp, lines.MulInt(2), Round, lines))
	if strings.ToLower(n.AttrString("mode", "bilinear")) == "bilinear" {
		e := sym.Product(out...)
		o = o.Add(ops(Add, e.MulInt(6), Mul, e.MulInt(3)))
	}
	return Cost{Ops: o}, nil
}
