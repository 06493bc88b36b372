package ops

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Rules of the ai.onnx.ml domain (traditional machine learning operators).
//
// The shapes follow ONNX's schemas and, where those leave a dimension open,
// ONNX Runtime's kernels (the reference implementation): a 1-D input of the
// classifiers and regressors is one example (batch 1), CastMap and
// DictVectorizer produce [1, C], SVMRegressor [N, 1], and so on.

const mlDomain = "ai.onnx.ml"

func init() {
	d := mlDomain
	shape.Register(
		shape.Op{Domain: d, Type: "ArrayFeatureExtractor", Since: 1, Infer: mlInferArrayFeatureExtractor, Eval: mlEvalArrayFeatureExtractor},
		shape.Op{Domain: d, Type: "Binarizer", Since: 1, Infer: mlInferSame, Eval: mlEvalBinarizer},
		shape.Op{Domain: d, Type: "CastMap", Since: 1, Infer: mlInferCastMap},
		shape.Op{Domain: d, Type: "CategoryMapper", Since: 1, Infer: mlInferCategoryMapper, Eval: mlEvalCategoryMapper},
		shape.Op{Domain: d, Type: "DictVectorizer", Since: 1, Infer: mlInferDictVectorizer},
		shape.Op{Domain: d, Type: "FeatureVectorizer", Since: 1, Infer: mlInferFeatureVectorizer},
		shape.Op{Domain: d, Type: "Imputer", Since: 1, Infer: mlInferSame},
		shape.Op{Domain: d, Type: "LabelEncoder", Since: 1, Infer: mlInferLabelEncoder1, Eval: mlEvalLabelEncoder1},
		shape.Op{Domain: d, Type: "LabelEncoder", Since: 2, Infer: mlInferLabelEncoder, Eval: mlEvalLabelEncoder},
		shape.Op{Domain: d, Type: "LabelEncoder", Since: 4, Infer: mlInferLabelEncoder, Eval: mlEvalLabelEncoder},
		shape.Op{Domain: d, Type: "LinearClassifier", Since: 1, Infer: mlInferLinearClassifier},
		shape.Op{Domain: d, Type: "LinearRegressor", Since: 1, Infer: mlInferLinearRegressor},
		shape.Op{Domain: d, Type: "Normalizer", Since: 1, Infer: mlInferSameFloat},
		shape.Op{Domain: d, Type: "OneHotEncoder", Since: 1, Infer: mlInferOneHotEncoder},
		shape.Op{Domain: d, Type: "SVMClassifier", Since: 1, Infer: mlInferSVMClassifier},
		shape.Op{Domain: d, Type: "SVMRegressor", Since: 1, Infer: mlInferSVMRegressor},
		shape.Op{Domain: d, Type: "Scaler", Since: 1, Infer: mlInferSameFloat},
		shape.Op{Domain: d, Type: "TreeEnsemble", Since: 5, Infer: mlInferTargets(true, 2)},
		// TreeEnsembleClassifier/Regressor 1, 3 and 5 (deprecated) differ in
		// *_as_tensor attributes, which do not change shapes or types, and
		// in the input: version 1 takes [N, F] or one example [F], version 3
		// (ONNX's shape inference, as ONNX Runtime applies it) [N, F] only.
		shape.Op{Domain: d, Type: "TreeEnsembleClassifier", Since: 1, Infer: mlInferTreeEnsembleClassifier(0)},
		shape.Op{Domain: d, Type: "TreeEnsembleClassifier", Since: 3, Infer: mlInferTreeEnsembleClassifier(2)},
		shape.Op{Domain: d, Type: "TreeEnsembleRegressor", Since: 1, Infer: mlInferTargets(false, 0)},
		shape.Op{Domain: d, Type: "TreeEnsembleRegressor", Since: 3, Infer: mlInferTargets(false, 2)},
		shape.Op{Domain: d, Type: "ZipMap", Since: 1, Infer: mlInferZipMap},
	)
}

