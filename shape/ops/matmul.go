package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// MatMul, MatMulInteger, QLinearMatMul and Gemm.

// mmDimsMatch reports an error when two concrete dims differ.
func mmDimsMatch(what string, a, b sym.Expr) error {
	av, aok := a.IsConst()
	bv, bok := b.IsConst()
	if aok && bok && av != bv {
		return fmt.Errorf("%s: %d vs %d", what, av, bv)
	}
	return nil
}

// mmShape computes numpy matmul's output shape: 1-D operands are promoted
// (a leading 1 for A, a trailing 1 for B) and the promoted dims removed
// afterwards; batch dims broadcast. ok is false when a rank is unknown.
func mmShape(a, b *shape.Value) ([]sym.Expr, bool, error) {
	if a.Rank < 0 || b.Rank < 0 {
		return nil, false, nil
	}
	if a.Rank == 0 || b.Rank == 0 {
		return nil, false, fmt.Errorf("matmul operands must have rank >= 1, got %d and %d", a.Rank, b.Rank)
	}
	as, bs := a.Shape, b.Shape
	if a.Rank == 1 {
		as = []sym.Expr{sym.Const(1), as[0]}
	}
	if b.Rank == 1 {
		bs = []sym.Expr{bs[0], sym.Const(1)}
	}
	ka, kb := as[len(as)-1], bs[len(bs)-2]
	if err := mmDimsMatch("inner dimensions differ", ka, kb); err != nil {
		return nil, false, fmt.Errorf("%w (A %s, B %s)", err, shape.ShapeString(a), shape.ShapeString(b))
	}
	batch, _, err := shape.Broadcast(
		&shape.Value{Kind: onnx.KindTensor, Shape: as[:len(as)-2], Rank: len(as) - 2},
		&shape.Value{Kind: onnx.KindTensor, Shape: bs[:len(bs)-2], Rank: len(bs) - 2},
	)
	if err != nil {
		return nil, false, fmt.Errorf("batch dims: %w", err)
	}
	out := append([]sym.Expr{}, batch...)
	if a.Rank > 1 {
		out = append(out, as[len(as)-2])
	}
	if b.Rank > 1 {
		out = append(out, bs[len(bs)-1])
	}
	return out, true, nil
}

// mmInfer returns the Infer rule of a matmul with operands at inputs ia and
// ib whose output type is given by outType.
func mmInfer(ia, ib int, outType func(c *shape.Ctx) onnx.DataType) func(c *shape.Ctx) error {
	return func(c *shape.Ctx) error {
		a, err := ewTensorInput(c, ia)
		if err != nil {
			return err
		}
		b, err := ewTensorInput(c, ib)
		if err != nil {
			return err
		}
		dt := outType(c)
		s, ok, err := mmShape(a, b)
		if err != nil {
			return err
		}
		ewSetShape(c, dt, s, ok)
		return nil
	}
}

// mmMaxWork bounds the multiply-adds of a constant matmul evaluation.
const mmMaxWork = 1 << 22

