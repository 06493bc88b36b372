package onnxbuild

import (
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/greenai/greenai/internal/onnxproto"
)

// BigWeights returns an MLP whose float32 weights, embedded as raw_data,
// total about mb megabytes: 1024-wide layers of 4 MiB each.
func BigWeights(mb int) []byte {
	const width = 1024
	layers := mb * 1000 * 1000 / (width * width * 4)
	if layers < 1 {
		layers = 1
	}
	return mlp(layers, width)
}

// Weights returns an MLP of the given number of MatMul layers whose square
// float32 weights, embedded as raw_data, total about mb megabytes (at least
// one element per layer). The graph is the same for every mb, only the width
// of the layers and so the bytes of the weights differ: benchmarks vary the
// weight bytes alone. Weights(119, 500) is the model of BigWeights(500).
func Weights(layers, mb int) []byte {
	if layers < 1 {
		layers = 1
	}
	width := int(math.Sqrt(float64(mb) * 1e6 / float64(layers*4)))
	if width < 1 {
		width = 1
	}
	return mlp(layers, width)
}

// mlp chains layers MatMuls by width×width zero float32 weights.
func mlp(layers, width int) []byte {
	g := Graph{Name: "big",
		Inputs:  []ValueInfo{{Name: "x", DataType: 1, Dims: []any{"batch", width}}},
		Outputs: []ValueInfo{{Name: fmt.Sprintf("h%d", layers), DataType: 1}},
	}
	zeros := make([]byte, width*width*4)
	prev := "x"
	for i := 0; i < layers; i++ {
		w := fmt.Sprintf("w%d", i)
		out := fmt.Sprintf("h%d", i+1)
		g.Initializers = append(g.Initializers, Tensor{Name: w, DataType: 1, Dims: []int64{int64(width), int64(width)}, Raw: zeros})
		g.Nodes = append(g.Nodes, Node{Name: fmt.Sprintf("mm%d", i), OpType: "MatMul", Inputs: []string{prev, w}, Outputs: []string{out}})
		prev = out
	}
	m := &Model{Graph: g}
	return m.Marshal()
}

// Chain returns a model of n nodes: Conv, Relu and Add blocks on a small
// image, so that every node has shape work to do.
func Chain(n int) []byte {
	g := Graph{Name: "chain",
		Inputs:       []ValueInfo{{Name: "x", DataType: 1, Dims: []any{"batch", 8, 32, 32}}},
		Initializers: []Tensor{{Name: "w", DataType: 1, Dims: []int64{8, 8, 3, 3}, Raw: make([]byte, 8*8*9*4)}},
	}
	prev := "x"
	for i := 0; i < n; i++ {
		out := "v" + strconv.Itoa(i)
		switch i % 3 {
		case 0:
			pads := []int64{1, 1, 1, 1}
			g.Nodes = append(g.Nodes, Node{Name: "conv" + strconv.Itoa(i), OpType: "Conv", Inputs: []string{prev, "w"}, Outputs: []string{out}, Attrs: []Attr{{Name: "pads", Ints: pads}}})
		case 1:
			g.Nodes = append(g.Nodes, Node{Name: "relu" + strconv.Itoa(i), OpType: "Relu", Inputs: []string{prev}, Outputs: []string{out}})
		default:
			g.Nodes = append(g.Nodes, Node{Name: "add" + strconv.Itoa(i), OpType: "Add", Inputs: []string{prev, "x"}, Outputs: []string{out}})
		}
		prev = out
	}
	g.Outputs = []ValueInfo{{Name: prev, DataType: 1}}
	m := &Model{Graph: g}
	return m.Marshal()
}

// EmbedExternal rewrites a serialized model so that every initializer of the
// main graph stored as external data carries zero-filled raw_data of its
// size instead: a stand-in for the real model with embedded weights.
func EmbedExternal(model []byte) ([]byte, error) {
	return rewriteField(model, pb.ModelGraph, func(graph []byte) ([]byte, error) {
		return rewriteField(graph, pb.GraphInitializer, embedTensor)
	})
}

// rewriteField copies a message, passing each occurrence of a
// length-delimited field through fn. The copy is allocated once, at its
// final size: embedded weights make it hundreds of megabytes.
func rewriteField(msg []byte, num protowire.Number, fn func([]byte) ([]byte, error)) ([]byte, error) {
	var parts [][]byte
	total := 0
	err := eachField(msg, func(n protowire.Number, typ protowire.Type, field, value []byte) error {
		if n != num || typ != protowire.BytesType {
			parts = append(parts, field)
			total += len(field)
			return nil
		}
		v, _ := protowire.ConsumeBytes(value)
		nv, err := fn(v)
		if err != nil {
			return err
		}
		hdr := protowire.AppendTag(nil, n, typ)
		hdr = protowire.AppendVarint(hdr, uint64(len(nv)))
		parts = append(parts, hdr, nv)
		total += len(hdr) + len(nv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, total)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// eachField calls fn with each field of a message: its number, wire type,
// bytes (tag included) and value (the bytes after the tag).
func eachField(msg []byte, fn func(n protowire.Number, typ protowire.Type, field, value []byte) error) error {
	for len(msg) > 0 {
		n, typ, tl := protowire.ConsumeTag(msg)
		if tl < 0 {
			return protowire.ParseError(tl)
		}
		vl := protowire.ConsumeFieldValue(n, typ, msg[tl:])
		if vl < 0 {
			return protowire.ParseError(vl)
		}
		if err := fn(n, typ, msg[:tl+vl], msg[tl:tl+vl]); err != nil {
			return err
		}
		msg = msg[tl+vl:]
	}
	return nil
}

var dtypeBytes = map[uint64]int64{1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2}

func embedTensor(t []byte) ([]byte, error) {
	var out []byte
	var dims []int64
	var dt uint64
	external := false
	err := eachField(t, func(n protowire.Number, typ protowire.Type, field, value []byte) error {
		switch {
		case n == pb.TensorDims && typ == protowire.BytesType:
			v, _ := protowire.ConsumeBytes(value)
			for len(v) > 0 {
				d, k := protowire.ConsumeVarint(v)
				if k < 0 {
					return protowire.ParseError(k)
				}
				dims = append(dims, int64(d))
				v = v[k:]
			}
		case n == pb.TensorDims && typ == protowire.VarintType:
			d, _ := protowire.ConsumeVarint(value)
			dims = append(dims, int64(d))
		case n == pb.TensorDataType:
			dt, _ = protowire.ConsumeVarint(value)
		case n == pb.TensorExternalData:
			external = true // drop external_data entries
			return nil
		case n == pb.TensorDataLocation:
			return nil // drop data_location
		}
		out = append(out, field...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !external {
		return t, nil
	}
	size, ok := dtypeBytes[dt]
	if !ok {
		return nil, fmt.Errorf("cannot embed data type %d", dt)
	}
	for _, d := range dims {
		size *= d
	}
	// raw_data: zeros, written in place rather than copied from a buffer.
	n := int(size)
	full := make([]byte, 0, len(out)+protowire.SizeTag(pb.TensorRawData)+protowire.SizeBytes(n))
	full = append(full, out...)
	full = protowire.AppendTag(full, pb.TensorRawData, protowire.BytesType)
	full = protowire.AppendVarint(full, uint64(n))
	return full[:len(full)+n], nil
}