// mlBatch returns input 0 and its number of examples N: an [N, F] or [F]
// input (a 1-D input is one example). maxRank bounds the accepted rank (0:
// no bound).
func mlBatch(c *shape.Ctx, maxRank int) (*shape.Value, sym.Expr, error) {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return nil, sym.Expr{}, err
	}
	switch {
	case x.Rank < 0:
		return x, c.Fresh("N"), nil
	case x.Rank == 0:
		return nil, sym.Expr{}, fmt.Errorf("input 0: rank 0, want [N, F] or [F]")
	case maxRank > 0 && x.Rank > maxRank:
		return nil, sym.Expr{}, fmt.Errorf("input 0: rank %d, want [N, F] or [F]", x.Rank)
	case x.Rank == 1:
		return x, sym.Const(1), nil
	}
	return x, x.Shape[0], nil
}

func mlInferSame(c *shape.Ctx) error {
	if _, err := ewTensorInput(c, 0); err != nil {
		return err
	}
	return c.SameAsInput(0, 0)
}

// mlInferSameFloat: same shape as the input, float32 elements.
func mlInferSameFloat(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(onnx.Float))
		return nil
	}
	c.SetOutput(0, shape.Tensor(onnx.Float, x.Shape...))
	return nil
}

// --- ArrayFeatureExtractor ---

func mlInferArrayFeatureExtractor(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	y, err := ewTensorInput(c, 1)
	if err != nil {
		return err
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(x.DType))
		return nil
	}
	if x.Rank == 0 {
		return fmt.Errorf("input 0 (X): rank 0, want at least 1")
	}
	n := c.Fresh("num_indices")
	if cnt, ok := y.NumElements(); ok {
		n = cnt
	}
	if x.Rank == 1 {
		// ONNX Runtime returns [1, num_indices] for a 1-D X.
		c.SetOutput(0, shape.Tensor(x.DType, sym.Const(1), n))
		return nil
	}
	out := append(append([]sym.Expr{}, x.Shape[:x.Rank-1]...), n)
	c.SetOutput(0, shape.Tensor(x.DType, out...))
	return nil
}

func mlEvalArrayFeatureExtractor(c *shape.Ctx) error {
	xd, ok := inputDims(c, 0)
	if !ok || len(xd) == 0 {
		return nil
	}
	idx, ok := c.ConstInt64s(1)
	if !ok {
		return nil
	}
	last := xd[len(xd)-1]
	for _, i := range idx {
		if i < 0 || i >= last {
			return fmt.Errorf("index %d out of range [0, %d)", i, last)
		}
	}
	rows := numel(xd[:len(xd)-1])
	total := rows * int64(len(idx))
	if total > int64(c.MaxConstElements()) {
		return nil
	}
	flat := make([]int64, 0, total)
	for r := int64(0); r < rows; r++ {
		for _, i := range idx {
			flat = append(flat, r*last+i)
		}
	}
	var dims []int64
	if len(xd) == 1 {
		dims = []int64{1, int64(len(idx))}
	} else {
		dims = append(append([]int64{}, xd[:len(xd)-1]...), int64(len(idx)))
	}
	return c.SetConst(0, c.Input(0).DType, dims, take(c.Const(0), flat))
}

// --- Binarizer ---

func mlEvalBinarizer(c *shape.Ctx) error {
	dims, ok := inputDims(c, 0)
	if !ok {
		return nil
	}
	cv := c.Const(0)
	th := float64(c.AttrFloat("threshold", 0))
	dt := c.Input(0).DType
	switch {
	case cv.Floats != nil:
		out := make([]float64, len(cv.Floats))
		for i, f := range cv.Floats {
			if f > th {
				out[i] = 1
			}
		}
		return c.SetConst(0, dt, dims, &shape.Const{Floats: out})
	case cv.Ints != nil:
		out := make([]sym.Expr, len(cv.Ints))
		for i, e := range cv.Ints {
			v, ok := e.IsConst()
			if !ok {
				return nil
			}
			out[i] = sym.Const(0)
			if float64(v) > th {
				out[i] = sym.Const(1)
			}
		}
		return c.SetConst(0, dt, dims, &shape.Const{Ints: out})
	}
	return nil
}

