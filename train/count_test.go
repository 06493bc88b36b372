package train

import (
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// TestBackwardMACsTwiceForward checks the cross-check identity: when every
// input and weight needs a gradient, each product's two operands get one
// gradient each, as many MACs as the product: backward MACs = 2 × forward.
func TestBackwardMACsTwiceForward(t *testing.T) {
	cases := []struct {
		name string
		node *onnx.Node
		args []*arg
	}{
		{"Conv", node("", "Conv", aInts("pads", 1, 1, 1, 1)), []*arg{param(2, 4, 8, 8), param(6, 4, 3, 3), param(6)}},
		{"Conv grouped strided", node("", "Conv", aInt("group", 4), aInts("strides", 2, 2)), []*arg{param(1, 8, 9, 9), param(8, 2, 3, 3)}},
		{"Conv depthwise strided padded", node("", "Conv", aInt("group", 6), aInts("strides", 2, 3), aInts("pads", 1, 0, 1, 2)),
			[]*arg{param(2, 6, 11, 13), param(6, 1, 3, 5)}},
		{"ConvTranspose", node("", "ConvTranspose", aInts("strides", 2, 2)), []*arg{param(1, 4, 5, 5), param(4, 3, 3, 3), param(3)}},
		{"MatMul", node("", "MatMul"), []*arg{param(5, 7), param(7, 3)}},
		{"MatMul batched broadcast", node("", "MatMul"), []*arg{param(2, 1, 4, 6), param(3, 6, 5)}},
		{"MatMul batched both", node("", "MatMul"), []*arg{param(3, 4, 6), param(3, 6, 5)}},
		{"Gemm", node("", "Gemm", aInt("transB", 1)), []*arg{param(4, 8), param(5, 8), param(5)}},
		// Recurrences with a learned initial state (it needs a gradient, so
		// the recurrent product runs at every step; TestRecurrenceInitialState
		// covers the usual constant one).
		{"LSTM", node("", "LSTM", aInt("hidden_size", 4)), []*arg{param(5, 2, 3), param(1, 16, 3), param(1, 16, 4), param(1, 32), nil, param(1, 2, 4)}},
		{"LSTM bidirectional", node("", "LSTM", aInt("hidden_size", 4), aString("direction", "bidirectional")),
			[]*arg{param(5, 2, 3), param(2, 16, 3), param(2, 16, 4), param(2, 32), nil, param(2, 2, 4), param(2, 2, 4)}},
		{"GRU bidirectional", node("", "GRU", aInt("hidden_size", 3), aString("direction", "bidirectional")),
			[]*arg{param(4, 2, 5), param(2, 9, 5), param(2, 9, 3), nil, nil, param(2, 2, 3)}},
		{"RNN", node("", "RNN", aInt("hidden_size", 4)), []*arg{param(5, 2, 3), param(1, 4, 3), param(1, 4, 4), nil, nil, param(1, 2, 4)}},
		{"Einsum", node("", "Einsum", aString("equation", "bij,bjk->bik")), []*arg{param(2, 3, 4), param(2, 4, 5)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			one := buildOne(t, nil, c.node, c.args...)
			fwd, rep := counts(t, one.res, Options{})
			f, b := konst(t, "forward MACs", fwd.MACs), konst(t, "backward MACs", rep.BackwardMACs)
			if f == 0 || b != 2*f {
				t.Errorf("backward %d MACs, want 2 × %d", b, f)
			}
		})
	}
}

// graph is a small multi-node test model.
type graph struct {
	g    *onnx.Graph
	opts shape.Options
}

func newGraph() *graph {
	return &graph{g: &onnx.Graph{Name: "test"}, opts: shape.Options{InputValues: map[string]*shape.Value{}}}
}

func (gb *graph) init(name string, dims ...int64) *graph {
	gb.g.Initializers = append(gb.g.Initializers, &onnx.Tensor{Name: name, DataType: onnx.Float, Dims: dims})
	return gb
}

func (gb *graph) input(name string, v *shape.Value) *graph {
	gb.g.Inputs = append(gb.g.Inputs, &onnx.ValueInfo{Name: name})
	gb.opts.InputValues[name] = v
	return gb
}

func (gb *graph) add(name, op string, ins []string, outs []string, attrs ...*onnx.Attribute) *graph {
	gb.g.Nodes = append(gb.g.Nodes, &onnx.Node{Name: name, OpType: op, Inputs: ins, Outputs: outs, Attrs: attrs})
	return gb
}

func (gb *graph) output(names ...string) *graph {
	for _, n := range names {
		gb.g.Outputs = append(gb.g.Outputs, &onnx.ValueInfo{Name: n})
	}
	return gb
}

func (gb *graph) count(t *testing.T, opts Options) (*fpo.Report, *Report) {
	t.Helper()
	return counts(t, infer(t, gb.g, gb.opts), opts)
}

// mlp is X[4,8] → /l1/MatMul(W1[8,16]) → /l1/Add(b1[16]) → /act/Relu →
// /l2/MatMul(W2[16,2]) → y[4,2].
func mlp() *graph {
	return newGraph().input("x", shape.TensorDims(onnx.Float, 4, 8)).
		init("l1.weight", 8, 16).init("l1.bias", 16).init("l2.weight", 16, 2).
		add("/l1/MatMul", "MatMul", []string{"x", "l1.weight"}, []string{"h0"}).
		add("/l1/Add", "Add", []string{"h0", "l1.bias"}, []string{"h1"}).
		add("/act/Relu", "Relu", []string{"h1"}, []string{"h2"}).
		add("/l2/MatMul", "MatMul", []string{"h2", "l2.weight"}, []string{"y"}).
		output("y")
}

// TestCountMLP derives a whole backward pass by hand: dW2 = h2ᵀ·dy
// (4·2·16 = 128 MACs), dh2 = dy·W2ᵀ (128 MACs), Relu' (64 CMP), db1 = Σ
// over 4 rows (64 − 16 ADD), dW1 = xᵀ·dh1 (4·16·8 = 512 MACs); x needs no
// gradient. SGD momentum: 4 FPO per parameter.
func TestCountMLP(t *testing.T) {
	fwd, rep := mlp().count(t, Options{Optimizer: SGDMomentum})
	weight := int64(2*128 + 48 + 2*512)
	input := int64(2*128 + 64)
	checks := []struct {
		what string
		got  int64
		want int64
	}{
		{"weight gradients", konst(t, "", rep.WeightGrad), weight},
		{"activation gradients", konst(t, "", rep.InputGrad), input},
		{"accumulation", konst(t, "", rep.Accumulate), 0},
		{"backward", konst(t, "", rep.Backward), weight + input},
		{"backward MACs", konst(t, "", rep.BackwardMACs), 128 + 128 + 512},
		{"forward MACs", konst(t, "", fwd.MACs), 512 + 128},
		{"trainable", rep.TrainableParams, 128 + 16 + 32},
		{"update", konst(t, "", rep.Update), 4 * (128 + 16 + 32)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
	if len(rep.FirstLayerSkips) != 1 || rep.FirstLayerSkips[0] != "/l1/MatMul" {
		t.Errorf("first-layer skips %v, want [/l1/MatMul]", rep.FirstLayerSkips)
	}
	if rep.Freezing != nil {
		t.Errorf("nothing frozen, but a saving is reported")
	}
}

// TestFreeze freezes the first layer of the MLP, by node scope and by
// parameter name: the saving is its weight gradients (dW1 1024 FPO, db1
// 48), the activation gradients that only led to them (dh2 256 FPO, Relu'
// 64 CMP; the Add passes dy for free) and its updates (144 parameters × 4).
func TestFreeze(t *testing.T) {
	_, all := mlp().count(t, Options{Optimizer: SGDMomentum})
	for _, pats := range [][]string{{"/l1/*"}, {"l1.*"}, {"l1.weight", "/l1/Add"}} {
		t.Run(strings.Join(pats, ","), func(t *testing.T) {
			_, rep := mlp().count(t, Options{Optimizer: SGDMomentum, Freeze: pats})
			if rep.FrozenParams != 144 || rep.TrainableParams != 32 {
				t.Errorf("frozen %d, trainable %d: want 144 and 32", rep.FrozenParams, rep.TrainableParams)
			}
			if got := strings.Join(rep.FrozenNames, " "); got != "l1.bias l1.weight" {
				t.Errorf("frozen names %q", got)
			}
			s := rep.Freezing
			if s == nil {
				t.Fatal("no saving reported")
			}
			for _, c := range []struct {
				what      string
				got, want int64
			}{
				{"weight gradients", konst(t, "", s.WeightGrad), 1024 + 48},
				{"activation gradients", konst(t, "", s.InputGrad), 256 + 64},
				{"accumulation", konst(t, "", s.Accumulate), 0},
				{"backward", konst(t, "", s.Backward), 1024 + 48 + 256 + 64},
				{"update", konst(t, "", s.Update), 4 * 144},
				// The saving is exactly the difference of the two counts.
				{"backward difference", konst(t, "", all.Backward.Sub(rep.Backward)), konst(t, "", s.Backward)},
				{"update difference", konst(t, "", all.Update.Sub(rep.Update)), konst(t, "", s.Update)},
				{"remaining backward", konst(t, "", rep.Backward), 256},
			} {
				if c.got != c.want {
					t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
				}
			}
		})
	}
}

// TestParameters checks which stored tensors are trained.
func TestParameters(t *testing.T) {
	x := shape.TensorDims(onnx.Float, 2, 4)
	cases := []struct {
		name       string
		g          *graph
		trainable  int64
		accumulate int64
	}{
		// An exporter stores two equal parameters once and aliases them: two
		// parameters of 16, no accumulation between them.
		{"identity aliases", newGraph().input("x", x).init("w", 4, 4).
			add("i1", "Identity", []string{"w"}, []string{"layer1.weight"}).
			add("i2", "Identity", []string{"w"}, []string{"layer2.weight"}).
			add("m1", "MatMul", []string{"x", "layer1.weight"}, []string{"h"}).
			add("m2", "MatMul", []string{"h", "layer2.weight"}, []string{"y"}).output("y"), 32, 0},
		// A tied weight read twice is one parameter whose two gradients add (16 ADD).
		{"tied weight", newGraph().input("x", x).init("w", 4, 4).
			add("m1", "MatMul", []string{"x", "w"}, []string{"h"}).
			add("m2", "MatMul", []string{"h", "w"}, []string{"y"}).output("y"), 16, 16},
		// BatchNormalization's running statistics are not trained.
		{"batch norm statistics", newGraph().input("x", shape.TensorDims(onnx.Float, 2, 3, 4, 4)).
			init("s", 3).init("b", 3).init("mean", 3).init("var", 3).
			add("bn", "BatchNormalization", []string{"x", "s", "b", "mean", "var"}, []string{"y"}).output("y"), 6, 0},
		// A scalar initializer (a constant of the expression) is not a
		// parameter; a one-element PRelu slope is.
		{"scalar constant", newGraph().input("x", x).init("w", 4, 4).init("two", 1).
			add("m", "MatMul", []string{"x", "w"}, []string{"h"}).
			add("s", "Mul", []string{"h", "two"}, []string{"y"}).output("y"), 16, 0},
		{"scalar slope", newGraph().input("x", x).init("w", 4, 4).init("slope", 1).
			add("m", "MatMul", []string{"x", "w"}, []string{"h"}).
			add("p", "PRelu", []string{"h", "slope"}, []string{"y"}).output("y"), 17, 0},
		// A ConstantOfShape standing in for a weight is one; one that makes a
		// mask added to activations is not.
		{"stand-in weight", newGraph().input("x", shape.TensorDims(onnx.Float, 1, 2, 5, 5)).
			input("wshape", func() *shape.Value { return intsArg(3, 2, 3, 3).val }()).
			add("c", "ConstantOfShape", []string{"wshape"}, []string{"w"}).
			add("conv", "Conv", []string{"x", "w"}, []string{"y"}).output("y"), 54, 0},
		{"constant mask", newGraph().input("x", x).init("w", 4, 4).
			input("mshape", func() *shape.Value { return intsArg(2, 4).val }()).
			add("c", "ConstantOfShape", []string{"mshape"}, []string{"mask"}).
			add("m", "MatMul", []string{"x", "w"}, []string{"h"}).
			add("a", "Add", []string{"h", "mask"}, []string{"y"}).output("y"), 16, 0},
		// A parameter read only by a branch that reaches no output gets no
		// gradient and no update.
		{"dead branch", newGraph().input("x", x).init("w", 4, 4).init("unused", 4, 4).
			add("m", "MatMul", []string{"x", "w"}, []string{"y"}).
			add("d", "MatMul", []string{"x", "unused"}, []string{"dead"}).output("y"), 16, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, rep := c.g.count(t, Options{})
			if rep.TrainableParams != c.trainable {
				t.Errorf("trainable %d, want %d", rep.TrainableParams, c.trainable)
			}
			if got := konst(t, "accumulation", rep.Accumulate); got != c.accumulate {
				t.Errorf("accumulation %d, want %d", got, c.accumulate)
			}
		})
	}
}

// TestOptimizers checks the update cost per parameter (docs in optimizer.go).
func TestOptimizers(t *testing.T) {
	for _, c := range []struct {
		opt  Optimizer
		want int64
	}{{SGD, 2}, {SGDMomentum, 4}, {Adam, 14}, {AdamW, 16}} {
		_, rep := mlp().count(t, Options{Optimizer: c.opt})
		if got := konst(t, "update", rep.Update); got != c.want*176 {
			t.Errorf("%s: update %d, want %d × 176", c.opt, got, c.want)
		}
	}
}

func TestCountErrors(t *testing.T) {
	res := infer(t, mlp().g, mlp().opts)
	fwd, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Optimizer: "adagrad"}, `unknown optimizer "adagrad" (known: adam, adamw, sgd, sgd-momentum)`},
		{Options{Freeze: []string{""}}, "empty freeze pattern"},
	} {
		if _, err := Count(res, fwd, c.opts); err == nil || err.Error() != c.want {
			t.Errorf("%+v: error %v, want %q", c.opts, err, c.want)
		}
	}
}
