package cost

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops" // operator rules
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/train"
)

// PriceTag is the full cost of a result. FPO values are exact rationals
// (integers except per-example averages); MACs are reported beside them.
type PriceTag struct {
	Spec *Spec
	// E: the cost of one example. EInfer is one forward pass per example
	// (batch 1); ETrain is forward + backward + the optimizer update
	// amortized over the training batch, per example.
	EInfer, EInferMACs *big.Rat
	ETrain, ETrainMACs *big.Rat
	// Per training step at the full batch size.
	StepForward, StepBackward, StepUpdate *big.Rat
	// D: training examples per trial (epochs × set size, or steps × batch).
	TrainExamples *big.Rat // the set size, in examples (sequences for token models)
	Epochs        *big.Rat
	StepsPerEpoch int64
	Steps         int64 // steps of a full trial
	D             *big.Rat
	// H: hyperparameter trials.
	H int64
	// Totals.
	TrainPerTrial, EvalPerTrial, TrialFPO *big.Rat
	SearchFPO, SearchFPOFull, Saved       *big.Rat
	TrialMACs, SearchMACs                 *big.Rat
	InferenceExamples, InferenceFPO       *big.Rat
	InferenceMACs                         *big.Rat
	TotalFPO, TotalMACs                   *big.Rat
	// Ratio is ETrain/EInfer; Explanation says why it is not 3.
	Ratio       float64
	Explanation []string
	Estimate    *Estimate
	Train       *train.Report
	Forward     *fpo.Report
	Notes       []string
}

// Estimate converts FPO into time and energy on named hardware.
type Estimate struct {
	Device                      Device
	Count                       int64
	Precision                   string
	Utilization                 float64
	SearchSeconds, InferSeconds float64
	SearchKWh, InferKWh         float64
	Assumptions                 []string
}

