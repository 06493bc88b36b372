package modelfile

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/safetensors"
	"github.com/greenai/greenai/units"
)

// maxListed bounds the tensors listed per category in the text section.
const maxListed = 6

// WriteText writes the model's source and weights check as a short
// labelled section that fits 80 columns (nothing for an ONNX file).
func (m *Model) WriteText(w io.Writer) {
	if m.Kind == ONNX {
		return
	}
	line := "Config     " + m.ConfigSource
	if m.HF != nil {
		mt := "(model_type " + m.HF.ModelType + ")"
		if len([]rune(line))+1+len(mt) > 80 {
			line += "\n          " // a long path: the model type below it
		}
		line += " " + mt
	}
	fmt.Fprintln(w, line)
	ws := m.Weights
	if ws == nil {
		if m.Kind == Folder {
			fmt.Fprintln(w, "Weights    no *.safetensors in the folder: the counts are the config's")
		} else {
			fmt.Fprintln(w, "Weights    none read (a config alone: the counts are the config's)")
		}
		return
	}
	files := strconv.Itoa(len(ws.Files)) + " files"
	if len(ws.Files) == 1 {
		files = "1 file"
	}
	fmt.Fprintf(w, "Weights    %s header of %s: %d tensors\n", ws.Format, files, ws.Tensors)
	fmt.Fprintf(w, "           %s params, %s\n", group(ws.Params), units.Bytes(ws.Bytes))
	for _, d := range ws.ByDType {
		fmt.Fprintf(w, "           %-8s %17s params %10s  %6s bits/weight\n", d.DType, group(d.Params), units.Bytes(d.Bytes), trim(d.BitsPerWeight))
	}
	c := m.Check
	if c == nil {
		return
	}
	fmt.Fprintf(w, "Check      the config implies %s params in %d tensors\n", group(c.ConfigParams), c.ConfigTensors)
	if gb := m.graphBytes(); m.HF != nil && m.otherDTypes() && (gb-ws.Bytes > ws.Bytes/100 || ws.Bytes-gb > ws.Bytes/100) {
		wrap(w, fmt.Sprintf("(the graph's parameter bytes, %s, assume %s; the file stores %s)", units.Bytes(gb), m.HF.DType, units.Bytes(ws.Bytes)), "           ", 80)
	}
	wrap(w, c.Summary(), "           ", 80)
	if d := c.StoredParams - c.ConfigParams; d != 0 {
		fmt.Fprintf(w, "           stored − config = %s params\n", signed(d))
	}
	if len(c.Transposed) > 0 {
		fmt.Fprintf(w, "           %d stored transposed (Conv1D layout), counted as matched\n", len(c.Transposed))
	}
	if len(c.Split) > 0 {
		fmt.Fprintf(w, "           %d stored split in pieces (llama.cpp MLA), counted as matched\n", len(c.Split))
	}
	for i, s := range c.Mismatched {
		if i == maxListed {
			fmt.Fprintf(w, "           … and %d more shape mismatches\n", len(c.Mismatched)-i)
			break
		}
		fmt.Fprintf(w, "  shape    %s stored %v, config %v\n", s.Name, s.StoredShape, s.ConfigShape)
	}
	list := func(label string, es []Entry) {
		for i, e := range es {
			if i == maxListed {
				fmt.Fprintf(w, "           … and %d more\n", len(es)-i)
				break
			}
			fmt.Fprintf(w, "  %-8s %s %v\n", label, e.Name, e.Shape)
			wrap(w, e.Why, "             ", 80)
		}
	}
	list("missing", c.Missing)
	list("extra", c.NotExplained)
}

// wrap writes text in lines of at most width columns, each after indent.
func wrap(w io.Writer, text, indent string, width int) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len([]rune(line))+1+len([]rune(word)) > width {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		fmt.Fprintln(w, line)
	}
}

// group writes an integer with thousands separators.
func group(n int64) string { return units.Grouped(strconv.FormatInt(n, 10)) }

func signed(n int64) string {
	if n > 0 {
		return "+" + group(n)
	}
	return group(n)
}

func trim(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// graphBytes is the nominal size of the graph's parameters in its dtype.
func (m *Model) graphBytes() int64 {
	var n int64
	for _, t := range m.Graph.Graph.Initializers {
		b, err := t.ByteSize()
		if err == nil {
			n += b
		}
	}
	return n
}

// otherDTypes reports stored dtypes other than the graph's.
func (m *Model) otherDTypes() bool {
	for _, d := range m.Weights.ByDType {
		var dt onnx.DataType
		switch m.Weights.Format {
		case "gguf":
			dt = map[string]onnx.DataType{"F32": onnx.Float, "F16": onnx.Float16, "BF16": onnx.BFloat16, "F64": onnx.Double}[d.DType]
		default:
			dt = safetensors.ONNXType(d.DType)
		}
		if dt != m.HF.DType {
			return true
		}
	}
	return false
}
