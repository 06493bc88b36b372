package cost

import (
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseSpecErrors: unknown keys and mistyped values name the field.
func TestParseSpecErrors(t *testing.T) {
	cases := []struct {
		name, spec, want string
	}{
		{"unknown key", "model: m.onnx\nfoo: 1\n",
			"foo: unknown field (line 2; known: model, inputs, dims, batch_dim, train, eval, search, deploy, hardware, cost_table)"},
		{"unknown nested key", "model: m.onnx\ntrain:\n  examples: 10\n  epoch: 3\n",
			"train.epoch: unknown field (line 4; known: examples, unit, sequence_dim, epochs, steps, batch_size, drop_last, optimizer, freeze)"},
		{"unknown key in JSON", `{"model": "m.onnx", "hardware": {"gpu": "a100"}}`,
			"hardware.gpu: unknown field (line 1; known: accelerator, count, precision, utilization)"},
		{"string for an integer", "search: {trials: many}\n", `search.trials: want an integer, got "many" (line 1)`},
		{"float for an integer", "train: {batch_size: 2.5}\n", `train.batch_size: want an integer, got "2.5" (line 1)`},
		{"list for an integer", "train: {examples: [1, 2]}\n", "train.examples: want an integer, got list (line 1)"},
		{"string in a list of numbers", "search: {trial_epochs: [90, soon]}\n", `search.trial_epochs[1]: want a number, got "soon" (line 1)`},
		{"scalar for a list", "train: {freeze: 3}\n", `train.freeze: want a list, got "3" (line 1)`},
		{"scalar for a section", "train: 3\n", `train: want a mapping of examples, unit, sequence_dim, epochs, steps, batch_size, drop_last, optimizer, freeze, got "3" (line 1)`},
		{"string for a dimension", "dims: {sequence: long}\n", `dims.sequence: want an integer, got "long" (line 1)`},
		{"string for a flag", "train: {drop_last: maybe}\n", `train.drop_last: want true or false, got "maybe" (line 1)`},
		{"not a mapping", "- a\n- b\n", "the spec must be a mapping of fields (model, inputs, dims, batch_dim, train, eval, search, deploy, hardware, cost_table), not a list"},
		{"two documents", "model: a.onnx\n---\nmodel: b.onnx\n", "the spec holds more than one YAML document (line 2)"},
		{"empty", "", "empty spec"},
		{"syntax", "model: [", "parsing spec: line 1: did not find expected node content"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpec([]byte(c.spec))
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v\nwant     %s", err, c.want)
			}
		})
	}
}

