package onnx

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/greenai/greenai/internal/onnxproto"
)

// maxDepth bounds the nesting of graphs inside attributes (and of types
// inside types), so a hostile file cannot exhaust the stack.
const maxDepth = 64

// Open reads the model at path. Weight bytes stay in the file until a
// tensor value is asked for (only field headers and small payloads are
// read); external data locations are resolved relative to the model's folder.
func Open(path string) (*Model, error) {
	src, err := openSource(path)
	if err != nil {
		return nil, fmt.Errorf("opening model: %w", err)
	}
	m, err := decodeModel(src, filepath.Dir(path))
	if err != nil {
		src.close()
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	m.Path = path
	return m, nil
}

// Decode reads a model from memory. External data is resolved relative to
// dir. The buffer must not be modified while the model is in use.
func Decode(data []byte, dir string) (*Model, error) {
	m, err := decodeModel(memSource(data, "<memory>"), dir)
	if err != nil {
		return nil, err
	}
	return m, nil
}

type decoder struct {
	src *source
	dir string
}

// field is one decoded protobuf field. For length-delimited fields off and
// n locate the payload in the source (it is not read); for the others x
// holds the value.
type field struct {
	num protowire.Number
	typ protowire.Type
	off int64
	n   int64
	x   uint64
}

// walk calls fn for each field of the message in the byte range
// [base, base+size) of the source, reading only headers.
func (d *decoder) walkRange(base, size int64, fn func(f field) error) error {
	pos, end := base, base+size
	if end > d.src.size {
		return fmt.Errorf("offset %d: message of %d bytes runs past the end of the file (truncated)", base, size)
	}
	for pos < end {
		hdr, err := d.src.peek(pos, 20)
		if err != nil {
			return err
		}
		if int64(len(hdr)) > end-pos {
			hdr = hdr[:end-pos]
		}
		num, typ, n := protowire.ConsumeTag(hdr)
		if n < 0 {
			return fmt.Errorf("offset %d: bad field tag: %w", pos, protowire.ParseError(n))
		}
		f := field{num: num, typ: typ}
		rest := hdr[n:]
		var m int
		switch typ {
		case protowire.VarintType:
			f.x, m = protowire.ConsumeVarint(rest)
		case protowire.Fixed32Type:
			var v uint32
			v, m = protowire.ConsumeFixed32(rest)
			f.x = uint64(v)
		case protowire.Fixed64Type:
			f.x, m = protowire.ConsumeFixed64(rest)
		case protowire.BytesType:
			var l uint64
			l, m = protowire.ConsumeVarint(rest)
			if m >= 0 {
				f.off = pos + int64(n) + int64(m)
				if l > uint64(end-f.off) {
					return fmt.Errorf("field %d at offset %d: length %d runs past the end of its message (truncated)", num, pos, l)
				}
				f.n = int64(l)
				m += int(l)
			}
		case protowire.StartGroupType, protowire.EndGroupType:
			return fmt.Errorf("field %d at offset %d: unsupported group encoding", num, pos)
		default:
			return fmt.Errorf("field %d at offset %d: unknown wire type %d", num, pos, typ)
		}
		if m < 0 {
			return fmt.Errorf("field %d at offset %d: truncated (offset past end of data)", num, pos)
		}
		pos += int64(n) + int64(m)
		if pos > end {
			return fmt.Errorf("field %d at offset %d: truncated (offset past end of data)", num, pos)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// walk calls fn for each field of the message held in f's payload.
func (d *decoder) walk(f field, fn func(f field) error) error {
	return d.walkRange(f.off, f.n, fn)
}

// smallPayload is the size up to which payloads (names, attribute values,
// packed dims) are served from the read window instead of their own read.
const smallPayload = 4 << 10

// payload reads a (small) length-delimited payload, copied.
func (d *decoder) payload(f field) ([]byte, error) {
	if f.n <= smallPayload {
		b, err := d.src.peek(f.off, int(f.n))
		if err != nil {
			return nil, err
		}
		if int64(len(b)) != f.n {
			return nil, fmt.Errorf("offset %d: payload of %d bytes runs past the end of the file (truncated)", f.off, f.n)
		}
		return append([]byte(nil), b...), nil
	}
	return d.src.bytes(span{f.off, f.n})
}

// str reads a string payload.
func (d *decoder) str(f field) string {
	b, err := d.payload(f)
	if err != nil {
		return ""
	}
	return string(b)
}

func wantBytes(f field) error {
	if f.typ != protowire.BytesType {
		return fmt.Errorf("field %d: wire type %d, want length-delimited", f.num, f.typ)
	}
	return nil
}

func wantVarint(f field) error {
	if f.typ != protowire.VarintType {
		return fmt.Errorf("field %d: wire type %d, want varint", f.num, f.typ)
	}
	return nil
}

// ints appends a repeated int64 field, packed or not.
func (d *decoder) ints(dst []int64, f field) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.x)), nil
	case protowire.BytesType:
		b, err := d.payload(f)
		if err != nil {
			return nil, err
		}
		return packedInts(dst, b, f.num)
	}
	return nil, fmt.Errorf("field %d: wire type %d for repeated int64", f.num, f.typ)
}

