package ops

import (
	"testing"

	"github.com/greenai/greenai/internal/onnxbuild"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
)

func ewTensorAttr(name string, t *onnx.Tensor) *onnx.Attribute {
	return &onnx.Attribute{Name: name, Type: onnx.AttrTensor, T: t}
}

func TestConstant(t *testing.T) {
	fl := &onnx.Attribute{Name: "value_floats", Type: onnx.AttrFloats, Floats: []float32{1.5, 2}}
	ss := &onnx.Attribute{Name: "value_strings", Type: onnx.AttrStrings, Strings: []string{"a", "b"}}
	ewRunCases(t, []ewCase{
		{name: "value_int", node: node("Constant", attrInt("value_int", 7)), want: "int64[]", vals: "[7]"},
		{name: "value_ints", node: node("Constant", attrInts("value_ints", 1, -2)), want: "int64[2]", vals: "[1 -2]"},
		{name: "value_float", node: node("Constant", attrFloat("value_float", 0.5)), want: "float32[]", vals: "[0.5]"},
		{name: "value_floats", node: node("Constant", fl), want: "float32[2]", vals: "[1.5 2]"},
		{name: "value_string", node: node("Constant", attrString("value_string", "x")), want: "string[]", vals: `["x"]`},
		{name: "value_strings", node: node("Constant", ss), want: "string[2]", vals: `["a" "b"]`},
		{name: "none", node: node("Constant"), err: "exactly one"},
		{name: "two", node: node("Constant", attrInt("value_int", 1), attrFloat("value_float", 1)), err: "exactly one"},
		{name: "empty tensor attr", node: node("Constant", ewTensorAttr("value", nil)), err: "no tensor"},
		{name: "sparse", node: node("Constant", &onnx.Attribute{Name: "sparse_value", Type: onnx.AttrSparseTensor}), err: "no tensor"},
	})
}

func TestConstantOfShape(t *testing.T) {
	ewRunCases(t, []ewCase{
		{name: "default", opset: 9, node: node("ConstantOfShape"), inputs: []*shape.Value{ewI64("2", "3")}, want: "float32[2, 3]", vals: "[0 0 0 0 0 0]"},
		{name: "symbolic", opset: 9, node: node("ConstantOfShape"), inputs: []*shape.Value{ewI64("b", "3")}, want: "float32[b, 3]", vals: "?"},
		{name: "scalar", opset: 9, node: node("ConstantOfShape"), inputs: []*shape.Value{ewI64()}, want: "float32[]", vals: "[0]"},
		{name: "zero dim", opset: 9, node: node("ConstantOfShape"), inputs: []*shape.Value{ewI64("0")}, want: "float32[0]", vals: "[]"},
		{name: "unknown contents", opset: 9, node: node("ConstantOfShape"), inputs: []*shape.Value{ewT(onnx.Int64, "3")}, want: "float32[ConstantOfShape_0_dim0_1, ConstantOfShape_0_dim1_2, ConstantOfShape_0_dim2_3]"},
		{name: "unknown length", opset: 9, node: node("ConstantOfShape"), inputs: []*shape.Value{ewT(onnx.Int64, "n")}, want: "float32?"},
		{name: "negative", opset: 9, node: node("ConstantOfShape"), inputs: []*shape.Value{ewI64("-1")}, err: "negative"},
		{name: "2-D input", opset: 9, node: node("ConstantOfShape"), inputs: []*shape.Value{ewT(onnx.Int64, "1", "2")}, err: "1-D"},
	})
}

