package ops

import (
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Test helpers shared by ml_test.go, contrib_test.go and legacy_test.go.

// mltT builds a tensor value; each dim is an int or a symbol name.
func mltT(dt onnx.DataType, dims ...any) *shape.Value {
	s := make([]sym.Expr, len(dims))
	for i, d := range dims {
		switch d := d.(type) {
		case int:
			s[i] = sym.Const(int64(d))
		case string:
			s[i] = sym.Var(d)
		default:
			panic(fmt.Sprintf("dim %v", d))
		}
	}
	return shape.Tensor(dt, s...)
}

// mltInts is a 1-D int64 tensor with known contents.
func mltInts(v ...int64) *shape.Value { return constInts(v...) }

// mltConst gives a tensor value known contents.
func mltConst(v *shape.Value, cv *shape.Const) *shape.Value {
	v.Const = cv
	return v
}

func mltStrs(name string, v ...string) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrStrings, Strings: v}
}

func mltFloats(name string, v ...float32) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrFloats, Floats: v}
}

// mltTensorAttr makes a tensor attribute. vals are int64s, float32s or
// strings; int16 and int32 tensors are written as raw data.
func mltTensorAttr(t *testing.T, name string, dt onnx.DataType, dims []int64, vals any) *onnx.Attribute {
	t.Helper()
	tb := onnxbuild.Tensor{Name: name, DataType: int32(dt), Dims: dims}
	switch v := vals.(type) {
	case []int64:
		switch dt {
		case onnx.Int16:
			for _, x := range v {
				tb.Raw = binary.LittleEndian.AppendUint16(tb.Raw, uint16(x))
			}
		case onnx.Int32:
			for _, x := range v {
				tb.Raw = binary.LittleEndian.AppendUint32(tb.Raw, uint32(x))
			}
		default:
			tb.Int64s = v
		}
	case []float32:
		tb.Floats = v
	case []string:
		tb.Strings = v
	}
	tp, err := onnx.DecodeTensor(tb.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return &onnx.Attribute{Name: name, Type: onnx.AttrTensor, T: tp}
}

// mltCase is one inference check: an operator with attributes and inputs,
// and either the wanted outputs (shape.TypeString, where * matches a fresh
// symbol's name; "" skips an output) or a substring of the wanted error.
type mltCase struct {
	name  string
	op    string
	opset int64 // version of the operator's domain (default 1)
	attrs []*onnx.Attribute
	in    []*shape.Value
	want  []string
	err   string
}

// mltMatch reports whether a TypeString matches a pattern with * wildcards.
func mltMatch(pattern, got string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, `[A-Za-z0-9_]+`) + "$"
	return regexp.MustCompile(re).MatchString(got)
}

// mltRunNode infers one node of domain at opset (ai.onnx at 13 unless domain is "").
func mltRunNode(t *testing.T, domain string, opset int64, n *onnx.Node, nout int, in ...*shape.Value) ([]*shape.Value, *shape.Result) {
	t.Helper()
	n.Domain = domain
	n.Outputs = nil
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, fmt.Sprintf("out%d", i))
	}
	opsets := map[string]int64{"": 13}
	opsets[domain] = opset
	return inferNodeDomains(t, opsets, n, in...)
}

