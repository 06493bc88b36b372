package ops

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/conformance"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Test helpers of the neural-network operator tests (prefix nn).

// nnSplit splits a comma-separated list at the top level of parentheses.
func nnSplit(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" || len(out) > 0 {
		out = append(out, rest)
	}
	return out
}

// nnT builds a tensor from dims such as "N, 3, H+1" ("" is a scalar, "?" an
// unknown rank).
func nnT(dt onnx.DataType, dims string) *shape.Value {
	if dims == "?" {
		return shape.UnknownRank(dt)
	}
	var ds []sym.Expr
	for _, d := range nnSplit(dims) {
		ds = append(ds, sym.MustParse(d))
	}
	return shape.Tensor(dt, ds...)
}

// nnCheck checks a value's type and dims; a dim "*" matches any symbolic
// (non-constant) dim, such as a fresh symbol.
func nnCheck(t *testing.T, what string, v *shape.Value, dt onnx.DataType, dims string) {
	t.Helper()
	if v == nil {
		t.Errorf("%s: no value, want %s[%s]", what, dt, dims)
		return
	}
	if v.DType != dt {
		t.Errorf("%s: type %s, want %s", what, v.DType, dt)
	}
	if dims == "?" {
		if v.Rank >= 0 {
			t.Errorf("%s: shape %s, want unknown rank", what, shape.ShapeString(v))
		}
		return
	}
	want := nnSplit(dims)
	if v.Rank != len(want) {
		t.Errorf("%s: shape %s, want [%s]", what, shape.ShapeString(v), dims)
		return
	}
	for i, w := range want {
		if w == "*" {
			if _, ok := v.Shape[i].IsConst(); ok {
				t.Errorf("%s: dim %d is %s, want a symbol", what, i, v.Shape[i])
			}
			continue
		}
		if !nnSameExpr(v.Shape[i], sym.MustParse(w)) {
			t.Errorf("%s: dim %d is %s, want %s (shape %s)", what, i, v.Shape[i], w, shape.ShapeString(v))
		}
	}
}

// nnSameExpr reports whether two expressions are equal: structurally, or
// (for forms the simplifier leaves apart, such as nested floors) at every
// binding of their variables to 1..24.
func nnSameExpr(a, b sym.Expr) bool {
	if a.Equal(b) {
		return true
	}
	vars := map[string]bool{}
	for _, v := range append(a.Vars(), b.Vars()...) {
		vars[v] = true
	}
	if len(vars) == 0 || len(vars) > 2 {
		return false
	}
	var names []string
	for v := range vars {
		names = append(names, v)
	}
	bind := map[string]int64{}
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(names) {
			x, err1 := a.Eval(bind)
			y, err2 := b.Eval(bind)
			return err1 == nil && err2 == nil && x == y
		}
		for v := int64(1); v <= 24; v++ {
			bind[names[i]] = v
			if !try(i + 1) {
				return false
			}
		}
		return true
	}
	return try(0)
}

// nnOK fails the test when inference reported a failure.
func nnOK(t *testing.T, res *shape.Result) {
	t.Helper()
	for _, f := range res.Failures {
		t.Errorf("unexpected failure of %s: %s", f.Op, f.Err)
	}
}

// nnFails checks that inference failed with an error containing substr.
func nnFails(t *testing.T, res *shape.Result, substr string) {
	t.Helper()
	if len(res.Failures) == 0 {
		t.Errorf("no failure, want one containing %q", substr)
		return
	}
	if !strings.Contains(res.Failures[0].Err, substr) {
		t.Errorf("failure %q, want one containing %q", res.Failures[0].Err, substr)
	}
}

// nnStrings makes a string tensor of known contents.
func nnStrings(dims []int64, vals ...string) *shape.Value {
	v := shape.TensorDims(onnx.String, dims...)
	v.Const = &shape.Const{Strs: vals}
	return v
}

// nnFloats makes a float32 tensor of known contents.
func nnFloats(dims []int64, vals ...float64) *shape.Value {
	v := shape.TensorDims(onnx.Float, dims...)
	v.Const = &shape.Const{Floats: vals}
	return v
}

