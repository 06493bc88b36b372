package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Signal processing: DFT, STFT, the window generators and MelWeightMatrix.

func init() {
	shape.Register(
		shape.Op{Type: "DFT", Since: 17, Infer: func(c *shape.Ctx) error { return inferDFT(c, false) }},
		shape.Op{Type: "DFT", Since: 20, Infer: func(c *shape.Ctx) error { return inferDFT(c, true) }},
		shape.Op{Type: "STFT", Since: 17, Infer: inferSTFT},
		shape.Op{Type: "HannWindow", Since: 17, Infer: inferWindow, Eval: evalWindow},
		shape.Op{Type: "HammingWindow", Since: 17, Infer: inferWindow, Eval: evalWindow},
		shape.Op{Type: "BlackmanWindow", Since: 17, Infer: inferWindow, Eval: evalWindow},
		shape.Op{Type: "MelWeightMatrix", Since: 17, Infer: inferMelWeightMatrix},
	)
}

// scalarInput returns the single value of a scalar (or one-element) integer
// input when known.
func scalarInput(c *shape.Ctx, i int) (sym.Expr, bool, error) {
	xs, ok := c.ConstInts(i)
	if !ok {
		return sym.Expr{}, false, nil
	}
	if len(xs) != 1 {
		return sym.Expr{}, false, fmt.Errorf("input %d has %d values, want a scalar", i, len(xs))
	}
	return xs[0], true, nil
}

// inferDFT: the input's last dim (1 real, 2 complex) becomes 2, or 1 for
// the inverse one-sided transform (IRFFT); the transformed axis becomes
// dft_length, or floor(dft_length/2)+1 for the forward one-sided transform.
// axisInput selects version 20, where the axis is input 2 (default -2)
// instead of the axis attribute (default 1).
func inferDFT(c *shape.Ctx, axisInput bool) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	dt := x.DType
	if !x.HasShape() {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	r := x.Rank
	if r < 2 {
		return fmt.Errorf("input has rank %d, want at least 2 (signal dims and a last dim of 1 or 2)", r)
	}
	if last, ok := x.Shape[r-1].IsConst(); ok && last != 1 && last != 2 {
		return fmt.Errorf("input's last dim is %d, want 1 (real) or 2 (complex)", last)
	}
	inverse := c.AttrInt("inverse", 0) != 0
	onesided := c.AttrInt("onesided", 0) != 0

	axis, axisKnown := c.AttrInt("axis", 1), true
	if axisInput {
		axis = -2
		if c.HasInput(2) {
			a, ok, err := scalarInput(c, 2)
			if err != nil {
				return err
			}
			av, isConst := a.IsConst()
			axis, axisKnown = av, ok && isConst
		}
	}
	if axisKnown {
		if axis < 0 {
			axis += int64(r)
		}
		if axis < 0 || axis > int64(r)-2 {
			return fmt.Errorf("axis out of range for rank %d: the last dim holds the complex parts", r)
		}
	}

	out := append([]sym.Expr(nil), x.Shape...)
	if onesided && inverse {
		out[r-1] = sym.Const(1)
	} else {
		out[r-1] = sym.Const(2)
	}
	// The transform length along the axis.
	length := func(n sym.Expr) (sym.Expr, error) {
		if c.HasInput(1) {
			l, ok, err := scalarInput(c, 1)
			if err != nil || !ok {
				return c.Fresh("dft_length"), err
			}
			if v, ok := l.IsConst(); ok && v < 1 {
				return sym.Expr{}, fmt.Errorf("dft_length %d: must be positive", v)
			}
			return l, nil
		}
		if onesided && inverse {
			return n.AddInt(-1).MulInt(2), nil
		}
		return n, nil
	}
	resize := c.HasInput(1) || onesided
	switch {
	case axisKnown:
		l, err := length(out[axis])
		if err != nil {
			return err
		}
		if onesided && !inverse {
			l = sym.FloorDiv(l, sym.Const(2)).AddInt(1)
		}
		out[axis] = l
	case resize:
		// Which axis changes is not known.
		for i := 0; i < r-1; i++ {
			out[i] = c.Fresh("dft_axis")
		}
	}
	c.SetOutput(0, shape.Tensor(dt, out...))
	return nil
}