// packedInts decodes packed varints.
func packedInts(dst []int64, b []byte, num protowire.Number) ([]int64, error) {
	for len(b) > 0 {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, fmt.Errorf("field %d: bad packed varint", num)
		}
		dst = append(dst, int64(v))
		b = b[n:]
	}
	return dst, nil
}

func (d *decoder) floats(dst []float32, f field) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.x))), nil
	case protowire.BytesType:
		b, err := d.payload(f)
		if err != nil {
			return nil, err
		}
		return packedFloats(dst, b, f.num)
	}
	return nil, fmt.Errorf("field %d: wire type %d for repeated float", f.num, f.typ)
}

// packedFloats decodes packed little-endian float32s.
func packedFloats(dst []float32, b []byte, num protowire.Number) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("field %d: packed floats of %d bytes", num, len(b))
	}
	for i := 0; i < len(b); i += 4 {
		v, _ := protowire.ConsumeFixed32(b[i:])
		dst = append(dst, math.Float32frombits(v))
	}
	return dst, nil
}

// message walks the fields of the message in f's payload (which must be
// length-delimited).
func (d *decoder) message(f field, fn func(h field) error) error {
	if err := wantBytes(f); err != nil {
		return err
	}
	return d.walk(f, fn)
}

// text reads a string (or bytes) field.
func (d *decoder) text(f field) (string, error) {
	if err := wantBytes(f); err != nil {
		return "", err
	}
	b, err := d.payload(f)
	return string(b), err
}

// appendText appends the value of a repeated string field.
func (d *decoder) appendText(dst *[]string, f field) error {
	s, err := d.text(f)
	if err == nil {
		*dst = append(*dst, s)
	}
	return err
}

// varint reads an integer field.
func varint(f field) (int64, error) {
	if err := wantVarint(f); err != nil {
		return 0, err
	}
	return int64(f.x), nil
}

func (d *decoder) kv(f field) (KV, error) {
	var e KV
	err := d.message(f, func(g field) (err error) {
		switch g.num {
		case pb.EntryKey:
			e.Key, err = d.text(g)
		case pb.EntryValue:
			e.Value, err = d.text(g)
		}
		return err
	})
	return e, err
}

func (d *decoder) opset(f field) (string, int64, error) {
	var dom string
	var ver int64
	err := d.message(f, func(g field) (err error) {
		switch g.num {
		case pb.OpsetDomain:
			dom, err = d.text(g)
		case pb.OpsetVersion:
			ver, err = varint(g)
		}
		return err
	})
	if dom == "ai.onnx" {
		dom = ""
	}
	return dom, ver, err
}

