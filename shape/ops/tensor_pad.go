package ops

import (
	"fmt"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Pad, CenterCropPad, DepthToSpace and SpaceToDepth.

// padVersion tells where Pad finds its pads.
type padVersion int

const (
	padV1  padVersion = iota // paddings attribute
	padV2                    // pads attribute
	padV11                   // pads input, constant_value input
	padV18                   // and an axes input
)

func init() {
	shape.Register(
		shape.Op{Type: "Pad", Since: 1, Infer: inferPad(padV1), Eval: evalPad(padV1)},
		shape.Op{Type: "Pad", Since: 2, Infer: inferPad(padV2), Eval: evalPad(padV2)},
		shape.Op{Type: "Pad", Since: 11, Infer: inferPad(padV11), Eval: evalPad(padV11)},
		shape.Op{Type: "Pad", Since: 18, Infer: inferPad(padV18), Eval: evalPad(padV18)},
		shape.Op{Type: "CenterCropPad", Since: 18, Infer: inferCenterCropPad},
		shape.Op{Type: "DepthToSpace", Since: 1, Infer: inferDepthToSpace},
		shape.Op{Type: "SpaceToDepth", Since: 1, Infer: inferSpaceToDepth},
	)
}

// readPads returns the begin and end pads of every axis. known is false
// when they come from inputs whose contents are not known; then padded
// lists which axes are padded (nil: possibly all).
func readPads(c *shape.Ctx, ver padVersion, rank int) (begin, end []sym.Expr, padded []bool, known bool, err error) {
	var pads []sym.Expr
	switch ver {
	case padV1, padV2:
		name := "pads"
		if ver == padV1 {
			name = "paddings"
		}
		p, ok := c.AttrInts(name)
		if !ok {
			return nil, nil, nil, false, fmt.Errorf("attribute %s is missing", name)
		}
		pads = shape.Dims(p...)
	default:
		if !c.HasInput(1) {
			return nil, nil, nil, false, errMissing(1)
		}
		p, ok := c.ConstInts(1)
		if ok {
			pads = p
		}
	}
	axes := make([]int, rank)
	for i := range axes {
		axes[i] = i
	}
	if ver == padV18 && c.HasInput(3) {
		ax, ok := c.ConstInt64s(3)
		if !ok {
			return nil, nil, nil, false, nil
		}
		if axes, err = shape.NormAxes(ax, rank); err != nil {
			return nil, nil, nil, false, fmt.Errorf("axes: %w", err)
		}
		padded = make([]bool, rank)
		for _, a := range axes {
			padded[a] = true
		}
	}
	if pads == nil {
		return nil, nil, padded, false, nil
	}
	if len(pads) != 2*len(axes) {
		return nil, nil, nil, false, fmt.Errorf("%d pads for %d axes", len(pads), len(axes))
	}
	begin, end = make([]sym.Expr, rank), make([]sym.Expr, rank)
	for i, a := range axes {
		begin[a], end[a] = pads[i], pads[i+len(axes)]
	}
	return begin, end, nil, true, nil
}

func inferPad(ver padVersion) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := rankedIn(c, 0)
		if in == nil || err != nil {
			return err
		}
		begin, end, padded, known, err := readPads(c, ver, in.Rank)
		if err != nil {
			return err
		}
		out := dupDims(in.Shape)
		for a, d := range in.Shape {
			switch {
			case !known && (padded == nil || padded[a]):
				out[a] = c.Fresh("pad")
			case known:
				out[a] = d.Add(begin[a]).Add(end[a])
				if out[a].Sign() == -1 {
					return fmt.Errorf("axis %d: pads %s, %s leave %s elements", a, begin[a], end[a], out[a])
				}
			}
		}
		c.SetOutput(0, in.WithShape(out))
		return nil
	}
}

// padSource maps an output coordinate o of a padded axis (input length d,
// begin pad b) to an input coordinate, or -1 for the constant.
func padSource(mode string, o, b, d int64) int64 {
	i := o - b
	if i >= 0 && i < d {
		return i
	}
	switch mode {
	case "edge":
		return min(max(i, 0), d-1)
	case "wrap":
		return ((i % d) + d) % d
	case "reflect":
		if d == 1 {
			return 0
		}
		p := 2 * (d - 1)
		m := ((i % p) + p) % p
		if m >= d {
			m = p - m
		}
		return m
	}
	return -1
}

