package onnx

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"google.golang.org/protobuf/encoding/protowire"
)

// maxDepth bounds the nesting of graphs inside attributes (and of types
// inside types), so a hostile file cannot exhaust the stack.
const maxDepth = 64

// Open reads the model at path. Weight bytes stay in the file (memory-mapped)
// until a tensor value is asked for; external data locations are resolved
// relative to the model's folder.
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
	m, err := decodeModel(&source{data: data, name: "<memory>"}, dir)
	if err != nil {
		return nil, err
	}
	return m, nil
}

type decoder struct {
	src *source
	dir string
}

// field is one decoded protobuf field. For length-delimited fields b holds the
// payload and off its offset in the source; for the others x holds the value.
type field struct {
	num protowire.Number
	typ protowire.Type
	b   []byte
	off int64
	x   uint64
}

// walk calls fn for each field of the message in b, which starts at offset base.
func walk(b []byte, base int64, fn func(f field) error) error {
	pos := 0
	for pos < len(b) {
		num, typ, n := protowire.ConsumeTag(b[pos:])
		if n < 0 {
			return fmt.Errorf("offset %d: bad field tag: %w", base+int64(pos), protowire.ParseError(n))
		}
		pos += n
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.x, n = protowire.ConsumeVarint(b[pos:])
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b[pos:])
			f.x = uint64(v)
		case protowire.Fixed64Type:
			f.x, n = protowire.ConsumeFixed64(b[pos:])
		case protowire.BytesType:
			var v []byte
			v, n = protowire.ConsumeBytes(b[pos:])
			if n >= 0 {
				f.b = v
				f.off = base + int64(pos) + int64(n-len(v))
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b[pos:])
		}
		if n < 0 {
			err := protowire.ParseError(n)
			if errors.Is(err, errUnexpectedEOF) || n == -1 {
				return fmt.Errorf("field %d at offset %d: truncated (offset past end of data)", num, base+int64(pos))
			}
			return fmt.Errorf("field %d at offset %d: %w", num, base+int64(pos), err)
		}
		if typ == protowire.StartGroupType || typ == protowire.EndGroupType {
			return fmt.Errorf("field %d at offset %d: unsupported group encoding", num, base+int64(pos))
		}
		pos += n
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

var errUnexpectedEOF = protowire.ParseError(-1)

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
func ints(dst []int64, f field) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.x)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("field %d: bad packed varint", f.num)
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %d: wire type %d for repeated int64", f.num, f.typ)
}

func floats(dst []float32, f field) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.x))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, fmt.Errorf("field %d: packed floats of %d bytes", f.num, len(f.b))
		}
		for i := 0; i < len(f.b); i += 4 {
			v, _ := protowire.ConsumeFixed32(f.b[i:])
			dst = append(dst, math.Float32frombits(v))
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %d: wire type %d for repeated float", f.num, f.typ)
}

func kv(f field) (KV, error) {
	var e KV
	if err := wantBytes(f); err != nil {
		return e, err
	}
	err := walk(f.b, f.off, func(g field) error {
		switch g.num {
		case 1:
			if err := wantBytes(g); err != nil {
				return err
			}
			e.Key = string(g.b)
		case 2:
			if err := wantBytes(g); err != nil {
				return err
			}
			e.Value = string(g.b)
		}
		return nil
	})
	return e, err
}