func mltRun(t *testing.T, domain string, cases []mltCase) {
	t.Helper()
	for _, tc := range cases {
		name := tc.name
		if name == "" {
			name = tc.op
		}
		t.Run(name, func(t *testing.T) {
			opset := tc.opset
			if opset == 0 {
				opset = 1
			}
			nout := max(len(tc.want), 1)
			outs, res := mltRunNode(t, domain, opset, node(tc.op, tc.attrs...), nout, tc.in...)
			var errs []string
			for _, f := range res.Failures {
				errs = append(errs, f.Err)
			}
			if tc.err != "" {
				if len(errs) == 0 || !strings.Contains(errs[0], tc.err) {
					t.Fatalf("want error containing %q, got %v", tc.err, errs)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("unexpected failure: %v", errs)
			}
			if len(res.Unsupported) > 0 {
				t.Fatalf("unsupported: %v", res.Unsupported)
			}
			for i, w := range tc.want {
				if w == "" {
					continue
				}
				if got := shape.TypeString(outs[i]); !mltMatch(w, got) {
					t.Errorf("output %d: got %s, want %s", i, got, w)
				}
			}
		})
	}
}

// mltEval infers one node and returns output 0's contents.
func mltEval(t *testing.T, domain string, opset int64, n *onnx.Node, in ...*shape.Value) (*shape.Value, *shape.Const) {
	t.Helper()
	outs, res := mltRunNode(t, domain, opset, n, 1, in...)
	if len(res.Failures) > 0 {
		t.Fatalf("failure: %v", res.Failures)
	}
	return outs[0], outs[0].Const
}

// mltIntsOf renders integer contents.
func mltIntsOf(cv *shape.Const) string {
	if cv == nil {
		return "<nil>"
	}
	parts := make([]string, len(cv.Ints))
	for i, e := range cv.Ints {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func mltMap(key onnx.DataType, val onnx.DataType) *shape.Value {
	return &shape.Value{Kind: onnx.KindMap, DType: key, Elem: shape.Tensor(val), Rank: -1}
}

// --- ai.onnx.ml ---

func TestMLShapes(t *testing.T) {
	f32, i64, str := onnx.Float, onnx.Int64, onnx.String
	mltRun(t, mlDomain, []mltCase{
		// ArrayFeatureExtractor
		{name: "afe_2d", op: "ArrayFeatureExtractor", in: []*shape.Value{mltT(f32, 3, 4), mltT(i64, 2)}, want: []string{"float32[3, 2]"}},
		{name: "afe_3d_sym", op: "ArrayFeatureExtractor", in: []*shape.Value{mltT(str, "N", 5, 4), mltT(i64, 1, "K")}, want: []string{"string[N, 5, K]"}},
		{name: "afe_1d", op: "ArrayFeatureExtractor", in: []*shape.Value{mltT(f32, 7), mltT(i64, 3)}, want: []string{"float32[1, 3]"}},
		{name: "afe_unknown_idx", op: "ArrayFeatureExtractor", in: []*shape.Value{mltT(f32, 2, 7), shape.UnknownRank(i64)}, want: []string{"float32[2, *]"}},
		{name: "afe_scalar", op: "ArrayFeatureExtractor", in: []*shape.Value{mltT(f32), mltT(i64, 3)}, err: "rank 0"},
		{name: "afe_missing", op: "ArrayFeatureExtractor", in: []*shape.Value{mltT(f32, 3)}, err: "missing"},
		// Binarizer, Imputer, Normalizer, Scaler
		{op: "Binarizer", in: []*shape.Value{mltT(onnx.Double, "N", 3)}, want: []string{"float64[N, 3]"}},
		{op: "Imputer", in: []*shape.Value{mltT(i64, "N", 3)}, want: []string{"int64[N, 3]"}},
		{op: "Normalizer", in: []*shape.Value{mltT(i64, "N", 3)}, want: []string{"float32[N, 3]"}},
		{op: "Scaler", in: []*shape.Value{mltT(onnx.Double, 4)}, want: []string{"float32[4]"}},
		{name: "scaler_unknown", op: "Scaler", in: []*shape.Value{shape.UnknownRank(onnx.Int32)}, want: []string{"float32?"}},
		{name: "scaler_map", op: "Scaler", in: []*shape.Value{mltMap(i64, f32)}, err: "want a tensor"},
		// CastMap
		{name: "castmap_dense", op: "CastMap", in: []*shape.Value{mltMap(i64, str)}, want: []string{"float32[1, *]"}},
		{name: "castmap_sparse", op: "CastMap", attrs: []*onnx.Attribute{attrString("map_form", "SPARSE"), attrInt("max_map", 5), attrString("cast_to", "TO_INT64")},
			in: []*shape.Value{mltMap(i64, f32)}, want: []string{"int64[1, 5]"}},
		{name: "castmap_string", op: "CastMap", attrs: []*onnx.Attribute{attrString("cast_to", "TO_STRING")}, in: []*shape.Value{mltMap(i64, f32)}, want: []string{"string[1, *]"}},
		{name: "castmap_bad_cast", op: "CastMap", attrs: []*onnx.Attribute{attrString("cast_to", "TO_DOUBLE")}, in: []*shape.Value{mltMap(i64, f32)}, err: "cast_to"},
		{name: "castmap_bad_form", op: "CastMap", attrs: []*onnx.Attribute{attrString("map_form", "PACKED")}, in: []*shape.Value{mltMap(i64, f32)}, err: "map_form"},
		{name: "castmap_tensor", op: "CastMap", in: []*shape.Value{mltT(f32, 3)}, err: "want a map"},
		// CategoryMapper
		{name: "catmap_s2i", op: "CategoryMapper", in: []*shape.Value{mltT(str, "N", 2)}, want: []string{"int64[N, 2]"}},
		{name: "catmap_i2s", op: "CategoryMapper", in: []*shape.Value{mltT(i64, 5)}, want: []string{"string[5]"}},
		{name: "catmap_float", op: "CategoryMapper", in: []*shape.Value{mltT(f32, 5)}, err: "want string or int64"},
		// DictVectorizer
		{name: "dictvec_str", op: "DictVectorizer", attrs: []*onnx.Attribute{mltStrs("string_vocabulary", "a", "b", "c")},
			in: []*shape.Value{mltMap(str, onnx.Double)}, want: []string{"float64[1, 3]"}},
		{name: "dictvec_int", op: "DictVectorizer", attrs: []*onnx.Attribute{attrInts("int64_vocabulary", 1, 2)},
			in: []*shape.Value{mltMap(i64, str)}, want: []string{"string[1, 2]"}},
		{name: "dictvec_none", op: "DictVectorizer", in: []*shape.Value{mltMap(i64, str)}, err: "exactly one"},
		// FeatureVectorizer
		{name: "featvec", op: "FeatureVectorizer", attrs: []*onnx.Attribute{attrInts("inputdimensions", 2, 3)},
			in: []*shape.Value{mltT(onnx.Int32, "N", 2), mltT(onnx.Int32, "N", 3)}, want: []string{"float32[N, 5]"}},
		{name: "featvec_mixed", op: "FeatureVectorizer", attrs: []*onnx.Attribute{attrInts("inputdimensions", 2, 3)},
			in: []*shape.Value{mltT(f32, "N", 2), mltT(onnx.Int64, "N", 3)}, err: "input 1 is int64 but input 0 is float32"},
		{name: "featvec_1d", op: "FeatureVectorizer", attrs: []*onnx.Attribute{attrInts("inputdimensions", 4)},
			in: []*shape.Value{mltT(onnx.Double, 4)}, want: []string{"float32[1, 4]"}},
		{name: "featvec_count", op: "FeatureVectorizer", attrs: []*onnx.Attribute{attrInts("inputdimensions", 4)},
			in: []*shape.Value{mltT(f32, 1, 4), mltT(f32, 1, 4)}, err: "2 inputs"},
		// LabelEncoder
		{name: "labelenc1", op: "LabelEncoder", in: []*shape.Value{mltT(str, "N")}, want: []string{"int64[N]"}},
		{name: "labelenc2", op: "LabelEncoder", opset: 2, attrs: []*onnx.Attribute{mltStrs("keys_strings", "a", "b"), mltFloats("values_floats", 1, 2)},
			in: []*shape.Value{mltT(str, 2, "N")}, want: []string{"float32[2, N]"}},
		{name: "labelenc2_keytype", op: "LabelEncoder", opset: 2, attrs: []*onnx.Attribute{mltStrs("keys_strings", "a"), attrInts("values_int64s", 1)},
			in: []*shape.Value{mltT(i64, 2)}, err: "keys are string"},
		{name: "labelenc2_len", op: "LabelEncoder", opset: 2, attrs: []*onnx.Attribute{mltStrs("keys_strings", "a"), attrInts("values_int64s", 1, 2)},
			in: []*shape.Value{mltT(str, 2)}, err: "1 keys but 2 values"},
		{name: "labelenc2_nokeys", op: "LabelEncoder", opset: 2, attrs: []*onnx.Attribute{attrInts("values_int64s", 1, 2)},
			in: []*shape.Value{mltT(str, 2)}, err: "keys_"},
		{name: "labelenc2_twovals", op: "LabelEncoder", opset: 2, attrs: []*onnx.Attribute{mltStrs("keys_strings", "a"), attrInts("values_int64s", 1), mltStrs("values_strings", "x")},
			in: []*shape.Value{mltT(str, 2)}, err: "more than one"},
		// LinearClassifier
		{name: "linclass_multi", op: "LinearClassifier", attrs: []*onnx.Attribute{attrInts("classlabels_ints", 0, 1, 2), mltFloats("coefficients", make([]float32, 12)...), mltFloats("intercepts", 0, 0, 0)},
			in: []*shape.Value{mltT(f32, "N", 4)}, want: []string{"int64[N]", "float32[N, 3]"}},
		{name: "linclass_binary", op: "LinearClassifier", attrs: []*onnx.Attribute{mltStrs("classlabels_strings", "no", "yes"), mltFloats("coefficients", 1, 2), mltFloats("intercepts", 0)},
			in: []*shape.Value{mltT(onnx.Double, 2)}, want: []string{"string[1]", "float32[1, 2]"}},
		{name: "linclass_rank3", op: "LinearClassifier", attrs: []*onnx.Attribute{mltFloats("intercepts", 0)}, in: []*shape.Value{mltT(f32, 1, 2, 3)}, err: "rank 3"},
		// LinearRegressor
		{op: "LinearRegressor", attrs: []*onnx.Attribute{attrInt("targets", 2)}, in: []*shape.Value{mltT(f32, "N", 3)}, want: []string{"float32[N, 2]"}},
		{name: "linreg_1d", op: "LinearRegressor", in: []*shape.Value{mltT(f32, 3)}, want: []string{"float32[1, 1]"}},
		{name: "linreg_rank3", op: "LinearRegressor", in: []*shape.Value{mltT(f32, 1, 2, 3)}, err: "at most 2"},
		// OneHotEncoder
		{op: "OneHotEncoder", attrs: []*onnx.Attribute{attrInts("cats_int64s", 1, 2, 3, 4)}, in: []*shape.Value{mltT(f32, "N", 2)}, want: []string{"float32[N, 2, 4]"}},
		{name: "onehot_both", op: "OneHotEncoder", attrs: []*onnx.Attribute{attrInts("cats_int64s", 1), mltStrs("cats_strings", "a")}, in: []*shape.Value{mltT(f32, 2)}, err: "exactly one"},
		// SVMClassifier
		{name: "svc_ovo", op: "SVMClassifier", attrs: []*onnx.Attribute{attrInts("classlabels_ints", 0, 1, 2, 3), attrInts("vectors_per_class", 1, 1, 1, 1)},
			in: []*shape.Value{mltT(f32, "N", 3)}, want: []string{"int64[N]", "float32[N, 6]"}},
		{name: "svc_binary", op: "SVMClassifier", attrs: []*onnx.Attribute{mltStrs("classlabels_strings", "a", "b"), attrInts("vectors_per_class", 2, 1)},
			in: []*shape.Value{mltT(f32, "N", 3)}, want: []string{"string[N]", "float32[N, 2]"}},
		{name: "svc_proba", op: "SVMClassifier", attrs: []*onnx.Attribute{attrInts("classlabels_ints", 0, 1, 2), attrInts("vectors_per_class", 1, 1, 1), mltFloats("prob_a", 1, 1, 1), mltFloats("prob_b", 1, 1, 1)},
			in: []*shape.Value{mltT(f32, 5, 3)}, want: []string{"int64[5]", "float32[5, 3]"}},
		{name: "svc_linear", op: "SVMClassifier", attrs: []*onnx.Attribute{attrInts("classlabels_ints", 0, 1, 2)},
			in: []*shape.Value{mltT(f32, 3)}, want: []string{"int64[1]", "float32[1, 3]"}},
		{name: "svc_nolabels", op: "SVMClassifier", in: []*shape.Value{mltT(f32, 3)}, err: "classlabels"},
		// SVMRegressor
		{op: "SVMRegressor", in: []*shape.Value{mltT(f32, "N", 3)}, want: []string{"float32[N, 1]"}},
		// Trees
		{name: "tree5", op: "TreeEnsemble", opset: 5, attrs: []*onnx.Attribute{attrInt("n_targets", 4)}, in: []*shape.Value{mltT(onnx.Double, "N", 2)}, want: []string{"float64[N, 4]"}},
		{name: "tree5_notargets", op: "TreeEnsemble", opset: 5, in: []*shape.Value{mltT(f32, 6, 1)}, want: []string{"float32[6, *]"}},
		{name: "treereg", op: "TreeEnsembleRegressor", opset: 3, attrs: []*onnx.Attribute{attrInt("n_targets", 2)}, in: []*shape.Value{mltT(onnx.Double, "N", 2)}, want: []string{"float32[N, 2]"}},
		{name: "treereg_neg", op: "TreeEnsembleRegressor", attrs: []*onnx.Attribute{attrInt("n_targets", -2)}, in: []*shape.Value{mltT(f32, 2, 2)}, err: "n_targets"},
		{name: "treeclass", op: "TreeEnsembleClassifier", attrs: []*onnx.Attribute{attrInts("classlabels_int64s", 0, 1, 2)},
			in: []*shape.Value{mltT(f32, "N", 2)}, want: []string{"int64[N]", "float32[N, 3]"}},
		{name: "treeclass_str_v1", op: "TreeEnsembleClassifier", opset: 1, attrs: []*onnx.Attribute{mltStrs("classlabels_strings", "x", "y")},
			in: []*shape.Value{mltT(onnx.Int32, 7)}, want: []string{"string[1]", "float32[1, 2]"}},
		// From version 3 (ONNX's shape inference, which ONNX Runtime applies) the input is [N, F] only.
		{name: "treeclass_1d_v5", op: "TreeEnsembleClassifier", opset: 5, attrs: []*onnx.Attribute{mltStrs("classlabels_strings", "x", "y")},
			in: []*shape.Value{mltT(onnx.Int32, 7)}, err: "reshape it to [1, F]"},
		{name: "treereg_1d_v1", op: "TreeEnsembleRegressor", opset: 1, attrs: []*onnx.Attribute{attrInt("n_targets", 2)}, in: []*shape.Value{mltT(f32, 3)}, want: []string{"float32[1, 2]"}},
		{name: "treereg_1d_v3", op: "TreeEnsembleRegressor", opset: 3, attrs: []*onnx.Attribute{attrInt("n_targets", 2)}, in: []*shape.Value{mltT(f32, 3)}, err: "rank 1, want [N, F]"},
		{name: "treereg_3d_v1", op: "TreeEnsembleRegressor", opset: 1, attrs: []*onnx.Attribute{attrInt("n_targets", 2)}, in: []*shape.Value{mltT(f32, 2, 3, 4)}, err: "rank 3"},
		{name: "tree5_1d", op: "TreeEnsemble", opset: 5, attrs: []*onnx.Attribute{attrInt("n_targets", 4)}, in: []*shape.Value{mltT(f32, 3)}, err: "rank 1, want [N, F]"},
		{name: "treeclass_unknown_rank", op: "TreeEnsembleClassifier", attrs: []*onnx.Attribute{attrInts("classlabels_int64s", 0, 1)},
			in: []*shape.Value{shape.UnknownRank(f32)}, want: []string{"int64[*]", "float32[*, 2]"}},
		{name: "treeclass_nolabels", op: "TreeEnsembleClassifier", in: []*shape.Value{mltT(f32, 3, 2)}, err: "classlabels"},
		// ZipMap
		{name: "zipmap_str", op: "ZipMap", attrs: []*onnx.Attribute{mltStrs("classlabels_strings", "a", "b")}, in: []*shape.Value{mltT(f32, "N", 2)}, want: []string{"seq(map(string, float32[]))"}},
		{name: "zipmap_int", op: "ZipMap", attrs: []*onnx.Attribute{attrInts("classlabels_int64s", 1, 2, 3)}, in: []*shape.Value{mltT(f32, 3)}, want: []string{"seq(map(int64, float32[]))"}},
		{name: "zipmap_cols", op: "ZipMap", attrs: []*onnx.Attribute{attrInts("classlabels_int64s", 1, 2, 3)}, in: []*shape.Value{mltT(f32, "N", 2)}, err: "2 columns for 3 labels"},
		{name: "zipmap_rank3", op: "ZipMap", attrs: []*onnx.Attribute{attrInts("classlabels_int64s", 1)}, in: []*shape.Value{mltT(f32, 1, 1, 1)}, err: "rank 3"},
	})
}

func TestMLLabelEncoderTensors(t *testing.T) {
	keys := mltTensorAttr(t, "keys_tensor", onnx.String, []int64{3}, []string{"a", "b", "c"})
	vals := mltTensorAttr(t, "values_tensor", onnx.Int16, []int64{3}, []int64{0, 1, 2})
	def := mltTensorAttr(t, "default_tensor", onnx.Int16, []int64{1}, []int64{42})
	mltRun(t, mlDomain, []mltCase{
		{name: "tensors", op: "LabelEncoder", opset: 4, attrs: []*onnx.Attribute{keys, vals, def}, in: []*shape.Value{mltT(onnx.String, 5)}, want: []string{"int16[5]"}},
		{name: "default_type", op: "LabelEncoder", opset: 4, attrs: []*onnx.Attribute{keys, vals, mltTensorAttr(t, "default_tensor", onnx.Int32, []int64{1}, []int64{42})},
			in: []*shape.Value{mltT(onnx.String, 5)}, err: "default_tensor is int32"},
		{name: "default_shape", op: "LabelEncoder", opset: 4, attrs: []*onnx.Attribute{keys, vals, mltTensorAttr(t, "default_tensor", onnx.Int16, []int64{2}, []int64{4, 2})},
			in: []*shape.Value{mltT(onnx.String, 5)}, err: "shape [1]"},
	})
	// Contents: the example of ONNX's test_ai_onnx_ml_label_encoder_tensor_mapping.
	x := mltConst(mltT(onnx.String, 5), &shape.Const{Strs: []string{"a", "b", "d", "c", "g"}})
	out, cv := mltEval(t, mlDomain, 4, node("LabelEncoder", keys, vals, def), x)
	if got := mltIntsOf(cv); got != "[0 1 42 2 42]" || shape.TypeString(out) != "int16[5]" {
		t.Errorf("got %s %s", shape.TypeString(out), got)
	}
}

func TestMLEval(t *testing.T) {
	// LabelEncoder-2: string → int64 with the default default_int64 (-1).
	x := mltConst(mltT(onnx.String, 5), &shape.Const{Strs: []string{"a", "b", "d", "c", "g"}})
	_, cv := mltEval(t, mlDomain, 2, node("LabelEncoder", mltStrs("keys_strings", "a", "b", "c"), attrInts("values_int64s", 0, 1, 2)), x)
	if got := mltIntsOf(cv); got != "[0 1 -1 2 -1]" {
		t.Errorf("LabelEncoder-2: %s", got)
	}
	// LabelEncoder-2: int64 → string with a default; a repeated key: the last wins.
	xi := mltConst(mltT(onnx.Int64, 3), &shape.Const{Ints: shape.Dims(7, 8, 9)})
	_, cv = mltEval(t, mlDomain, 2, node("LabelEncoder", attrInts("keys_int64s", 7, 8, 7), mltStrs("values_strings", "x", "y", "z"), attrString("default_string", "?")), xi)
	if cv == nil || strings.Join(cv.Strs, ",") != "z,y,?" {
		t.Errorf("LabelEncoder int→string: %v", cv)
	}
	// LabelEncoder-1 both directions.
	_, cv = mltEval(t, mlDomain, 1, node("LabelEncoder", mltStrs("classes_strings", "a", "b", "c")), x)
	if got := mltIntsOf(cv); got != "[0 1 -1 2 -1]" {
		t.Errorf("LabelEncoder-1 s→i: %s", got)
	}
	xi = mltConst(mltT(onnx.Int64, 3), &shape.Const{Ints: shape.Dims(2, 0, 5)})
	_, cv = mltEval(t, mlDomain, 1, node("LabelEncoder", mltStrs("classes_strings", "a", "b", "c")), xi)
	if cv == nil || strings.Join(cv.Strs, ",") != "c,a,_Unused" {
		t.Errorf("LabelEncoder-1 i→s: %v", cv)
	}
	// LabelEncoder float keys (NaN matches NaN) to floats with default -0.
	xf := mltConst(mltT(onnx.Float, 3), &shape.Const{Floats: []float64{1.5, 2, math.NaN()}})
	_, cv = mltEval(t, mlDomain, 4, node("LabelEncoder", mltFloats("keys_floats", 1.5, float32(math.NaN())), mltFloats("values_floats", 10, 20)), xf)
	if cv == nil || fmt.Sprint(cv.Floats) != "[10 -0 20]" {
		t.Errorf("LabelEncoder float: %v", cv)
	}
	// CategoryMapper.
	cm := []*onnx.Attribute{attrInts("cats_int64s", 1, 2), mltStrs("cats_strings", "one", "two"), attrInt("default_int64", 9)}
	xs := mltConst(mltT(onnx.String, 3), &shape.Const{Strs: []string{"two", "three", "one"}})
	_, cv = mltEval(t, mlDomain, 1, node("CategoryMapper", cm...), xs)
	if got := mltIntsOf(cv); got != "[2 9 1]" {
		t.Errorf("CategoryMapper s→i: %s", got)
	}
	xi = mltConst(mltT(onnx.Int64, 2), &shape.Const{Ints: shape.Dims(1, 7)})
	_, cv = mltEval(t, mlDomain, 1, node("CategoryMapper", cm...), xi)
	if cv == nil || strings.Join(cv.Strs, ",") != "one,_Unused" {
		t.Errorf("CategoryMapper i→s: %v", cv)
	}
	// ArrayFeatureExtractor, as test_ai_onnx_ml_array_feature_extractor.
	xa := mltConst(mltT(onnx.Int64, 3, 4), &shape.Const{Ints: shape.Dims(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)})
	out, cv := mltEval(t, mlDomain, 1, node("ArrayFeatureExtractor"), xa, mltInts(0, 1))
	if got := mltIntsOf(cv); got != "[0 1 4 5 8 9]" || shape.TypeString(out) != "int64[3, 2]" {
		t.Errorf("ArrayFeatureExtractor: %s %s", shape.TypeString(out), got)
	}
	_, res := mltRunNode(t, mlDomain, 1, node("ArrayFeatureExtractor"), 1, xa, mltInts(4))
	if res.Graph.Values["out0"].Const != nil {
		t.Errorf("ArrayFeatureExtractor: out-of-range index evaluated")
	}
	// Binarizer.
	xb := mltConst(mltT(onnx.Float, 3), &shape.Const{Floats: []float64{0.5, 1, 2}})
	_, cv = mltEval(t, mlDomain, 1, node("Binarizer", attrFloat("threshold", 1)), xb)
	if cv == nil || fmt.Sprint(cv.Floats) != "[0 0 1]" {
		t.Errorf("Binarizer: %v", cv)
	}
	xbi := mltConst(mltT(onnx.Int64, 2), &shape.Const{Ints: shape.Dims(-3, 4)})
	_, cv = mltEval(t, mlDomain, 1, node("Binarizer"), xbi)
	if got := mltIntsOf(cv); got != "[0 1]" {
		t.Errorf("Binarizer ints: %s", got)
	}
}
