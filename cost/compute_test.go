package cost

import (
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/train"
)

// mlpSpec trains mlpModel on 1000 examples in batches of 64 (15 full
// batches and one of 40: 16 steps per epoch) for 10 epochs, validating on
// 100 examples (batches of 64 and 36) after every epoch.
func mlpSpec(t *testing.T) *Spec {
	return &Spec{Model: mlpModel(t),
		Train: TrainSpec{Examples: 1000, Epochs: 10, BatchSize: 64, Optimizer: "sgd"},
		Eval:  EvalSpec{Examples: 100}}
}

// TestMLPByHand checks every term of the price tag against mlpModel's
// hand-derived counts. One epoch: 15·step(64) + step(40) = 15·61840 +
// 38800 = 966400; one validation: 416·100 = 41600.
func TestMLPByHand(t *testing.T) {
	pt := mustCompute(t, mlpSpec(t))
	eq(t, "E_infer", pt.EInfer, rat(416))
	eq(t, "E_infer MACs", pt.EInferMACs, rat(192))
	eq(t, "E_train", pt.ETrain, big.NewRat(mlpStep(64), 64))
	eq(t, "step forward", pt.StepForward, rat(416*64))
	eq(t, "step backward", pt.StepBackward, rat(544*64-16))
	eq(t, "step update", pt.StepUpdate, rat(416))
	eq(t, "D", pt.D, rat(10000))
	eq(t, "training per trial", pt.TrainPerTrial, rat(10*(15*mlpStep(64)+mlpStep(40))))
	eq(t, "training per trial", pt.TrainPerTrial, rat(9664000))
	eq(t, "validation per trial", pt.EvalPerTrial, rat(10*41600))
	eq(t, "search", pt.SearchFPO, rat(10080000))
	eq(t, "total", pt.TotalFPO, rat(10080000))
	if pt.Steps != 160 || pt.StepsPerEpoch != 16 || pt.H != 1 {
		t.Errorf("steps %d, per epoch %d, trials %d: want 160, 16, 1", pt.Steps, pt.StepsPerEpoch, pt.H)
	}
	if pt.Saved != nil || pt.Freezing != nil {
		t.Errorf("no early stopping or freezing: want no savings")
	}
}

// TestEarlyStopping: trials that ran fewer epochs report what they saved
// against running every trial to 10 epochs (10080000 FPO each). 4 epochs:
// 4·966400 + 4·41600; 2.5 epochs: 2·966400 + round(0.5·15) = 8 full steps
// (8·61840) and 2 validations.
func TestEarlyStopping(t *testing.T) {
	for _, c := range []struct {
		name   string
		trials []float64
		search int64
	}{
		{"all complete", []float64{10, 10, 10}, 3 * 10080000},
		{"early stopped", []float64{10, 4, 2.5}, 10080000 + 4*966400 + 4*41600 + 2*966400 + 8*61840 + 2*41600},
		{"never started", []float64{0}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := mlpSpec(t)
			s.Search.TrialEpochs = c.trials
			pt := mustCompute(t, s)
			full := int64(len(c.trials)) * 10080000
			eq(t, "search", pt.SearchFPO, rat(c.search))
			eq(t, "search if completed", pt.SearchFPOFull, rat(full))
			eq(t, "saved", pt.Saved, rat(full-c.search))
			if pt.H != int64(len(c.trials)) {
				t.Errorf("trials %d, want %d", pt.H, len(c.trials))
			}
		})
	}
}

// TestTokens: 4096 training tokens in sequences of S make 4096/S examples;
// the cost of a sequence grows as S² (the scores), so the total follows S:
// 4096/S sequences × attnSeq(S) plus 2 FPO × 40 parameters per step (batch 2).
func TestTokens(t *testing.T) {
	model := attnModel(t)
	for _, s := range []int64{8, 16, 32} {
		spec := &Spec{Model: model, Dims: map[string]int64{"sequence": s},
			Train: TrainSpec{Examples: 4096, Unit: "tokens", Epochs: 1, BatchSize: 2, Optimizer: "sgd"}}
		pt := mustCompute(t, spec)
		n := 4096 / s
		eq(t, "sequences", pt.TrainExamples, rat(n))
		eq(t, "E_infer", pt.EInfer, rat(16*s*s))
		eq(t, "training", pt.TrainPerTrial, rat(n*attnSeq(s)+n/2*80))
		if pt.TrainTokens != 4096 || pt.SequenceLen != s || pt.Steps != n/2 {
			t.Errorf("S=%d: tokens %d, sequence %d, steps %d", s, pt.TrainTokens, pt.SequenceLen, pt.Steps)
		}
		// The same data given in sequences costs the same.
		spec.Train.Unit, spec.Train.Examples = "sequences", n
		eq(t, "training in sequences", mustCompute(t, spec).TrainPerTrial, pt.TrainPerTrial)
	}
	// A remainder of tokens that fills no sequence is dropped, with a note.
	spec := &Spec{Model: model, Dims: map[string]int64{"sequence": 8},
		Train: TrainSpec{Examples: 4100, Unit: "tokens", Epochs: 1, BatchSize: 2}}
	pt := mustCompute(t, spec)
	eq(t, "sequences", pt.TrainExamples, rat(512))
	if len(pt.Notes) != 1 || !strings.Contains(pt.Notes[0], "the last 4 tokens are dropped") {
		t.Errorf("notes %q", pt.Notes)
	}
}