func opset(f field) (string, int64, error) {
	var dom string
	var ver int64
	if err := wantBytes(f); err != nil {
		return "", 0, err
	}
	err := walk(f.b, f.off, func(g field) error {
		switch g.num {
		case 1:
			if err := wantBytes(g); err != nil {
				return err
			}
			dom = string(g.b)
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

func decodeModel(src *source, dir string) (*Model, error) {
	d := &decoder{src: src, dir: dir}
	m := &Model{Opsets: map[string]int64{}, Dir: dir, FileSize: int64(len(src.data)), src: src}
	var graphs int
	err := walk(src.data, 0, func(f field) error {
		var err error
		switch f.num {
		case 1:
			if err = wantVarint(f); err == nil {
				m.IRVersion = int64(f.x)
			}
		case 2:
			if err = wantBytes(f); err == nil {
				m.ProducerName = string(f.b)
			}
		case 3:
			if err = wantBytes(f); err == nil {
				m.ProducerVersion = string(f.b)
			}
		case 4:
			if err = wantBytes(f); err == nil {
				m.Domain = string(f.b)
			}
		case 5:
			if err = wantVarint(f); err == nil {
				m.ModelVersion = int64(f.x)
			}
		case 6:
			if err = wantBytes(f); err == nil {
				m.DocString = string(f.b)
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
			dom, ver, err = opset(f)
			if err == nil {
				m.Opsets[dom] = ver
			}
		case 14:
			var e KV
			if e, err = kv(f); err == nil {
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
	err := walk(f.b, f.off, func(h field) error {
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
				g.Name = string(h.b)
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
			if e, err = kv(h); err == nil {
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
	err := walk(f.b, f.off, func(h field) error {
		var err error
		switch h.num {
		case 1, 2:
			if err = wantBytes(h); err != nil {
				return err
			}
			if h.num == 1 {
				n.Inputs = append(n.Inputs, string(h.b))
			} else {
				n.Outputs = append(n.Outputs, string(h.b))
			}
		case 3:
			if err = wantBytes(h); err == nil {
				n.Name = string(h.b)
			}
		case 4:
			if err = wantBytes(h); err == nil {
				n.OpType = string(h.b)
			}
		case 7:
			if err = wantBytes(h); err == nil {
				n.Domain = string(h.b)
				if n.Domain == "ai.onnx" {
					n.Domain = ""
				}
			}
		case 8:
			if err = wantBytes(h); err == nil {
				n.Overload = string(h.b)
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
			if e, err = kv(h); err == nil {
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
	err := walk(f.b, f.off, func(h field) error {
		var err error
		switch h.num {
		case 1:
			if err = wantBytes(h); err == nil {
				a.Name = string(h.b)
			}
		case 21:
			if err = wantBytes(h); err == nil {
				a.RefAttrName = string(h.b)
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
				a.S = string(h.b)
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
			a.Floats, err = floats(a.Floats, h)
		case 8:
			a.Ints, err = ints(a.Ints, h)
		case 9:
			if err = wantBytes(h); err == nil {
				a.Strings = append(a.Strings, string(h.b))
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
	err := walk(f.b, f.off, func(h field) error {
		var err error
		switch h.num {
		case 1:
			if err = wantBytes(h); err == nil {
				vi.Name = string(h.b)
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
	err := walk(f.b, f.off, func(h field) error {
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
			err = walk(h.b, h.off, func(g field) error {
				switch g.num {
				case 1:
					if err := wantVarint(g); err != nil {
						return err
					}
					t.Elem = DataType(int32(g.x))
				case 2:
					s, err := shapeProto(g)
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
			err = walk(h.b, h.off, func(g field) error {
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
			err = walk(h.b, h.off, func(g field) error {
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
			err = walk(h.b, h.off, func(g field) error {
				if g.typ != protowire.BytesType {
					return nil
				}
				switch g.num {
				case 1:
					t.Domain = string(g.b)
				case 2:
					t.Name = string(g.b)
				}
				return nil
			})
		case 6:
			if err = wantBytes(h); err == nil {
				t.Denotation = string(h.b)
			}
		}
		return err
	})
	return t, err
}

func shapeProto(f field) (*Shape, error) {
	if err := wantBytes(f); err != nil {
		return nil, err
	}
	s := &Shape{Dims: []Dim{}}
	err := walk(f.b, f.off, func(g field) error {
		if g.num != 1 {
			return nil
		}
		if err := wantBytes(g); err != nil {
			return err
		}
		var dim Dim
		err := walk(g.b, g.off, func(h field) error {
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
				dim.Param = string(h.b)
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
	err := walk(f.b, f.off, func(h field) error {
		var err error
		switch h.num {
		case 1:
			s.Values, err = d.tensor(h)
		case 2:
			s.Indices, err = d.tensor(h)
		case 3:
			s.Dims, err = ints(s.Dims, h)
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
	err := walk(f.b, f.off, func(h field) error {
		var err error
		switch h.num {
		case 1, 4, 5, 6, 8, 10, 13:
			if err = wantBytes(h); err != nil {
				return err
			}
			s := string(h.b)
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
			if dom, ver, err = opset(h); err == nil {
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
