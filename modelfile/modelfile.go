// Package modelfile opens any model input greenai counts (an ONNX file, a Hugging Face config.json, a model folder, a GGUF file), telling them apart by content, and checks weights headers against the graph the config implies.
package modelfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/greenai/greenai/gguf"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/params"
	"github.com/greenai/greenai/safetensors"
)

// Kind is what an input turned out to be.
type Kind string

// Input kinds.
const (
	ONNX    Kind = "onnx"        // an ONNX model file
	Config  Kind = "config"      // a Hugging Face config.json
	Folder  Kind = "folder"      // a folder with config.json and, optionally, safetensors weights
	GGUF    Kind = "gguf"        // a GGUF file (architecture from its metadata)
	Tensors Kind = "safetensors" // a .safetensors file next to a config.json (read as its folder)
)

// ConfigName is the config file of a model folder.
const ConfigName = "config.json"

// maxConfigSize bounds a config.json read into memory.
const maxConfigSize = 16 << 20

// ErrNotModel is the kind of error for an input that is none of the
// supported kinds.
var ErrNotModel = errors.New("not a model greenai can read")

// Options control how a config becomes a graph.
type Options struct {
	Build hf.BuildOptions
}

// Model is an opened input: the graph to count and, for configs, folders
// and GGUF files, where the architecture came from and what the weights
// headers hold.
type Model struct {
	Path  string
	Kind  Kind
	Graph *onnx.Model

	// ConfigSource is the config.json the graph was built from, or
	// "GGUF metadata"; "" for ONNX.
	ConfigSource string
	// ConfigJSON is the config the graph was built from (for GGUF, the
	// Hugging Face config mapped from its metadata).
	ConfigJSON []byte
	HF         *hf.Config

	Weights *Weights // nil when there are no weights headers
	Check   *Check   // the headers checked against the graph; nil without weights
}

// Close releases the model's files.
func (m *Model) Close() error {
	if m == nil || m.Graph == nil {
		return nil
	}
	return m.Graph.Close()
}

// Detect tells what the input at path is, by content: a folder, the GGUF
// magic, a safetensors header (8-byte length then '{'), a JSON object that
// is a Hugging Face config (model_type or architectures) or a safetensors
// index, else ONNX (decided when it is decoded).
func Detect(path string) (Kind, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("opening model: %w", err)
	}
	if st.IsDir() {
		return Folder, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("opening model: %w", err)
	}
	defer fh.Close()
	var head [16]byte
	n, err := io.ReadFull(fh, head[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("opening model: %w", err)
	}
	b := head[:n]
	switch {
	case gguf.IsGGUF(b):
		return GGUF, nil
	case isSafetensors(b, st.Size()):
		return Tensors, nil
	case isJSONObject(b):
		return Config, nil
	}
	return ONNX, nil
}

func isSafetensors(b []byte, size int64) bool {
	if len(b) < 9 {
		return false
	}
	n := binary.LittleEndian.Uint64(b)
	return b[8] == '{' && n >= 2 && n <= uint64(size-8) && n <= safetensors.MaxHeaderSize
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	return len(b) > 0 && b[0] == '{'
}

// Open opens the input at path, whatever it is (see Detect), and returns
// the graph to count. For a config, a folder or a GGUF file the graph is
// built by package hf; a folder's safetensors headers and a GGUF file's
// tensor table are read (never the weights) and checked against it.
func Open(path string, opts Options) (*Model, error) {
	kind, err := Detect(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case ONNX:
		g, err := onnx.Open(path)
		if err != nil {
			return nil, fmt.Errorf("%w (%v: the file is not GGUF, safetensors or JSON either)", err, ErrNotModel)
		}
		return &Model{Path: path, Kind: ONNX, Graph: g}, nil
	case GGUF:
		return openGGUF(path, opts)
	case Folder:
		return openFolder(path, opts)
	case Tensors:
		dir := filepath.Dir(path)
		if _, err := os.Stat(filepath.Join(dir, ConfigName)); err != nil {
			return nil, fmt.Errorf("%s: a safetensors file holds weights, not an architecture, and there is no %s beside it: give the model folder or its config.json", path, ConfigName)
		}
		// A shard of an indexed folder stands for the whole model.
		weights := func() (*safetensors.Set, error) { return safetensors.OpenFile(path) }
		if idx := filepath.Join(dir, safetensors.IndexName); fileExists(idx) {
			weights = func() (*safetensors.Set, error) { return safetensors.OpenIndex(idx) }
		}
		m, err := openFolderWith(dir, opts, weights)
		if m != nil {
			m.Path, m.Kind = path, Tensors
		}
		return m, err
	}
	// JSON: a config, or a safetensors index (read as its folder).
	data, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: %w: malformed JSON: %v", path, ErrNotModel, err)
	}
	if _, ok := probe["weight_map"]; ok {
		m, err := openFolderWith(filepath.Dir(path), opts, func() (*safetensors.Set, error) { return safetensors.OpenIndex(path) })
		if m != nil {
			m.Path = path
		}
		return m, err
	}
	_, mt := probe["model_type"]
	_, ar := probe["architectures"]
	if !mt && !ar {
		return nil, fmt.Errorf("%s: %w: a JSON object without model_type or architectures is not a Hugging Face config", path, ErrNotModel)
	}
	g, cfg, err := build(data, path, opts)
	if err != nil {
		return nil, err
	}
	g.FileSize = int64(len(data))
	return &Model{Path: path, Kind: Config, Graph: g, ConfigSource: path, ConfigJSON: data, HF: cfg}, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func readConfig(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening model: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("%s: a config.json of more than %d bytes", path, maxConfigSize)
	}
	return data, nil
}