// modelFields are the ModelProto fields with their wire types (onnx.proto:
// ir_version 1, producer_name 2, producer_version 3, domain 4,
// model_version 5, doc_string 6, graph 7, opset_import 8, metadata_props
// 14, training_info 20, functions 25, configuration 26).
var modelFields = map[protowire.Number]protowire.Type{
	1: protowire.VarintType, 2: protowire.BytesType, 3: protowire.BytesType, 4: protowire.BytesType,
	5: protowire.VarintType, 6: protowire.BytesType, 7: protowire.BytesType, 8: protowire.BytesType,
	14: protowire.BytesType, 20: protowire.BytesType, 25: protowire.BytesType, 26: protowire.BytesType,
}

// notModel says why a file that failed to decode is not an ONNX model at
// all (its first field is no ModelProto field, or it is text), or "" when it
// starts like one (then the decoding error, such as a truncation, stands
// alone).
func notModel(src *source) string {
	head, err := src.peek(0, 64)
	if err != nil || len(head) == 0 {
		return ""
	}
	if len(head) > 64 {
		head = head[:64]
	}
	text := true
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			text = false
			break
		}
	}
	if text {
		line := string(head)
		if i := strings.IndexAny(line, "\r\n"); i >= 0 {
			line = line[:i]
		}
		if len(line) > 32 {
			line = line[:32] + "…"
		}
		return fmt.Sprintf("the file is text, starting %q", line)
	}
	num, typ, n := protowire.ConsumeTag(head)
	if n < 0 {
		return "its first bytes are no protobuf field"
	}
	if want, ok := modelFields[num]; !ok || want != typ {
		return fmt.Sprintf("its first field, %d of wire type %d, is no ModelProto field", num, typ)
	}
	return ""
}

func decodeModel(src *source, dir string) (*Model, error) {
	d := &decoder{src: src, dir: dir}
	m := &Model{Opsets: map[string]int64{}, Dir: dir, FileSize: src.size, src: src}
	var graphs int
	err := d.walkRange(0, src.size, func(f field) (err error) {
		switch f.num {
		case pb.ModelIRVersion:
			m.IRVersion, err = varint(f)
		case pb.ModelProducerName:
			m.ProducerName, err = d.text(f)
		case pb.ModelProducerVersion:
			m.ProducerVersion, err = d.text(f)
		case pb.ModelDomain:
			m.Domain, err = d.text(f)
		case pb.ModelModelVersion:
			m.ModelVersion, err = varint(f)
		case pb.ModelDocString:
			m.DocString, err = d.text(f)
		case pb.ModelGraph:
			graphs++
			if graphs > 1 {
				return errors.New("more than one main graph")
			}
			m.Graph, err = d.graph(f, 0)
			if err != nil {
				err = fmt.Errorf("main graph: %w", err)
			}
		case pb.ModelOpsetImport:
			var dom string
			var ver int64
			dom, ver, err = d.opset(f)
			if err == nil {
				m.Opsets[dom] = ver
			}
		case pb.ModelMetadataProps:
			var e KV
			if e, err = d.kv(f); err == nil {
				m.Metadata = append(m.Metadata, e)
			}
		case pb.ModelTrainingInfo:
			m.TrainingInfo++
		case pb.ModelFunctions:
			var fn *Function
			fn, err = d.function(f)
			if err == nil {
				m.Functions = append(m.Functions, fn)
			} else {
				err = fmt.Errorf("function %d: %w", len(m.Functions), err)
			}
		}
		return err
	})
	if err != nil {
		if why := notModel(src); why != "" {
			return nil, fmt.Errorf("not an ONNX model (%s): %w", why, err)
		}
		return nil, err
	}
	if m.Graph == nil {
		return nil, errors.New("not an ONNX model: no graph (is the file truncated or of another format?)")
	}
	if len(m.Opsets) == 0 {
		// IR version 3 models without opset_import default to ai.onnx 1.
		m.Opsets[""] = 1
	}
	return m, nil
}