// TestParseSpec reads every field of a spec in YAML and in JSON.
func TestParseSpec(t *testing.T) {
	y := `model: m.onnx
inputs: {input: batchx3x224x224}
dims: {sequence: 128}
batch_dim: batch
train: {examples: 100, unit: tokens, sequence_dim: sequence, epochs: 2.5, batch_size: 8, drop_last: true, optimizer: adam, freeze: ['tok.*']}
eval: {examples: 10, every_steps: 5, batch_size: 2}
search: {trials: 2, trial_epochs: [2.5, 1], strategy: grid}
deploy: {queries_per_day: 1e6, days: 30, examples_per_query: 4}
hardware: {accelerator: h100-sxm5, count: 2, precision: bf16, utilization: 0.5}
cost_table: table.txt
`
	j := `{"model": "m.onnx", "inputs": {"input": "batchx3x224x224"}, "dims": {"sequence": 128}, "batch_dim": "batch",
"train": {"examples": 100, "unit": "tokens", "sequence_dim": "sequence", "epochs": 2.5, "batch_size": 8, "drop_last": true, "optimizer": "adam", "freeze": ["tok.*"]},
"eval": {"examples": 10, "every_steps": 5, "batch_size": 2}, "search": {"trials": 2, "trial_epochs": [2.5, 1], "strategy": "grid"},
"deploy": {"queries_per_day": 1000000, "days": 30, "examples_per_query": 4},
"hardware": {"accelerator": "h100-sxm5", "count": 2, "precision": "bf16", "utilization": 0.5}, "cost_table": "table.txt"}`
	for _, src := range []string{y, j} {
		s, err := ParseSpec([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if s.Model != "m.onnx" || s.Inputs["input"] != "batchx3x224x224" || s.Dims["sequence"] != 128 ||
			s.Train.Epochs != 2.5 || !s.Train.DropLast || s.Train.Freeze[0] != "tok.*" || s.Eval.EverySteps != 5 ||
			s.Search.TrialEpochs[1] != 1 || s.Deploy.QueriesPerDay != 1e6 || s.Hardware.Utilization != 0.5 || s.CostTable != "table.txt" {
			t.Errorf("parsed %+v", s)
		}
	}
}

// TestValidateErrors: each bad spec gets an error that names the field
// and the problem.
func TestValidateErrors(t *testing.T) {
	model := mlpModel(t)
	ok := func() *Spec {
		return &Spec{Model: model, Train: TrainSpec{Examples: 1000, Epochs: 1, BatchSize: 10}}
	}
	cases := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"missing model", func(s *Spec) { s.Model = "" }, "model: missing: give the ONNX model file"},
		{"model not found", func(s *Spec) { s.Model = "/nonexistent/m.onnx" }, "model: stat /nonexistent/m.onnx: no such file or directory"},
		{"negative examples", func(s *Spec) { s.Train.Examples = -5 }, "train.examples: must not be negative (got -5)"},
		{"no examples", func(s *Spec) { s.Train.Examples = 0 }, "train.examples: missing: give the training set size (or train.steps)"},
		{"negative batch", func(s *Spec) { s.Train.BatchSize = -1 }, "train.batch_size: must be positive (got -1)"},
		{"no batch", func(s *Spec) { s.Train.BatchSize = 0 }, "train.batch_size: missing: give the batch size"},
		{"negative epochs", func(s *Spec) { s.Train.Epochs = -1 }, "train.epochs: must not be negative (got -1)"},
		{"NaN epochs", func(s *Spec) { s.Train.Epochs = math.NaN() }, "train.epochs: must be a finite number (got NaN)"},
		{"infinite days", func(s *Spec) { s.Deploy.Days = math.Inf(1) }, "deploy.days: must be a finite number (got +Inf)"},
		{"negative steps", func(s *Spec) { s.Train.Steps = -1 }, "train.steps: must not be negative (got -1)"},
		{"no length", func(s *Spec) { s.Train.Epochs = 0 }, "train.epochs: missing: give train.epochs or train.steps"},
		{"epochs and steps", func(s *Spec) { s.Train.Steps = 10 }, "train.steps: give train.epochs or train.steps, not both"},
		{"unknown unit", func(s *Spec) { s.Train.Unit = "words" }, `train.unit: unknown unit "words" (examples, sequences or tokens)`},
		{"tokens without a length", func(s *Spec) { s.Train.Unit = "tokens" }, "train.unit: tokens need the sequence length: set dims.sequence"},
		{"fewer tokens than a sequence", func(s *Spec) {
			s.Train.Unit, s.Dims = "tokens", map[string]int64{"sequence": 2048}
		}, "train.examples: 1000 tokens are fewer than one sequence of 2048"},
		{"bad optimizer", func(s *Spec) { s.Train.Optimizer = "adagrad" }, `train.optimizer: unknown optimizer "adagrad" (known: adam, adamw, sgd, sgd-momentum)`},
		{"empty freeze pattern", func(s *Spec) { s.Train.Freeze = []string{"emb.*", " "} }, "train.freeze[1]: empty pattern"},
		{"negative dim", func(s *Spec) { s.Dims = map[string]int64{"sequence": -128} }, "dims.sequence: must be positive (got -128)"},
		{"batch in dims", func(s *Spec) { s.Dims = map[string]int64{"batch": 8} }, "dims.batch: the batch dimension is set by train.batch_size, not dims"},
		{"negative input dim", func(s *Spec) { s.Inputs = map[string]string{"x": "batchx-8"} }, "inputs.x: dim 2 of \"batchx-8\" is negative"},
		{"bad input dim", func(s *Spec) { s.Inputs = map[string]string{"x": "batchx8x?"} }, `inputs.x: dim 3 of "batchx8x?" is not an integer or a symbol`},
		{"negative eval", func(s *Spec) { s.Eval.Examples = -1 }, "eval.examples: must not be negative (got -1)"},
		{"negative eval period", func(s *Spec) { s.Eval.EveryEpochs = -1 }, "eval.every_epochs: must not be negative (got -1)"},
		{"negative eval steps", func(s *Spec) { s.Eval.EverySteps = -1 }, "eval.every_steps: must not be negative (got -1)"},
		{"two eval periods", func(s *Spec) { s.Eval.EveryEpochs, s.Eval.EverySteps = 1, 100 }, "eval.every_steps: give eval.every_epochs or eval.every_steps, not both"},
		{"eval by epochs of steps", func(s *Spec) { s.Train.Epochs, s.Train.Steps, s.Eval.Examples = 0, 10, 5 }, "eval.every_steps: missing: training is given in train.steps"},
		{"negative eval batch", func(s *Spec) { s.Eval.BatchSize = -2 }, "eval.batch_size: must be positive (got -2)"},
		{"negative trials", func(s *Spec) { s.Search.Trials = -3 }, "search.trials: must not be negative (got -3)"},
		{"trial list contradicts count", func(s *Spec) { s.Search.Trials, s.Search.TrialEpochs = 3, []float64{1, 0.5} },
			"search.trial_epochs: lists 2 trials but search.trials is 3"},
		{"trial longer than training", func(s *Spec) { s.Search.TrialEpochs = []float64{1, 2} }, "search.trial_epochs[1]: 2 epochs exceed train.epochs (1)"},
		{"negative trial", func(s *Spec) { s.Search.TrialEpochs = []float64{-1} }, "search.trial_epochs[0]: must not be negative (got -1)"},
		{"trials of steps", func(s *Spec) { s.Train.Epochs, s.Train.Steps, s.Search.TrialEpochs = 0, 10, []float64{1} },
			"search.trial_epochs: needs train.epochs (the full length of a trial), not train.steps"},
		{"negative queries", func(s *Spec) { s.Deploy.QueriesPerDay = -1 }, "deploy.queries_per_day: must not be negative (got -1)"},
		{"negative days", func(s *Spec) { s.Deploy.Days = -1 }, "deploy.days: must not be negative (got -1)"},
		{"negative examples per query", func(s *Spec) { s.Deploy.ExamplesPerQuery = -1 }, "deploy.examples_per_query: must not be negative (got -1)"},
		{"unknown accelerator", func(s *Spec) { s.Hardware.Accelerator = "tpu-v9" }, `hardware.accelerator: unknown accelerator "tpu-v9" (known: a10, a100-pcie, a100-sxm4, epyc-7763, h100-pcie, h100-sxm5, h200, l4, mi250x, rtx-3090, rtx-4090, t4, v100-pcie, v100-sxm2, xeon-8380)`},
		{"unknown precision", func(s *Spec) { s.Hardware.Accelerator, s.Hardware.Precision = "t4", "bf16" }, "hardware.precision: t4 has no published bf16 rate (has: fp16, fp32, int8)"},
		{"utilization above 1", func(s *Spec) { s.Hardware.Accelerator, s.Hardware.Utilization = "t4", 1.5 }, "hardware.utilization: must be in (0, 1] (got 1.5)"},
		{"NaN utilization", func(s *Spec) { s.Hardware.Accelerator, s.Hardware.Utilization = "t4", math.NaN() }, "hardware.utilization: must be in (0, 1] (got NaN)"},
		{"negative devices", func(s *Spec) { s.Hardware.Accelerator, s.Hardware.Count = "t4", -2 }, "hardware.count: must be positive (got -2)"},
		{"hardware without accelerator", func(s *Spec) { s.Hardware.Count = 8 }, "hardware.accelerator: missing: precision, count and utilization describe an accelerator"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := ok()
			c.edit(s)
			err := s.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v\nwant     %s", err, c.want)
			}
		})
	}
	if err := ok().Validate(); err != nil {
		t.Errorf("valid spec: %v", err)
	}
}

