package train

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

const refDir = "../testdata/models"

// refModel is the record beside each reference model.
type refModel struct {
	Name  string `json:"name"`
	Input struct {
		Name  string  `json:"name"`
		Shape []int64 `json:"shape"`
	} `json:"input"`
	Params int64 `json:"params"`
}

// unfolded lists the reference models whose export kept every parameter as
// stored (no batch norm folded into convolutions, no parameter transformed
// by constant folding): their trainable count is PyTorch's parameter count.
var unfolded = map[string]bool{
	"alexnet": true, "bert_base": true, "convnext_tiny": true, "gru_lm": true, "lstm_tagger": true,
	"squeezenet1_1": true, "vgg16": true, "vit_b_16": true,
}

// TestReferenceModels counts the training step of every reference model at
// its recorded input shape: every node a gradient reaches has a backward
// rule, and the backward MACs are twice the forward MACs less the products
// skipped because the model's input needs no gradient.
func TestReferenceModels(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(refDir, "*.json"))
	if err != nil || len(paths) < 34 {
		t.Fatalf("want the 34 reference models in %s, found %d", refDir, len(paths))
	}
	for _, p := range paths {
		var f refModel
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		t.Run(f.Name, func(t *testing.T) {
			m, err := onnx.Open(filepath.Join(refDir, f.Name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			res, err := shape.Infer(m, shape.Options{Inputs: map[string][]sym.Expr{f.Input.Name: shape.Dims(f.Input.Shape...)}})
			if err != nil {
				t.Fatal(err)
			}
			fwd, rep := counts(t, res, Options{})
			if unfolded[f.Name] && rep.TrainableParams != f.Params {
				t.Errorf("trainable %d, PyTorch counts %d parameters", rep.TrainableParams, f.Params)
			}
			skipped := int64(0)
			for _, nc := range fwd.Nodes {
				for _, s := range rep.FirstLayerSkips {
					if nc.Node.Node.Name == s {
						skipped += konst(t, "MACs", nc.MACs)
					}
				}
			}
			skipped += firstStepRecurrence(t, res)
			f2, b := 2*konst(t, "forward MACs", fwd.MACs), konst(t, "backward MACs", rep.BackwardMACs)
			if b != f2-skipped {
				t.Errorf("backward %d MACs, want 2 × forward %d − %d skipped = %d", b, f2/2, skipped, f2-skipped)
			}
		})
	}
}

// TestForwardRulesClassified checks that every operator fpo counts either
// has a backward rule, carries no gradient, or is listed (with a reason) in
// withoutBackward and docs/cost.md.
func TestForwardRulesClassified(t *testing.T) {
	doc, err := os.ReadFile("../docs/cost.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range fpo.RegisteredRules() {
		domain, op := splitKey(k)
		rule := LookupRule(domain, op)
		reason, without := withoutReason(domain, op)
		switch {
		case rule != nil && without:
			t.Errorf("%s has a backward rule and is listed without one", k)
		case rule == nil && !without && !nonDifferentiable[op]:
			t.Errorf("%s: fpo counts it, but it has no backward rule: add one to train/rules.go, or list it in withoutBackward and docs/cost.md", k)
		case without && reason == "":
			t.Errorf("%s: no reason given", k)
		}
	}
	for k := range withoutBackward {
		_, op := splitKey(k)
		if !containsWord(string(doc), op) {
			t.Errorf("docs/cost.md does not list %s among the operators without a backward rule", k)
		}
	}
	for d := range withoutBackwardDomains {
		if !containsWord(string(doc), d) {
			t.Errorf("docs/cost.md does not name the domain %s", d)
		}
	}
}

// firstStepRecurrence is the recurrent product Rᵀ·dgates that backward skips
// at each sequence's first step, where the previous state is the initial
// state, a constant: batch · directions · gate rows · H MACs per LSTM, GRU
// or RNN node (the reference models' initial states are absent or zeros
// built from the input's shape, so none carries a gradient).
func firstStepRecurrence(t *testing.T, res *shape.Result) int64 {
	t.Helper()
	var skipped int64
	for _, nr := range res.Graph.Nodes {
		switch nr.Node.OpType {
		case "LSTM", "GRU", "RNN":
		default:
			continue
		}
		x, w, r := nr.Inputs[0], nr.Inputs[1], nr.Inputs[2]
		batch := konst(t, "batch", x.Shape[1])
		dirs, rows, h := konst(t, "directions", w.Shape[0]), konst(t, "gate rows", w.Shape[1]), konst(t, "hidden", r.Shape[2])
		if nr.Node.OpType == "GRU" && (&fpo.Node{NodeResult: nr}).AttrInt("linear_before_reset", 0) == 0 {
			rows = 2 * h
		}
		skipped += batch * dirs * rows * h
	}
	return skipped
}

func splitKey(k string) (domain, op string) {
	for i := 0; i < len(k); i++ {
		if k[i] == '/' {
			return k[:i], k[i+1:]
		}
	}
	return "", k
}

func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w && (i == 0 || !isIdent(s[i-1])) && (i+len(w) == len(s) || !isIdent(s[i+len(w)])) {
			return true
		}
	}
	return false
}

func isIdent(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}