// --- CastMap ---

// mlMapInput returns input 0 as a map (nil when its type is not known).
func mlMapInput(c *shape.Ctx) (*shape.Value, error) {
	v := c.Input(0)
	if v == nil {
		return nil, errMissing(0)
	}
	switch v.Kind {
	case onnx.KindMap:
		return v, nil
	case onnx.KindUnknown:
		return nil, nil
	}
	return nil, fmt.Errorf("input 0: %s, want a map", shape.TypeString(v))
}

func mlInferCastMap(c *shape.Ctx) error {
	if _, err := mlMapInput(c); err != nil {
		return err
	}
	var dt onnx.DataType
	switch s := c.AttrString("cast_to", "TO_FLOAT"); s {
	case "TO_FLOAT":
		dt = onnx.Float
	case "TO_INT64":
		dt = onnx.Int64
	case "TO_STRING":
		dt = onnx.String
	default:
		return fmt.Errorf("attribute cast_to: %q, want TO_FLOAT, TO_INT64 or TO_STRING", s)
	}
	var n sym.Expr
	switch s := c.AttrString("map_form", "DENSE"); s {
	case "DENSE":
		n = c.Fresh("map_size")
	case "SPARSE":
		m := c.AttrInt("max_map", 1)
		if m < 0 {
			return fmt.Errorf("attribute max_map: %d, want >= 0", m)
		}
		n = sym.Const(m)
	default:
		return fmt.Errorf("attribute map_form: %q, want DENSE or SPARSE", s)
	}
	// ONNX Runtime outputs [1, C].
	c.SetOutput(0, shape.Tensor(dt, sym.Const(1), n))
	return nil
}

// --- CategoryMapper ---

func mlInferCategoryMapper(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	var dt onnx.DataType
	switch x.DType {
	case onnx.String:
		dt = onnx.Int64
	case onnx.Int64:
		dt = onnx.String
	case onnx.Undefined:
	default:
		return fmt.Errorf("input 0: %s, want string or int64", x.DType)
	}
	out := x.Clone()
	out.Const, out.Init, out.Sparse = nil, nil, nil
	out.Kind = onnx.KindTensor
	out.DType = dt
	c.SetOutput(0, out)
	return nil
}

func mlEvalCategoryMapper(c *shape.Ctx) error {
	ints, _ := c.AttrInts("cats_int64s")
	strs, _ := c.AttrStrings("cats_strings")
	if len(ints) != len(strs) {
		return fmt.Errorf("cats_int64s has %d entries, cats_strings %d", len(ints), len(strs))
	}
	toInt, toStr := map[string]int64{}, map[int64]string{}
	for i, s := range strs {
		toInt[s] = ints[i]
		toStr[ints[i]] = s
	}
	return mlEvalStringIntMap(c, toInt, func(v int64) (string, bool) { s, ok := toStr[v]; return s, ok })
}

// mlEvalStringIntMap evaluates a string ↔ int64 mapping (CategoryMapper,
// LabelEncoder-1): strings through toInt, integers through toStr, with the
// default_int64 and default_string attributes for values not found.
func mlEvalStringIntMap(c *shape.Ctx, toInt map[string]int64, toStr func(int64) (string, bool)) error {
	dims, ok := inputDims(c, 0)
	if !ok {
		return nil
	}
	cv := c.Const(0)
	switch c.Input(0).DType {
	case onnx.String:
		def := c.AttrInt("default_int64", -1)
		out := make([]sym.Expr, len(cv.Strs))
		for i, s := range cv.Strs {
			v, ok := toInt[s]
			if !ok {
				v = def
			}
			out[i] = sym.Const(v)
		}
		return c.SetConst(0, onnx.Int64, dims, &shape.Const{Ints: out})
	case onnx.Int64:
		def := c.AttrString("default_string", "_Unused")
		out := make([]string, len(cv.Ints))
		for i, e := range cv.Ints {
			v, ok := e.IsConst()
			if !ok {
				return nil
			}
			s, ok := toStr(v)
			if !ok {
				s = def
			}
			out[i] = s
		}
		return c.SetConst(0, onnx.String, dims, &shape.Const{Strs: out})
	}
	return nil
}

