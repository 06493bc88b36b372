package cost

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/sym"
	"github.com/greenai/greenai/train"
	"github.com/greenai/greenai/units"
)

// explain says, line by line, why E_train/E_infer differs from the common
// rule of thumb of 3 (forward 1×, backward 2×).
func explain(pt *PriceTag, fwd *fpo.Report, tr *train.Report, ev *evaluator, table fpo.Table) []string {
	b := pt.Spec.Train.BatchSize
	if table == (fpo.Table{}) {
		table = fpo.DefaultTable()
	}
	at := func(e sym.Expr) float64 {
		f, _ := ev.at(e, b).Float64()
		return f
	}
	fF, bF, uF := ratFloat(pt.StepForward), ratFloat(pt.StepBackward), ratFloat(pt.StepUpdate)
	if fF == 0 {
		return []string{"the forward pass counts 0 FPO: no ratio"}
	}
	out := []string{fmt.Sprintf("Rule of thumb: training ≈ 3× inference (backward ≈ 2× forward). Here, per step of %d examples: forward %s, backward %s (%s× forward), optimizer update %s (%s× forward): E_train/E_infer = 1 + %s + %s = %.3f.",
		b, units.SI(fF), units.SI(bF), frac(bF/fF), units.SI(uF), frac(uF/fF), frac(bF/fF), frac(uF/fF), pt.Ratio)}
	out = append(out, fmt.Sprintf("Backward = gradients w.r.t. weights %s + gradients w.r.t. activations %s + accumulation of gradients of values read more than once %s.",
		units.SI(at(tr.WeightGrad)), units.SI(at(tr.InputGrad)), units.SI(at(tr.Accumulate))))
	if len(tr.FirstLayerSkips) > 0 {
		out = append(out, fmt.Sprintf("The model's input needs no gradient, so the first layer's input gradient is not computed (%d node(s): %s): backward falls short of 2× by that layer's MACs.", len(tr.FirstLayerSkips), joinN(tr.FirstLayerSkips, 3)))
	}
	if len(tr.Tied) > 0 {
		out = append(out, fmt.Sprintf("Tied weights stored twice (%s) are one parameter each: counted, updated once, their uses' gradients summed.", joinN(tr.Tied, 3)))
	}
	if len(tr.UncheckedTied) > 0 {
		out = append(out, fmt.Sprintf("%s may be tied to the tensor named after ~ but the weights could not be read to check: counted as parameters of their own; if tied, %d trainable parameters.", joinN(tr.UncheckedTied, 3), tr.TrainableParams-tr.UncheckedTiedParams))
	}
	if tr.FrozenParams > 0 {
		out = append(out, fmt.Sprintf("%d parameters are frozen (%s): no weight gradient and no update for them, nor the activation gradients that only led to them.", tr.FrozenParams, joinN(tr.FrozenNames, 4)))
	}
	// Operators whose backward/forward ratio departs most from 2.
	type dev struct {
		op         string
		f, b, diff float64
		rule       bool // a gradient reached the operator
	}
	var devs []dev
	for op, e := range tr.BackwardByOp {
		bb, ff := at(e), 0.0
		if t := fwd.ByOp[op]; t != nil {
			ff = at(t.FPO)
		}
		devs = append(devs, dev{op, ff, bb, bb - 2*ff, true})
	}
	for op, t := range fwd.ByOp {
		if _, ok := tr.BackwardByOp[op]; !ok {
			if ff := at(t.FPO); ff > 0 {
				devs = append(devs, dev{op, ff, 0, -2 * ff, false})
			}
		}
	}
	sort.Slice(devs, func(i, j int) bool {
		if abs(devs[i].diff) != abs(devs[j].diff) {
			return abs(devs[i].diff) > abs(devs[j].diff)
		}
		return devs[i].op < devs[j].op
	})
	for i, d := range devs {
		if i >= 5 || abs(d.diff) < 0.001*fF {
			break
		}
		var ratio string
		switch {
		case !d.rule:
			ratio = "no gradient reaches it"
		case d.b == 0:
			ratio = "its inputs' gradients are dy itself"
		case d.f == 0:
			ratio = "no forward FPO"
		default:
			ratio = fmt.Sprintf("%.2f× its forward", d.b/d.f)
		}
		out = append(out, fmt.Sprintf("%s: forward %s, backward %s (%s): %+.2f%% of the forward total against the 2× rule.", d.op, units.SI(d.f), units.SI(d.b), ratio, 100*d.diff/fF))
	}
	if pu, ok := train.UpdateOps(tr.Optimizer); ok {
		out = append(out, fmt.Sprintf("The %s update costs %s FPO per trainable parameter per step (%d parameters), spread over %d examples.", tr.Optimizer, pu.FPO(&table).String(), tr.TrainableParams, b))
	}
	if len(tr.Uncounted) > 0 {
		out = append(out, fmt.Sprintf("%d node(s) have no backward rule and are missing from the backward count (first: %s %s).", len(tr.Uncounted), tr.Uncounted[0].OpType, tr.Uncounted[0].Node))
	}
	out = append(out, "The loss is not part of the exported graph: its forward and backward are not counted.")
	return out
}

// frac prints a ratio with three decimals, or three significant digits
// when it is below 0.1.
func frac(x float64) string {
	if x == 0 || x >= 0.1 {
		return fmt.Sprintf("%.3f", x)
	}
	return strconv.FormatFloat(x, 'f', int(math.Ceil(-math.Log10(x)))+2, 64)
}

func ratFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func joinN(xs []string, n int) string {
	if len(xs) <= n {
		return fmt.Sprint(xs)
	}
	return fmt.Sprintf("%v and %d more", xs[:n], len(xs)-n)
}

// estimate converts the totals into time and energy on the named hardware.
func estimate(s *Spec, pt *PriceTag) *Estimate {
	hw := s.Hardware
	dev, _ := LookupDevice(hw.Accelerator)
	peak := dev.Peak[hw.Precision] * hw.Utilization * float64(hw.Count)
	sf, _ := pt.SearchFPO.Float64()
	inf, _ := pt.InferenceFPO.Float64()
	e := &Estimate{Device: dev, Count: hw.Count, Precision: hw.Precision, Utilization: hw.Utilization}
	e.SearchSeconds = sf / peak
	e.InferSeconds = inf / peak
	watts := dev.TDP * float64(hw.Count)
	e.SearchKWh = e.SearchSeconds * watts / 3.6e6
	e.InferKWh = e.InferSeconds * watts / 3.6e6
	e.Assumptions = []string{
		fmt.Sprintf("ESTIMATE, not a measurement: time = FPO / (%s peak %s FLOP/s × %d device(s) × %.0f%% utilization).", dev.Name, units.SI(dev.Peak[hw.Precision]), hw.Count, 100*hw.Utilization),
		fmt.Sprintf("Energy = time × TDP (%g W per device): the devices are assumed to draw their thermal design power the whole time; host CPU, memory, networking and cooling (PUE) are not included.", dev.TDP),
		fmt.Sprintf("Peak rate from: %s (dense, no sparsity).", dev.Source),
		"Utilization is the fraction of peak actually achieved; measured values are typically 20–60% for training. Measure a real run with `greenai run` to replace this estimate.",
	}
	if hw.UtilizationDefault {
		e.Assumptions = append(e.Assumptions, fmt.Sprintf("The spec gives no hardware.utilization: %.0f%% is greenai's default, not a property of this run.", 100*DefaultUtilization))
	}
	return e
}

// ratString renders an exact rational: an integer, or a decimal with the exact fraction.
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(3)
}