func (d *decoder) graph(f field, depth int) (*Graph, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("subgraphs nested deeper than %d", maxDepth)
	}
	g := &Graph{}
	err := d.message(f, func(h field) (err error) {
		switch h.num {
		case pb.GraphNode:
			var n *Node
			if n, err = d.node(h, depth); err == nil {
				g.Nodes = append(g.Nodes, n)
			} else {
				err = fmt.Errorf("node %d: %w", len(g.Nodes), err)
			}
		case pb.GraphName:
			g.Name, err = d.text(h)
		case pb.GraphInitializer:
			var t *Tensor
			if t, err = d.tensor(h); err == nil {
				g.Initializers = append(g.Initializers, t)
			} else {
				err = fmt.Errorf("initializer %d: %w", len(g.Initializers), err)
			}
		case pb.GraphSparseInitializer:
			var t *SparseTensor
			if t, err = d.sparse(h); err == nil {
				g.SparseInitializers = append(g.SparseInitializers, t)
			} else {
				err = fmt.Errorf("sparse initializer %d: %w", len(g.SparseInitializers), err)
			}
		case pb.GraphInput, pb.GraphOutput, pb.GraphValueInfo:
			var vi *ValueInfo
			vi, err = d.valueInfo(h)
			if err != nil {
				return fmt.Errorf("value info: %w", err)
			}
			switch h.num {
			case pb.GraphInput:
				g.Inputs = append(g.Inputs, vi)
			case pb.GraphOutput:
				g.Outputs = append(g.Outputs, vi)
			default:
				g.ValueInfo = append(g.ValueInfo, vi)
			}
		case pb.GraphMetadataProps:
			var e KV
			if e, err = d.kv(h); err == nil {
				g.Metadata = append(g.Metadata, e)
			}
		}
		return err
	})
	if err != nil && g.Name != "" {
		err = fmt.Errorf("graph %q: %w", g.Name, err)
	}
	return g, err
}

func (d *decoder) node(f field, depth int) (*Node, error) {
	n := &Node{}
	err := d.message(f, func(h field) (err error) {
		switch h.num {
		case pb.NodeInput:
			err = d.appendText(&n.Inputs, h)
		case pb.NodeOutput:
			err = d.appendText(&n.Outputs, h)
		case pb.NodeName:
			n.Name, err = d.text(h)
		case pb.NodeOpType:
			n.OpType, err = d.text(h)
		case pb.NodeDomain:
			n.Domain, err = d.text(h)
			if n.Domain == "ai.onnx" {
				n.Domain = ""
			}
		case pb.NodeOverload:
			n.Overload, err = d.text(h)
		case pb.NodeAttribute:
			var a *Attribute
			if a, err = d.attribute(h, depth); err == nil {
				n.Attrs = append(n.Attrs, a)
			} else {
				err = fmt.Errorf("attribute %d: %w", len(n.Attrs), err)
			}
		case pb.NodeMetadataProps:
			var e KV
			if e, err = d.kv(h); err == nil {
				n.Metadata = append(n.Metadata, e)
			}
		}
		return err
	})
	if err != nil && (n.Name != "" || n.OpType != "") {
		err = fmt.Errorf("%s %q: %w", n.OpType, n.Name, err)
	}
	return n, err
}