// --- DictVectorizer ---

func mlInferDictVectorizer(c *shape.Ctx) error {
	m, err := mlMapInput(c)
	if err != nil {
		return err
	}
	ints, hasInts := c.AttrInts("int64_vocabulary")
	strs, hasStrs := c.AttrStrings("string_vocabulary")
	if hasInts == hasStrs {
		return fmt.Errorf("exactly one of int64_vocabulary and string_vocabulary must be set")
	}
	dt := onnx.Undefined
	if m != nil && m.Elem != nil {
		dt = m.Elem.DType
	}
	// ONNX Runtime outputs [1, len(vocabulary)].
	c.SetOutput(0, shape.TensorDims(dt, 1, int64(len(ints)+len(strs))))
	return nil
}

// --- FeatureVectorizer ---

func mlInferFeatureVectorizer(c *shape.Ctx) error {
	dims, _ := c.AttrInts("inputdimensions")
	if len(dims) != c.NumInputs() {
		return fmt.Errorf("attribute inputdimensions has %d values for %d inputs", len(dims), c.NumInputs())
	}
	var total int64
	for _, d := range dims {
		if d < 0 {
			return fmt.Errorf("attribute inputdimensions: negative size %d", d)
		}
		total += d
	}
	_, n, err := mlBatch(c, 0)
	if err != nil {
		return err
	}
	// One type parameter T1 binds every input: ONNX Runtime refuses mixed
	// element types.
	first := c.Input(0)
	for i := 1; i < c.NumInputs(); i++ {
		if v := c.Input(i); v != nil && v.DType != onnx.Undefined && first.DType != onnx.Undefined && v.DType != first.DType {
			return fmt.Errorf("input %d is %s but input 0 is %s: all inputs must have one element type (cast them first)", i, v.DType, first.DType)
		}
	}
	c.SetOutput(0, shape.Tensor(onnx.Float, n, sym.Const(total)))
	return nil
}

// --- LabelEncoder ---

// mlInferLabelEncoder1: strings map to int64 indices and back.
func mlInferLabelEncoder1(c *shape.Ctx) error {
	return mlInferCategoryMapper(c)
}

func mlEvalLabelEncoder1(c *shape.Ctx) error {
	classes, _ := c.AttrStrings("classes_strings")
	toInt := map[string]int64{}
	for i, s := range classes {
		if _, dup := toInt[s]; !dup {
			toInt[s] = int64(i)
		}
	}
	return mlEvalStringIntMap(c, toInt, func(v int64) (string, bool) {
		if v < 0 || v >= int64(len(classes)) {
			return "", false
		}
		return classes[v], true
	})
}

// mlLabelList is one of the keys_*/values_* attribute families of LabelEncoder.
type mlLabelList struct {
	dt   onnx.DataType
	vals *shape.Const
	n    int
}

