package ops

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Upsample, Resize, GridSample, AffineGrid and Col2Im.

// resizeVersion tells where Upsample and Resize find their parameters.
type resizeVersion int

const (
	upsampleV1 resizeVersion = iota // height_scale and width_scale attributes
	upsampleV7                      // scales attribute
	upsampleV9                      // scales input 1 (also Resize-10)
	resizeV11                       // roi, scales, sizes inputs
	resizeV18                       // and axes, keep_aspect_ratio_policy attributes
)

func init() {
	shape.Register(
		shape.Op{Type: "Upsample", Since: 1, Infer: inferResize(upsampleV1)},
		shape.Op{Type: "Upsample", Since: 7, Infer: inferResize(upsampleV7)},
		shape.Op{Type: "Upsample", Since: 9, Infer: inferResize(upsampleV9)},
		shape.Op{Type: "Resize", Since: 10, Infer: inferResize(upsampleV9)},
		shape.Op{Type: "Resize", Since: 11, Infer: inferResize(resizeV11)},
		shape.Op{Type: "Resize", Since: 18, Infer: inferResize(resizeV18)},
		shape.Op{Type: "GridSample", Since: 16, Infer: inferGridSample},
		shape.Op{Type: "AffineGrid", Since: 20, Infer: inferAffineGrid},
		shape.Op{Type: "Col2Im", Since: 18, Infer: inferCol2Im},
	)
}

// scaledDim is floor(d * s) with the product rounded to float32, as ONNX
// computes resized dims. For a symbolic d it is exact when s is m/2^k
// (or m*2^k) with an odd m of at most 8 bits: the float32 product is then
// exact for every d below 2^16. Other scales of symbolic dims fail.
func scaledDim(d sym.Expr, s float32) (sym.Expr, bool) {
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return sym.Expr{}, false
	}
	if v, ok := d.IsConst(); ok {
		p := math.Floor(float64(float32(v) * s))
		if p > math.MaxInt64/2 {
			return sym.Expr{}, false
		}
		return sym.Const(int64(p)), true
	}
	frac, exp := math.Frexp(float64(s))
	m, e := int64(frac*(1<<24)), exp-24
	for m%2 == 0 {
		m /= 2
		e++
	}
	if bits.Len64(uint64(m)) > 8 || e > 30 || e < -60 {
		return sym.Expr{}, false
	}
	x := d.MulInt(m)
	if e >= 0 {
		return x.MulInt(int64(1) << e), true
	}
	return sym.FloorDiv(x, sym.Const(int64(1)<<(-e))), true
}

// resizeParams are the scales or sizes of a Resize or Upsample over axes.
type resizeParams struct {
	axes   []int     // the resized axes, in the order of scales or sizes
	scales []float32 // nil when sizes are used
	sizes  []sym.Expr
	known  bool // scales or sizes are known
}

