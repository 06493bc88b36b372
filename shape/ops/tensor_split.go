package ops

import (
	"fmt"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Split, Expand and Tile.

// splitVersion tells where Split finds the lengths of its parts.
type splitVersion int

const (
	splitV1  splitVersion = iota // split attribute or optional input 1
	splitV2                      // split attribute
	splitV13                     // split input
	splitV18                     // split input or num_outputs attribute (uneven last part)
)

func init() {
	shape.Register(
		shape.Op{Type: "Split", Since: 1, Infer: inferSplit(splitV1), Eval: evalSplit},
		shape.Op{Type: "Split", Since: 2, Infer: inferSplit(splitV2), Eval: evalSplit},
		shape.Op{Type: "Split", Since: 13, Infer: inferSplit(splitV13), Eval: evalSplit},
		shape.Op{Type: "Split", Since: 18, Infer: inferSplit(splitV18), Eval: evalSplit},
		shape.Op{Type: "Expand", Since: 8, Infer: inferExpand, Eval: evalExpand},
		shape.Op{Type: "Tile", Since: 1, Infer: inferTile1, Eval: evalTile},
		shape.Op{Type: "Tile", Since: 6, Infer: inferTile, Eval: evalTile},
	)
}

// splitSizes returns the lengths of Split's parts along an axis of length d.
// known is false when they come from an input whose contents are not known.
func splitSizes(c *shape.Ctx, ver splitVersion, d sym.Expr) (sizes []sym.Expr, known bool, err error) {
	n := c.NumOutputs()
	if a, ok := c.AttrInts("split"); ok && (ver == splitV1 || ver == splitV2) {
		sizes = shape.Dims(a...)
	} else if c.HasInput(1) && ver != splitV2 {
		s, ok := c.ConstInts(1)
		if !ok {
			return nil, false, nil
		}
		sizes = s // an empty split means equal parts
	}
	if len(sizes) > 0 {
		if len(sizes) != n {
			return nil, false, fmt.Errorf("split has %d parts for %d outputs", len(sizes), n)
		}
		for _, s := range sizes {
			if s.Sign() == -1 {
				return nil, false, fmt.Errorf("split %s has a negative part", exprList(sizes))
			}
		}
		if dv, ok := d.IsConst(); ok {
			if sv, ok := sym.Sum(sizes...).IsConst(); ok && sv != dv {
				return nil, false, fmt.Errorf("split %s sums to %d, the axis has %d", exprList(sizes), sv, dv)
			}
		}
		return sizes, true, nil
	}
	if ver == splitV18 {
		if k := c.AttrInt("num_outputs", 0); k > 0 {
			if int(k) != n {
				return nil, false, fmt.Errorf("num_outputs %d but %d outputs", k, n)
			}
		}
	}
	if n == 0 {
		return nil, false, fmt.Errorf("no outputs")
	}
	k := sym.Const(int64(n))
	if dv, ok := d.IsConst(); ok && dv%int64(n) != 0 {
		if ver != splitV18 {
			return nil, false, fmt.Errorf("axis of length %d does not split into %d equal parts", dv, n)
		}
		chunk := (dv + int64(n) - 1) / int64(n)
		last := dv - chunk*int64(n-1)
		if last < 0 {
			return nil, false, fmt.Errorf("axis of length %d does not split into %d parts of %d", dv, n, chunk)
		}
		sizes = make([]sym.Expr, n)
		for i := range sizes {
			sizes[i] = sym.Const(chunk)
		}
		sizes[n-1] = sym.Const(last)
		return sizes, true, nil
	}
	chunk := sym.FloorDiv(d, k)
	last := chunk
	if ver == splitV18 {
		// Parts of ceil(d/n) and a smaller last part; for a d that n divides
		// (every concrete case that reaches here) this is d/n each.
		chunk = sym.CeilDiv(d, k)
		last = d.Sub(chunk.MulInt(int64(n - 1)))
	}
	sizes = make([]sym.Expr, n)
	for i := range sizes {
		sizes[i] = chunk
	}
	sizes[n-1] = last
	return sizes, true, nil
}

func inferSplit(ver splitVersion) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		in, err := reqIn(c, 0)
		if err != nil {
			return err
		}
		if !in.HasShape() {
			for i := range c.NumOutputs() {
				c.SetOutput(i, shape.UnknownRank(in.DType))
			}
			return nil
		}
		axis, err := axisAttrNorm(c, "axis", 0, in.Rank)
		if err != nil {
			return err
		}
		sizes, known, err := splitSizes(c, ver, in.Shape[axis])
		if err != nil {
			return err
		}
		for i := range c.NumOutputs() {
			out := dupDims(in.Shape)
			if known {
				out[axis] = sizes[i]
			} else {
				out[axis] = c.Fresh("split")
			}
			c.SetOutput(i, in.WithShape(out))
		}
		return nil
	}
}

