package modelfile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/onnx"
)

// Check compares the tensors a weights header stores with the parameters
// of the graph the config implies, by Hugging Face name and shape (dtypes
// are not compared: a GGUF quantization or a cast checkpoint stores the
// same parameters in another type).
type Check struct {
	ConfigParams  int64 `json:"config_params"` // the graph's parameters (unique initializers)
	ConfigTensors int   `json:"config_tensors"`
	StoredParams  int64 `json:"stored_params"` // numel sum of the stored tensors
	StoredTensors int   `json:"stored_tensors"`
	Matched       int   `json:"matched"` // graph tensors found with their shape
	MatchedParams int64 `json:"matched_params"`
	// Transposed lists tensors stored with their two dims swapped (GPT-2's
	// Conv1D layout against a Linear one); they count as matched.
	Transposed []string `json:"transposed,omitempty"`
	// Split lists tensors stored in pieces whose elements add up to the
	// tensor's (llama.cpp's attn_k_b + attn_v_b for DeepSeek's kv_b_proj);
	// they count as matched.
	Split      []string        `json:"split,omitempty"`
	Mismatched []ShapeMismatch `json:"shape_mismatches"`
	// NotExplained lists stored tensors the config does not account for;
	// Missing, graph parameters the file does not store.
	NotExplained []Entry `json:"not_explained"`
	Missing      []Entry `json:"missing"`
	// Agrees is true when every graph parameter is stored with its shape
	// and every other stored tensor is a known non-parameter (a buffer) or
	// a second copy of a tied weight.
	Agrees bool `json:"agrees"`
}

// ShapeMismatch is a tensor stored under a graph parameter's name with
// another shape.
type ShapeMismatch struct {
	Name        string  `json:"name"`
	StoredShape []int64 `json:"stored_shape"`
	ConfigShape []int64 `json:"config_shape"`
}

// Entry is a tensor on one side only, with why.
type Entry struct {
	Name   string  `json:"name"`
	Stored string  `json:"stored_name,omitempty"` // the file's name when it differs (GGUF)
	Shape  []int64 `json:"shape"`
	Params int64   `json:"params"`
	Why    string  `json:"why"`
	Known  bool    `json:"known"` // an expected difference (buffer, tied copy), not a disagreement
}

// prefixes are the wrappers Hugging Face checkpoints may or may not put
// before module names (GPT-2's hub checkpoint stores h.0.…, the model
// class names it transformer.h.0.…; BertModel's checkpoint stores
// encoder.…, BertForMaskedLM's bert.encoder.…).
var prefixes = []string{"model.", "transformer.", "bert.", "roberta."}

// normalize strips one known prefix.
func normalize(name string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return name[len(p):]
		}
	}
	return name
}

// candidates are the graph names a stored name may stand for, in order:
// itself, with a prefix added, with its prefix removed or replaced; old
// checkpoints' LayerNorm gamma/beta are weight/bias.
func candidates(name string) []string {
	if b, ok := strings.CutSuffix(name, ".gamma"); ok {
		name = b + ".weight"
	} else if b, ok := strings.CutSuffix(name, ".beta"); ok {
		name = b + ".bias"
	}
	out := []string{name}
	bare := normalize(name)
	if bare != name {
		out = append(out, bare)
	}
	for _, p := range prefixes {
		out = append(out, p+bare)
	}
	return out
}

func check(g *onnx.Model, w *Weights, cfg *hf.Config) *Check {
	c := &Check{StoredParams: w.Params, StoredTensors: w.Tensors, Mismatched: []ShapeMismatch{}, NotExplained: []Entry{}, Missing: []Entry{}}
	type param struct {
		dims  []int64
		n     int64
		found bool
	}
	graph := map[string]*param{}
	var order []string
	for _, t := range g.Graph.Initializers {
		if _, dup := graph[t.Name]; dup {
			continue
		}
		n, _ := t.NumElements()
		graph[t.Name] = &param{dims: t.Dims, n: n}
		order = append(order, t.Name)
		c.ConfigTensors++
		c.ConfigParams += n
	}
	stored := map[string]bool{}
	for _, e := range w.tensors {
		if e.Name != "" {
			stored[normalize(e.Name)] = true
		}
	}
	tied := cfg != nil && cfg.Tied
	parts := map[string]int64{} // graph name → elements stored in pieces
	var partOrder []string
	for _, e := range w.tensors {
		gname := ""
		if e.Name != "" {
			for _, c := range candidates(e.Name) {
				if _, ok := graph[c]; ok {
					gname = c
					break
				}
			}
		}
		if gname == "" {
			c.NotExplained = append(c.NotExplained, explainExtra(e, tied, stored))
			continue
		}
		p := graph[gname]
		if e.Part {
			if _, seen := parts[gname]; !seen {
				partOrder = append(partOrder, gname)
			}
			parts[gname] += e.Params
			continue
		}
		if p.found {
			c.NotExplained = append(c.NotExplained, Entry{Name: e.Name, Stored: storedName(e), Shape: e.Shape, Params: e.Params, Why: "stored twice under names that map to one parameter"})
			continue
		}
		switch {
		case sameShape(p.dims, e.Shape):
		case len(p.dims) == 2 && len(e.Shape) == 2 && p.dims[0] == e.Shape[1] && p.dims[1] == e.Shape[0]:
			c.Transposed = append(c.Transposed, gname)
		default:
			c.Mismatched = append(c.Mismatched, ShapeMismatch{Name: gname, StoredShape: e.Shape, ConfigShape: p.dims})
			p.found = true
			continue
		}
		p.found = true
		c.Matched++
		c.MatchedParams += p.n
	}
	for _, name := range partOrder {
		p := graph[name]
		if p.found {
			continue
		}
		p.found = true
		if parts[name] != p.n {
			c.Mismatched = append(c.Mismatched, ShapeMismatch{Name: name, StoredShape: []int64{parts[name]}, ConfigShape: p.dims})
			continue
		}
		c.Split = append(c.Split, name)
		c.Matched++
		c.MatchedParams += p.n
	}
	for _, name := range order {
		p := graph[name]
		if p.found {
			continue
		}
		why := "the config implies it; the file does not store it"
		if normalize(name) == "lm_head.weight" && !tied {
			why = "the config says the LM head is not tied, but the file stores no lm_head: the embedding is stored once (tie_word_embeddings should be true)"
		}
		c.Missing = append(c.Missing, Entry{Name: name, Shape: p.dims, Params: p.n, Why: why})
	}
	c.Agrees = len(c.Mismatched) == 0 && len(c.Missing) == 0
	for _, e := range c.NotExplained {
		if !e.Known {
			c.Agrees = false
		}
	}
	return c
}