// mlLabelAttr reads prefix_tensor, prefix_strings, prefix_int64s or
// prefix_floats (exactly one must be set).
func mlLabelAttr(c *shape.Ctx, prefix string) (*mlLabelList, error) {
	var found []*mlLabelList
	if a := c.Attr(prefix + "_tensor"); a != nil && a.T != nil {
		cv, err := shape.ConstFromTensor(a.T)
		if err != nil {
			return nil, fmt.Errorf("attribute %s_tensor: %v", prefix, err)
		}
		found = append(found, &mlLabelList{dt: a.T.DataType, vals: cv, n: cv.Len()})
	}
	if s, ok := c.AttrStrings(prefix + "_strings"); ok {
		found = append(found, &mlLabelList{dt: onnx.String, vals: &shape.Const{Strs: s}, n: len(s)})
	}
	if v, ok := c.AttrInts(prefix + "_int64s"); ok {
		found = append(found, &mlLabelList{dt: onnx.Int64, vals: &shape.Const{Ints: shape.Dims(v...)}, n: len(v)})
	}
	if v, ok := c.AttrFloats(prefix + "_floats"); ok {
		f := make([]float64, len(v))
		for i, x := range v {
			f[i] = float64(x)
		}
		found = append(found, &mlLabelList{dt: onnx.Float, vals: &shape.Const{Floats: f}, n: len(v)})
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("none of the %s_* attributes is set", prefix)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("more than one of the %s_* attributes is set", prefix)
}

// mlLabelMapping reads LabelEncoder's keys and values (of equal lengths).
func mlLabelMapping(c *shape.Ctx) (keys, vals *mlLabelList, err error) {
	if keys, err = mlLabelAttr(c, "keys"); err != nil {
		return nil, nil, err
	}
	if vals, err = mlLabelAttr(c, "values"); err != nil {
		return nil, nil, err
	}
	if keys.n != vals.n {
		return nil, nil, fmt.Errorf("%d keys but %d values", keys.n, vals.n)
	}
	return keys, vals, nil
}

func mlInferLabelEncoder(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	keys, vals, err := mlLabelMapping(c)
	if err != nil {
		return err
	}
	if x.DType != onnx.Undefined && x.DType != keys.dt {
		return fmt.Errorf("input 0 is %s but the keys are %s", x.DType, keys.dt)
	}
	if a := c.Attr("default_tensor"); a != nil && a.T != nil {
		if a.T.DataType != vals.dt {
			return fmt.Errorf("default_tensor is %s but the values are %s", a.T.DataType, vals.dt)
		}
		if len(a.T.Dims) != 1 || a.T.Dims[0] != 1 {
			return fmt.Errorf("default_tensor must have shape [1], has %v", a.T.Dims)
		}
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(vals.dt))
		return nil
	}
	c.SetOutput(0, shape.Tensor(vals.dt, x.Shape...))
	return nil
}

// mlLabelKey makes a comparable key of element i (NaN floats all share one key).
func mlLabelKey(cv *shape.Const, i int) (any, bool) {
	switch {
	case cv.Strs != nil:
		return cv.Strs[i], true
	case cv.Floats != nil:
		f := cv.Floats[i]
		if math.IsNaN(f) {
			return "NaN", true
		}
		return f, true
	case cv.Ints != nil:
		v, ok := cv.Ints[i].IsConst()
		return v, ok
	}
	return nil, false
}

func mlEvalLabelEncoder(c *shape.Ctx) error {
	dims, ok := inputDims(c, 0)
	if !ok {
		return nil
	}
	keys, vals, err := mlLabelMapping(c)
	if err != nil {
		return err
	}
	// default value: default_tensor, else default_<type>.
	def := constKindFor(vals.dt, 1)
	switch {
	case c.Attr("default_tensor") != nil && c.Attr("default_tensor").T != nil:
		cv, err := shape.ConstFromTensor(c.Attr("default_tensor").T)
		if err != nil || cv.Len() != 1 {
			return fmt.Errorf("default_tensor: cannot read one value")
		}
		def = cv
	case vals.dt == onnx.String:
		def.Strs[0] = c.AttrString("default_string", "_Unused")
	case vals.dt.IsFloat():
		def.Floats[0] = float64(c.AttrFloat("default_float", float32(math.Copysign(0, -1))))
	default:
		def.Ints[0] = sym.Const(c.AttrInt("default_int64", -1))
	}
	index := map[any]int64{}
	for i := 0; i < keys.n; i++ {
		k, ok := mlLabelKey(keys.vals, i)
		if !ok {
			return nil
		}
		index[k] = int64(i) // a repeated key: the last one wins
	}
	in := c.Const(0)
	n := in.Len()
	src := make([]int64, n) // index into vals, or -1 for the default
	for i := 0; i < n; i++ {
		k, ok := mlLabelKey(in, i)
		if !ok {
			return nil
		}
		j, found := index[k]
		if !found {
			j = -1
		}
		src[i] = j
	}
	out := constKindFor(vals.dt, n)
	for i, j := range src {
		from, at := vals.vals, j
		if j < 0 {
			from, at = def, 0
		}
		switch {
		case out.Strs != nil:
			out.Strs[i] = from.Strs[at]
		case out.Floats != nil:
			out.Floats[i] = from.Floats[at]
		default:
			out.Ints[i] = from.Ints[at]
		}
	}
	return c.SetConst(0, vals.dt, dims, out)
}