func build(data []byte, source string, opts Options) (*onnx.Model, *hf.Config, error) {
	cfg, err := hf.ParseConfig(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", source, err)
	}
	g, err := hf.Build(cfg, opts.Build)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", source, err)
	}
	g.Path = source
	// Tied weights are one tensor in a built graph: nothing is a copy.
	g.Metadata = append(g.Metadata, onnx.KV{Key: params.UniqueKey, Value: "built from a config: each shared weight is one tensor"})
	return g, cfg, nil
}

func openFolder(dir string, opts Options) (*Model, error) {
	cfgPath := filepath.Join(dir, ConfigName)
	if _, err := os.Stat(cfgPath); err != nil {
		ggufs, _ := filepath.Glob(filepath.Join(dir, "*.gguf"))
		sort.Strings(ggufs)
		if len(ggufs) == 1 || (len(ggufs) > 1 && strings.HasSuffix(ggufs[0], fmt.Sprintf("-00001-of-%05d.gguf", len(ggufs)))) {
			return openGGUF(ggufs[0], opts) // one model, or the splits of one
		}
		onnxs, _ := filepath.Glob(filepath.Join(dir, "*.onnx"))
		if len(onnxs) == 1 {
			return Open(onnxs[0], opts)
		}
		return nil, fmt.Errorf("%s: %w: a model folder needs a %s (found %d .gguf and %d .onnx files)", dir, ErrNotModel, ConfigName, len(ggufs), len(onnxs))
	}
	return openFolderWith(dir, opts, func() (*safetensors.Set, error) { return safetensors.OpenDir(dir) })
}

func openFolderWith(dir string, opts Options, weights func() (*safetensors.Set, error)) (*Model, error) {
	cfgPath := filepath.Join(dir, ConfigName)
	data, err := readConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	g, cfg, err := build(data, cfgPath, opts)
	if err != nil {
		return nil, err
	}
	m := &Model{Path: dir, Kind: Folder, Graph: g, ConfigSource: cfgPath, ConfigJSON: data, HF: cfg}
	set, err := weights()
	if err != nil {
		return nil, err
	}
	g.FileSize = int64(len(data))
	if set != nil {
		for _, f := range set.Files {
			g.FileSize += f.Size
		}
		m.Weights = safetensorsWeights(set)
		m.Check = check(g, m.Weights, cfg)
	}
	return m, nil
}

func openGGUF(path string, opts Options) (*Model, error) {
	files, err := gguf.ReadSplit(path)
	if err != nil {
		return nil, err
	}
	f := gguf.Merge(files)
	path = f.Path
	data, err := f.HFConfig()
	if err != nil {
		return nil, fmt.Errorf("%w (while mapping the GGUF metadata to a Hugging Face config)", err)
	}
	encoderOnly := f.Architecture() == "bert"
	if encoderOnly {
		// llama.cpp's BERT files hold the encoder without the pooler and
		// the MLM head: count what the file holds.
		opts.Build.NoHead = true
	}
	g, cfg, err := build(data, path+" (GGUF metadata)", opts)
	if err != nil {
		return nil, err
	}
	g.Path = path
	g.FileSize = f.Size
	src := "GGUF metadata"
	if v, ok := f.Get("general.name"); ok && v.Type == gguf.TypeString && v.S != "" && len(v.S) <= 80 {
		src = fmt.Sprintf("GGUF metadata of %q", v.S)
	}
	if encoderOnly {
		src += " (no pooler: the file has none)"
	}
	m := &Model{Path: path, Kind: GGUF, Graph: g, ConfigSource: src, ConfigJSON: data, HF: cfg}
	if m.Weights, err = ggufWeights(f); err != nil {
		return nil, err
	}
	m.Check = check(g, m.Weights, cfg)
	return m, nil
}