func TestEyeLikeRangeRandom(t *testing.T) {
	f := onnx.Float
	ewRunCases(t, []ewCase{
		{name: "eyelike", node: node("EyeLike", attrInt("k", 1)), inputs: []*shape.Value{ewT(onnx.Int32, "2", "3")}, want: "int32[2, 3]", vals: "[0 1 0 0 0 1]"},
		{name: "eyelike dtype", node: node("EyeLike", attrInt("dtype", int64(onnx.Double))), inputs: []*shape.Value{ewT(onnx.Int32, "n", "3")}, want: "float64[n, 3]"},
		{name: "eyelike rank", node: node("EyeLike"), inputs: []*shape.Value{ewT(f, "3")}, err: "2-D"},
		{name: "range ints", node: node("Range"), inputs: []*shape.Value{ewS("0"), ewS("10"), ewS("3")}, want: "int64[4]", vals: "[0 3 6 9]"},
		{name: "range negative", node: node("Range"), inputs: []*shape.Value{ewS("10"), ewS("4"), ewS("-2")}, want: "int64[3]", vals: "[10 8 6]"},
		{name: "range empty", node: node("Range"), inputs: []*shape.Value{ewS("10"), ewS("4"), ewS("2")}, want: "int64[0]", vals: "[]"},
		{name: "range symbolic", node: node("Range"), inputs: []*shape.Value{ewS("0"), ewS("n"), ewS("1")}, want: "int64[n]"},
		{name: "range symbolic step 2", node: node("Range"), inputs: []*shape.Value{ewS("1"), ewS("2*n + 1"), ewS("2")}, want: "int64[n]"},
		{name: "range symbolic start", node: node("Range"), inputs: []*shape.Value{ewS("n"), ewS("n + 3"), ewS("1")}, want: "int64[3]", vals: "[n n + 1 n + 2]"},
		{name: "range floats", node: node("Range"), inputs: []*shape.Value{ewF(f, nil, 1), ewF(f, nil, 2), ewF(f, nil, 0.25)}, want: "float32[4]", vals: "[1 1.25 1.5 1.75]"},
		{name: "range unknown", node: node("Range"), inputs: []*shape.Value{ewS("0"), ewT(onnx.Int64), ewS("1")}, want: "int64[Range_0_range_1]"},
		{name: "range not scalar", node: node("Range"), inputs: []*shape.Value{ewS("0"), ewI64("1", "2"), ewS("1")}, err: "scalar"},
		{name: "random normal", node: node("RandomNormal", attrInts("shape", 2, 3)), want: "float32[2, 3]"},
		{name: "random uniform dtype", node: node("RandomUniform", attrInts("shape", 4), attrInt("dtype", int64(onnx.Double))), want: "float64[4]"},
		{name: "random no shape", node: node("RandomUniform"), err: "shape is required"},
		{name: "random like", node: node("RandomNormalLike"), inputs: []*shape.Value{ewT(onnx.Double, "b", "2")}, want: "float64[b, 2]"},
		{name: "random like dtype", node: node("RandomUniformLike", attrInt("dtype", int64(onnx.Float16))), inputs: []*shape.Value{ewT(onnx.Double, "b")}, want: "float16[b]"},
		{name: "bernoulli", opset: 15, node: node("Bernoulli"), inputs: []*shape.Value{ewT(f, "b", "3")}, want: "float32[b, 3]"},
		{name: "bernoulli dtype", opset: 15, node: node("Bernoulli", attrInt("dtype", int64(onnx.Bool))), inputs: []*shape.Value{ewT(f, "3")}, want: "bool[3]"},
		{name: "multinomial", node: node("Multinomial", attrInt("sample_size", 5)), inputs: []*shape.Value{ewT(f, "b", "10")}, want: "int32[b, 5]"},
		{name: "multinomial int64", node: node("Multinomial", attrInt("dtype", int64(onnx.Int64))), inputs: []*shape.Value{ewT(f, "2", "10")}, want: "int64[2, 1]"},
		{name: "multinomial rank", node: node("Multinomial"), inputs: []*shape.Value{ewT(f, "10")}, err: "2-D"},
	})
}

// ewTensor encodes a TensorProto of int64 or float data for tests.
func ewTensor(t *testing.T, dt onnx.DataType, dims []int64, ints []int64, floats []float32) *onnx.Tensor {
	t.Helper()
	tb := onnxbuild.Tensor{DataType: int32(dt), Dims: dims, Int64s: ints, Floats: floats}
	tensor, err := onnx.DecodeTensor(tb.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return tensor
}

func TestConstantSparseAndTensor(t *testing.T) {
	sparse := func(st *onnx.SparseTensor) *onnx.Node {
		return node("Constant", &onnx.Attribute{Name: "sparse_value", Type: onnx.AttrSparseTensor, Sparse: st})
	}
	vals := ewTensor(t, onnx.Float, []int64{2}, nil, []float32{5, 7})
	ewRunCases(t, []ewCase{
		{name: "tensor", node: node("Constant", ewTensorAttr("value", ewTensor(t, onnx.Int64, []int64{2, 1}, []int64{3, -4}, nil))), want: "int64[2, 1]", vals: "[3 -4]"},
		{name: "sparse linear", node: sparse(&onnx.SparseTensor{Values: vals, Indices: ewTensor(t, onnx.Int64, []int64{2}, []int64{1, 5}, nil), Dims: []int64{2, 3}}),
			want: "float32[2, 3]", vals: "[0 5 0 0 0 7]"},
		{name: "sparse coordinates", node: sparse(&onnx.SparseTensor{Values: vals, Indices: ewTensor(t, onnx.Int64, []int64{2, 2}, []int64{0, 0, 1, 2}, nil), Dims: []int64{2, 3}}),
			want: "float32[2, 3]", vals: "[5 0 0 0 0 7]"},
		{name: "sparse ints", node: sparse(&onnx.SparseTensor{Values: ewTensor(t, onnx.Int64, []int64{1}, []int64{9}, nil), Indices: ewTensor(t, onnx.Int64, []int64{1}, []int64{2}, nil), Dims: []int64{3}}),
			want: "int64[3]", vals: "[0 0 9]"},
		{name: "sparse bad index", node: sparse(&onnx.SparseTensor{Values: vals, Indices: ewTensor(t, onnx.Int64, []int64{2}, []int64{1, 6}, nil), Dims: []int64{2, 3}}), err: "out of range"},
		{name: "sparse bad coordinate", node: sparse(&onnx.SparseTensor{Values: vals, Indices: ewTensor(t, onnx.Int64, []int64{2, 2}, []int64{0, 3, 1, 2}, nil), Dims: []int64{2, 3}}), err: "out of range"},
		{name: "sparse index count", node: sparse(&onnx.SparseTensor{Values: vals, Indices: ewTensor(t, onnx.Int64, []int64{3}, []int64{0, 1, 2}, nil), Dims: []int64{2, 3}}), err: "3 indices for 2 values"},
		{name: "constantofshape value", opset: 9, node: node("ConstantOfShape", ewTensorAttr("value", ewTensor(t, onnx.Int32, []int64{1}, []int64{4}, nil))), inputs: []*shape.Value{ewI64("2")}, want: "int32[2]", vals: "[4 4]"},
		{name: "constantofshape two values", opset: 9, node: node("ConstantOfShape", ewTensorAttr("value", ewTensor(t, onnx.Int32, []int64{2}, []int64{4, 5}, nil))), inputs: []*shape.Value{ewI64("2")}, err: "one element"},
	})
}