func (d *decoder) attribute(f field, depth int) (*Attribute, error) {
	a := &Attribute{}
	err := d.message(f, func(h field) (err error) {
		switch h.num {
		case pb.AttrName:
			a.Name, err = d.text(h)
		case pb.AttrRefAttrName:
			a.RefAttrName, err = d.text(h)
		case pb.AttrType:
			var t int64
			t, err = varint(h)
			a.Type = AttrType(t)
		case pb.AttrF:
			if h.typ != protowire.Fixed32Type {
				return fmt.Errorf("field f: wire type %d", h.typ)
			}
			a.F = math.Float32frombits(uint32(h.x))
		case pb.AttrI:
			a.I, err = varint(h)
		case pb.AttrS:
			a.S, err = d.text(h)
		case pb.AttrT:
			a.T, err = d.tensor(h)
		case pb.AttrG:
			a.G, err = d.graph(h, depth+1)
		case pb.AttrSparseTensor:
			a.Sparse, err = d.sparse(h)
		case pb.AttrTp:
			a.TP, err = d.typeProto(h, 0)
		case pb.AttrFloats:
			a.Floats, err = d.floats(a.Floats, h)
		case pb.AttrInts:
			a.Ints, err = d.ints(a.Ints, h)
		case pb.AttrStrings:
			err = d.appendText(&a.Strings, h)
		case pb.AttrTensors:
			var t *Tensor
			if t, err = d.tensor(h); err == nil {
				a.Tensors = append(a.Tensors, t)
			}
		case pb.AttrGraphs:
			var g *Graph
			if g, err = d.graph(h, depth+1); err == nil {
				a.Graphs = append(a.Graphs, g)
			}
		case pb.AttrSparseTensors:
			var t *SparseTensor
			if t, err = d.sparse(h); err == nil {
				a.SparseTensors = append(a.SparseTensors, t)
			}
		case pb.AttrTypeProtos:
			var t *Type
			if t, err = d.typeProto(h, 0); err == nil {
				a.TypeProtos = append(a.TypeProtos, t)
			}
		}
		return err
	})
	if err != nil && a.Name != "" {
		err = fmt.Errorf("%q: %w", a.Name, err)
	}
	if err == nil && a.Type == AttrUndefined {
		a.Type = inferAttrType(a)
	}
	return a, err
}

// inferAttrType fills the type of attributes written by IR version < 3
// producers, which left the discriminator unset.
func inferAttrType(a *Attribute) AttrType {
	switch {
	case a.G != nil:
		return AttrGraph
	case a.T != nil:
		return AttrTensor
	case a.Sparse != nil:
		return AttrSparseTensor
	case a.TP != nil:
		return AttrTypeProto
	case len(a.Graphs) > 0:
		return AttrGraphs
	case len(a.Tensors) > 0:
		return AttrTensors
	case len(a.Floats) > 0:
		return AttrFloats
	case len(a.Ints) > 0:
		return AttrInts
	case len(a.Strings) > 0:
		return AttrStrings
	case a.S != "":
		return AttrString
	case a.F != 0:
		return AttrFloat
	}
	return AttrInt
}

func (d *decoder) valueInfo(f field) (*ValueInfo, error) {
	vi := &ValueInfo{}
	err := d.message(f, func(h field) (err error) {
		switch h.num {
		case pb.ValueInfoName:
			vi.Name, err = d.text(h)
		case pb.ValueInfoType:
			vi.Type, err = d.typeProto(h, 0)
		}
		return err
	})
	if err != nil && vi.Name != "" {
		err = fmt.Errorf("%q: %w", vi.Name, err)
	}
	return vi, err
}

func (d *decoder) typeProto(f field, depth int) (*Type, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("types nested deeper than %d", maxDepth)
	}
	t := &Type{}
	// elem reads a nested type (sequence, optional, map values).
	elem := func(g field) (err error) {
		t.Inner, err = d.typeProto(g, depth+1)
		return err
	}
	elemType := func(g field) error {
		x, err := varint(g)
		t.Elem = DataType(int32(x))
		return err
	}
	err := d.message(f, func(h field) error {
		switch h.num {
		case pb.TypeTensorType, pb.TypeSparseTensorType:
			t.Kind = KindTensor
			if h.num == pb.TypeSparseTensorType {
				t.Kind = KindSparseTensor
			}
			return d.message(h, func(g field) (err error) {
				switch g.num {
				case pb.TypeTensorElemType: // = TypeSparseElemType
					err = elemType(g)
				case pb.TypeTensorShape: // = TypeSparseShape
					t.Shape, err = d.shapeProto(g)
				}
				return err
			})
		case pb.TypeSequenceType, pb.TypeOptionalType:
			t.Kind = KindSequence
			if h.num == pb.TypeOptionalType {
				t.Kind = KindOptional
			}
			return d.message(h, func(g field) error {
				if g.num == pb.TypeSequenceElemType { // = TypeOptionalElemType
					return elem(g)
				}
				return nil
			})
		case pb.TypeMapType:
			t.Kind = KindMap
			return d.message(h, func(g field) error {
				switch g.num {
				case pb.TypeMapKeyType:
					return elemType(g)
				case pb.TypeMapValueType:
					return elem(g)
				}
				return nil
			})
		case pb.TypeOpaqueType:
			t.Kind = KindOpaque
			return d.message(h, func(g field) error {
				if g.typ != protowire.BytesType {
					return nil
				}
				switch g.num {
				case pb.TypeOpaqueDomain:
					t.Domain = d.str(g)
				case pb.TypeOpaqueName:
					t.Name = d.str(g)
				}
				return nil
			})
		case pb.TypeDenotation:
			var err error
			t.Denotation, err = d.text(h)
			return err
		}
		return nil
	})
	return t, err
}

