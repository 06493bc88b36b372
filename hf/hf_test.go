package hf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
	"github.com/greenai/greenai/sym"
)

// count builds a config for a phase and counts it, failing on any
// unsupported, failed or uncounted node.
func count(t *testing.T, c *Config, opts BuildOptions) (*shape.Result, *fpo.Report) {
	t.Helper()
	m, err := Build(c, opts)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return countModel(t, m)
}

func countModel(t *testing.T, m *onnx.Model) (*shape.Result, *fpo.Report) {
	t.Helper()
	res, err := shape.Infer(m, shape.Options{})
	if err != nil {
		t.Fatalf("infer: %v", err)
	}
	for _, u := range res.Unsupported {
		t.Errorf("unsupported operator %s (%d)", u.OpType, u.Count)
	}
	for _, f := range res.Failures {
		t.Errorf("inference failed at %s %s: %s", f.Node, f.Op, f.Err)
	}
	r, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	for _, u := range r.Uncounted {
		t.Errorf("uncounted %s %s: %s", u.Node, u.OpType, u.Reason)
	}
	return res, r
}

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

func mustParse(t *testing.T, s string) sym.Expr {
	t.Helper()
	e, err := sym.Parse(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return e
}

func sameExpr(a, b sym.Expr) bool { return a.Equal(b) }

// TestGPT2MatchesONNXExport: GPT-2-small's published config gives the same
// MACs polynomial as the ONNX export in testdata/models (a PyTorch GPT-2 of
// the same shape), and the same FPO polynomial up to named conventions.
func TestGPT2MatchesONNXExport(t *testing.T) {
	ref, err := onnx.Open("../testdata/models/gpt2_small.onnx")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	_, want := countModel(t, ref)
	c := loadConfig(t, "gpt2")
	_, got := count(t, c, BuildOptions{Phase: Train})
	if !sameExpr(got.MACs, want.MACs) {
		t.Errorf("MACs: config gives %v, the export %v", got.MACs, want.MACs)
	}
	// Conventions that differ, each counted exactly:
	//  1. activation: the published config uses gelu_new (tanh form, 25 FPO
	//     per element under the default table); the export uses nn.GELU
	//     (erf form, 33 FPO): 12 layers × 3072 features × 8 per token.
	//  2. causal mask: the export rebuilds its bool mask in every layer with
	//     Equal(Trilu(ones), 0): 12·sequence² comparisons that transformers
	//     does not do (it reads a stored bool buffer; the built graph makes it
	//     once with Trilu, no arithmetic).
	//  3. the export computes the 1/√64 score scale at run time in every
	//     layer (a scalar Div: 12 FPO); transformers folds it.
	diff := mustParse(t, "294912*batch*sequence + 12*sequence^2 + 12")
	if d := want.FPO.Sub(got.FPO); !sameExpr(d, diff) {
		t.Errorf("FPO: export − config = %v, want the named conventions %v", d, diff)
	}
	// With the export's own activation the only differences are 2 and 3.
	c.Act = "gelu"
	_, got = count(t, c, BuildOptions{Phase: Train})
	if d := want.FPO.Sub(got.FPO); !sameExpr(d, mustParse(t, "12*sequence^2 + 12")) {
		t.Errorf("FPO with erf GELU: export − config = %v, want 12*sequence^2 + 12", d)
	}
	if got.Params.Params != 124439808 {
		t.Errorf("params %d, want 124,439,808 (tied lm_head stored once)", got.Params.Params)
	}
}

// TestPublishedParams reproduces published parameter counts (PyTorch numel
// sums) from configs written from the published config.json files.
func TestPublishedParams(t *testing.T) {
	for _, tc := range []struct {
		name string
		want int64
	}{
		{"gpt2", 124439808},
		{"llama-2-7b", 6738415616},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadConfig(t, tc.name)
			_, r := count(t, c, BuildOptions{Phase: Decode})
			if r.Params.Params != tc.want {
				t.Errorf("params %d, want %d", r.Params.Params, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"no model_type", `{"hidden_size": 8}`, `"model_type": missing`},
		{"unknown model_type", `{"model_type": "mamba9"}`, `unknown model_type "mamba9"`},
		{"missing key", `{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2}`, `"intermediate_size": missing`},
		{"zero heads", `{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 0, "intermediate_size": 16}`, `"num_attention_heads": is 0`},
		{"negative", `{"model_type": "gpt2", "vocab_size": -3, "n_embd": 8, "n_layer": 1, "n_head": 2, "n_positions": 4}`, `"vocab_size": is -3`},
		{"not divisible", `{"model_type": "llama", "vocab_size": 10, "hidden_size": 10, "num_hidden_layers": 2, "num_attention_heads": 3, "intermediate_size": 16}`, `"num_attention_heads": hidden size 10 is not divisible by 3 heads`},
		{"kv heads", `{"model_type": "llama", "vocab_size": 10, "hidden_size": 12, "num_hidden_layers": 2, "num_attention_heads": 3, "num_key_value_heads": 2, "intermediate_size": 16}`, `"num_key_value_heads"`},
		{"string", `{"model_type": "llama", "vocab_size": "ten"}`, `"vocab_size": is the string "ten", not a number`},
		{"fraction", `{"model_type": "llama", "vocab_size": 10.5}`, `"vocab_size": is 10.5, not an integer`},
		{"dtype", `{"model_type": "llama", "torch_dtype": "int3"}`, `"torch_dtype": unknown dtype`},
		{"activation", `{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16, "hidden_act": "sine"}`, `"hidden_act": unknown activation "sine"`},
		{"not json", `{"model_type": `, `config.json: unexpected EOF`},
		{"moe topk", `{"model_type": "mixtral", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16, "num_local_experts": 2, "num_experts_per_tok": 3}`, `"num_experts_per_tok": 3 experts per token exceed the 2 experts`},
		{"moe experts alias", `{"model_type": "mixtral", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16, "num_experts": 2, "num_experts_per_tok": 1}`, `"num_local_experts": missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %s", err, tc.want)
			}
		})
	}
}

func TestBERTScratch(t *testing.T) {
	ref, err := onnx.Open("../testdata/models/bert_base.onnx")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	_, want := countModel(t, ref)
	c := loadConfig(t, "bert-base-uncased")
	_, got := count(t, c, BuildOptions{Phase: Train, NoHead: true})
	t.Logf("MACs diff %v", want.MACs.Sub(got.MACs))
	t.Logf("FPO diff %v", want.FPO.Sub(got.FPO))
	_, got = count(t, c, BuildOptions{Phase: Train})
	t.Logf("params %d", got.Params.Params)
}

func TestT5Scratch(t *testing.T) {
	c := loadConfig(t, "t5-base")
	for _, ph := range []Phase{Train, Prefill, Decode} {
		_, got := count(t, c, BuildOptions{Phase: ph})
		t.Logf("%s params %d FPO %v", ph, got.Params.Params, got.FPO)
	}
}

func TestAllScratch(t *testing.T) {
	ents, _ := os.ReadDir("testdata")
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".json")
		c := loadConfig(t, name)
		for _, ph := range []Phase{Train, Prefill, Decode} {
			if ph == Decode && (c.ModelType == "bert" || c.ModelType == "roberta") {
				continue
			}
			m, err := Build(c, BuildOptions{Phase: ph})
			if err != nil {
				t.Fatal(err)
			}
			_, r := countModel(t, m)
			p := CountParams(c, m)
			t.Logf("%s %s params %d (%d) active %d FPO %v", name, ph, p.Total, r.Params.Params, p.Active, r.FPO)
		}
	}
}