// readResize collects the parameters of Upsample or Resize for an input
// of the given rank.
func readResize(c *shape.Ctx, ver resizeVersion, rank int) (p resizeParams, err error) {
	p.known = true
	p.axes = make([]int, rank)
	for i := range p.axes {
		p.axes[i] = i
	}
	floats := func(i int) ([]float32, bool) {
		f, ok := c.ConstFloats(i)
		if !ok {
			return nil, false
		}
		out := make([]float32, len(f))
		for j, x := range f {
			out[j] = float32(x)
		}
		return out, true
	}
	switch ver {
	case upsampleV1:
		if rank != 4 {
			return p, fmt.Errorf("input of rank %d, want 4", rank)
		}
		p.scales = []float32{1, 1, c.AttrFloat("height_scale", 1), c.AttrFloat("width_scale", 1)}
		return p, nil
	case upsampleV7:
		s, ok := c.AttrFloats("scales")
		if !ok {
			return p, fmt.Errorf("attribute scales is missing")
		}
		p.scales = s
	case upsampleV9:
		if !c.HasInput(1) {
			return p, errMissing(1)
		}
		p.scales, p.known = floats(1)
	default:
		if ver == resizeV18 {
			if ax, ok := c.AttrInts("axes"); ok {
				if p.axes, err = shape.NormAxes(ax, rank); err != nil {
					return p, fmt.Errorf("axes: %w", err)
				}
			}
		}
		useSizes := c.HasInput(3)
		if n, ok := vecLen(c.Input(3)); useSizes && ok && n == 0 {
			useSizes = false
		}
		if useSizes {
			p.sizes, p.known = c.ConstInts(3)
			if p.known && len(p.sizes) == 0 {
				useSizes = false
			}
		}
		if !useSizes {
			if !c.HasInput(2) {
				return p, fmt.Errorf("neither scales nor sizes is given")
			}
			p.sizes = nil
			p.scales, p.known = floats(2)
			if p.known && len(p.scales) == 0 {
				return p, fmt.Errorf("neither scales nor sizes is given")
			}
		}
	}
	if !p.known {
		return p, nil
	}
	n := len(p.scales)
	if p.scales == nil {
		n = len(p.sizes)
	}
	if n != len(p.axes) {
		return p, fmt.Errorf("%d scales or sizes for %d axes", n, len(p.axes))
	}
	return p, nil
}

// resizedShape applies Resize's parameters to a shape.
func resizedShape(c *shape.Ctx, in []sym.Expr, p resizeParams) ([]sym.Expr, error) {
	out := dupDims(in)
	if !p.known {
		for _, a := range p.axes {
			out[a] = c.Fresh("resize")
		}
		return out, nil
	}
	if p.scales != nil {
		for i, a := range p.axes {
			d, ok := scaledDim(in[a], p.scales[i])
			if !ok {
				if !(p.scales[i] > 0) {
					return nil, fmt.Errorf("scale %g is not positive", p.scales[i])
				}
				d = c.Fresh("resize")
			}
			out[a] = d
		}
		return out, nil
	}
	for _, s := range p.sizes {
		if s.Sign() == -1 {
			return nil, fmt.Errorf("sizes %s has a negative entry", exprList(p.sizes))
		}
	}
	policy := c.AttrString("keep_aspect_ratio_policy", "stretch")
	if policy == "stretch" {
		for i, a := range p.axes {
			out[a] = p.sizes[i]
		}
		return out, nil
	}
	if policy != "not_larger" && policy != "not_smaller" {
		return nil, fmt.Errorf("unknown keep_aspect_ratio_policy %q", policy)
	}
	// One float32 scale for all axes, the smallest or largest ratio.
	scale := float32(math.MaxFloat32)
	if policy == "not_smaller" {
		scale = 0
	}
	known := true
	for i, a := range p.axes {
		d, ok1 := in[a].IsConst()
		s, ok2 := p.sizes[i].IsConst()
		if !ok1 || !ok2 || d == 0 {
			known = false
			break
		}
		r := float32(s) / float32(d)
		if policy == "not_larger" {
			scale = min(scale, r)
		} else {
			scale = max(scale, r)
		}
	}
	for _, a := range p.axes {
		if !known {
			out[a] = c.Fresh("resize")
			continue
		}
		d, _ := in[a].IsConst()
		out[a] = sym.Const(int64(math.Round(float64(scale * float32(d)))))
	}
	return out, nil
}

func inferResize(ver resizeVersion) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := rankedIn(c, 0)
		if in == nil || err != nil {
			return err
		}
		p, err := readResize(c, ver, in.Rank)
		if err != nil {
			return err
		}
		out, err := resizedShape(c, in.Shape, p)
		if err != nil {
			return err
		}
		c.SetOutput(0, in.WithShape(out))
		return nil
	}
}