// TestValidateDefaults fills the defaults.
func TestValidateDefaults(t *testing.T) {
	s := &Spec{Model: mlpModel(t), Train: TrainSpec{Examples: 1000, Epochs: 1, BatchSize: 10},
		Eval: EvalSpec{Examples: 10}, Search: SearchSpec{TrialEpochs: []float64{1, 0.5}}, Hardware: HardwareSpec{Accelerator: "A100-SXM4"}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.BatchDim != "batch" || s.Train.Unit != "examples" || s.Train.Optimizer != "sgd" || s.Eval.EveryEpochs != 1 ||
		s.Eval.BatchSize != 10 || s.Search.Trials != 2 || s.Deploy.ExamplesPerQuery != 1 ||
		s.Hardware.Precision != "fp32" || s.Hardware.Utilization != 0.3 || s.Hardware.Count != 1 {
		t.Errorf("defaults %+v", s)
	}
	if !s.Hardware.UtilizationDefault {
		t.Errorf("a defaulted utilization is not marked as the default")
	}
	e := estimate(s, &PriceTag{SearchFPO: big.NewRat(1e12, 1), InferenceFPO: big.NewRat(0, 1)})
	if !strings.Contains(strings.Join(e.Assumptions, " "), "no hardware.utilization: 30% is greenai's default") {
		t.Errorf("the estimate does not say its utilization is the default: %q", e.Assumptions)
	}
	given := &Spec{Model: mlpModel(t), Train: TrainSpec{Examples: 1000, Epochs: 1, BatchSize: 10}, Hardware: HardwareSpec{Accelerator: "A100-SXM4", Utilization: 0.5}}
	if err := given.Validate(); err != nil || given.Hardware.UtilizationDefault {
		t.Errorf("a given utilization: %v, marked default %v", err, given.Hardware.UtilizationDefault)
	}
	// Validating twice changes nothing.
	before := *s
	if err := s.Validate(); err != nil || s.Search.Trials != before.Search.Trials || s.Eval.EveryEpochs != before.Eval.EveryEpochs {
		t.Errorf("second validation: %v, %+v", err, s)
	}
}

// TestComputeErrors: errors found once the model is read also name the field.
func TestComputeErrors(t *testing.T) {
	model := mlpModel(t)
	cases := []struct {
		name string
		spec *Spec
		want string
	}{
		{"freeze matches nothing", &Spec{Model: model, Train: TrainSpec{Examples: 10, Epochs: 1, BatchSize: 2, Freeze: []string{"encoder.*"}}},
			"train.freeze: encoder.* matches no parameter (nor all readers of one)"},
		{"unknown input", &Spec{Model: model, Inputs: map[string]string{"pixels": "1x8"}, Train: TrainSpec{Examples: 10, Epochs: 1, BatchSize: 2}},
			`inputs.pixels: the model has no input "pixels"`},
		{"unbound dimension", &Spec{Model: bert, Train: TrainSpec{Examples: 10, Epochs: 1, BatchSize: 2}},
			`dims: the count depends on "sequence": bind it in dims, or name the batch symbol in batch_dim (symbols: batch, sequence)`},
		{"not a model", &Spec{Model: writeFile(t, "m.onnx", "not a model"), Train: TrainSpec{Examples: 10, Epochs: 1, BatchSize: 2}}, "model: "},
		{"too many epochs", &Spec{Model: model, Train: TrainSpec{Examples: 10, Epochs: 1e17, BatchSize: 2}},
			"train.epochs: more steps than can be counted"},
		{"too many validations", &Spec{Model: model, Train: TrainSpec{Examples: 10, Epochs: 1e6, BatchSize: 2},
			Eval: EvalSpec{Examples: 5, EveryEpochs: 1e-12}}, "eval.every_epochs: 1e+18 validations in a trial are too many to count"},
		{"bad cost table", &Spec{Model: model, CostTable: writeFile(t, "t.txt", "exp = many"), Train: TrainSpec{Examples: 10, Epochs: 1, BatchSize: 2}},
			"cost_table: cost table "},
		// An overflowing count names the batch, the node and the remedy.
		{"batch overflows", &Spec{Model: model, Train: TrainSpec{Examples: 10, Epochs: 1, BatchSize: 1 << 62}},
			`counting at a batch of 4611686018427387904 (batch): node "/l1/MatMul" (MatMul): its forward FPO (256*batch) overflows 64-bit integers (integer overflow in 256 * 4611686018427387904); use a smaller train.batch_size or eval.batch_size`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compute(c.spec)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v\nwant     %s", err, c.want)
			}
		})
	}
}

// TestManyTrials: a huge number of trials is counted (E·D·H is exact in
// big rationals), not a crash allocating one slot per trial.
func TestManyTrials(t *testing.T) {
	pt, err := Compute(&Spec{Model: mlpModel(t), Train: TrainSpec{Examples: 10, Epochs: 1, BatchSize: 2}, Search: SearchSpec{Trials: 1 << 62}})
	if err != nil {
		t.Fatal(err)
	}
	if want := new(big.Rat).Mul(pt.TrialFPO, big.NewRat(1<<62, 1)); pt.SearchFPO.Cmp(want) != 0 {
		t.Errorf("search FPO %s, want H × trial %s", pt.SearchFPO.FloatString(0), want.FloatString(0))
	}
}

// TestReadSpec resolves the model relative to the spec file and prefixes errors with the file.
func TestReadSpec(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(p, []byte("model: m.onnx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSpec(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.ModelPath() != filepath.Join(dir, "m.onnx") {
		t.Errorf("model path %s", s.ModelPath())
	}
	if err := os.WriteFile(p, []byte("modle: m.onnx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSpec(p); err == nil || !strings.HasPrefix(err.Error(), p+": modle: unknown field") {
		t.Errorf("error %v", err)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