func (d *decoder) shapeProto(f field) (*Shape, error) {
	s := &Shape{Dims: []Dim{}}
	err := d.message(f, func(g field) error {
		if g.num != pb.ShapeDim {
			return nil
		}
		var dim Dim
		err := d.message(g, func(h field) (err error) {
			switch h.num {
			case pb.DimValue:
				dim.Value, err = varint(h)
				dim.HasValue = err == nil
			case pb.DimParam:
				dim.Param, err = d.text(h)
			}
			return err
		})
		s.Dims = append(s.Dims, dim)
		return err
	})
	return s, err
}

func (d *decoder) sparse(f field) (*SparseTensor, error) {
	s := &SparseTensor{}
	err := d.message(f, func(h field) (err error) {
		switch h.num {
		case pb.SparseValues:
			s.Values, err = d.tensor(h)
		case pb.SparseIndices:
			s.Indices, err = d.tensor(h)
		case pb.SparseDims:
			s.Dims, err = d.ints(s.Dims, h)
		}
		return err
	})
	if err == nil && s.Values == nil {
		err = errors.New("sparse tensor without values")
	}
	return s, err
}

func (d *decoder) function(f field) (*Function, error) {
	fn := &Function{Opsets: map[string]int64{}}
	err := d.message(f, func(h field) (err error) {
		switch h.num {
		case pb.FunctionName:
			fn.Name, err = d.text(h)
		case pb.FunctionInput:
			err = d.appendText(&fn.Inputs, h)
		case pb.FunctionOutput:
			err = d.appendText(&fn.Outputs, h)
		case pb.FunctionAttribute:
			err = d.appendText(&fn.Attributes, h)
		case pb.FunctionDocString:
			fn.DocString, err = d.text(h)
		case pb.FunctionDomain:
			fn.Domain, err = d.text(h)
		case pb.FunctionOverload:
			fn.Overload, err = d.text(h)
		case pb.FunctionAttributeProto:
			var a *Attribute
			if a, err = d.attribute(h, 1); err == nil {
				fn.AttrProtos = append(fn.AttrProtos, a)
			}
		case pb.FunctionNode:
			var n *Node
			if n, err = d.node(h, 1); err == nil {
				fn.Nodes = append(fn.Nodes, n)
			} else {
				err = fmt.Errorf("node %d: %w", len(fn.Nodes), err)
			}
		case pb.FunctionOpsetImport:
			var dom string
			var ver int64
			if dom, ver, err = d.opset(h); err == nil {
				fn.Opsets[dom] = ver
			}
		case pb.FunctionValueInfo:
			var vi *ValueInfo
			if vi, err = d.valueInfo(h); err == nil {
				fn.ValueInfo = append(fn.ValueInfo, vi)
			}
		}
		return err
	})
	if err != nil && fn.Name != "" {
		err = fmt.Errorf("%q: %w", fn.Name, err)
	}
	return fn, err
}