func inferGridSample(c *shape.Ctx) error {
	x, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	g, err := reqIn(c, 1)
	if err != nil {
		return err
	}
	switch {
	case x.HasShape() && g.HasShape():
		if x.Rank != g.Rank || x.Rank < 3 {
			return fmt.Errorf("input of rank %d and grid of rank %d", x.Rank, g.Rank)
		}
		if r, ok := g.Shape[g.Rank-1].IsConst(); ok && r != int64(x.Rank-2) {
			return fmt.Errorf("grid's last dim %d, want %d", r, x.Rank-2)
		}
		n, err := unifyDim(x.Shape[0], g.Shape[0])
		if err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		out := append([]sym.Expr{n, x.Shape[1]}, g.Shape[1:g.Rank-1]...)
		c.SetOutput(0, x.WithShape(out))
	case g.HasShape() && g.Rank >= 3:
		out := append([]sym.Expr{g.Shape[0], c.Fresh("channels")}, g.Shape[1:g.Rank-1]...)
		c.SetOutput(0, x.WithShape(out))
	case x.HasShape() && x.Rank >= 3:
		c.SetOutput(0, x.WithShape(append([]sym.Expr{x.Shape[0], x.Shape[1]}, freshSyms(c, x.Rank-2, "grid")...)))
	default:
		c.SetOutput(0, shape.UnknownRank(x.DType))
	}
	return nil
}

func inferAffineGrid(c *shape.Ctx) error {
	theta, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	if _, err := reqIn(c, 1); err != nil {
		return err
	}
	size, known := c.ConstInts(1)
	n, ok := len(size), known
	if !known {
		n, ok = vecLen(c.Input(1))
	}
	if !ok {
		c.SetOutput(0, shape.UnknownRank(theta.DType))
		return nil
	}
	if n != 4 && n != 5 {
		return fmt.Errorf("size has %d entries, want 4 or 5", n)
	}
	if !known {
		size = freshSyms(c, n, "grid")
		if theta.HasShape() && theta.Rank == 3 {
			size[0] = theta.Shape[0]
		}
	}
	if theta.HasShape() {
		if theta.Rank != 3 {
			return fmt.Errorf("theta of rank %d, want 3", theta.Rank)
		}
		if _, err := unifyDim(theta.Shape[0], size[0]); err != nil {
			return fmt.Errorf("batch: %w", err)
		}
	}
	out := append([]sym.Expr{size[0]}, size[2:]...)
	out = append(out, sym.Const(int64(n-2)))
	c.SetOutput(0, shape.Tensor(theta.DType, out...))
	return nil
}

func inferCol2Im(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	for i := 1; i <= 2; i++ {
		if _, err := reqIn(c, i); err != nil {
			return err
		}
	}
	if in.HasShape() && in.Rank != 3 {
		return fmt.Errorf("input of rank %d, want 3", in.Rank)
	}
	img, iok := c.ConstInts(1)
	if !iok {
		n, ok := vecLen(c.Input(1))
		if !ok {
			c.SetOutput(0, shape.UnknownRank(in.DType))
			return nil
		}
		img = freshSyms(c, n, "image")
	}
	out := []sym.Expr{c.Fresh("batch"), c.Fresh("channels")}
	if in.HasShape() {
		out[0] = in.Shape[0]
		if block, ok := c.ConstInts(2); ok {
			if len(block) != len(img) {
				return fmt.Errorf("block_shape has %d entries, image_shape %d", len(block), len(img))
			}
			k := sym.Product(block...)
			if kv, ok := k.IsConst(); ok && kv <= 0 {
				return fmt.Errorf("block_shape %s has no elements", exprList(block))
			}
			if kv, ok := k.IsConst(); ok {
				ch, err := divideDim(in.Shape[1], kv, "input dim 1")
				if err != nil {
					return err
				}
				out[1] = ch
			} else {
				out[1] = sym.FloorDiv(in.Shape[1], k)
			}
		}
	}
	c.SetOutput(0, in.WithShape(append(out, img...)))
	return nil
}
