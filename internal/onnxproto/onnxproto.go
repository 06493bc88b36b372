// Package onnxproto names the field numbers of onnx.proto (ONNX 1.23) that
// greenai reads and writes, each with its declaration, so that the decoder
// (package onnx) and the test encoder (internal/onnxbuild) share one table.
package onnxproto

import "google.golang.org/protobuf/encoding/protowire"

// Num is a field number.
type Num = protowire.Number

// message ModelProto
const (
	ModelIRVersion       Num = 1  // optional int64 ir_version = 1;
	ModelOpsetImport     Num = 8  // repeated OperatorSetIdProto opset_import = 8;
	ModelProducerName    Num = 2  // optional string producer_name = 2;
	ModelProducerVersion Num = 3  // optional string producer_version = 3;
	ModelDomain          Num = 4  // optional string domain = 4;
	ModelModelVersion    Num = 5  // optional int64 model_version = 5;
	ModelDocString       Num = 6  // optional string doc_string = 6;
	ModelGraph           Num = 7  // optional GraphProto graph = 7;
	ModelMetadataProps   Num = 14 // repeated StringStringEntryProto metadata_props = 14;
	ModelTrainingInfo    Num = 20 // repeated TrainingInfoProto training_info = 20;
	ModelFunctions       Num = 25 // repeated FunctionProto functions = 25;
	ModelConfiguration   Num = 26 // repeated DeviceConfigurationProto configuration = 26;
)

// message GraphProto
const (
	GraphNode                   Num = 1  // repeated NodeProto node = 1;
	GraphName                   Num = 2  // optional string name = 2;
	GraphInitializer            Num = 5  // repeated TensorProto initializer = 5;
	GraphSparseInitializer      Num = 15 // repeated SparseTensorProto sparse_initializer = 15;
	GraphDocString              Num = 10 // optional string doc_string = 10;
	GraphInput                  Num = 11 // repeated ValueInfoProto input = 11;
	GraphOutput                 Num = 12 // repeated ValueInfoProto output = 12;
	GraphValueInfo              Num = 13 // repeated ValueInfoProto value_info = 13;
	GraphQuantizationAnnotation Num = 14 // repeated TensorAnnotation quantization_annotation = 14;
	GraphMetadataProps          Num = 16 // repeated StringStringEntryProto metadata_props = 16;
)

// message NodeProto
const (
	NodeInput                Num = 1  // repeated string input = 1;
	NodeOutput               Num = 2  // repeated string output = 2;
	NodeName                 Num = 3  // optional string name = 3;
	NodeOpType               Num = 4  // optional string op_type = 4;
	NodeDomain               Num = 7  // optional string domain = 7;
	NodeOverload             Num = 8  // optional string overload = 8;
	NodeAttribute            Num = 5  // repeated AttributeProto attribute = 5;
	NodeDocString            Num = 6  // optional string doc_string = 6;
	NodeMetadataProps        Num = 9  // repeated StringStringEntryProto metadata_props = 9;
	NodeDeviceConfigurations Num = 10 // repeated NodeDeviceConfigurationProto device_configurations = 10;
)

// message AttributeProto
const (
	AttrName          Num = 1  // optional string name = 1;
	AttrRefAttrName   Num = 21 // optional string ref_attr_name = 21;
	AttrDocString     Num = 13 // optional string doc_string = 13;
	AttrType          Num = 20 // optional AttributeType type = 20;
	AttrF             Num = 2  // optional float f = 2;
	AttrI             Num = 3  // optional int64 i = 3;
	AttrS             Num = 4  // optional bytes s = 4;
	AttrT             Num = 5  // optional TensorProto t = 5;
	AttrG             Num = 6  // optional GraphProto g = 6;
	AttrSparseTensor  Num = 22 // optional SparseTensorProto sparse_tensor = 22;
	AttrTp            Num = 14 // optional TypeProto tp = 14;
	AttrFloats        Num = 7  // repeated float floats = 7;
	AttrInts          Num = 8  // repeated int64 ints = 8;
	AttrStrings       Num = 9  // repeated bytes strings = 9;
	AttrTensors       Num = 10 // repeated TensorProto tensors = 10;
	AttrGraphs        Num = 11 // repeated GraphProto graphs = 11;
	AttrSparseTensors Num = 23 // repeated SparseTensorProto sparse_tensors = 23;
	AttrTypeProtos    Num = 15 // repeated TypeProto type_protos = 15;
)

// message ValueInfoProto
const (
	ValueInfoName          Num = 1 // optional string name = 1;
	ValueInfoType          Num = 2 // optional TypeProto type = 2;
	ValueInfoDocString     Num = 3 // optional string doc_string = 3;
	ValueInfoMetadataProps Num = 4 // repeated StringStringEntryProto metadata_props = 4;
)

// message TensorProto
const (
	TensorDims          Num = 1  // repeated int64 dims = 1;
	TensorDataType      Num = 2  // optional int32 data_type = 2;
	TensorSegment       Num = 3  // optional Segment segment = 3;
	TensorFloatData     Num = 4  // repeated float float_data = 4 [packed = true];
	TensorInt32Data     Num = 5  // repeated int32 int32_data = 5 [packed = true];
	TensorStringData    Num = 6  // repeated bytes string_data = 6;
	TensorInt64Data     Num = 7  // repeated int64 int64_data = 7 [packed = true];
	TensorName          Num = 8  // optional string name = 8;
	TensorDocString     Num = 12 // optional string doc_string = 12;
	TensorRawData       Num = 9  // optional bytes raw_data = 9;
	TensorExternalData  Num = 13 // repeated StringStringEntryProto external_data = 13;
	TensorDataLocation  Num = 14 // optional DataLocation data_location = 14;
	TensorDoubleData    Num = 10 // repeated double double_data = 10 [packed = true];
	TensorUint64Data    Num = 11 // repeated uint64 uint64_data = 11 [packed = true];
	TensorMetadataProps Num = 16 // repeated StringStringEntryProto metadata_props = 16;
)

