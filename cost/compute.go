package cost

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
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
	TrainTokens   int64    // the set size in tokens, for token models (else 0)
	SequenceLen   int64    // tokens per sequence, for token models (else 0)
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
	// Freezing is what the frozen parameters save, when some are frozen.
	Freezing *FreezeSaving
	// Ratio is ETrain/EInfer; Explanation says why it is not 3.
	Ratio       float64
	Explanation []string
	Estimate    *Estimate
	Train       *train.Report
	Forward     *fpo.Report
	Notes       []string
}

// FreezeSaving is the cost that freezing parameters removes: per step at
// the full batch (the frozen weights' gradients, the activation gradients
// computed only to reach them, the accumulations on those paths, their
// optimizer updates), and over the whole search.
type FreezeSaving struct {
	StepWeightGrad, StepInputGrad, StepAccumulate, StepUpdate *big.Rat
	Search                                                    *big.Rat
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

// Compute builds the price tag of a spec (it validates the spec first):
// Count reads and counts the model, Price does the E·D·H arithmetic.
func Compute(s *Spec) (*PriceTag, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c, err := Count(s)
	if err != nil {
		return nil, err
	}
	return Price(s, c)
}

// Counts are what the price tag is computed from: the counts of one
// forward pass and one training step of the model at its inferred shapes.
type Counts struct {
	Forward *fpo.Report
	Train   *train.Report
	// Batch is the model's own batch size (the first dimension of its
	// first input) when it is a constant, else 0. It scales the counts of
	// a model whose batch is fixed.
	Batch int64
}

// openModel opens the model a spec names: an ONNX file, a Hugging Face
// config.json, a model folder or a GGUF file (told apart by content; a
// config is built for the training phase).
func openModel(path string) (*onnx.Model, error) {
	m, err := modelfile.Open(path, modelfile.Options{})
	if err != nil {
		return nil, err
	}
	return m.Graph, nil
}

// Count reads the spec's model and counts it: shapes under the spec's
// dims and input shapes, the forward count under its cost table, the
// training count under its optimizer and frozen parameters. The spec must
// be valid (see Spec.Validate).
func Count(s *Spec) (c *Counts, err error) {
	defer sym.Catch(&err)
	m, err := openModel(s.ModelPath())
	if err != nil {
		return nil, fieldError("model", "%v", err)
	}
	defer m.Close()
	declared := map[string]bool{}
	for _, in := range m.Graph.Inputs {
		declared[in.Name] = true
	}
	opts := shape.Options{Dims: map[string]int64{}, Inputs: map[string][]sym.Expr{}}
	for k, v := range s.Dims {
		opts.Dims[k] = v
	}
	for name, e := range s.shapes {
		if !declared[name] {
			return nil, fieldError("inputs."+name, "the model has no input %q", name)
		}
		opts.Inputs[name] = e
	}
	res, err := shape.Infer(m, opts)
	if err != nil {
		var ud *shape.UnknownDimError
		if errors.As(err, &ud) {
			return nil, fieldError("dims."+ud.Name, "%v", err)
		}
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
		return nil, fmt.Errorf("training count: %w", err)
	}
	c = &Counts{Forward: fwd, Train: tr}
	if len(res.Graph.Inputs) > 0 {
		if in := res.Graph.Inputs[0]; in.Rank > 0 {
			if b0, ok := in.Shape[0].IsConst(); ok && b0 > 0 {
				c.Batch = b0
			}
		}
	}
	return c, nil
}

// Price is the E·D·H arithmetic: the price tag of a spec from the counts
// of its model. It reads no file. The spec must be valid (see
// Spec.Validate).
func Price(s *Spec, c *Counts) (pt *PriceTag, err error) {
	defer sym.Catch(&err)
	fwd, tr := c.Forward, c.Train
	if len(s.Train.Freeze) > 0 && tr.FrozenParams == 0 {
		var names []string
		for _, w := range fwd.Params.Weights {
			names = append(names, w.Name)
		}
		sort.Strings(names)
		return nil, fieldError("train.freeze", "%s matches no parameter (nor all readers of one); parameters are named %s",
			strings.Join(s.Train.Freeze, ", "), joinN(names, 6))
	}
	pt = &PriceTag{Spec: s, Train: tr, Forward: fwd}
	for _, u := range fwd.Uncounted {
		pt.Notes = append(pt.Notes, fmt.Sprintf("forward: node %s (%s) not counted: %s", u.Node, u.OpType, u.Reason))
	}
	for _, n := range fwd.Notes {
		pt.Notes = append(pt.Notes, "forward: "+n)
	}
	for _, u := range tr.Uncounted {
		pt.Notes = append(pt.Notes, fmt.Sprintf("backward: node %s (%s) not counted: %s", u.Node, u.OpType, u.Reason))
	}
	ev, err := newEvaluator(s, c.Batch, fwd.FPO)
	if err != nil {
		return nil, err
	}
	B := s.Train.BatchSize
	if ev.fixed > 0 {
		pt.Notes = append(pt.Notes, fmt.Sprintf("the model's batch is fixed at %d: a batch of b is counted as b/%d times the model's count, exact for per-example work, approximate for the few batch-independent terms (a bias gradient's sum over the batch)", ev.fixed, ev.fixed))
	}
	update := ev.constant(tr.Update)
	// The optimizer update runs once per step whatever the batch size.
	stepFPO := func(b int64) *big.Rat {
		r := new(big.Rat).Add(ev.at(fwd.FPO, b), ev.at(tr.Backward, b))
		return r.Add(r, update)
	}
	stepMACs := func(b int64) *big.Rat { return new(big.Rat).Add(ev.at(fwd.MACs, b), ev.at(tr.BackwardMACs, b)) }
	fwdFPO := func(b int64) *big.Rat { return ev.at(fwd.FPO, b) }
	fwdMACs := func(b int64) *big.Rat { return ev.at(fwd.MACs, b) }

	// E.
	pt.EInfer, pt.EInferMACs = fwdFPO(1), fwdMACs(1)
	pt.StepForward, pt.StepBackward, pt.StepUpdate = fwdFPO(B), ev.at(tr.Backward, B), update
	pt.ETrain = div(stepFPO(B), B)
	pt.ETrainMACs = div(stepMACs(B), B)
	if pt.EInfer.Sign() > 0 {
		pt.Ratio, _ = new(big.Rat).Quo(pt.ETrain, pt.EInfer).Float64()
	}

	// D.
	n := s.Train.Examples
	if s.Train.Unit == "tokens" {
		seq := s.Dims[s.Train.SequenceDim]
		pt.TrainTokens, pt.SequenceLen = n, seq
		if n%seq != 0 {
			pt.Notes = append(pt.Notes, fmt.Sprintf("%d tokens are not a whole number of %d-token sequences: the last %d tokens are dropped", n, seq, n%seq))
		}
		n /= seq
	}
	pt.TrainExamples = big.NewRat(n, 1)
	sched := schedule{n: n, batch: B, dropLast: s.Train.DropLast, steps: s.Train.Steps}
	epochs := s.Train.Epochs
	full, err := sched.trial(epochs)
	if err != nil {
		return nil, fieldError("train.epochs", "%v", err)
	}
	pt.Steps, pt.D = full.steps(), full.examples()
	pt.StepsPerEpoch = sched.perEpoch()
	if s.Train.Steps > 0 {
		epochs = float64(pt.Steps*B) / float64(max(n, 1))
	}
	pt.Epochs = new(big.Rat).SetFloat64(epochs)
	evalRuns := func(epochs float64, steps int64) (batches, error) {
		e := s.Eval
		if e.Examples == 0 {
			return nil, nil
		}
		if e.EverySteps > 0 {
			return schedule{n: e.Examples, batch: e.BatchSize}.epoch().times(steps / e.EverySteps)
		}
		times := math.Floor(epochs/e.EveryEpochs + 1e-9)
		if times > maxCount {
			return nil, fieldError("eval.every_epochs", "%g validations in a trial are too many to count", times)
		}
		return schedule{n: e.Examples, batch: e.BatchSize}.epoch().times(int64(times))
	}
	fullEval, err := evalRuns(epochs, pt.Steps)
	if err != nil {
		return nil, err
	}
	pt.TrainPerTrial = full.sum(stepFPO)
	pt.EvalPerTrial = fullEval.sum(fwdFPO)
	pt.TrialFPO = new(big.Rat).Add(pt.TrainPerTrial, pt.EvalPerTrial)
	pt.TrialMACs = new(big.Rat).Add(full.sum(stepMACs), fullEval.sum(fwdMACs))

	// H.
	pt.H = s.Search.Trials
	trials := make([]batches, 0, len(s.Search.TrialEpochs)) // the training batches of each trial
	evals := make([]batches, 0, len(s.Search.TrialEpochs))
	if len(s.Search.TrialEpochs) > 0 {
		for i, ep := range s.Search.TrialEpochs {
			b, err := sched.trial(ep)
			if err != nil {
				return nil, fieldError(fmt.Sprintf("search.trial_epochs[%d]", i), "%v", err)
			}
			e, err := evalRuns(ep, b.steps())
			if err != nil {
				return nil, err
			}
			trials, evals = append(trials, b), append(evals, e)
		}
	}
	pt.SearchFPOFull = new(big.Rat).Mul(big.NewRat(pt.H, 1), pt.TrialFPO)
	searchSum := func(trainStep, evalStep func(int64) *big.Rat) *big.Rat {
		if len(trials) == 0 {
			r := new(big.Rat).Add(full.sum(trainStep), fullEval.sum(evalStep))
			return r.Mul(r, big.NewRat(pt.H, 1))
		}
		r := new(big.Rat)
		for i := range trials {
			r.Add(r, trials[i].sum(trainStep))
			r.Add(r, evals[i].sum(evalStep))
		}
		return r
	}
	pt.SearchFPO = searchSum(stepFPO, fwdFPO)
	pt.SearchMACs = searchSum(stepMACs, fwdMACs)
	if len(trials) > 0 {
		pt.Saved = new(big.Rat).Sub(pt.SearchFPOFull, pt.SearchFPO)
	}
	if f := tr.Freezing; f != nil {
		fu := ev.constant(f.Update)
		saved := func(b int64) *big.Rat { return new(big.Rat).Add(ev.at(f.Backward, b), fu) }
		none := func(int64) *big.Rat { return new(big.Rat) }
		pt.Freezing = &FreezeSaving{
			StepWeightGrad: ev.at(f.WeightGrad, B), StepInputGrad: ev.at(f.InputGrad, B),
			StepAccumulate: ev.at(f.Accumulate, B), StepUpdate: fu,
			Search: searchSum(saved, none),
		}
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
	pt.Explanation = explain(pt, fwd, tr, ev, fwd.Table)
	if ev.err != nil {
		return nil, ev.overflowError(fwd, tr)
	}
	if s.Hardware.Accelerator != "" {
		pt.Estimate = estimate(s, pt)
	}
	return pt, nil
}

// batch is a number of steps at one batch size.
type batch struct{ count, size int64 }

// batches lists the steps of a run.
type batches []batch

func (bs batches) steps() int64 {
	var n int64
	for _, b := range bs {
		n += b.count
	}
	return n
}

func (bs batches) examples() *big.Rat {
	r := new(big.Rat)
	for _, b := range bs {
		r.Add(r, new(big.Rat).Mul(big.NewRat(b.count, 1), big.NewRat(b.size, 1)))
	}
	return r
}

// sum adds f(size) over every step.
func (bs batches) sum(f func(int64) *big.Rat) *big.Rat {
	r := new(big.Rat)
	for _, b := range bs {
		if b.count > 0 {
			r.Add(r, new(big.Rat).Mul(big.NewRat(b.count, 1), f(b.size)))
		}
	}
	return r
}

// maxCount bounds the steps of a run, so that their sum fits an int64.
const maxCount = 1 << 53

// errTooLong is returned for runs of more than maxCount steps.
var errTooLong = errors.New("more steps than can be counted")

// times repeats the run k times.
func (bs batches) times(k int64) (batches, error) {
	out := make(batches, len(bs))
	for i, b := range bs {
		c, ok := sym.CheckedMul(b.count, k)
		if !ok || c > maxCount {
			return nil, errTooLong
		}
		out[i] = batch{c, b.size}
	}
	return out, nil
}

// schedule splits a data set of n examples into batches.
type schedule struct {
	n, batch int64
	dropLast bool
	steps    int64 // a fixed number of full steps instead of epochs (0: epochs)
}

// epoch is one pass over the data: full batches and the last partial one
// (dropped with dropLast).
func (s schedule) epoch() batches {
	bs := batches{{s.n / s.batch, s.batch}}
	if rem := s.n % s.batch; rem > 0 && !s.dropLast {
		bs = append(bs, batch{1, rem})
	}
	return bs
}

func (s schedule) perEpoch() int64 {
	if s.steps > 0 {
		return 0
	}
	return s.epoch().steps()
}

// trial lists the steps of a trial of the given epochs: whole epochs, then
// the fraction of an epoch rounded to full batches.
func (s schedule) trial(epochs float64) (batches, error) {
	if s.steps > 0 {
		if s.steps > maxCount {
			return nil, errTooLong
		}
		return batches{{s.steps, s.batch}}, nil
	}
	if epochs > maxCount {
		return nil, errTooLong
	}
	whole := math.Floor(epochs)
	bs, err := s.epoch().times(int64(whole))
	if err != nil {
		return nil, err
	}
	if frac := epochs - whole; frac > 0 {
		bs = append(bs, batch{int64(math.Round(frac * float64(s.n/s.batch))), s.batch})
	}
	return bs, nil
}

func div(r *big.Rat, k int64) *big.Rat { return new(big.Rat).Quo(r, big.NewRat(k, 1)) }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// evaluator evaluates counts at a batch size. When the model's batch is
// fixed (its counts do not contain the batch symbol), a batch of b costs
// b/b0 times the model's count for its own batch b0 (1 when unknown). The first evaluation
// error is kept in err.
type evaluator struct {
	batch string
	fixed int64 // b0 when the batch is fixed, else 0
	err   error
	bind  map[string]int64 // the binding of the first error
}

func newEvaluator(s *Spec, batch int64, f sym.Expr) (*evaluator, error) {
	ev := &evaluator{batch: s.BatchDim}
	has := false
	for _, v := range f.Vars() {
		if v != s.BatchDim {
			return nil, fieldError("dims", "the count depends on %q: bind it in dims, or name the batch symbol in batch_dim (symbols: %s)", v, strings.Join(f.Vars(), ", "))
		}
		has = true
	}
	if !has {
		ev.fixed = max(batch, 1)
	}
	return ev, nil
}

// at evaluates a count at batch size b.
func (ev *evaluator) at(e sym.Expr, b int64) *big.Rat {
	if ev.fixed > 0 {
		return new(big.Rat).Mul(ev.constant(e), big.NewRat(b, ev.fixed))
	}
	return ev.eval(e, map[string]int64{ev.batch: b})
}

// constant evaluates a count that does not depend on the batch.
func (ev *evaluator) constant(e sym.Expr) *big.Rat { return ev.eval(e, map[string]int64{}) }

func (ev *evaluator) eval(e sym.Expr, bind map[string]int64) *big.Rat {
	v, err := e.Eval(bind)
	if err != nil {
		if ev.err == nil {
			ev.err, ev.bind = err, bind
		}
		return new(big.Rat)
	}
	return big.NewRat(v, 1)
}

// overflowError explains the first evaluation error: at which batch size,
// and the node (or, for the backward, the operator type) whose count does
// not fit in 64 bits, or where the model's running total stops fitting.
func (ev *evaluator) overflowError(fwd *fpo.Report, tr *train.Report) error {
	var oe *sym.OverflowError
	if !errors.As(ev.err, &oe) {
		return fmt.Errorf("evaluating a count: %w", ev.err)
	}
	at := "with no dim bound"
	if b, ok := ev.bind[ev.batch]; ok {
		at = fmt.Sprintf("at a batch of %d (%s)", b, ev.batch)
	}
	fix := "use a smaller train.batch_size or eval.batch_size, or smaller dims"
	fail := func(where, value string, err error) error {
		return fmt.Errorf("counting %s: %s: %s overflows 64-bit integers (%v); %s", at, where, value, err, fix)
	}
	name := func(nc *fpo.NodeCost) string {
		if nc.Node.Node.Name != "" {
			return fmt.Sprintf("node %q (%s)", nc.Node.Node.Name, nc.Node.Node.OpType)
		}
		return "unnamed " + nc.Node.Node.OpType + " node"
	}
	// A node's own forward count.
	for _, nc := range fwd.Nodes {
		for _, c := range []struct {
			what string
			e    sym.Expr
		}{{"its forward FPO", nc.FPO}, {"its forward MACs", nc.MACs}} {
			if _, err := c.e.Eval(ev.bind); err != nil {
				return fail(name(nc), fmt.Sprintf("%s (%s)", c.what, c.e), err)
			}
		}
	}
	// The forward total: where the running sum stops fitting.
	var sum int64
	for _, nc := range fwd.Nodes {
		if nc.Branch != "" {
			continue
		}
		v, _ := nc.FPO.Eval(ev.bind)
		s, ok := sym.CheckedAdd(sum, v)
		if !ok {
			return fail(name(nc), fmt.Sprintf("the forward FPO total through it (%d + %d)", sum, v), ev.err)
		}
		sum = s
	}
	// The backward, per operator type.
	for _, op := range sortedKeys(tr.BackwardByOp) {
		if _, err := tr.BackwardByOp[op].Eval(ev.bind); err != nil {
			return fail("the "+op+" nodes", fmt.Sprintf("their backward FPO (%s)", tr.BackwardByOp[op]), err)
		}
	}
	return fail("the training step", "the forward plus backward FPO", ev.err)
}