// nnScalar makes an int64 scalar of known value.
func nnScalar(x int64) *shape.Value {
	v := shape.TensorDims(onnx.Int64)
	v.Const = &shape.Const{Ints: []sym.Expr{sym.Const(x)}}
	return v
}

// nnOuts returns n output names.
func nnOuts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("out%d", i)
	}
	return out
}

// --- reference values from ONNX's backend tests ---

// nnValueTests are the backend tests whose outputs our evaluators compute.
var nnValueTests = []string{
	"node/test_nonmaxsuppression_center_point_box_format",
	"node/test_nonmaxsuppression_flipped_coordinates",
	"node/test_nonmaxsuppression_identical_boxes",
	"node/test_nonmaxsuppression_limit_output_size",
	"node/test_nonmaxsuppression_single_box",
	"node/test_nonmaxsuppression_suppress_by_IOU",
	"node/test_nonmaxsuppression_suppress_by_IOU_and_scores",
	"node/test_nonmaxsuppression_two_batches",
	"node/test_nonmaxsuppression_two_classes",
	"node/test_blackmanwindow",
	"node/test_blackmanwindow_symmetric",
	"node/test_hammingwindow",
	"node/test_hammingwindow_symmetric",
	"node/test_hannwindow",
	"node/test_hannwindow_symmetric",
	"node/test_strnormalizer_export_monday_casesensintive_lower",
	"node/test_strnormalizer_export_monday_casesensintive_nochangecase",
	"node/test_strnormalizer_export_monday_casesensintive_upper",
	"node/test_strnormalizer_export_monday_empty_output",
	"node/test_strnormalizer_export_monday_insensintive_upper_twodim",
	"node/test_strnormalizer_nostopwords_nochangecase",
}

// TestNNConformanceValues checks the contents our evaluators compute against
// the backend tests' expected outputs.
func TestNNConformanceValues(t *testing.T) {
	conformance.Require(t)
	for _, name := range nnValueTests {
		t.Run(filepath.Base(name), func(t *testing.T) {
			nnCheckValues(t, conformance.Path(name))
		})
	}
}

func nnCheckValues(t *testing.T, dir string) {
	m, err := onnx.Open(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	vals, err := shape.ReadInputData(m, filepath.Join(dir, "test_data_set_0"), 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	res, err := shape.Infer(m, shape.Options{InputValues: vals})
	if err != nil {
		t.Fatal(err)
	}
	nnOK(t, res)
	for k, out := range m.Graph.Outputs {
		p := filepath.Join(dir, "test_data_set_0", fmt.Sprintf("output_%d.pb", k))
		want, err := onnx.ReadValueFile(p, out.Type)
		if err != nil {
			t.Fatal(err)
		}
		wc, err := shape.ConstFromTensor(want.Tensor)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Graph.Outputs[k]
		if got == nil || got.Const == nil {
			t.Fatalf("output %d: contents not computed", k)
		}
		if got.Const.Len() != wc.Len() {
			t.Fatalf("output %d: %d values, want %d", k, got.Const.Len(), wc.Len())
		}
		for j := range wc.Len() {
			switch {
			case wc.Strs != nil:
				if got.Const.Strs[j] != wc.Strs[j] {
					t.Errorf("output %d value %d: %q, want %q", k, j, got.Const.Strs[j], wc.Strs[j])
				}
			case wc.Ints != nil:
				if !got.Const.Ints[j].Equal(wc.Ints[j]) {
					t.Errorf("output %d value %d: %s, want %s", k, j, got.Const.Ints[j], wc.Ints[j])
				}
			default:
				// 1e-3 is the backend tests' tolerance; ONNX 1.12 made its window
				// references with pi = 3.1415.
				if math.Abs(got.Const.Floats[j]-wc.Floats[j]) > 1e-3 {
					t.Errorf("output %d value %d: %v, want %v", k, j, got.Const.Floats[j], wc.Floats[j])
				}
			}
		}
	}
}
