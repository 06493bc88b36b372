package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/internal/plot/plottest"
)

func priceTag(t *testing.T, s *cost.Spec) *CostDoc {
	t.Helper()
	pt, err := cost.Compute(s)
	if err != nil {
		t.Fatal(err)
	}
	return NewCost(pt)
}

// searchSpec is ResNet-50 on ImageNet: four trials, two stopped early,
// validation every epoch, a year of deployment, estimated on 8 A100s.
func searchSpec(t *testing.T) *cost.Spec {
	s, err := cost.ReadSpec("testdata/cost_search.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCostGolden pins the price tag of ResNet-50 on ImageNet (docs/cost.md
// explains it line by line) as JSON and text, and a full search in every
// format; the text fits 80 columns.
func TestCostGolden(t *testing.T) {
	one := priceTag(t, &cost.Spec{Model: "../testdata/models/resnet50.onnx",
		Train: cost.TrainSpec{Examples: 1281167, Epochs: 90, BatchSize: 256, Optimizer: "sgd-momentum"}})
	search := priceTag(t, searchSpec(t))
	for _, c := range []struct {
		name, format string
		doc          *CostDoc
	}{
		{"cost_resnet50.json", "json", one}, {"cost_resnet50.txt", Plain, one},
		{"cost_search.txt", Plain, search}, {"cost_search.md", Markdown, search},
		{"cost_search.tex", LaTeX, search}, {"cost_search.csv", CSV, search},
	} {
		var b bytes.Buffer
		if err := c.doc.Write(&b, c.format, 80); err != nil {
			t.Fatal(err)
		}
		plottest.Golden(t, filepath.Join("testdata", "golden", c.name), b.Bytes())
		if c.format == Plain {
			checkWidth(t, c.name, b.String(), 80)
		}
	}
	validate(t, "cost.schema.json", one)
	validate(t, "cost.schema.json", search)
}

// checkWidth fails for every line of text wider than width runes.
func checkWidth(t *testing.T, name, text string, width int) {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if n := runeLen(l); n > width {
			t.Errorf("%s:%d is %d columns: %s", name, i+1, n, l)
		}
	}
}

// TestCostJSONKeys: the machine-readable price tag keeps today's keys and
// exact values, and reads back.
func TestCostJSONKeys(t *testing.T) {
	d := priceTag(t, searchSpec(t))
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"version": CostVersion, "e_infer_fpo": "8206317544", "train_examples": "1281167", "epochs": "90",
		"trials": "4", "batch_size": "256", "optimizer": "sgd-momentum", "steps_per_trial": "450450",
		"inference_examples": "365000000",
	} {
		if s := jsonString(got[k]); s != want {
			t.Errorf("%s = %s, want %s", k, s, want)
		}
	}
	for _, k := range []string{"search_fpo_if_all_trials_completed", "early_stopping_saved_fpo", "estimate", "explanation", "e_train_fpo_exact"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q", k)
		}
	}
	var back CostDoc
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.SearchFPO.Big().Cmp(d.SearchFPO.Big()) != 0 || back.TotalFPO.Big().Cmp(d.TotalFPO.Big()) != 0 {
		t.Errorf("read back search %v total %v, want %v %v", back.SearchFPO.Big(), back.TotalFPO.Big(), d.SearchFPO.Big(), d.TotalFPO.Big())
	}
}

func jsonString(v any) string {
	switch v := v.(type) {
	case json.Number:
		return v.String()
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestCostNarrow: the price tag respects a narrower terminal too.
func TestCostNarrow(t *testing.T) {
	var b bytes.Buffer
	if err := priceTag(t, searchSpec(t)).Write(&b, Plain, 60); err != nil {
		t.Fatal(err)
	}
	checkWidth(t, "cost at 60 columns", b.String(), 60)
	if !strings.Contains(b.String(), "7.018E") {
		t.Errorf("search total missing:\n%s", b.String())
	}
}

const tinyLlama = `{"model_type":"llama","architectures":["LlamaForCausalLM"],"vocab_size":100,"hidden_size":64,
"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":128,"torch_dtype":"bfloat16"}`

// TestCostLanguageModel: a price tag of a model built from a Hugging Face
// config carries the language-model section in every format, and its JSON
// matches the schemas (cost.schema.json and llm.schema.json).
func TestCostLanguageModel(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cfg, []byte(tinyLlama), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &cost.Spec{Model: cfg, Dims: map[string]int64{"sequence": 128},
		Train: cost.TrainSpec{Examples: 1 << 20, Unit: "tokens", Epochs: 1, BatchSize: 8}}
	pt, err := cost.Compute(s)
	if err != nil {
		t.Fatal(err)
	}
	d := NewCost(pt)
	if d.LanguageModel, err = NewCostLLM(s, pt); err != nil || d.LanguageModel == nil {
		t.Fatalf("language model: %v %v", d.LanguageModel, err)
	}
	validate(t, "cost.schema.json", d)
	for _, f := range []string{Plain, Markdown, LaTeX} {
		var b bytes.Buffer
		if err := d.Write(&b, f, 80); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Language model (llama, phase train)", "rules of thumb", "Kaplan", "a training step at batch 8"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s lacks %q:\n%s", f, want, b.String())
			}
		}
		if f == Plain {
			checkWidth(t, "cost of a config", b.String(), 80)
		}
	}
}