// message SparseTensorProto
const (
	SparseValues  Num = 1 // optional TensorProto values = 1;
	SparseIndices Num = 2 // optional TensorProto indices = 2;
	SparseDims    Num = 3 // repeated int64 dims = 3;
)

// message TensorShapeProto
const (
	ShapeDim Num = 1 // repeated Dimension dim = 1;
)

// message TensorShapeProto.Dimension
const (
	DimValue      Num = 1 // int64 dim_value = 1;
	DimParam      Num = 2 // string dim_param = 2;
	DimDenotation Num = 3 // optional string denotation = 3;
)

// message TypeProto
const (
	TypeTensorType       Num = 1 // Tensor tensor_type = 1;
	TypeSequenceType     Num = 4 // Sequence sequence_type = 4;
	TypeMapType          Num = 5 // Map map_type = 5;
	TypeOptionalType     Num = 9 // Optional optional_type = 9;
	TypeSparseTensorType Num = 8 // SparseTensor sparse_tensor_type = 8;
	TypeOpaqueType       Num = 7 // Opaque opaque_type = 7;
	TypeDenotation       Num = 6 // optional string denotation = 6;
)

// message TypeProto.Tensor
const (
	TypeTensorElemType Num = 1 // optional int32 elem_type = 1;
	TypeTensorShape    Num = 2 // optional TensorShapeProto shape = 2;
)

// message TypeProto.Sequence
const (
	TypeSequenceElemType Num = 1 // optional TypeProto elem_type = 1;
)

// message TypeProto.Map
const (
	TypeMapKeyType   Num = 1 // optional int32 key_type = 1;
	TypeMapValueType Num = 2 // optional TypeProto value_type = 2;
)

// message TypeProto.Optional
const (
	TypeOptionalElemType Num = 1 // optional TypeProto elem_type = 1;
)

// message TypeProto.SparseTensor
const (
	TypeSparseElemType Num = 1 // optional int32 elem_type = 1;
	TypeSparseShape    Num = 2 // optional TensorShapeProto shape = 2;
)

// message TypeProto.Opaque
const (
	TypeOpaqueDomain Num = 1 // optional string domain = 1;
	TypeOpaqueName   Num = 2 // optional string name = 2;
)

// message OperatorSetIdProto
const (
	OpsetDomain  Num = 1 // optional string domain = 1;
	OpsetVersion Num = 2 // optional int64 version = 2;
)

// message FunctionProto
const (
	FunctionName           Num = 1  // optional string name = 1;
	FunctionInput          Num = 4  // repeated string input = 4;
	FunctionOutput         Num = 5  // repeated string output = 5;
	FunctionAttribute      Num = 6  // repeated string attribute = 6;
	FunctionAttributeProto Num = 11 // repeated AttributeProto attribute_proto = 11;
	FunctionNode           Num = 7  // repeated NodeProto node = 7;
	FunctionDocString      Num = 8  // optional string doc_string = 8;
	FunctionOpsetImport    Num = 9  // repeated OperatorSetIdProto opset_import = 9;
	FunctionDomain         Num = 10 // optional string domain = 10;
	FunctionOverload       Num = 13 // optional string overload = 13;
	FunctionValueInfo      Num = 12 // repeated ValueInfoProto value_info = 12;
	FunctionMetadataProps  Num = 14 // repeated StringStringEntryProto metadata_props = 14;
)

// message StringStringEntryProto
const (
	EntryKey   Num = 1 // optional string key = 1;
	EntryValue Num = 2 // optional string value = 2;
)

// message SequenceProto (onnx-data.proto)
const (
	SequenceName               Num = 1 // optional string name = 1;
	SequenceElemType           Num = 2 // optional int32 elem_type = 2;
	SequenceTensorValues       Num = 3 // repeated TensorProto tensor_values = 3;
	SequenceSparseTensorValues Num = 4 // repeated SparseTensorProto sparse_tensor_values = 4;
	SequenceSequenceValues     Num = 5 // repeated SequenceProto sequence_values = 5;
	SequenceMapValues          Num = 6 // repeated MapProto map_values = 6;
	SequenceOptionalValues     Num = 7 // repeated OptionalProto optional_values = 7;
)

// message OptionalProto (onnx-data.proto): the numbers of SequenceProto,
// for one value instead of a list.
const (
	OptionalName              Num = 1 // optional string name = 1;
	OptionalElemType          Num = 2 // optional int32 elem_type = 2;
	OptionalTensorValue       Num = 3 // optional TensorProto tensor_value = 3;
	OptionalSparseTensorValue Num = 4 // optional SparseTensorProto sparse_tensor_value = 4;
	OptionalSequenceValue     Num = 5 // optional SequenceProto sequence_value = 5;
	OptionalMapValue          Num = 6 // optional MapProto map_value = 6;
	OptionalOptionalValue     Num = 7 // optional OptionalProto optional_value = 7;
)

// TensorProto.DataLocation (data_location = 14).
const TensorLocationExternal = 1 // EXTERNAL = 1;
