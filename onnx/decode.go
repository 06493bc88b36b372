package onnx

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
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
	{
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

func (d *decoder) kv(f field) (KV, error) {
	var e KV
	if err := wantBytes(f); err != nil {
		return e, err
	}
	err := d.walk(f, func(g field) error {
		switch g.num {
		case 1:
			if err := wantBytes(g); err != nil {
				return err
			}
			e.Key = d.str(g)
		case 2:
			if err := wantBytes(g); err != nil {
				return err
			}
			e.Value = d.str(g)
		}
		return nil
	})
	return e, err
}

func (d *decoder) opset(f field) (string, int64, error) {
	var dom string
	var ver int64
	if err := wantBytes(f); err != nil {
		return "", 0, err
	}
	err := d.walk(f, func(g field) error {
		switch g.num {
		case 1:
			if err := wantBytes(g); err != nil {
				return err
			}
			dom = d.str(g)
		case 2:
			if err := wantVarint(g); err != nil {
				return err
			}
			ver = int64(g.x)
		}
		return nil
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
	err := d.walkRange(0, src.size, func(f field) error {
		var err error
		switch f.num {
		case 1:
			if err = wantVarint(f); err == nil {
				m.IRVersion = int64(f.x)
			}
		case 2:
			if err = wantBytes(f); err == nil {
				m.ProducerName = d.str(f)
			}
		case 3:
			if err = wantBytes(f); err == nil {
				m.ProducerVersion = d.str(f)
			}
		case 4:
			if err = wantBytes(f); err == nil {
				m.Domain = d.str(f)
			}
		case 5:
			if err = wantVarint(f); err == nil {
				m.ModelVersion = int64(f.x)
			}
		case 6:
			if err = wantBytes(f); err == nil {
				m.DocString = d.str(f)
			}
		case 7:
			graphs++
			if graphs > 1 {
				return errors.New("more than one main graph")
			}
			m.Graph, err = d.graph(f, 0)
			if err != nil {
				err = fmt.Errorf("main graph: %w", err)
			}
		case 8:
			var dom string
			var ver int64
			dom, ver, err = d.opset(f)
			if err == nil {
				m.Opsets[dom] = ver
			}
		case 14:
			var e KV
			if e, err = d.kv(f); err == nil {
				m.Metadata = append(m.Metadata, e)
			}
		case 20:
			m.TrainingInfo++
		case 25:
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
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("subgraphs nested deeper than %d", maxDepth)
	}
	g := &Graph{}
	err := d.walk(f, func(h field) error {
		var err error
		switch h.num {
		case 1:
			var n *Node
			if n, err = d.node(h, depth); err == nil {
				g.Nodes = append(g.Nodes, n)
			} else {
				err = fmt.Errorf("node %d: %w", len(g.Nodes), err)
			}
		case 2:
			if err = wantBytes(h); err == nil {
				g.Name = d.str(h)
			}
		case 5:
			var t *Tensor
			if t, err = d.tensor(h); err == nil {
				g.Initializers = append(g.Initializers, t)
			} else {
				err = fmt.Errorf("initializer %d: %w", len(g.Initializers), err)
			}
		case 15:
			var t *SparseTensor
			if t, err = d.sparse(h); err == nil {
				g.SparseInitializers = append(g.SparseInitializers, t)
			} else {
				err = fmt.Errorf("sparse initializer %d: %w", len(g.SparseInitializers), err)
			}
		case 11, 12, 13:
			var vi *ValueInfo
			vi, err = d.valueInfo(h)
			if err != nil {
				return fmt.Errorf("value info: %w", err)
			}
			switch h.num {
			case 11:
				g.Inputs = append(g.Inputs, vi)
			case 12:
				g.Outputs = append(g.Outputs, vi)
			default:
				g.ValueInfo = append(g.ValueInfo, vi)
			}
		case 16:
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
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	n := &Node{}
	err := d.walk(f, func(h field) error {
		var err error
		switch h.num {
		case 1, 2:
			if err = wantBytes(h); err != nil {
				return err
			}
			if h.num == 1 {
				n.Inputs = append(n.Inputs, d.str(h))
			} else {
				n.Outputs = append(n.Outputs, d.str(h))
			}
		case 3:
			if err = wantBytes(h); err == nil {
				n.Name = d.str(h)
			}
		case 4:
			if err = wantBytes(h); err == nil {
				n.OpType = d.str(h)
			}
		case 7:
			if err = wantBytes(h); err == nil {
				n.Domain = d.str(h)
				if n.Domain == "ai.onnx" {
					n.Domain = ""
				}
			}
		case 8:
			if err = wantBytes(h); err == nil {
				n.Overload = d.str(h)
			}
		case 5:
			var a *Attribute
			if a, err = d.attribute(h, depth); err == nil {
				n.Attrs = append(n.Attrs, a)
			} else {
				err = fmt.Errorf("attribute %d: %w", len(n.Attrs), err)
			}
		case 9:
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
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	a := &Attribute{}
	err := d.walk(f, func(h field) error {
		var err error
		switch h.num {
		case 1:
			if err = wantBytes(h); err == nil {
				a.Name = d.str(h)
			}
		case 21:
			if err = wantBytes(h); err == nil {
				a.RefAttrName = d.str(h)
			}
		case 20:
			if err = wantVarint(h); err == nil {
				a.Type = AttrType(h.x)
			}
		case 2:
			if h.typ != protowire.Fixed32Type {
				return fmt.Errorf("field f: wire type %d", h.typ)
			}
			a.F = math.Float32frombits(uint32(h.x))
		case 3:
			if err = wantVarint(h); err == nil {
				a.I = int64(h.x)
			}
		case 4:
			if err = wantBytes(h); err == nil {
				a.S = d.str(h)
			}
		case 5:
			a.T, err = d.tensor(h)
		case 6:
			a.G, err = d.graph(h, depth+1)
		case 22:
			a.Sparse, err = d.sparse(h)
		case 14:
			a.TP, err = d.typeProto(h, 0)
		case 7:
			a.Floats, err = d.floats(a.Floats, h)
		case 8:
			a.Ints, err = d.ints(a.Ints, h)
		case 9:
			if err = wantBytes(h); err == nil {
				a.Strings = append(a.Strings, d.str(h))
			}
		case 10:
			var t *Tensor
			if t, err = d.tensor(h); err == nil {
				a.Tensors = append(a.Tensors, t)
			}
		case 11:
			var g *Graph
			if g, err = d.graph(h, depth+1); err == nil {
				a.Graphs = append(a.Graphs, g)
			}
		case 23:
			var t *SparseTensor
			if t, err = d.sparse(h); err == nil {
				a.SparseTensors = append(a.SparseTensors, t)
			}
		case 15:
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
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	vi := &ValueInfo{}
	err := d.walk(f, func(h field) error {
		var err error
		switch h.num {
		case 1:
			if err = wantBytes(h); err == nil {
				vi.Name = d.str(h)
			}
		case 2:
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
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("types nested deeper than %d", maxDepth)
	}
	t := &Type{}
	err := d.walk(f, func(h field) error {
		var err error
		switch h.num {
		case 1, 8: // tensor_type, sparse_tensor_type
			if err = wantBytes(h); err != nil {
				return err
			}
			t.Kind = KindTensor
			if h.num == 8 {
				t.Kind = KindSparseTensor
			}
			err = d.walk(h, func(g field) error {
				switch g.num {
				case 1:
					if err := wantVarint(g); err != nil {
						return err
					}
					t.Elem = DataType(int32(g.x))
				case 2:
					s, err := d.shapeProto(g)
					if err != nil {
						return err
					}
					t.Shape = s
				}
				return nil
			})
		case 4, 9: // sequence_type, optional_type
			if err = wantBytes(h); err != nil {
				return err
			}
			t.Kind = KindSequence
			if h.num == 9 {
				t.Kind = KindOptional
			}
			err = d.walk(h, func(g field) error {
				if g.num == 1 {
					inner, err := d.typeProto(g, depth+1)
					if err != nil {
						return err
					}
					t.Inner = inner
				}
				return nil
			})
		case 5: // map_type
			if err = wantBytes(h); err != nil {
				return err
			}
			t.Kind = KindMap
			err = d.walk(h, func(g field) error {
				switch g.num {
				case 1:
					if err := wantVarint(g); err != nil {
						return err
					}
					t.Elem = DataType(int32(g.x))
				case 2:
					inner, err := d.typeProto(g, depth+1)
					if err != nil {
						return err
					}
					t.Inner = inner
				}
				return nil
			})
		case 7: // opaque_type
			if err = wantBytes(h); err != nil {
				return err
			}
			t.Kind = KindOpaque
			err = d.walk(h, func(g field) error {
				if g.typ != protowire.BytesType {
					return nil
				}
				switch g.num {
				case 1:
					t.Domain = d.str(g)
				case 2:
					t.Name = d.str(g)
				}
				return nil
			})
		case 6:
			if err = wantBytes(h); err == nil {
				t.Denotation = d.str(h)
			}
		}
		return err
	})
	return t, err
}

func (d *decoder) shapeProto(f field) (*Shape, error) {
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	s := &Shape{Dims: []Dim{}}
	err := d.walk(f, func(g field) error {
		if g.num != 1 {
			return nil
		}
		if err := wantBytes(g); err != nil {
			return err
		}
		var dim Dim
		err := d.walk(g, func(h field) error {
			switch h.num {
			case 1:
				if err := wantVarint(h); err != nil {
					return err
				}
				dim.Value, dim.HasValue = int64(h.x), true
			case 2:
				if err := wantBytes(h); err != nil {
					return err
				}
				dim.Param = d.str(h)
			}
			return nil
		})
		s.Dims = append(s.Dims, dim)
		return err
	})
	return s, err
}

func (d *decoder) sparse(f field) (*SparseTensor, error) {
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	s := &SparseTensor{}
	err := d.walk(f, func(h field) error {
		var err error
		switch h.num {
		case 1:
			s.Values, err = d.tensor(h)
		case 2:
			s.Indices, err = d.tensor(h)
		case 3:
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
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	fn := &Function{Opsets: map[string]int64{}}
	err := d.walk(f, func(h field) error {
		var err error
		switch h.num {
		case 1, 4, 5, 6, 8, 10, 13:
			if err = wantBytes(h); err != nil {
				return err
			}
			s := d.str(h)
			switch h.num {
			case 1:
				fn.Name = s
			case 4:
				fn.Inputs = append(fn.Inputs, s)
			case 5:
				fn.Outputs = append(fn.Outputs, s)
			case 6:
				fn.Attributes = append(fn.Attributes, s)
			case 8:
				fn.DocString = s
			case 10:
				fn.Domain = s
			case 13:
				fn.Overload = s
			}
		case 11:
			var a *Attribute
			if a, err = d.attribute(h, 1); err == nil {
				fn.AttrProtos = append(fn.AttrProtos, a)
			}
		case 7:
			var n *Node
			if n, err = d.node(h, 1); err == nil {
				fn.Nodes = append(fn.Nodes, n)
			} else {
				err = fmt.Errorf("node %d: %w", len(fn.Nodes), err)
			}
		case 9:
			var dom string
			var ver int64
			if dom, ver, err = d.opset(h); err == nil {
				fn.Opsets[dom] = ver
			}
		case 12:
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