// --- classifiers and regressors ---

// mlLabelType is the label output type: string when the named string labels
// are set and non-empty, else int64. It also returns the number of labels.
func mlLabelType(c *shape.Ctx, strAttr, intAttr string) (onnx.DataType, int) {
	if s, ok := c.AttrStrings(strAttr); ok && len(s) > 0 {
		return onnx.String, len(s)
	}
	v, _ := c.AttrInts(intAttr)
	return onnx.Int64, len(v)
}

func mlInferLinearClassifier(c *shape.Ctx) error {
	_, n, err := mlBatch(c, 2)
	if err != nil {
		return err
	}
	lt, labels := mlLabelType(c, "classlabels_strings", "classlabels_ints")
	icp, _ := c.AttrFloats("intercepts")
	classes := int64(len(icp))
	if classes == 1 && labels == 2 {
		classes = 2 // binary case: both scores are output
	}
	c.SetOutput(0, shape.Tensor(lt, n))
	c.SetOutput(1, shape.Tensor(onnx.Float, n, sym.Const(classes)))
	return nil
}

func mlInferLinearRegressor(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	n := sym.Const(1)
	switch {
	case x.Rank < 0:
		n = c.Fresh("N")
	case x.Rank > 2:
		return fmt.Errorf("input 0: rank %d, want at most 2", x.Rank)
	case x.Rank == 2:
		n = x.Shape[0]
	}
	targets := c.AttrInt("targets", 1)
	if targets < 0 {
		return fmt.Errorf("attribute targets: %d, want >= 0", targets)
	}
	c.SetOutput(0, shape.Tensor(onnx.Float, n, sym.Const(targets)))
	return nil
}

func mlInferOneHotEncoder(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	ints, hasInts := c.AttrInts("cats_int64s")
	strs, hasStrs := c.AttrStrings("cats_strings")
	if hasInts == hasStrs {
		return fmt.Errorf("exactly one of cats_int64s and cats_strings must be set")
	}
	if x.Rank < 0 {
		c.SetOutput(0, shape.UnknownRank(onnx.Float))
		return nil
	}
	out := append(append([]sym.Expr{}, x.Shape...), sym.Const(int64(len(ints)+len(strs))))
	c.SetOutput(0, shape.Tensor(onnx.Float, out...))
	return nil
}

func mlInferSVMClassifier(c *shape.Ctx) error {
	_, n, err := mlBatch(c, 0)
	if err != nil {
		return err
	}
	lt, classes := mlLabelType(c, "classlabels_strings", "classlabels_ints")
	if classes == 0 {
		return fmt.Errorf("one of classlabels_strings and classlabels_ints must be set")
	}
	vpc, _ := c.AttrInts("vectors_per_class")
	var vectors int64
	for _, v := range vpc {
		vectors += v
	}
	probA, _ := c.AttrFloats("prob_a")
	// ONNX Runtime: an SVC without probabilities outputs one score per
	// pair of classes (two for a binary problem).
	scores := int64(classes)
	if vectors > 0 && len(probA) == 0 {
		scores = 2
		if classes > 2 {
			scores = int64(classes) * int64(classes-1) / 2
		}
	}
	c.SetOutput(0, shape.Tensor(lt, n))
	c.SetOutput(1, shape.Tensor(onnx.Float, n, sym.Const(scores)))
	return nil
}