// mmMatmulConst multiplies contents numpy-style. Integer products use sym
// arithmetic (wrapping concrete values to outDT).
func mmMatmulConst(a, b *shape.Const, ad, bd, out []int64, dtA, dtB, outDT onnx.DataType) *shape.Const {
	if len(ad) == 1 {
		ad = []int64{1, ad[0]}
	}
	if len(bd) == 1 {
		bd = []int64{bd[0], 1}
	}
	m, k, n := ad[len(ad)-2], ad[len(ad)-1], bd[len(bd)-1]
	batch, ok := ewBroadcastDims(ad[:len(ad)-2], bd[:len(bd)-2])
	if !ok || bd[len(bd)-2] != k {
		return nil
	}
	nb := numel(batch)
	full := numel(out)
	if nb*m*n != full || full*k > mmMaxWork {
		return nil
	}
	ab := broadcastMap(batch, ad[:len(ad)-2])
	bb := broadcastMap(batch, bd[:len(bd)-2])
	useFloat := a.Floats != nil || b.Floats != nil || dtA.IsFloat() || dtB.IsFloat()
	var fa, fb []float64
	if useFloat {
		var ok1, ok2 bool
		fa, ok1 = ewFloats(a, dtA)
		fb, ok2 = ewFloats(b, dtB)
		if !ok1 || !ok2 {
			return nil
		}
	} else if a.Ints == nil || b.Ints == nil {
		return nil
	}
	resF := make([]float64, 0, full)
	resI := make([]sym.Expr, 0, full)
	for p := int64(0); p < nb; p++ {
		ao, bo := ab[p]*m*k, bb[p]*k*n
		for i := int64(0); i < m; i++ {
			for j := int64(0); j < n; j++ {
				if useFloat {
					var s float64
					for t := int64(0); t < k; t++ {
						s += fa[ao+i*k+t] * fb[bo+t*n+j]
					}
					resF = append(resF, s)
					continue
				}
				terms := make([]sym.Expr, k)
				allC := true
				var sc int64
				for t := int64(0); t < k; t++ {
					x, y := a.Ints[ao+i*k+t], b.Ints[bo+t*n+j]
					xv, xok := x.IsConst()
					yv, yok := y.IsConst()
					if xok && yok {
						sc += xv * yv
						terms[t] = sym.Const(xv * yv)
						continue
					}
					allC = false
					e, ok := ewTry(func() sym.Expr { return x.Mul(y) })
					if !ok {
						return nil
					}
					terms[t] = e
				}
				if allC {
					resI = append(resI, sym.Const(ewWrap(outDT, sc)))
					continue
				}
				e, ok := ewTry(func() sym.Expr { return sym.Sum(terms...) })
				if !ok {
					return nil
				}
				resI = append(resI, e)
			}
		}
	}
	if useFloat {
		return ewFromFloats(outDT, resF)
	}
	return &shape.Const{Ints: resI}
}

func mmEval(c *shape.Ctx) error {
	out, dt, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	ad, bd, ok := ewTwoDims(c)
	if !ok {
		return nil
	}
	return ewSet(c, dt, out, mmMatmulConst(c.Const(0), c.Const(1), ad, bd, out, c.ElemType(0), c.ElemType(1), dt))
}

// --- Gemm ---

func inferGemm(c *shape.Ctx) error {
	a, b, err := ewTwoInputs(c)
	if err != nil {
		return err
	}
	dt := ewDType(c, 0, 1, 2)
	if a.Rank >= 0 && a.Rank != 2 {
		return fmt.Errorf("A must be 2-D, got %s", shape.ShapeString(a))
	}
	if b.Rank >= 0 && b.Rank != 2 {
		return fmt.Errorf("B must be 2-D, got %s", shape.ShapeString(b))
	}
	transA := c.AttrInt("transA", 0) != 0
	transB := c.AttrInt("transB", 0) != 0
	var m, ka, kb, n sym.Expr
	var haveA, haveB bool
	if a.Rank == 2 {
		haveA = true
		m, ka = a.Shape[0], a.Shape[1]
		if transA {
			m, ka = ka, m
		}
	}
	if b.Rank == 2 {
		haveB = true
		kb, n = b.Shape[0], b.Shape[1]
		if transB {
			kb, n = n, kb
		}
	}
	if haveA && haveB {
		if err := mmDimsMatch("inner dimensions differ", ka, kb); err != nil {
			return fmt.Errorf("%w (A %s transA=%v, B %s transB=%v)", err, shape.ShapeString(a), transA, shape.ShapeString(b), transB)
		}
	}
	cIn := c.Input(2)
	// Unknown M or N may be recovered from a C that has them.
	if cIn != nil && cIn.Rank == 2 {
		if !haveA {
			if v, ok := cIn.Shape[0].IsConst(); ok && v != 1 {
				m, haveA = cIn.Shape[0], true
			}
		}
		if !haveB {
			if v, ok := cIn.Shape[1].IsConst(); ok && v != 1 {
				n, haveB = cIn.Shape[1], true
			}
		}
	}
	if !haveA {
		m = c.Fresh("M")
	}
	if !haveB {
		n = c.Fresh("N")
	}
	if cIn != nil && cIn.Rank >= 0 && (c.Opset >= 7 || c.Opset <= 0 || c.AttrInt("broadcast", 0) != 0) {
		if cIn.Rank > 2 {
			return fmt.Errorf("C of rank %d does not broadcast to (M, N)", cIn.Rank)
		}
		y := shape.Tensor(dt, m, n)
		if _, _, err := shape.Broadcast(y, cIn); err != nil {
			return fmt.Errorf("C: %w", err)
		}
	}
	c.SetOutput(0, shape.Tensor(dt, m, n))
	return nil
}