// TestFixedBatch: a model exported with a fixed batch b0 = 64 costs b/64
// of its count at batch b: exact at 64, and for the last batch of 40 the
// bias gradient's sum (64·16 − 16 ADDs at 64) scales to 40/64 of it (630,
// not 40·16 − 16 = 624).
func TestFixedBatch(t *testing.T) {
	s := mlpSpec(t)
	s.Inputs = map[string]string{"x": "64x8"}
	pt := mustCompute(t, s)
	eq(t, "E_train", pt.ETrain, big.NewRat(mlpStep(64), 64))
	eq(t, "E_infer", pt.EInfer, rat(416))
	last := int64(416*40 + (544*64-16)*40/64 + 416)
	eq(t, "training per trial", pt.TrainPerTrial, rat(10*(15*mlpStep(64)+last)))
	if len(pt.Notes) != 1 || !strings.Contains(pt.Notes[0], "the model's batch is fixed at 64") {
		t.Errorf("notes %q", pt.Notes)
	}
}

func bertSpec(trials int64) *Spec {
	return &Spec{Model: bert, Dims: map[string]int64{"sequence": 128},
		Train:  TrainSpec{Examples: 100000, Epochs: 3, BatchSize: 32, Optimizer: "adamw"},
		Search: SearchSpec{Trials: trials}}
}

// TestBERTScalesWithTrials: fine-tuning BERT-base 20 times costs exactly
// 20 times one fine-tuning.
func TestBERTScalesWithTrials(t *testing.T) {
	one, twenty := mustCompute(t, bertSpec(1)), mustCompute(t, bertSpec(20))
	for _, c := range []struct {
		what        string
		one, twenty *big.Rat
	}{
		{"search FPO", one.SearchFPO, twenty.SearchFPO},
		{"search MACs", one.SearchMACs, twenty.SearchMACs},
		{"total FPO", one.TotalFPO, twenty.TotalFPO},
		{"total MACs", one.TotalMACs, twenty.TotalMACs},
	} {
		eq(t, c.what+" for 20 trials", c.twenty, new(big.Rat).Mul(c.one, rat(20)))
	}
	eq(t, "E_train", twenty.ETrain, one.ETrain)
	eq(t, "training per trial", twenty.TrainPerTrial, one.TrainPerTrial)
	if one.Steps != 9375 || twenty.H != 20 {
		t.Errorf("steps %d, trials %d: want 9375 and 20", one.Steps, twenty.H)
	}
}

// TestBERTFreezeEmbeddings freezes the token and position embeddings of
// BERT-base (tok.weight [30522,768], pos.weight [512,768]). Per step of 32
// sequences of 128 tokens, e = 32·128·768 elements, 4096 rows:
//
//	their own gradients: the Gathers' scatter-adds, e + 128·768 ADD;
//	the activation gradients that only led to them: the position rows'
//	  sum over the batch in /Add (e − 128·768 ADD) and the embedding
//	  LayerNormalization's dx (4e + 2·4096 MUL, 4e − 2·4096 ADD);
//	no accumulation; AdamW's 16 FPO for each of 23834112 parameters.
//
// The search total drops by exactly 187500 steps (9375 × 20) times that.
func TestBERTFreezeEmbeddings(t *testing.T) {
	const e, pos = 32 * 128 * 768, 128 * 768
	frozen := bertSpec(20)
	frozen.Train.Freeze = []string{"tok.*", "/pos/*"}
	all, pt := mustCompute(t, bertSpec(20)), mustCompute(t, frozen)
	f := pt.Freezing
	if f == nil {
		t.Fatal("no saving reported")
	}
	weight, input, upd := int64(e+pos), int64(e-pos+8*e), int64(16*(30522+512)*768)
	eq(t, "weight-gradient saving per step", f.StepWeightGrad, rat(weight))
	eq(t, "activation-gradient saving per step", f.StepInputGrad, rat(input))
	eq(t, "accumulation saving per step", f.StepAccumulate, rat(0))
	eq(t, "update saving per step", f.StepUpdate, rat(upd))
	perStep := weight + input + upd
	eq(t, "saving over the search", f.Search, rat(187500*perStep))
	eq(t, "search difference", new(big.Rat).Sub(all.SearchFPO, pt.SearchFPO), f.Search)
	eq(t, "total difference", new(big.Rat).Sub(all.TotalFPO, pt.TotalFPO), f.Search)
	eq(t, "step difference", new(big.Rat).Sub(all.StepBackward, pt.StepBackward), rat(weight+input))
	if pt.Train.FrozenParams != (30522+512)*768 || strings.Join(pt.Train.FrozenNames, " ") != "pos.weight tok.weight" {
		t.Errorf("frozen %d %v", pt.Train.FrozenParams, pt.Train.FrozenNames)
	}
	if got := all.Train.TrainableParams; got != 108891650 {
		t.Errorf("trainable %d, want BERT-base's 108891650", got)
	}
}