// Weights is the inventory of a model's weights headers.
type Weights struct {
	Format  string        `json:"format"` // "safetensors" or "gguf"
	Files   []string      `json:"files"`
	Tensors int           `json:"tensors"`
	Params  int64         `json:"params"` // numel sum over the stored tensors
	Bytes   int64         `json:"bytes"`
	ByDType []DTypeCount  `json:"by_dtype"`
	tensors []weightEntry // HF names and shapes, for the check
}

// DTypeCount is one storage type's share. BitsPerWeight is the real
// storage per element (for GGUF quantizations, scales included).
type DTypeCount struct {
	DType         string  `json:"dtype"`
	Tensors       int     `json:"tensors"`
	Params        int64   `json:"params"`
	Bytes         int64   `json:"bytes"`
	BitsPerWeight float64 `json:"bits_per_weight"`
}

// weightEntry is a stored tensor as Hugging Face names it; one GGUF tensor
// may hold several (merged experts), one per entry, all with the same
// stored name.
type weightEntry struct {
	Name   string // HF name ("" when the stored name has no HF counterpart)
	Stored string // the name in the file
	Shape  []int64
	Params int64
	Part   bool // a piece of the HF tensor (stored split)
}

func safetensorsWeights(s *safetensors.Set) *Weights {
	st := s.Stats()
	w := &Weights{Format: "safetensors", Tensors: st.Tensors, Params: st.Elements, Bytes: st.Bytes}
	for _, f := range s.Files {
		w.Files = append(w.Files, f.Path)
	}
	for dt, c := range st.ByDType {
		b, _ := safetensors.DTypeBits(dt)
		w.ByDType = append(w.ByDType, DTypeCount{dt, c.Tensors, c.Elements, c.Bytes, float64(b)})
	}
	sortDTypes(w.ByDType)
	for _, t := range s.Tensors {
		w.tensors = append(w.tensors, weightEntry{Name: t.Name, Stored: t.Name, Shape: t.Shape, Params: t.Elements})
	}
	return w
}

// maxEntries bounds the Hugging Face tensors a GGUF header expands to
// (merged experts become one per expert; DeepSeek-V3 has 45,000).
const maxEntries = 1 << 21

func ggufWeights(f *gguf.File) (*Weights, error) {
	st := f.Stats()
	w := &Weights{Format: "gguf", Files: []string{f.Path}, Tensors: st.Tensors, Params: st.Elements, Bytes: st.Bytes}
	if len(f.Parts) > 0 {
		w.Files = f.Parts
	}
	for ty, c := range st.ByType {
		w.ByDType = append(w.ByDType, DTypeCount{ty, c.Tensors, c.Elements, c.Bytes, c.BitsPerWeight})
	}
	sortDTypes(w.ByDType)
	for i := range f.Tensors {
		t := &f.Tensors[i]
		names, ok := f.HFNames(t)
		if !ok {
			w.tensors = append(w.tensors, weightEntry{Stored: t.Name, Shape: t.Shape(), Params: t.Elements})
			continue
		}
		if len(w.tensors)+len(names) > maxEntries {
			return nil, fmt.Errorf("%s: tensor %q: the header expands to more than %d Hugging Face tensors", f.Path, t.Name, maxEntries)
		}
		for _, n := range names {
			p, _ := onnx.NumElements(n.Shape)
			w.tensors = append(w.tensors, weightEntry{Name: n.Name, Stored: t.Name, Shape: n.Shape, Params: p, Part: n.Part})
		}
	}
	return w, nil
}

func sortDTypes(d []DTypeCount) {
	sort.Slice(d, func(i, j int) bool {
		if d[i].Bytes != d[j].Bytes {
			return d[i].Bytes > d[j].Bytes
		}
		return d[i].DType < d[j].DType
	})
}
