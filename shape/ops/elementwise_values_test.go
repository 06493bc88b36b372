package ops

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/conformance"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

// ewValueSkip lists backend tests whose outputs are random or depend on
// float rounding our evaluation does not model.
var ewValueSkip = map[string]string{
	"test_bernoulli":        "random",
	"test_bernoulli_double": "random",
	"test_bernoulli_seed":   "random",
	// ONNX 1.12 stored bfloat16 data as uint16 bit patterns.
	"test_cast_BFLOAT16_to_FLOAT":              "bfloat16 stored as uint16",
	"test_cast_FLOAT_to_BFLOAT16":              "bfloat16 stored as uint16",
	"test_castlike_BFLOAT16_to_FLOAT":          "bfloat16 stored as uint16",
	"test_castlike_BFLOAT16_to_FLOAT_expanded": "bfloat16 stored as uint16",
	"test_castlike_FLOAT_to_BFLOAT16":          "bfloat16 stored as uint16",
	"test_castlike_FLOAT_to_BFLOAT16_expanded": "bfloat16 stored as uint16",
}

// TestConformanceValues runs the backend tests whose nodes are all of this
// family and compares every computed output content with output_N.pb, so
// the evaluators are checked against ONNX's reference values.
func TestElementwiseValuesMatchReference(t *testing.T) {
	conformance.Require(t)
	checked, computed := 0, 0
	var missing []string
	for _, suite := range conformance.Suites {
		root := conformance.Path(suite)
		ents, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if _, skip := ewValueSkip[e.Name()]; skip || !e.IsDir() {
				continue
			}
			n, c, miss, err := ewCheckValues(filepath.Join(root, e.Name()))
			if err != nil {
				t.Errorf("%s/%s: %v", suite, e.Name(), err)
			}
			checked += n
			computed += c
			if miss {
				missing = append(missing, suite+"/"+e.Name())
			}
		}
	}
	sort.Strings(missing)
	t.Logf("%d outputs of family models, %d with computed contents; not computed: %s", checked, computed, strings.Join(missing, " "))
	if computed < 200 {
		t.Errorf("only %d outputs computed", computed)
	}
}

// ewFamilyOps is the set of operators whose evaluators this test covers.
var ewFamilyOps = map[string]bool{}

func init() {
	for _, op := range strings.Fields(`Abs Acos Acosh Asin Asinh Atan Atanh Ceil Cos Cosh Erf Exp Floor Log Neg
		Reciprocal Round Sign Sin Sinh Sqrt Tan Tanh Not IsInf IsNaN BitwiseNot Celu Elu Gelu HardSigmoid
		HardSwish LeakyRelu Mish Relu Selu Shrink Sigmoid Softplus Softsign Swish ThresholdedRelu PRelu Clip
		Identity Dropout Softmax LogSoftmax Hardmax CumSum CumProd Trilu Det Add Sub Mul Div Pow Mod And Or
		Xor Equal Greater GreaterOrEqual Less LessOrEqual BitShift BitwiseAnd BitwiseOr BitwiseXor Max Min
		Mean Sum Where Cast CastLike BitCast Constant ConstantOfShape EyeLike Range MatMul Gemm
		QuantizeLinear DequantizeLinear DynamicQuantizeLinear Einsum SwiGLU`) {
		ewFamilyOps[op] = true
	}
}

// ewCheckValues returns how many outputs were compared, how many had
// contents, and whether some output of a family model was not computed.
func ewCheckValues(dir string) (int, int, bool, error) {
	m, err := onnx.Open(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return 0, 0, false, err
	}
	defer m.Close()
	for _, n := range m.Graph.Nodes {
		if n.Domain != "" || !ewFamilyOps[n.OpType] {
			return 0, 0, false, nil
		}
	}
	vals, err := shape.ReadInputData(m, filepath.Join(dir, "test_data_set_0"), 1<<16)
	if err != nil {
		return 0, 0, false, err
	}
	res, err := shape.Infer(m, shape.Options{InputValues: vals})
	if err != nil {
		return 0, 0, false, err
	}
	checked, computed, miss := 0, 0, false
	for k, out := range m.Graph.Outputs {
		p := filepath.Join(dir, "test_data_set_0", fmt.Sprintf("output_%d.pb", k))
		if _, err := os.Stat(p); err != nil {
			continue
		}
		want, err := onnx.ReadValueFile(p, out.Type)
		if err != nil {
			return checked, computed, miss, fmt.Errorf("output %d %q: %w", k, out.Name, err)
		}
		if want.Kind != onnx.KindTensor {
			continue
		}
		checked++
		got := res.Graph.Outputs[k]
		if got == nil || got.Const == nil {
			miss = true
			continue
		}
		computed++
		if err := ewCompareConst(got, want.Tensor); err != nil {
			return checked, computed, miss, fmt.Errorf("output %d: %w", k, err)
		}
	}
	return checked, computed, miss, nil
}

func ewCompareConst(got *shape.Value, want *onnx.Tensor) error {
	wc, err := shape.ConstFromTensor(want)
	if err != nil {
		return nil // a type the reader does not decode
	}
	if got.Const.Len() != wc.Len() {
		return fmt.Errorf("%d values, want %d", got.Const.Len(), wc.Len())
	}
	switch {
	case wc.Strs != nil:
		for i, s := range wc.Strs {
			if got.Const.Strs == nil {
				return fmt.Errorf("got non-string contents")
			}
			if g := got.Const.Strs[i]; g != s {
				gf, e1 := ewParseFloat(g)
				wf, e2 := ewParseFloat(s)
				if e1 != nil || e2 != nil || !ewClose(gf, wf, 1e-6) {
					return fmt.Errorf("value %d: %q, want %q", i, g, s)
				}
			}
		}
	case wc.Ints != nil && got.Const.Ints != nil:
		for i, w := range wc.Ints {
			if !got.Const.Ints[i].Equal(w) {
				return fmt.Errorf("value %d: %v, want %v", i, got.Const.Ints[i], w)
			}
		}
	default:
		gf, ok1 := ewFloats(got.Const, got.DType)
		wf, ok2 := ewFloats(wc, want.DataType)
		if !ok1 || !ok2 {
			return fmt.Errorf("contents not comparable")
		}
		tol := 1e-3 // the backend tests' own tolerance
		if want.DataType == onnx.Float16 || want.DataType == onnx.BFloat16 {
			tol = 1e-2
		}
		for i := range wf {
			if !ewClose(gf[i], wf[i], tol) {
				return fmt.Errorf("value %d: %v, want %v", i, gf[i], wf[i])
			}
		}
	}
	return nil
}

func ewParseFloat(s string) (float64, error) {
	var f float64
	_, err := fmt.Sscan(s, &f)
	return f, err
}

func ewClose(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