// TestEarlyStopAndDeploy checks an early-stopped search and a deployment
// against mlpModel's hand-derived counts.
func TestEarlyStopAndDeploy(t *testing.T) {
	s := mlpSpec(t)
	s.Search.TrialEpochs = []float64{10, 4}
	s.Deploy = DeploySpec{QueriesPerDay: 1000, Days: 10}
	pt := mustCompute(t, s)
	search := int64(10080000 + 4*966400 + 4*41600)
	eq(t, "E_train", pt.ETrain, big.NewRat(61840, 64))
	eq(t, "training per trial", pt.TrainPerTrial, rat(9664000))
	eq(t, "search", pt.SearchFPO, rat(search))
	eq(t, "search if completed", pt.SearchFPOFull, rat(20160000))
	eq(t, "early stopping saved", pt.Saved, rat(20160000-search))
	eq(t, "inference examples", pt.InferenceExamples, rat(10000))
	eq(t, "inference", pt.InferenceFPO, rat(4160000))
	eq(t, "total", pt.TotalFPO, rat(search+4160000))
	if pt.H != 2 || pt.Steps != 160 {
		t.Errorf("trials %d, steps %d", pt.H, pt.Steps)
	}
}

// resnet50Spec is the example: ResNet-50 on ImageNet (1,281,167
// images), 90 epochs in batches of 256, one trial, SGD with momentum.
func resnet50Spec() *Spec {
	return &Spec{Model: resnet50, Train: TrainSpec{Examples: 1281167, Epochs: 90, BatchSize: 256, Optimizer: "sgd-momentum"}}
}

// TestResNet50Steps: ResNet-50's price tag (report's golden files pin it
// whole; docs/cost.md explains it line by line), exactly: 5005 steps per
// epoch (5004 of 256, one of 143).
func TestResNet50Steps(t *testing.T) {
	pt := mustCompute(t, resnet50Spec())
	if pt.StepsPerEpoch != 5005 || pt.Steps != 450450 {
		t.Errorf("steps per epoch %d, steps %d", pt.StepsPerEpoch, pt.Steps)
	}
	eq(t, "update per step", pt.StepUpdate, rat(4*25530472))
}

// TestPriceFromCounts: Price is arithmetic over counts alone. mlpModel's
// hand-derived counts, given without any model file, give the price tag
// TestMLPByHand checks.
func TestPriceFromCounts(t *testing.T) {
	s := mlpSpec(t)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.Model = filepath.Join(t.TempDir(), "absent.onnx")
	b := sym.Var("batch")
	c := &Counts{
		Forward: &fpo.Report{Table: fpo.DefaultTable(), FPO: b.MulInt(416), MACs: b.MulInt(192)},
		Train: &train.Report{Optimizer: "sgd", TrainableParams: 208,
			Backward: b.MulInt(544).Add(sym.Const(-16)), Update: sym.Const(2 * 208)},
	}
	pt, err := Price(s, c)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "E_infer", pt.EInfer, rat(416))
	eq(t, "E_train", pt.ETrain, big.NewRat(mlpStep(64), 64))
	eq(t, "training per trial", pt.TrainPerTrial, rat(9664000))
	eq(t, "search", pt.SearchFPO, rat(10080000))

	s.Search.Trials = 3
	pt, err = Price(s, c)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "search of 3 trials", pt.SearchFPO, rat(3*10080000))
}
