package hf

import (
	"encoding/json"
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

// TestBERTMatchesONNXExport: BERT-base's config, without a head, gives the
// export's MACs and FPO up to named differences (the export is a PyTorch
// nn.TransformerEncoder BERT with a 2-label classifier and no token types).
func TestBERTMatchesONNXExport(t *testing.T) {
	ref, err := onnx.Open("../testdata/models/bert_base.onnx")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	_, want := countModel(t, ref)
	c := loadConfig(t, "bert-base-uncased")
	_, got := count(t, c, BuildOptions{Phase: Train, NoHead: true})
	// The export's classifier: 768 → 2 on the [CLS] position.
	if d := want.MACs.Sub(got.MACs); !sameExpr(d, mustParse(t, "1536*batch")) {
		t.Errorf("MACs: export − config = %v, want the export's classifier 1536*batch", d)
	}
	// FPO, export − config:
	//  + 3074·batch: the classifier (1536 MACs and 2 bias adds);
	//  + 9216·batch·sequence − 144·batch·sequence²: nn.MultiheadAttention
	//    scales q (768 per token and layer) where BertSelfAttention scales
	//    the scores (12 heads × sequence per token and layer);
	//  − 768·batch·sequence: transformers adds the token-type embedding
	//    (type 0), the export has none;
	//  + 96: scalar arithmetic the export does at run time (8 per layer).
	diff := mustParse(t, "3074*batch + 9216*batch*sequence - 144*batch*sequence^2 - 768*batch*sequence + 96")
	if d := want.FPO.Sub(got.FPO); !sameExpr(d, diff) {
		t.Errorf("FPO: export − config = %v, want the named differences %v", d, diff)
	}
}

// TestPublishedParams reproduces published parameter counts (PyTorch numel
// sums, tied weights once) from configs written from the published
// config.json files; for mixture-of-experts models also the active count.
// Sources: the issue (Llama-2-7B, Mistral-7B, Mixtral-8x7B); the model
// cards (BLOOM, and the rounded figures named); otherwise the exact count
// the Hugging Face Hub lists for the checkpoint (its safetensors
// "total", as also reported by llama.cpp's general.parameter_count and by
// sum(p.numel()) in transformers), each found in several public
// repositories.
func TestPublishedParams(t *testing.T) {
	for _, tc := range []struct {
		name          string
		total, active int64
		source        string
	}{
		{"gpt2", 124439808, 0, "GPT-2 small, tied LM head: sum(p.numel()) of GPT2LMHeadModel"},
		{"bert-base-uncased", 109514298, 0, "BertForMaskedLM trainable_params (BertModel with pooler: 109,482,240)"},
		{"roberta-base", 124697433, 0, "roberta-base Hub safetensors F32 total (plus 514 int64 position_ids, a buffer); RobertaModel with pooler: 124,645,632"},
		{"t5-base", 222903552, 0, "T5ForConditionalGeneration, tied (KerasHub and adapter papers' 222,903,552)"},
		// bigscience/bloom-560m and bloom-7b1 model cards: 559,214,592 and
		// 7,069,016,064 parameters (the latter with 1,027,604,480 embedding
		// parameters: 250,880 × 4,096); tied LM head.
		{"bloom-560m", 559214592, 0, "bloom-560m model card"},
		{"bloom-7b1", 7069016064, 0, "bloom-7b1 model card"},
		{"llama-2-7b", 6738415616, 0, "Llama-2-7b (issue 10)"},
		{"llama-3-8b", 8030261248, 0, "Meta-Llama-3-8B Hub total (8.03B)"},
		{"llama-3-70b", 70553706496, 0, "Meta-Llama-3-70B Hub total (70.6B)"},
		{"mistral-7b-v0.1", 7241732096, 0, "Mistral-7B-v0.1 (issue 10)"},
		{"mixtral-8x7b-v0.1", 46702792704, 12879925248, "Mixtral-8x7B (issue 10): 46.7B total, 12.9B active (Mistral's announcement)"},
		{"qwen2-0.5b", 494032768, 0, "Qwen2-0.5B Hub total, tied"},
		{"qwen2.5-7b", 7615616512, 0, "Qwen2.5-7B Hub total (card: 7.61B)"},
		{"qwen3-0.6b", 596049920, 0, "Qwen3-0.6B sum(p.numel()) (card: 0.6B, 0.44B non-embedding), tied"},
		{"qwen3-8b", 8190735360, 0, "Qwen3-8B Hub total (card: 8.2B)"},
		{"qwen3-30b-a3b", 30532122624, 3353032704, "Qwen3-30B-A3B Hub total (card: 30.5B total, 3.3B activated)"},
		{"gemma-2-2b", 2614341888, 0, "gemma-2-2b Hub total"},
		{"gemma-2-9b", 9241705984, 0, "gemma-2-9b Hub total (KerasHub preset: 9,241,705,984)"},
		{"gemma-3-1b", 999885952, 0, "gemma-3-1b Hub total"},
		{"phi-3-mini-4k", 3821079552, 0, "Phi-3-mini-4k-instruct Hub total (card: 3.8B)"},
		{"olmo-2-1124-7b", 7298617344, 0, "OLMo-2-1124-7B Hub total (card: 7.3B)"},
		// 671B total, 37B activated (the multi-token-prediction module, 14B
		// more in the checkpoint, is not part of the transformers model).
		// The total includes the 58 × 256 e_score_correction_bias elements
		// (a tensor in the checkpoint, a buffer in transformers), and so
		// does the active count (recounts that leave the bias out of the
		// active parameters give 37,552,282,624).
		{"deepseek-v3", 671026419200, 37552297472, "DeepSeek-V3 checkpoint without the MTP layer (card: 671B total, 37B activated)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadConfig(t, tc.name)
			ph := Decode
			if c.ModelType == "bert" || c.ModelType == "roberta" {
				ph = Prefill
			}
			m, err := Build(c, BuildOptions{Phase: ph})
			if err != nil {
				t.Fatal(err)
			}
			_, r := countModel(t, m)
			p := CountParams(c, m)
			if r.Params.Params != tc.total || p.Total != tc.total {
				t.Errorf("params %d (engine %d), want %d (%s)", p.Total, r.Params.Params, tc.total, tc.source)
			}
			want := tc.active
			if want == 0 {
				want = tc.total
			}
			if p.Active != want {
				t.Errorf("active params %d, want %d (%s)", p.Active, want, tc.source)
			}
		})
	}
}