func mlInferSVMRegressor(c *shape.Ctx) error {
	_, n, err := mlBatch(c, 0)
	if err != nil {
		return err
	}
	c.SetOutput(0, shape.Tensor(onnx.Float, n, sym.Const(1)))
	return nil
}

// mlTargets is the n_targets attribute, or a new symbol when it is absent.
func mlTargets(c *shape.Ctx) (sym.Expr, error) {
	a := c.Attr("n_targets")
	if a == nil {
		return c.Fresh("n_targets"), nil
	}
	if a.I < 0 {
		return sym.Expr{}, fmt.Errorf("attribute n_targets: %d, want >= 0", a.I)
	}
	return sym.Const(a.I), nil
}

// mlInferTargets: (N, n_targets) scores of TreeEnsemble (the input's type)
// and TreeEnsembleRegressor (float32).
// rank 2 requires an [N, F] input; 0 also accepts one example [F].
func mlInferTargets(inputType bool, rank int) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		x, n, err := mlTreeBatch(c, rank)
		if err != nil {
			return err
		}
		e, err := mlTargets(c)
		if err != nil {
			return err
		}
		dt := onnx.Float
		if inputType {
			dt = x.DType
		}
		c.SetOutput(0, shape.Tensor(dt, n, e))
		return nil
	}
}

func mlInferTreeEnsembleClassifier(rank int) func(*shape.Ctx) error {
	return func(c *shape.Ctx) error {
		_, n, err := mlTreeBatch(c, rank)
		if err != nil {
			return err
		}
		lt, classes := mlLabelType(c, "classlabels_strings", "classlabels_int64s")
		if classes == 0 {
			return fmt.Errorf("one of classlabels_strings and classlabels_int64s must be set")
		}
		c.SetOutput(0, shape.Tensor(lt, n))
		c.SetOutput(1, shape.Tensor(onnx.Float, n, sym.Const(int64(classes))))
		return nil
	}
}

// mlTreeBatch is mlBatch for the tree ensembles: ONNX Runtime's kernel
// takes [N, F] or [F] (rank 0), and ONNX's shape inference of the later
// versions [N, F] only (rank 2).
func mlTreeBatch(c *shape.Ctx, rank int) (*shape.Value, sym.Expr, error) {
	x, n, err := mlBatch(c, 2)
	if err != nil {
		return nil, sym.Expr{}, err
	}
	if rank == 2 && x.Rank == 1 {
		return nil, sym.Expr{}, fmt.Errorf("input 0: rank 1, want [N, F] (%s in ai.onnx.ml opset %d takes no single example [F]; reshape it to [1, F])", c.Node.OpType, c.Opset)
	}
	return x, n, nil
}

// --- ZipMap ---

func mlInferZipMap(c *shape.Ctx) error {
	x, err := ewTensorInput(c, 0)
	if err != nil {
		return err
	}
	strs, _ := c.AttrStrings("classlabels_strings")
	ints, _ := c.AttrInts("classlabels_int64s")
	if (len(strs) > 0) == (len(ints) > 0) {
		return fmt.Errorf("exactly one of classlabels_strings and classlabels_int64s must be set")
	}
	key, labels := onnx.String, len(strs)
	if len(ints) > 0 {
		key, labels = onnx.Int64, len(ints)
	}
	if x.Rank >= 0 {
		if x.Rank != 1 && x.Rank != 2 {
			return fmt.Errorf("input 0: rank %d, want 1 or 2", x.Rank)
		}
		if f, ok := x.Shape[x.Rank-1].IsConst(); ok && f != int64(labels) {
			return fmt.Errorf("input 0 has %d columns for %d labels", f, labels)
		}
	}
	m := &shape.Value{Kind: onnx.KindMap, DType: key, Elem: shape.Tensor(onnx.Float), Rank: -1}
	c.SetOutput(0, shape.SequenceOf(m))
	return nil
}