// inferSTFT: signal (B, L, 1|2) → (B, frames, bins, 2) with
// frames = floor((L - frame_length)/frame_step) + 1 and bins = frame_length,
// or frame_length//2 + 1 when onesided (the default). frame_length is input 3
// or the window's length.
func inferSTFT(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	x := c.Input(0)
	dt := x.DType
	if x.HasShape() && x.Rank != 3 {
		return fmt.Errorf("signal has rank %d, want 3 (batch, length, 1 or 2)", x.Rank)
	}
	var fl sym.Expr
	flKnown := false
	switch {
	case c.HasInput(3):
		v, ok, err := scalarInput(c, 3)
		if err != nil {
			return err
		}
		fl, flKnown = v, ok
	case c.HasInput(2):
		w := c.Input(2)
		if w.HasShape() {
			if w.Rank != 1 {
				return fmt.Errorf("window has rank %d, want 1", w.Rank)
			}
			fl, flKnown = w.Shape[0], true
		}
	default:
		return fmt.Errorf("either window or frame_length is needed")
	}
	if v, ok := fl.IsConst(); flKnown && ok && v < 1 {
		return fmt.Errorf("frame_length %d: must be positive", v)
	}
	step, stepKnown, err := scalarInput(c, 1)
	if err != nil {
		return err
	}
	if v, ok := step.IsConst(); stepKnown && ok && v < 1 {
		return fmt.Errorf("frame_step %d: must be positive", v)
	}
	var batch, frames, bins sym.Expr
	if x.HasShape() {
		batch = x.Shape[0]
	} else {
		batch = c.Fresh("batch")
	}
	if x.HasShape() && flKnown && stepKnown {
		frames = sym.FloorDiv(x.Shape[1].Sub(fl), step).AddInt(1)
		if v, ok := frames.IsConst(); ok && v < 0 {
			return fmt.Errorf("signal length %s is shorter than frame_length %s", x.Shape[1], fl)
		}
	} else {
		frames = c.Fresh("frames")
	}
	switch {
	case !flKnown:
		bins = c.Fresh("bins")
	case c.AttrInt("onesided", 1) != 0:
		bins = sym.FloorDiv(fl, sym.Const(2)).AddInt(1)
	default:
		bins = fl
	}
	c.SetOutput(0, shape.Tensor(dt, batch, frames, bins, sym.Const(2)))
	return nil
}

// outputDataType reads output_datatype (default float32), checking it is numeric.
func outputDataType(c *shape.Ctx) (onnx.DataType, error) {
	dt := onnx.DataType(c.AttrInt("output_datatype", int64(onnx.Float)))
	if !(dt.IsFloat() || dt.IsInteger()) || dt == onnx.Complex64 || dt == onnx.Complex128 {
		return 0, fmt.Errorf("output_datatype %d is not a real numeric type", dt)
	}
	return dt, nil
}

// inferWindow: output [size] of output_datatype.
func inferWindow(c *shape.Ctx) error {
	if err := c.RequireInputs(1); err != nil {
		return err
	}
	dt, err := outputDataType(c)
	if err != nil {
		return err
	}
	size, ok, err := scalarInput(c, 0)
	if err != nil {
		return err
	}
	if !ok {
		size = c.Fresh("window_size")
	} else if v, isConst := size.IsConst(); isConst && v < 0 {
		return fmt.Errorf("window size %d: must not be negative", v)
	}
	c.SetOutput(0, shape.Tensor(dt, size))
	return nil
}

// evalWindow computes the window: w[n] for n < size, with N = size when
// periodic (the default) or size-1 when symmetric,
//
//	Hann:     0.5 - 0.5 cos(2πn/N)
//	Hamming:  α - (1-α) cos(2πn/N), α = 25/46
//	Blackman: 0.42 - 0.5 cos(2πn/N) + 0.08 cos(4πn/N)
func evalWindow(c *shape.Ctx) error {
	size, ok, err := scalarInput(c, 0)
	if err != nil || !ok {
		return err
	}
	n, ok := size.IsConst()
	if !ok || n > int64(c.MaxConstElements()) {
		return nil
	}
	dt := c.Output(0).DType
	denom := float64(n)
	if c.AttrInt("periodic", 1) == 0 {
		denom = float64(n - 1)
	}
	vals := make([]float64, n)
	for i := range vals {
		a := 2 * math.Pi * float64(i) / denom
		switch c.Node.OpType {
		case "HannWindow":
			vals[i] = 0.5 - 0.5*math.Cos(a)
		case "HammingWindow":
			const alpha = 25.0 / 46.0
			vals[i] = alpha - (1-alpha)*math.Cos(a)
		default:
			vals[i] = 0.42 - 0.5*math.Cos(a) + 0.08*math.Cos(2*a)
		}
	}
	return c.SetConst(0, dt, []int64{n}, realConst(dt, vals))
}

// realConst stores float64 values as contents of type dt: rounded to float32
// for float32, truncated toward zero for integer types.
func realConst(dt onnx.DataType, vals []float64) *shape.Const {
	if dt.IsFloat() {
		if dt == onnx.Float {
			for i, v := range vals {
				vals[i] = float64(float32(v))
			}
		}
		return &shape.Const{Floats: vals}
	}
	ints := make([]sym.Expr, len(vals))
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		ints[i] = sym.Const(int64(v))
	}
	return &shape.Const{Ints: ints}
}

// inferMelWeightMatrix: output [floor(dft_length/2) + 1, num_mel_bins] of
// output_datatype.
func inferMelWeightMatrix(c *shape.Ctx) error {
	if err := c.RequireInputs(5); err != nil {
		return err
	}
	dt, err := outputDataType(c)
	if err != nil {
		return err
	}
	bins, ok, err := scalarInput(c, 0)
	if err != nil {
		return err
	}
	if !ok {
		bins = c.Fresh("num_mel_bins")
	}
	var spec sym.Expr
	dft, ok, err := scalarInput(c, 1)
	if err != nil {
		return err
	}
	if ok {
		spec = sym.FloorDiv(dft, sym.Const(2)).AddInt(1)
	} else {
		spec = c.Fresh("spectrogram_bins")
	}
	for _, d := range []sym.Expr{bins, spec} {
		if v, ok := d.IsConst(); ok && v < 0 {
			return fmt.Errorf("negative output size %d", v)
		}
	}
	c.SetOutput(0, shape.Tensor(dt, spec, bins))
	return nil
}