// Every bundled config builds in every phase it has, with every node
// inferred and counted, and its FPO a polynomial in the phase's dims only.
func TestAllConfigsAllPhases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every config")
	}
	ents, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".json")
		c := loadConfig(t, name)
		for _, ph := range []Phase{Train, Prefill, Decode} {
			if ph == Decode && (c.ModelType == "bert" || c.ModelType == "roberta") {
				if _, err := Build(c, BuildOptions{Phase: ph}); err == nil || !strings.Contains(err.Error(), "no decode phase") {
					t.Errorf("%s decode: error %v", name, err)
				}
				continue
			}
			_, r := count(t, c, BuildOptions{Phase: ph})
			allowed := map[string]bool{DimBatch: true, DimSequence: ph != Decode || c.ModelType == "t5", DimPast: ph == Decode, DimDecoderSequence: ph == Train && c.ModelType == "t5"}
			for _, v := range r.FPO.Vars() {
				if !allowed[v] {
					t.Errorf("%s %s: FPO %v depends on %s", name, ph, r.FPO, v)
				}
			}
		}
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

// T5EncoderModel is t5-base's encoder alone: shared 32128·768, per layer
// 4·768² + 2·768·3072 + 2·768, the first block's 32 × 12 bias table and
// the final norm: 109,628,544 (the count transformers gives for
// T5EncoderModel.from_pretrained("t5-base")). It has no decode phase.
func TestT5EncoderModel(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "t5-base.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	raw["architectures"] = []any{"T5EncoderModel"}
	data, _ = json.Marshal(raw)
	c, err := ParseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	const want = 32128*768 + 12*(4*768*768+2*768*3072+2*768) + 32*12 + 768
	for _, ph := range []Phase{Train, Prefill} {
		m, err := Build(c, BuildOptions{Phase: ph})
		if err != nil {
			t.Fatal(err)
		}
		_, r := countModel(t, m)
		if r.Params.Params != want || want != 109628544 {
			t.Errorf("%s: %d params, want %d", ph, r.Params.Params, want)
		}
		for _, in := range m.Graph.Inputs {
			if in.Name != "input_ids" {
				t.Errorf("%s: input %s", ph, in.Name)
			}
		}
		if len(m.Graph.Outputs) != 1 || m.Graph.Outputs[0].Name != "last_hidden_state" {
			t.Errorf("%s: outputs %v", ph, m.Graph.Outputs)
		}
	}
	if _, err := Build(c, BuildOptions{Phase: Decode}); err == nil || !strings.Contains(err.Error(), "no decode phase") {
		t.Errorf("decode: %v", err)
	}
}

// Layer and expert counts bound the builder's memory: a count within the
// per-dim limit (2^40 layers) must still be refused, naming its key,
// before a graph is built.
func TestConfigLayerExpertLimits(t *testing.T) {
	for _, tc := range []struct{ file, key, val, want string }{
		{"llama-3-8b.json", "num_hidden_layers", "1099511627776", `key "num_hidden_layers": is 1099511627776 layers, beyond the 16384`},
		{"t5-base.json", "num_decoder_layers", "1073741824", `key "num_decoder_layers": is 1073741824 layers`},
		{"mixtral-8x7b-v0.1.json", "num_local_experts", "1073741824", `key "num_local_experts": is 1073741824 experts`},
		{"gemma-2-2b.json", "query_pre_attn_scalar", "0", `key "query_pre_attn_scalar": is 0; it must be positive`},
		{"mixtral-8x7b-v0.1.json", "num_local_experts", "16384", `key "num_local_experts": 16384 experts in each of 128 layers exceed`},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		m[tc.key] = json.Number(tc.val)
		if tc.key == "num_local_experts" && tc.val == "16384" {
			m["num_hidden_layers"] = 128
		}
		data, _ = json.Marshal(m)
		_, err = ParseConfig(data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with %s=%s: got %v, want an error containing %q", tc.file, tc.key, tc.val, err, tc.want)
		}
	}
}