func evalGemm(c *shape.Ctx) error {
	out, dt, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	ad, bd, ok := ewTwoDims(c)
	if !ok {
		return nil
	}
	fa, ok1 := ewFloats(c.Const(0), c.ElemType(0))
	fb, ok2 := ewFloats(c.Const(1), c.ElemType(1))
	if !ok1 || !ok2 {
		return nil
	}
	transA := c.AttrInt("transA", 0) != 0
	transB := c.AttrInt("transB", 0) != 0
	alpha := ewAttrF(c, "alpha", 1)
	beta := ewAttrF(c, "beta", 1)
	m, n := out[0], out[1]
	k := ad[1]
	if transA {
		k = ad[0]
	}
	if m*n*k > mmMaxWork {
		return nil
	}
	at := func(i, t int64) float64 {
		if transA {
			return fa[t*ad[1]+i]
		}
		return fa[i*ad[1]+t]
	}
	bt := func(t, j int64) float64 {
		if transB {
			return fb[j*bd[1]+t]
		}
		return fb[t*bd[1]+j]
	}
	res := make([]float64, m*n)
	for i := int64(0); i < m; i++ {
		for j := int64(0); j < n; j++ {
			var s float64
			for t := int64(0); t < k; t++ {
				s += at(i, t) * bt(t, j)
			}
			res[i*n+j] = alpha * s
		}
	}
	if c.HasInput(2) {
		cd, ok := inputDims(c, 2)
		if !ok {
			return nil
		}
		if numel(cd) == 1 {
			cd = nil
		}
		if !ewBroadcastable(cd, out) {
			return nil
		}
		fc, ok := ewFloats(ewExpand(c.Const(2), cd, out), c.ElemType(2))
		if !ok {
			return nil
		}
		for i := range res {
			res[i] += beta * fc[i]
		}
	}
	return ewSetFloats(c, dt, out, res)
}

func init() {
	sameAsA := func(c *shape.Ctx) onnx.DataType { return ewDType(c, 0, 1) }
	for _, s := range []int64{1, 9, 13} {
		shape.Register(shape.Op{Type: "MatMul", Since: s, Infer: mmInfer(0, 1, sameAsA), Eval: mmEval})
	}
	shape.Register(shape.Op{Type: "MatMulInteger", Since: 10,
		Infer: mmInfer(0, 1, func(*shape.Ctx) onnx.DataType { return onnx.Int32 })})
	qlinear := mmInfer(0, 3, func(c *shape.Ctx) onnx.DataType {
		if dt := c.ElemType(7); dt != onnx.Undefined {
			return dt
		}
		return c.ElemType(0)
	})
	for _, s := range []int64{10, 21} {
		shape.Register(shape.Op{Type: "QLinearMatMul", Since: s, Infer: qlinear})
	}
	for _, s := range []int64{1, 6, 7, 9, 11, 13} {
		shape.Register(shape.Op{Type: "Gemm", Since: s, Infer: inferGemm, Eval: evalGemm})
	}
}