func evalSplit(c *shape.Ctx) error {
	dims, ok := inputDims(c, 0)
	src := c.Const(0)
	if !ok || src == nil {
		return nil
	}
	axis, err := axisAttrNorm(c, "axis", 0, len(dims))
	if err != nil {
		return err
	}
	outer := numel(dims[:axis])
	inner := numel(dims[axis+1:])
	var off int64
	type part struct {
		dims []int64
		data *shape.Const
	}
	parts := make([]part, c.NumOutputs())
	for i := range parts {
		od, ok := inferredDims(c, i)
		if !ok || len(od) != len(dims) {
			return nil
		}
		k := od[axis]
		if off+k > dims[axis] {
			return fmt.Errorf("parts exceed the axis of %d", dims[axis])
		}
		data := emptyConstLike(c.Output(i).DType, src)
		for o := range outer {
			base := (o*dims[axis] + off) * inner
			if !appendConstRange(data, src, base, base+k*inner) {
				return fmt.Errorf("unexpected value kind")
			}
		}
		off += k
		parts[i] = part{od, data}
	}
	if off != dims[axis] {
		return fmt.Errorf("parts cover %d of %d", off, dims[axis])
	}
	for i, p := range parts {
		if err := c.SetConst(i, c.Output(i).DType, p.dims, p.data); err != nil {
			return err
		}
	}
	return nil
}

func inferExpand(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	if !c.HasInput(1) {
		return errMissing(1)
	}
	target, ok := c.ConstInts(1)
	if !ok {
		n, nok := vecLen(c.Input(1))
		if nok && in.HasShape() {
			c.SetOutput(0, in.WithShape(freshSyms(c, max(n, in.Rank), "expand")))
		} else {
			c.SetOutput(0, shape.UnknownRank(in.DType))
		}
		return nil
	}
	for _, t := range target {
		if t.Sign() == -1 {
			return fmt.Errorf("shape %s has a negative dim", exprList(target))
		}
	}
	out, known, err := shape.Broadcast(in, shape.Tensor(in.DType, target...))
	if err != nil {
		return err
	}
	if !known {
		c.SetOutput(0, shape.UnknownRank(in.DType))
		return nil
	}
	c.SetOutput(0, in.WithShape(out))
	return nil
}

func evalExpand(c *shape.Ctx) error {
	od, ok := inferredDims(c, 0)
	dims, dok := inputDims(c, 0)
	src := c.Const(0)
	if !ok || !dok || src == nil || overLimit(c, numel(od)) {
		return nil
	}
	return c.SetConst(0, c.Output(0).DType, od, take(src, broadcastMap(od, dims)))
}

// inferTile1 is Tile-1: inputs tiles and axis repeat the tensor along one axis.
func inferTile1(c *shape.Ctx) error {
	in, err := rankedIn(c, 0)
	if in == nil || err != nil {
		return err
	}
	tiles, tok := c.ConstInts(1)
	axis, aok := c.ConstInt64s(2)
	if !tok || !aok || len(tiles) != 1 || len(axis) != 1 {
		c.SetOutput(0, in.WithShape(freshSyms(c, in.Rank, "tile")))
		return nil
	}
	a, err := shape.NormAxis(axis[0], in.Rank)
	if err != nil {
		return fmt.Errorf("input 2 (axis): %w", err)
	}
	out := dupDims(in.Shape)
	out[a] = out[a].Mul(tiles[0])
	c.SetOutput(0, in.WithShape(out))
	return nil
}

func inferTile(c *shape.Ctx) error {
	in, err := reqIn(c, 0)
	if err != nil {
		return err
	}
	if !c.HasInput(1) {
		return errMissing(1)
	}
	if !in.HasShape() {
		if n, ok := vecLen(c.Input(1)); ok {
			c.SetOutput(0, in.WithShape(freshSyms(c, n, "tile")))
		} else {
			c.SetOutput(0, shape.UnknownRank(in.DType))
		}
		return nil
	}
	reps, ok := c.ConstInts(1)
	if !ok {
		c.SetOutput(0, in.WithShape(freshSyms(c, in.Rank, "tile")))
		return nil
	}
	if len(reps) != in.Rank {
		return fmt.Errorf("repeats %s has %d entries for rank %d", exprList(reps), len(reps), in.Rank)
	}
	out := make([]sym.Expr, in.Rank)
	for i, d := range in.Shape {
		if reps[i].Sign() == -1 {
			return fmt.Errorf("repeats %s has a negative entry", exprList(reps))
		}
		out[i] = d.Mul(reps[i])
	}
	c.SetOutput(0, in.WithShape(out))
	return nil
}

// evalTile computes Tile's contents (any version): each output coordinate
// reads the input at that coordinate modulo the input's dim.
func evalTile(c *shape.Ctx) error {
	od, ok := inferredDims(c, 0)
	dims, dok := inputDims(c, 0)
	src := c.Const(0)
	if !ok || !dok || src == nil || len(od) != len(dims) || overLimit(c, numel(od)) {
		return nil
	}
	for k, d := range dims {
		if d == 0 && od[k] != 0 {
			return nil
		}
	}
	pick := coordMap(od, dims, func(k int, i int64) int64 { return i % dims[k] })
	return c.SetConst(0, c.Output(0).DType, od, take(src, pick))
}