func storedName(e weightEntry) string {
	if e.Stored != e.Name {
		return e.Stored
	}
	return ""
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// tiedCopies are the names under which checkpoints store copies of a tied
// embedding (normalized): the LM head, T5's per-stack embed_tokens, BERT's
// and RoBERTa's masked-LM decoders.
var tiedCopies = map[string]bool{
	"lm_head.weight": true, "encoder.embed_tokens.weight": true, "decoder.embed_tokens.weight": true,
	"cls.predictions.decoder.weight": true, "lm_head.decoder.weight": true,
}

// storedEmbedding reports whether the file stores an input embedding.
func storedEmbedding(stored map[string]bool) bool {
	for _, n := range []string{"embed_tokens.weight", "wte.weight", "shared.weight", "embeddings.word_embeddings.weight"} {
		if stored[n] {
			return true
		}
	}
	return false
}

// explainExtra says what a stored tensor outside the graph is.
func explainExtra(e weightEntry, tied bool, stored map[string]bool) Entry {
	out := Entry{Name: e.Name, Stored: storedName(e), Shape: e.Shape, Params: e.Params}
	name := e.Name
	if name == "" {
		name = e.Stored
		out.Name, out.Stored = e.Stored, ""
	}
	switch {
	case strings.HasSuffix(name, "rotary_emb.inv_freq"):
		out.Why, out.Known = "a rotary inv_freq buffer: recomputed from rope_theta, not a parameter", true
	case e.Stored == "rope_freqs.weight":
		out.Why, out.Known = "llama.cpp's rotary frequency factors (rope scaling): Hugging Face computes them, not a parameter", true
	case strings.HasSuffix(name, ".attn.bias") || strings.HasSuffix(name, ".attn.masked_bias"):
		out.Why, out.Known = "a causal-mask buffer, not a parameter", true
	case strings.HasSuffix(name, "position_ids"):
		out.Why, out.Known = "a position-ids buffer, not a parameter", true
	case tiedCopies[normalize(name)] && tied:
		out.Why, out.Known = "a second copy of the tied embedding: the config ties it to the embedding (one parameter), the file stores both", true
		if !storedEmbedding(stored) {
			out.Why, out.Known = "the config ties it to the embedding, but the file stores it and not the embedding", false
		}
	case e.Name == "":
		out.Why = "a GGUF tensor with no known Hugging Face name"
	default:
		out.Why = "not in the graph the config implies"
	}
	return out
}

// Summary is a one-line verdict.
func (c *Check) Summary() string {
	if c.Agrees {
		return fmt.Sprintf("agrees: all %d parameter tensors stored with their shapes", c.ConfigTensors)
	}
	var parts []string
	if n := len(c.Mismatched); n > 0 {
		parts = append(parts, fmt.Sprintf("%d with another shape", n))
	}
	if n := len(c.Missing); n > 0 {
		parts = append(parts, fmt.Sprintf("%d missing from the file", n))
	}
	k := 0
	for _, e := range c.NotExplained {
		if !e.Known {
			k++
		}
	}
	if k > 0 {
		parts = append(parts, fmt.Sprintf("%d stored but not explained by the config", k))
	}
	return "disagrees: " + strings.Join(parts, "; ")
}

// SortedDTypes is the dtype list in a stable order (by bytes, largest first).
func (w *Weights) SortedDTypes() []DTypeCount {
	out := append([]DTypeCount(nil), w.ByDType...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Bytes > out[j].Bytes })
	return out
}