// Compute builds the price tag of a validated spec.
func Compute(s *Spec) (pt *PriceTag, err error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	defer sym.Catch(&err)
	m, err := onnx.Open(s.ModelPath())
	if err != nil {
		return nil, fieldError("model", "%v", err)
	}
	defer m.Close()
	opts := shape.Options{Dims: map[string]int64{}, Inputs: map[string][]sym.Expr{}}
	for k, v := range s.Dims {
		if k == s.BatchDim {
			return nil, fieldError("dims."+k, "the batch dimension is set by train.batch_size, not dims")
		}
		opts.Dims[k] = v
	}
	for name, dims := range s.Inputs {
		e, err := parseShape(dims, s.Dims)
		if err != nil {
			return nil, fieldError("inputs."+name, "%v", err)
		}
		opts.Inputs[name] = e
	}
	res, err := shape.Infer(m, opts)
	if err != nil {
		return nil, err
	}
	if len(res.Failures) > 0 {
		return nil, fmt.Errorf("shape inference failed at node %s (%s): %s", res.Failures[0].Node, res.Failures[0].Op, firstLine(res.Failures[0].Err))
	}
	fopts := fpo.Options{}
	if s.CostTable != "" {
		t, err := fpo.ReadTable(s.CostTable)
		if err != nil {
			return nil, fieldError("cost_table", "%v", err)
		}
		fopts.Table = t
	}
	fwd, err := fpo.Count(res, fopts)
	if err != nil {
		return nil, err
	}
	tr, err := train.Count(res, fwd, train.Options{Freeze: s.Train.Freeze, Optimizer: train.Optimizer(s.Train.Optimizer), Table: fopts.Table})
	if err != nil {
		return nil, fieldError("train.optimizer", "%v", err)
	}
	pt = &PriceTag{Spec: s, Train: tr, Forward: fwd}
	for _, u := range fwd.Uncounted {
		pt.Notes = append(pt.Notes, fmt.Sprintf("forward: node %s (%s) not counted: %s", u.Node, u.OpType, u.Reason))
	}
	for _, u := range tr.Uncounted {
		pt.Notes = append(pt.Notes, fmt.Sprintf("backward: node %s (%s) not counted: %s", u.Node, u.OpType, u.Reason))
	}
	ev, err := newEvaluator(s, res, fwd.FPO)
	if err != nil {
		return nil, err
	}
	at := func(e sym.Expr, b int64) *big.Rat { return ev.at(e, b) }
	fwdAt := func(b int64) *big.Rat { return at(fwd.FPO, b) }
	// The optimizer update runs once per step whatever the batch size.
	update := ev.constant(tr.Update)
	stepAt := func(b int64) *big.Rat {
		r := new(big.Rat).Add(at(fwd.FPO, b), at(tr.Backward, b))
		return r.Add(r, update)
	}
	stepMACsAt := func(b int64) *big.Rat { return new(big.Rat).Add(at(fwd.MACs, b), at(tr.BackwardMACs, b)) }
	B := s.Train.BatchSize

	// E.
	pt.EInfer = fwdAt(1)
	pt.EInferMACs = at(fwd.MACs, 1)
	pt.StepForward, pt.StepBackward, pt.StepUpdate = fwdAt(B), at(tr.Backward, B), update
	pt.ETrain = div(stepAt(B), B)
	pt.ETrainMACs = div(stepMACsAt(B), B)
	if pt.EInfer.Sign() > 0 {
		pt.Ratio, _ = new(big.Rat).Quo(pt.ETrain, pt.EInfer).Float64()
	}

	// D.
	n := s.Train.Examples
	if s.Train.Unit == "tokens" {
		seq := s.Dims[s.Train.SequenceDim]
		if seq <= 0 {
			return nil, fieldError("dims."+s.Train.SequenceDim, "must be positive")
		}
		if n%seq != 0 {
			pt.Notes = append(pt.Notes, fmt.Sprintf("%d tokens are not a whole number of %d-token sequences: the last %d tokens are dropped", n, seq, n%seq))
		}
		n /= seq
	}
	pt.TrainExamples = big.NewRat(n, 1)
	trialTrain := func(epochs float64) (*big.Rat, *big.Rat, int64, *big.Rat) {
		// FPO, MACs, steps and examples of training for a number of epochs.
		fpoSum, macSum, ex := new(big.Rat), new(big.Rat), new(big.Rat)
		var steps int64
		if s.Train.Steps > 0 {
			steps = s.Train.Steps
			fpoSum.Mul(big.NewRat(steps, 1), stepAt(B))
			macSum.Mul(big.NewRat(steps, 1), stepMACsAt(B))
			ex.SetInt64(steps * B)
			return fpoSum, macSum, steps, ex
		}
		full, rem := n/B, n%B
		epochFPO := new(big.Rat).Mul(big.NewRat(full, 1), stepAt(B))
		epochMACs := new(big.Rat).Mul(big.NewRat(full, 1), stepMACsAt(B))
		perEpoch := full
		if rem > 0 && !s.Train.DropLast {
			epochFPO.Add(epochFPO, stepAt(rem))
			epochMACs.Add(epochMACs, stepMACsAt(rem))
			perEpoch++
		}
		pt.StepsPerEpoch = perEpoch
		whole := int64(math.Floor(epochs))
		frac := epochs - float64(whole)
		fpoSum.Mul(big.NewRat(whole, 1), epochFPO)
		macSum.Mul(big.NewRat(whole, 1), epochMACs)
		seen := n
		if s.Train.DropLast {
			seen = full * B
		}
		ex.SetInt64(whole * seen)
		steps = whole * perEpoch
		if frac > 0 {
			extra := int64(math.Round(frac * float64(full)))
			fpoSum.Add(fpoSum, new(big.Rat).Mul(big.NewRat(extra, 1), stepAt(B)))
			macSum.Add(macSum, new(big.Rat).Mul(big.NewRat(extra, 1), stepMACsAt(B)))
			ex.Add(ex, big.NewRat(extra*B, 1))
			steps += extra
		}
		return fpoSum, macSum, steps, ex
	}
	evalFPO := func(epochs float64, steps int64) (*big.Rat, *big.Rat) {
		e := s.Eval
		if e.Examples == 0 {
			return new(big.Rat), new(big.Rat)
		}
		var times int64
		if e.EverySteps > 0 {
			times = steps / e.EverySteps
		} else {
			times = int64(math.Floor(epochs/e.EveryEpochs + 1e-9))
		}
		full, rem := e.Examples/e.BatchSize, e.Examples%e.BatchSize
		one := new(big.Rat).Mul(big.NewRat(full, 1), fwdAt(e.BatchSize))
		oneM := new(big.Rat).Mul(big.NewRat(full, 1), at(fwd.MACs, e.BatchSize))
		if rem > 0 {
			one.Add(one, fwdAt(rem))
			oneM.Add(oneM, at(fwd.MACs, rem))
		}
		return one.Mul(one, big.NewRat(times, 1)), oneM.Mul(oneM, big.NewRat(times, 1))
	}
	epochs := s.Train.Epochs
	var trainF, trainM *big.Rat
	trainF, trainM, pt.Steps, pt.D = trialTrain(epochs)
	if s.Train.Steps > 0 {
		epochs = float64(pt.Steps*B) / float64(max64(n, 1))
	}
	pt.Epochs = new(big.Rat).SetFloat64(epochs)
	evalF, evalM := evalFPO(epochs, pt.Steps)
	pt.TrainPerTrial = trainF
	pt.EvalPerTrial = evalF
	pt.TrialFPO = new(big.Rat).Add(trainF, evalF)
	pt.TrialMACs = new(big.Rat).Add(trainM, evalM)

	// H.
	pt.H = s.Search.Trials
	pt.SearchFPOFull = new(big.Rat).Mul(big.NewRat(pt.H, 1), pt.TrialFPO)
	if len(s.Search.TrialEpochs) > 0 {
		pt.SearchFPO, pt.SearchMACs = new(big.Rat), new(big.Rat)
		for _, ep := range s.Search.TrialEpochs {
			f, mm, st, _ := trialTrain(ep)
			ef, em := evalFPO(ep, st)
			pt.SearchFPO.Add(pt.SearchFPO, f).Add(pt.SearchFPO, ef)
			pt.SearchMACs.Add(pt.SearchMACs, mm).Add(pt.SearchMACs, em)
		}
		pt.Saved = new(big.Rat).Sub(pt.SearchFPOFull, pt.SearchFPO)
	} else {
		pt.SearchFPO = pt.SearchFPOFull
		pt.SearchMACs = new(big.Rat).Mul(big.NewRat(pt.H, 1), pt.TrialMACs)
	}

	// Deployment.
	q := new(big.Rat).SetFloat64(s.Deploy.QueriesPerDay)
	q.Mul(q, new(big.Rat).SetFloat64(s.Deploy.Days))
	q.Mul(q, big.NewRat(s.Deploy.ExamplesPerQuery, 1))
	pt.InferenceExamples = q
	pt.InferenceFPO = new(big.Rat).Mul(q, pt.EInfer)
	pt.InferenceMACs = new(big.Rat).Mul(q, pt.EInferMACs)
	pt.TotalFPO = new(big.Rat).Add(pt.SearchFPO, pt.InferenceFPO)
	pt.TotalMACs = new(big.Rat).Add(pt.SearchMACs, pt.InferenceMACs)
	pt.Explanation = explain(pt, fwd, tr, B)
	if s.Hardware.Accelerator != "" {
		pt.Estimate = estimate(s, pt)
	}
	return pt, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func div(r *big.Rat, k int64) *big.Rat { return new(big.Rat).Quo(r, big.NewRat(k, 1)) }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// evaluator evaluates counts at a batch size. When the model's batch is
// fixed (its counts do not contain the batch symbol), a batch of b costs
// b/b0 times the model's count for its own batch b0.
type evaluator struct {
	batch string
	fixed int64 // b0 when the batch is fixed, else 0
}

func newEvaluator(s *Spec, res *shape.Result, f sym.Expr) (*evaluator, error) {
	ev := &evaluator{batch: s.BatchDim}
	for _, v := range f.Vars() {
		if v != s.BatchDim {
			return nil, fieldError("dims", "the count still depends on %q: bind it in dims (symbols: %s)", v, strings.Join(f.Vars(), ", "))
		}
	}
	has := false
	for _, v := range f.Vars() {
		if v == s.BatchDim {
			has = true
		}
	}
	if !has {
		ev.fixed = 1
		if len(res.Graph.Inputs) > 0 {
			if in := res.Graph.Inputs[0]; in.Rank > 0 {
				if b0, ok := in.Shape[0].IsConst(); ok && b0 > 0 {
					ev.fixed = b0
				}
			}
		}
	}
	return ev, nil
}

func (ev *evaluator) at(e sym.Expr, b int64) *big.Rat {
	if ev.fixed > 0 {
		v, err := e.Eval(map[string]int64{})
		if err != nil {
			return new(big.Rat)
		}
		return new(big.Rat).Mul(big.NewRat(v, 1), big.NewRat(b, ev.fixed))
	}
	v, err := e.Eval(map[string]int64{ev.batch: b})
	if err != nil {
		return new(big.Rat)
	}
	return big.NewRat(v, 1)
}

// constant evaluates a count that does not depend on the batch.
func (ev *evaluator) constant(e sym.Expr) *big.Rat {
	v, err := e.Eval(map[string]int64{})
	if err != nil {
		return new(big.Rat)
	}
	return big.NewRat(v, 1)
}

func parseShape(s string, dims map[string]int64) ([]sym.Expr, error) {
	var out []sym.Expr
	for _, p := range strings.Split(s, "x") {
		e, err := sym.Parse(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("dim %q: %v", p, err)
		}
		out = append(out, e)
	}
	return out, nil
}
