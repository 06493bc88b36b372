package ops

import (
	"fmt"
	"math"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Control flow: If, Loop and Scan. Bodies are inferred through
// Ctx.InferSubgraph; a Loop whose trip count can be decided is run iteration
// by iteration so that its outputs (and their contents) are exact.

func init() {
	shape.Register(
		shape.Op{Type: "If", Since: 1, Infer: inferIf},
		shape.Op{Type: "Loop", Since: 1, Infer: inferLoop},
		shape.Op{Type: "Scan", Since: 8, Infer: inferScan8},
		shape.Op{Type: "Scan", Since: 9, Infer: inferScan9},
	)
}

const (
	// maxLoopIterations bounds how many iterations of a Loop (or items of a
	// SequenceMap) are inferred one by one.
	maxLoopIterations = 10000
	// maxLoopWork bounds the node inferences spent running bodies one
	// iteration at a time, for one node.
	maxLoopWork = 1 << 16
	// maxLoopElems bounds the computed contents (elements) those runs produce.
	maxLoopElems = 1 << 24
)

// graphAttr returns a required graph attribute.
func graphAttr(c *shape.Ctx, name string) (*onnx.Graph, error) {
	a := c.Attr(name)
	if a == nil || a.G == nil {
		return nil, fmt.Errorf("attribute %s: missing graph", name)
	}
	return a.G, nil
}

// ---------------------------------------------------------------- If

func inferIf(c *shape.Ctx) error {
	if !c.HasInput(0) {
		return errMissing(0)
	}
	thenG, err := graphAttr(c, "then_branch")
	if err != nil {
		return err
	}
	elseG, err := graphAttr(c, "else_branch")
	if err != nil {
		return err
	}
	if cond, ok := constBool(c.Const(0)); ok {
		attr, g := "else_branch", elseG
		if cond {
			attr, g = "then_branch", thenG
		}
		gr, err := c.InferSubgraph(attr, g, nil, sym.Const(1), 1)
		if err != nil {
			return err
		}
		if len(gr.Outputs) < c.NumOutputs() {
			return fmt.Errorf("%s has %d outputs, the node %d", attr, len(gr.Outputs), c.NumOutputs())
		}
		for i := 0; i < c.NumOutputs(); i++ {
			c.SetOutput(i, gr.Outputs[i].Clone())
		}
		return nil
	}
	tg, err := c.InferSubgraph("then_branch", thenG, nil, sym.Const(1), -1)
	if err != nil {
		return err
	}
	eg, err := c.InferSubgraph("else_branch", elseG, nil, sym.Const(1), -1)
	if err != nil {
		return err
	}
	if len(tg.Outputs) != len(eg.Outputs) {
		return fmt.Errorf("then_branch has %d outputs, else_branch %d", len(tg.Outputs), len(eg.Outputs))
	}
	if len(tg.Outputs) < c.NumOutputs() {
		return fmt.Errorf("the branches have %d outputs, the node %d", len(tg.Outputs), c.NumOutputs())
	}
	for i := 0; i < c.NumOutputs(); i++ {
		c.SetOutput(i, mergeValues(c, []*shape.Value{tg.Outputs[i], eg.Outputs[i]}, "if"))
	}
	c.Note("condition unknown: both branches kept")
	return nil
}

// constBool reads a one-element boolean (or integer) tensor.
func constBool(cv *shape.Const) (bool, bool) {
	if cv == nil || len(cv.Ints) != 1 {
		return false, false
	}
	v, ok := cv.Ints[0].IsConst()
	return v != 0, ok
}

// valueConst returns the contents of a value, reading a small initializer.
func valueConst(c *shape.Ctx, v *shape.Value) *shape.Const {
	if v == nil {
		return nil
	}
	if v.Const != nil || v.Init == nil {
		return v.Const
	}
	n, err := v.Init.NumElements()
	if err != nil || n > int64(c.MaxConstElements()) {
		return nil
	}
	cv, err := shape.ConstFromTensor(v.Init)
	if err != nil {
		return nil
	}
	return cv
}

// scalarInt is an int64 scalar, with known contents when known is set.
func scalarInt(x sym.Expr, known bool) *shape.Value {
	v := shape.Tensor(onnx.Int64)
	if known {
		v.Const = &shape.Const{Ints: []sym.Expr{x}}
	}
	return v
}

// scalarBool is a bool scalar of known contents.
func scalarBool(b bool) *shape.Value {
	v := shape.Tensor(onnx.Bool)
	x := int64(0)
	if b {
		x = 1
	}
	v.Const = &shape.Const{Ints: []sym.Expr{sym.Const(x)}}
	return v
}

// ---------------------------------------------------------------- merging

// stripConst returns v without contents (nil stays nil).
func stripConst(v *shape.Value) *shape.Value {
	if v == nil {
		return nil
	}
	out := v.Clone()
	out.Const = nil
	out.Init = nil
	out.Sparse = nil
	return out
}

// mergeValues returns a type that covers every value of vs (the outputs of
// two If branches, a loop-carried value across iterations, the items of a
// sequence): equal dims stay, dims that differ become a fresh symbol, ranks
// that differ become unknown, contents stay only when all are equal.
func mergeValues(c *shape.Ctx, vs []*shape.Value, hint string) *shape.Value {
	if len(vs) == 0 {
		return shape.Unknown()
	}
	a := vs[0]
	for _, v := range vs {
		if v == nil || v.Kind != a.Kind {
			return shape.Unknown()
		}
	}
	if len(vs) == 1 {
		return a.Clone()
	}
	switch a.Kind {
	case onnx.KindTensor, onnx.KindSparseTensor:
		out := &shape.Value{Kind: a.Kind, DType: commonDType(vs), Rank: -1}
		for _, v := range vs {
			if v.Rank < 0 || v.Rank != a.Rank {
				return out
			}
		}
		out.Rank = a.Rank
		out.Shape = make([]sym.Expr, a.Rank)
		for i := range out.Shape {
			out.Shape[i] = a.Shape[i]
			for _, v := range vs[1:] {
				if !v.Shape[i].Equal(a.Shape[i]) {
					out.Shape[i] = c.Fresh(hint)
					break
				}
			}
		}
		ac := valueConst(c, a)
		same := ac != nil
		for _, v := range vs[1:] {
			if !same || !sameShape(a, v) || !sameConst(ac, valueConst(c, v)) {
				same = false
			}
		}
		if same {
			out.Const = ac
		}
		return out
	case onnx.KindSequence:
		out := &shape.Value{Kind: onnx.KindSequence, Rank: -1, SeqKnown: true}
		var contrib []*shape.Value
		for _, v := range vs {
			contrib = append(contrib, seqContrib(v)...)
			if !v.SeqKnown || len(v.Seq) != len(a.Seq) {
				out.SeqKnown = false
			}
		}
		out.Elem = elemOf(c, contrib, a.Elem, hint)
		if out.SeqKnown {
			out.Seq = make([]*shape.Value, len(a.Seq))
			col := make([]*shape.Value, len(vs))
			for i := range out.Seq {
				for j, v := range vs {
					col[j] = v.Seq[i]
				}
				out.Seq[i] = mergeValues(c, col, hint)
			}
		}
		return out
	case onnx.KindOptional:
		out := &shape.Value{Kind: onnx.KindOptional, Rank: -1, Opt: a.Opt}
		var elems []*shape.Value
		for _, v := range vs {
			if v.Opt != a.Opt {
				out.Opt = shape.OptUnknown
			}
			elems = append(elems, v.Elem)
		}
		out.Elem = mergeValues(c, elems, hint)
		return out
	case onnx.KindMap:
		var elems []*shape.Value
		for _, v := range vs {
			elems = append(elems, v.Elem)
		}
		return &shape.Value{Kind: onnx.KindMap, DType: commonDType(vs), Rank: -1, Elem: mergeValues(c, elems, hint)}
	}
	return shape.Unknown()
}

// commonDType is the element type every value agrees on (undefined ones
// ignored), or Undefined.
func commonDType(vs []*shape.Value) onnx.DataType {
	dt := onnx.Undefined
	for _, v := range vs {
		switch {
		case v.DType == onnx.Undefined:
		case dt == onnx.Undefined:
			dt = v.DType
		case dt != v.DType:
			return onnx.Undefined
		}
	}
	return dt
}

// seqContrib lists what constrains a sequence's item type: its items when
// they are known, otherwise its element type.
func seqContrib(v *shape.Value) []*shape.Value {
	if v.SeqKnown {
		return v.Seq
	}
	if v.Elem == nil {
		return []*shape.Value{shape.Unknown()}
	}
	return []*shape.Value{v.Elem}
}

// elemOf is the common item type of items (without contents), or the
// fallback's type when there is no item.
func elemOf(c *shape.Ctx, items []*shape.Value, fallback *shape.Value, hint string) *shape.Value {
	if len(items) == 0 {
		if fallback == nil {
			return shape.Unknown()
		}
		return stripConst(fallback)
	}
	stripped := make([]*shape.Value, len(items))
	for i, it := range items {
		stripped[i] = stripConst(it)
	}
	return mergeValues(c, stripped, hint)
}

func sameShape(a, b *shape.Value) bool {
	return a.Rank == b.Rank && equalEach(a.Shape, b.Shape, sym.Expr.Equal)
}

func sameConst(a, b *shape.Const) bool {
	if a == nil || b == nil {
		return a == b
	}
	switch {
	case a.Len() != b.Len():
		return false
	case a.Len() == 0:
		return true
	case a.Ints != nil:
		return equalEach(a.Ints, b.Ints, sym.Expr.Equal)
	case a.Floats != nil:
		return equalEach(a.Floats, b.Floats, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
	}
	return equalEach(a.Strs, b.Strs, func(x, y string) bool { return x == y })
}

// equalEach reports whether a and b have the same length and equal entries.
func equalEach[T any](a, b []T, eq func(T, T) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !eq(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameValue reports whether two values are the same type with the same
// shape, contents, items and optional state.
func sameValue(a, b *shape.Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.DType != b.DType || !sameShape(a, b) || !sameConst(a.Const, b.Const) ||
		a.SeqKnown != b.SeqKnown || len(a.Seq) != len(b.Seq) || a.Opt != b.Opt || !sameValue(a.Elem, b.Elem) {
		return false
	}
	for i := range a.Seq {
		if !sameValue(a.Seq[i], b.Seq[i]) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------- body runs

// bodySignature describes the types of every value a body computes, so runs
// with the same signature cost the same.
func bodySignature(gr *shape.GraphResult) string {
	var b strings.Builder
	for _, in := range gr.Inputs {
		b.WriteString(shape.TypeString(in))
		b.WriteByte(';')
	}
	for _, n := range gr.Nodes {
		for _, o := range n.Outputs {
			b.WriteString(shape.TypeString(o))
			b.WriteByte(',')
		}
		for _, s := range n.Subgraphs {
			fmt.Fprintf(&b, "{%s %d*%s %s}", s.Attr, s.Taken, s.Trips.String(), bodySignature(s.Graph))
		}
		b.WriteByte(';')
	}
	return b.String()
}

// bodyFailed reports whether inferring a body failed at some node.
func bodyFailed(gr *shape.GraphResult) bool {
	for _, n := range gr.Nodes {
		for _, note := range n.Notes {
			if strings.HasPrefix(note, "inference failed") {
				return true
			}
		}
		for _, s := range n.Subgraphs {
			if bodyFailed(s.Graph) {
				return true
			}
		}
	}
	return false
}

// bodyRuns collects the bodies inferred once per iteration and keeps, in
// the node's record, the first with the trip count when every run has the
// same types, otherwise every run with a trip count of 1, so that what the
// body costs is counted exactly, iteration by iteration.
type bodyRuns struct {
	attr   string
	g      *onnx.Graph
	prev   []*shape.Subgraph
	first  *shape.Subgraph
	runs   []*shape.Subgraph // every iteration's record
	sig    string
	varied bool
	inputs [][]*shape.Value
	work   int
	elems  int
}

func newBodyRuns(c *shape.Ctx, attr string, g *onnx.Graph) *bodyRuns {
	return &bodyRuns{attr: attr, g: g, prev: append([]*shape.Subgraph(nil), c.Subgraphs()...)}
}

// run infers one iteration. ok is false when the budget is spent or the
// body failed; the caller then gives up iterating (see abort).
func (r *bodyRuns) run(c *shape.Ctx, ins []*shape.Value) (*shape.GraphResult, bool) {
	if len(r.inputs) >= maxLoopIterations || r.work > maxLoopWork || r.elems > maxLoopElems {
		return nil, false
	}
	gr, err := c.InferSubgraph(r.attr, r.g, ins, sym.Const(1), 1)
	if err != nil {
		return nil, false
	}
	r.work += len(gr.Nodes) + 1
	for _, n := range gr.Nodes {
		for _, o := range n.Outputs {
			if o != nil && o.Const != nil {
				r.elems += o.Const.Len()
			}
		}
	}
	subs := c.Subgraphs()
	sig := bodySignature(gr)
	rec := subs[len(subs)-1]
	r.runs = append(r.runs, rec)
	c.ReplaceSubgraphs(subs[:len(subs)-1]) // recorded again by finish
	if r.first == nil {
		r.first, r.sig = rec, sig
	} else if sig != r.sig {
		r.varied = true
	}
	r.inputs = append(r.inputs, ins)
	if bodyFailed(gr) {
		return gr, false
	}
	return gr, true
}

// abort forgets every run.
func (r *bodyRuns) abort(c *shape.Ctx) { c.ReplaceSubgraphs(r.prev) }

// finish records one body for all runs, with the given trip count.
func (r *bodyRuns) finish(c *shape.Ctx, trips sym.Expr) error {
	if r.first == nil {
		return nil
	}
	if !r.varied {
		r.first.Trips = trips
		r.first.Taken = takenFor(trips)
		c.ReplaceSubgraphs(append(append([]*shape.Subgraph(nil), r.prev...), r.first))
		return nil
	}
	if n, ok := trips.IsConst(); ok && n == int64(len(r.runs)) {
		for _, rec := range r.runs {
			rec.Trips, rec.Taken = sym.Const(1), 1
		}
		c.ReplaceSubgraphs(append(append([]*shape.Subgraph(nil), r.prev...), r.runs...))
		c.Note("%s: shapes change across the %d iterations; each iteration's body is recorded", r.attr, len(r.runs))
		return nil
	}
	gen := make([]*shape.Value, len(r.inputs[0]))
	col := make([]*shape.Value, len(r.inputs))
	for j := range gen {
		for i, ins := range r.inputs {
			col[i] = ins[j]
		}
		gen[j] = mergeValues(c, col, "iter")
	}
	c.ReplaceSubgraphs(r.prev)
	if _, err := c.InferSubgraph(r.attr, r.g, gen, trips, takenFor(trips)); err != nil {
		return err
	}
	c.Note("%s: shapes change across the %d iterations; the recorded body is generalized over them", r.attr, len(r.inputs))
	return nil
}

// takenFor is Subgraph.Taken for a body run trips times.
func takenFor(trips sym.Expr) int {
	if v, ok := trips.IsConst(); ok {
		if v > 0 {
			return 1
		}
		return 0
	}
	return 1
}

// setLastTrips sets the trip count of the body recorded last.
func setLastTrips(c *shape.Ctx, trips sym.Expr, taken int) {
	subs := c.Subgraphs()
	if len(subs) > 0 {
		subs[len(subs)-1].Trips = trips
		subs[len(subs)-1].Taken = taken
	}
}

// stack builds the scan output of a loop from its per-iteration values:
// a new leading axis of n, with contents when all are known.
func stack(c *shape.Ctx, items []*shape.Value, n sym.Expr, elem *shape.Value, hint string) *shape.Value {
	if len(items) > 0 {
		elem = mergeValues(c, items, hint)
		if !elem.HasShape() || !allSameShape(items) {
			c.Note("%s: the per-iteration values do not all have the same shape", hint)
		}
	}
	if elem == nil || !elem.IsTensor() {
		return shape.Unknown()
	}
	if !elem.HasShape() {
		return shape.UnknownRank(elem.DType)
	}
	out := shape.Tensor(elem.DType, append([]sym.Expr{n}, elem.Shape...)...)
	if len(items) == 0 {
		return out
	}
	if cv := concatItems(c, items, 0, true); cv != nil {
		out.Const = cv
	}
	return out
}

func allSameShape(items []*shape.Value) bool {
	for _, it := range items[1:] {
		if !sameShape(items[0], it) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------- Loop

func inferLoop(c *shape.Ctx) error {
	body, err := graphAttr(c, "body")
	if err != nil {
		return err
	}
	nCarried := c.NumInputs() - 2
	if nCarried < 0 {
		nCarried = 0
	}
	if len(body.Inputs) != 2+nCarried {
		return fmt.Errorf("body has %d inputs, want %d (iteration number, condition and %d loop-carried values)", len(body.Inputs), 2+nCarried, nCarried)
	}
	nScan := len(body.Outputs) - 1 - nCarried
	if nScan < 0 {
		return fmt.Errorf("body has %d outputs, want at least %d (condition and %d loop-carried values)", len(body.Outputs), 1+nCarried, nCarried)
	}
	if c.NumOutputs() > nCarried+nScan {
		return fmt.Errorf("the node has %d outputs, the body gives %d", c.NumOutputs(), nCarried+nScan)
	}
	if c.HasInput(0) {
		if m := c.Input(0); m.IsTensor() && m.HasShape() && m.Rank > 1 {
			return fmt.Errorf("input 0 (M): rank %d, want a scalar", m.Rank)
		}
	}
	init := make([]*shape.Value, nCarried)
	for j := range init {
		if init[j] = c.Input(2 + j); init[j] == nil {
			return fmt.Errorf("loop-carried input %d (input %d) is missing", j, 2+j)
		}
	}
	if loopExact(c, body, init, nScan) {
		return nil
	}
	return loopSymbolic(c, body, init, nScan)
}

// loopOutputs sets the node's outputs from the final carried values and the
// scan outputs.
func loopOutputs(c *shape.Ctx, carried, scans []*shape.Value) {
	for j, v := range carried {
		c.SetOutput(j, v.Clone())
	}
	for k, v := range scans {
		c.SetOutput(len(carried)+k, v)
	}
}

// loopExact runs the body iteration by iteration when the number of
// iterations can be decided (M and cond known, and each iteration's
// condition known), so that every output is exact.
func loopExact(c *shape.Ctx, body *onnx.Graph, init []*shape.Value, nScan int) bool {
	cond, condGiven := true, c.HasInput(1)
	if condGiven {
		var ok bool
		if cond, ok = constBool(c.Const(1)); !ok {
			return false
		}
	}
	maxTrip := int64(math.MaxInt64)
	if c.HasInput(0) {
		m, ok := c.ConstInt64s(0)
		switch {
		case ok && len(m) == 1:
			maxTrip = m[0]
		case cond:
			return false
		}
	}
	nCarried := len(init)
	carried := init
	perIter := make([][]*shape.Value, nScan)
	runs := newBodyRuns(c, "body", body)
	var n int64
	for ; n < maxTrip && cond; n++ {
		ins := append([]*shape.Value{scalarInt(sym.Const(n), true), scalarBool(cond)}, carried...)
		gr, ok := runs.run(c, ins)
		if !ok {
			runs.abort(c)
			return false
		}
		if b, ok := constBool(valueConst(c, gr.Outputs[0])); ok {
			cond = b
		} else if condGiven {
			// The body's condition decides; without it the count is unknown.
			runs.abort(c)
			return false
		}
		// Without a cond input the body's condition is ignored unless it is
		// known to be false (as runtimes stop then).
		carried = gr.Outputs[1 : 1+nCarried]
		for k := range perIter {
			perIter[k] = append(perIter[k], gr.Outputs[1+nCarried+k])
		}
	}
	scans := make([]*shape.Value, nScan)
	if n == 0 {
		// The body never runs: infer it once for the scan outputs' types.
		ins := append([]*shape.Value{scalarInt(sym.Expr{}, false), scalarBool(cond)}, init...)
		gr, err := c.InferSubgraph("body", body, stripAll(ins), sym.Const(0), 0)
		if err != nil {
			return false
		}
		for k := range scans {
			scans[k] = stack(c, nil, sym.Const(0), gr.Outputs[1+nCarried+k], fmt.Sprintf("scan output %d", k))
		}
		loopOutputs(c, init, scans)
		return true
	}
	if err := runs.finish(c, sym.Const(n)); err != nil {
		return false
	}
	for k := range scans {
		scans[k] = stack(c, perIter[k], sym.Const(n), nil, fmt.Sprintf("scan output %d", k))
	}
	loopOutputs(c, carried, scans)
	return true
}

func stripAll(vs []*shape.Value) []*shape.Value {
	out := make([]*shape.Value, len(vs))
	for i, v := range vs {
		out[i] = stripConst(v)
	}
	return out
}

// loopSymbolic infers a Loop whose iteration count is not known: the body is
// inferred with the initial values, then with values generalized over what
// the iterations produce, until they no longer change.
func loopSymbolic(c *shape.Ctx, body *onnx.Graph, init []*shape.Value, nScan int) error {
	nCarried := len(init)
	condIn := scalarBool(true)
	condGiven := c.HasInput(1)
	condTrue := !condGiven
	if condGiven {
		condIn = stripConst(c.Input(1))
		if b, ok := constBool(c.Const(1)); ok {
			condIn = scalarBool(b)
			condTrue = b
		}
	}
	cur := append([]*shape.Value{scalarInt(sym.Expr{}, false), condIn}, init...)
	var gr *shape.GraphResult
	var scanSeen [][]*shape.Value = make([][]*shape.Value, nScan)
	prev := append([]*shape.Subgraph(nil), c.Subgraphs()...)
	const rounds = 3
	stable := false
	for r := 0; r < rounds && !stable; r++ {
		c.ReplaceSubgraphs(prev)
		var err error
		gr, err = c.InferSubgraph("body", body, cur, sym.Const(1), -1)
		if err != nil {
			return err
		}
		for k := range scanSeen {
			scanSeen[k] = append(scanSeen[k], stripConst(gr.Outputs[1+nCarried+k]))
		}
		next := make([]*shape.Value, len(cur))
		next[0] = cur[0]
		stable = true
		for j := 1; j < len(cur); j++ {
			next[j] = mergeValues(c, []*shape.Value{cur[j], gr.Outputs[j-1]}, "loop")
			if !sameValue(next[j], cur[j]) {
				stable = false
			}
		}
		if !stable {
			cur = next
		}
	}
	if !stable {
		c.Note("loop-carried values keep changing shape: their changing dims are unknown")
	}
	// The trip count is M when the condition cannot stop the loop: without
	// a cond input, or when it stays true.
	if condGiven {
		b, ok := constBool(cur[1].Const)
		condTrue = condTrue && ok && b
	}
	var trips sym.Expr
	taken := -1
	if ms, ok := c.ConstInts(0); ok && len(ms) == 1 && condTrue {
		trips, taken = ms[0], takenFor(ms[0])
	} else {
		// The body runs an unknown number of times: a symbol (which may be
		// 0), not a branch that may or may not run.
		trips, taken = c.Fresh("trips"), 1
		c.Note("the number of iterations is not known: counted as %s", trips)
	}
	setLastTrips(c, trips, taken)
	scans := make([]*shape.Value, nScan)
	for k := range scans {
		scans[k] = stack(c, nil, trips, mergeValues(c, scanSeen[k], "scan"), "")
	}
	carried := make([]*shape.Value, nCarried)
	for j := range carried {
		carried[j] = cur[2+j]
	}
	loopOutputs(c, carried, scans)
	return nil
}

// ---------------------------------------------------------------- Scan

// removeAxes returns v's type without the given (normalized) axes.
func removeAxes(v *shape.Value, axes ...int) *shape.Value {
	if !v.HasShape() {
		return shape.UnknownRank(v.DType)
	}
	var s []sym.Expr
	for i, d := range v.Shape {
		skip := false
		for _, a := range axes {
			if i == a {
				skip = true
			}
		}
		if !skip {
			s = append(s, d)
		}
	}
	return shape.Tensor(v.DType, s...)
}

// insertAxis returns v's type with d inserted at axis (normalized against
// the result's rank).
func insertAxis(v *shape.Value, axis int64, d sym.Expr) (*shape.Value, error) {
	if v == nil || !v.IsTensor() {
		return shape.Unknown(), nil
	}
	if !v.HasShape() {
		return shape.UnknownRank(v.DType), nil
	}
	a, err := shape.NormAxis(axis, v.Rank+1)
	if err != nil {
		return nil, err
	}
	s := append([]sym.Expr{}, v.Shape[:a]...)
	s = append(s, d)
	s = append(s, v.Shape[a:]...)
	return shape.Tensor(v.DType, s...), nil
}

// scanLength reads the common length of the scan inputs along their axes,
// checking that concrete lengths agree.
func scanLength(c *shape.Ctx, lens []sym.Expr) (sym.Expr, error) {
	var l sym.Expr
	found := false
	for _, x := range lens {
		if !found {
			l, found = x, true
			continue
		}
		a, aok := l.IsConst()
		b, bok := x.IsConst()
		if aok && bok && a != b {
			return sym.Expr{}, fmt.Errorf("scan inputs have lengths %d and %d", a, b)
		}
		if !aok && bok {
			l = x
		}
	}
	if !found {
		return c.Fresh("scan_len"), nil
	}
	return l, nil
}

func inferScan9(c *shape.Ctx) error {
	body, err := graphAttr(c, "body")
	if err != nil {
		return err
	}
	m := int(c.AttrInt("num_scan_inputs", 0))
	n := c.NumInputs() - m
	if m < 1 || n < 0 {
		return fmt.Errorf("num_scan_inputs %d with %d inputs", m, c.NumInputs())
	}
	if len(body.Inputs) != n+m {
		return fmt.Errorf("body has %d inputs, want %d", len(body.Inputs), n+m)
	}
	k := len(body.Outputs) - n
	if k < 0 || c.NumOutputs() > n+k {
		return fmt.Errorf("body has %d outputs for %d states and the node %d outputs", len(body.Outputs), n, c.NumOutputs())
	}
	inAxes, ok := c.AttrInts("scan_input_axes")
	if !ok {
		inAxes = make([]int64, m)
	}
	outAxes, ok := c.AttrInts("scan_output_axes")
	if !ok {
		outAxes = make([]int64, k)
	}
	if len(inAxes) != m || len(outAxes) != k {
		return fmt.Errorf("scan_input_axes has %d entries for %d scan inputs, scan_output_axes %d for %d scan outputs", len(inAxes), m, len(outAxes), k)
	}
	if d, ok := c.AttrInts("scan_input_directions"); ok && len(d) != m {
		return fmt.Errorf("scan_input_directions has %d entries for %d scan inputs", len(d), m)
	}
	if d, ok := c.AttrInts("scan_output_directions"); ok && len(d) != k {
		return fmt.Errorf("scan_output_directions has %d entries for %d scan outputs", len(d), k)
	}
	ins := make([]*shape.Value, n+m)
	for i := 0; i < n; i++ {
		if !c.HasInput(i) {
			return errMissing(i)
		}
		ins[i] = stripConst(c.Input(i))
	}
	var lens []sym.Expr
	for j := 0; j < m; j++ {
		v := c.Input(n + j)
		if v == nil {
			return errMissing(n + j)
		}
		if !v.HasShape() {
			ins[n+j] = shape.UnknownRank(v.DType)
			continue
		}
		ax, err := shape.NormAxis(inAxes[j], v.Rank)
		if err != nil {
			return fmt.Errorf("scan input %d: %w", j, err)
		}
		lens = append(lens, v.Shape[ax])
		ins[n+j] = removeAxes(v, ax)
	}
	l, err := scanLength(c, lens)
	if err != nil {
		return err
	}
	gr, err := c.InferSubgraph("body", body, ins, l, takenFor(l))
	if err != nil {
		return err
	}
	for i := 0; i < n && i < c.NumOutputs(); i++ {
		c.SetOutput(i, scanState(c, i, gr.Outputs[i], l))
	}
	for j := 0; j < k && n+j < c.NumOutputs(); j++ {
		out, err := insertAxis(gr.Outputs[n+j], outAxes[j], l)
		if err != nil {
			return fmt.Errorf("scan output %d: %w", j, err)
		}
		c.SetOutput(n+j, out)
	}
	return nil
}

// scanState is the final value of state variable i: its initial value when
// the scan is empty, otherwise what the body yields (which must keep the shape).
func scanState(c *shape.Ctx, i int, out *shape.Value, l sym.Expr) *shape.Value {
	in := c.Input(i)
	if v, ok := l.IsConst(); ok && v == 0 {
		return in.Clone()
	}
	if in.IsTensor() && out.IsTensor() && in.HasShape() && out.HasShape() && !sameShape(in, out) {
		c.Note("state %d changes shape from %s to %s in the body", i, shape.ShapeString(in), shape.ShapeString(out))
		return mergeValues(c, []*shape.Value{stripConst(in), stripConst(out)}, "state")
	}
	return stripConst(out)
}

func inferScan8(c *shape.Ctx) error {
	body, err := graphAttr(c, "body")
	if err != nil {
		return err
	}
	m := int(c.AttrInt("num_scan_inputs", 0))
	n := c.NumInputs() - 1 - m
	if m < 1 || n < 0 {
		return fmt.Errorf("num_scan_inputs %d with %d inputs", m, c.NumInputs())
	}
	if len(body.Inputs) != n+m {
		return fmt.Errorf("body has %d inputs, want %d", len(body.Inputs), n+m)
	}
	k := len(body.Outputs) - n
	if k < 0 || c.NumOutputs() > n+k {
		return fmt.Errorf("body has %d outputs for %d states and the node %d outputs", len(body.Outputs), n, c.NumOutputs())
	}
	ins := make([]*shape.Value, n+m)
	var batches, lens []sym.Expr
	for i := 0; i < n+m; i++ {
		v := c.Input(1 + i)
		if v == nil {
			return errMissing(1 + i)
		}
		minRank, axes := 1, "a batch axis"
		if i >= n {
			minRank, axes = 2, "batch and sequence axes"
		}
		if !v.HasShape() {
			ins[i] = shape.UnknownRank(v.DType)
			continue
		}
		if v.Rank < minRank {
			return fmt.Errorf("input %d: rank %d, want at least %d (%s)", 1+i, v.Rank, minRank, axes)
		}
		batches = append(batches, v.Shape[0])
		if i < n {
			ins[i] = removeAxes(v, 0)
		} else {
			lens = append(lens, v.Shape[1])
			ins[i] = removeAxes(v, 0, 1)
		}
	}
	b, err := scanLength(c, batches)
	if err != nil {
		return fmt.Errorf("batch sizes: %w", err)
	}
	l, err := scanLength(c, lens)
	if err != nil {
		return err
	}
	trips := b.Mul(l)
	if c.HasInput(0) {
		if sl, ok := c.ConstInts(0); ok {
			trips = sym.Sum(sl...)
		}
	}
	gr, err := c.InferSubgraph("body", body, ins, trips, takenFor(trips))
	if err != nil {
		return err
	}
	for i := 0; i < n+k && i < c.NumOutputs(); i++ {
		o := gr.Outputs[i]
		var out *shape.Value
		if i < n {
			out, err = insertAxis(stripConst(o), 0, b)
		} else if out, err = insertAxis(o, 0, l); err == nil {
			out, err = insertAxis(out, 0, b)
		}
		if err != nil {
			return fmt.Errorf("output %d: %w", i, err)
		}
		c.SetOutput(i, out)
	}
	return nil
}