func evalPad(ver padVersion) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		dims, ok := inputDims(c, 0)
		src := c.Const(0)
		od, ook := inferredDims(c, 0)
		if !ok || !ook || src == nil || overLimit(c, numel(od)) {
			return nil
		}
		begin, _, _, known, err := readPads(c, ver, len(dims))
		if err != nil || !known {
			return err
		}
		b, ok := concreteShape(begin)
		if !ok {
			return nil
		}
		mode := c.AttrString("mode", "constant")
		switch mode {
		case "constant":
		case "edge", "reflect", "wrap":
			for a, d := range dims {
				if od[a] > 0 && d == 0 || b[a] < 0 || od[a]-b[a] < d {
					return nil // cropping or padding an empty axis: not computed
				}
			}
		default:
			return fmt.Errorf("unknown mode %q", mode)
		}
		// The constant value, as a one-element Const of the data's kind.
		fill := emptyConstLike(c.Input(0).DType, src)
		switch {
		case ver >= padV11 && c.HasInput(2):
			cv := c.Const(2)
			if cv == nil || cv.Len() != 1 || !sameConstKind(cv, fill) {
				return nil
			}
			fill = cv
		case fill.Ints != nil:
			fill.Ints = []sym.Expr{sym.Const(int64(c.AttrFloat("value", 0)))}
		case fill.Floats != nil:
			fill.Floats = []float64{float64(c.AttrFloat("value", 0))}
		default:
			fill.Strs = []string{""}
		}
		// Read from the data followed by the constant, at index len(data).
		all := emptyConstLike(c.Input(0).DType, src, fill)
		if !appendConstRange(all, src, 0, int64(src.Len())) || !appendConstRange(all, fill, 0, 1) {
			return nil
		}
		pick := coordMap(od, dims, func(k int, o int64) int64 { return padSource(mode, o, b[k], dims[k]) })
		for f, j := range pick {
			if j < 0 {
				pick[f] = int64(src.Len())
			}
		}
		return c.SetConst(0, c.Output(0).DType, od, take(all, pick))
	}
}

func inferCenterCropPad(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	if _, err := reqIn(c, 1); err != nil {
		return err
	}
	if !in.HasShape() {
		c.SetOutput(0, shape.UnknownRank(in.DType))
		return nil
	}
	ax, hasAxes := c.AttrInts("axes")
	target, known := c.ConstInts(1)
	if !hasAxes {
		var n int
		if known {
			n = len(target)
		} else if l, ok := vecLen(c.Input(1)); ok {
			n = l
		} else {
			c.SetOutput(0, in.WithShape(freshSyms(c, in.Rank, "crop")))
			return nil
		}
		ax = make([]int64, n)
		for i := range ax {
			ax[i] = int64(i)
		}
	}
	axes, err := shape.NormAxes(ax, in.Rank)
	if err != nil {
		return fmt.Errorf("axes: %w", err)
	}
	if known && len(target) != len(axes) {
		return fmt.Errorf("shape has %d entries for %d axes", len(target), len(axes))
	}
	out := dupDims(in.Shape)
	for i, a := range axes {
		if known {
			out[a] = target[i]
		} else {
			out[a] = c.Fresh("crop")
		}
	}
	c.SetOutput(0, in.WithShape(out))
	return nil
}

// spaceDepthInput checks a 4-D input of DepthToSpace or SpaceToDepth and
// reads the block size.
func spaceDepthInput(c *shape.Ctx) (*shape.Value, int64, error) {
	in, err := reqIn(c, 0)
	if err != nil {
		return nil, 0, err
	}
	b := c.AttrInt("blocksize", 0)
	if b < 1 {
		return nil, 0, fmt.Errorf("attribute blocksize %d, want a positive value", b)
	}
	if in.HasShape() && in.Rank != 4 {
		return nil, 0, fmt.Errorf("input of rank %d, want 4", in.Rank)
	}
	return in, b, nil
}

// divideDim returns d/k, which must be exact.
func divideDim(d sym.Expr, k int64, what string) (sym.Expr, error) {
	if v, ok := d.IsConst(); ok && v%k != 0 {
		return sym.Expr{}, fmt.Errorf("%s %d is not a multiple of %d", what, v, k)
	}
	return sym.FloorDiv(d, sym.Const(k)), nil
}

func inferDepthToSpace(c *shape.Ctx) error {
	in, b, err := spaceDepthInput(c)
	if err != nil {
		return err
	}
	if !in.HasShape() {
		c.SetOutput(0, in.WithShape(freshSyms(c, 4, "depth_to_space")))
		return nil
	}
	ch, err := divideDim(in.Shape[1], b*b, "channels")
	if err != nil {
		return err
	}
	c.SetOutput(0, in.WithShape([]sym.Expr{in.Shape[0], ch, in.Shape[2].MulInt(b), in.Shape[3].MulInt(b)}))
	return nil
}

func inferSpaceToDepth(c *shape.Ctx) error {
	in, b, err := spaceDepthInput(c)
	if err != nil {
		return err
	}
	if !in.HasShape() {
		c.SetOutput(0, in.WithShape(freshSyms(c, 4, "space_to_depth")))
		return nil
	}
	h, err := divideDim(in.Shape[2], b, "height")
	if err != nil {
		return err
	}
	w, err := divideDim(in.Shape[3], b, "width")
	if err != nil {
		return err
	}
	c.SetOutput(0, in.WithShape([]sym.Expr{in.Shape[0], in.Shape[1].MulInt(b * b), h, w}))
	return nil
}
