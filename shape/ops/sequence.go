package ops

import (
	"fmt"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Sequences: a sequence value tracks its items (Seq, SeqKnown) whenever
// their number is known, and their common type (Elem) always.

func init() {
	shape.Register(
		shape.Op{Type: "SequenceEmpty", Since: 11, Infer: inferSequenceEmpty},
		shape.Op{Type: "SequenceConstruct", Since: 11, Infer: inferSequenceConstruct},
		shape.Op{Type: "SequenceInsert", Since: 11, Infer: inferSequenceInsert},
		shape.Op{Type: "SequenceAt", Since: 11, Infer: inferSequenceAt},
		shape.Op{Type: "SequenceErase", Since: 11, Infer: inferSequenceErase},
		shape.Op{Type: "SequenceLength", Since: 11, Infer: inferSequenceLength},
		shape.Op{Type: "SplitToSequence", Since: 11, Infer: inferSplitToSequence},
		shape.Op{Type: "ConcatFromSequence", Since: 11, Infer: inferConcatFromSequence},
		shape.Op{Type: "SequenceMap", Since: 17, Infer: inferSequenceMap},
	)
}

// knownSeq returns a sequence of known items.
func knownSeq(c *shape.Ctx, items []*shape.Value, fallback *shape.Value) *shape.Value {
	if items == nil {
		items = []*shape.Value{}
	}
	return &shape.Value{Kind: onnx.KindSequence, Rank: -1, Seq: items, SeqKnown: true, Elem: elemOf(c, items, fallback, "item")}
}

// seqInput returns input i as a sequence (a value of unknown kind is taken
// as a sequence of unknown items).
func seqInput(c *shape.Ctx, i int) (*shape.Value, error) {
	v := c.Input(i)
	if v == nil {
		return nil, errMissing(i)
	}
	switch v.Kind {
	case onnx.KindSequence:
		if v.Elem == nil {
			w := *v
			w.Elem = shape.Unknown()
			return &w, nil
		}
		return v, nil
	case onnx.KindUnknown:
		return shape.SequenceOf(shape.Unknown()), nil
	}
	return nil, fmt.Errorf("input %d: %s, want a sequence", i, shape.TypeString(v))
}

// seqElemType is what is known of any item of seq.
func seqElemType(c *shape.Ctx, seq *shape.Value) *shape.Value {
	if seq.SeqKnown {
		return elemOf(c, seq.Seq, seq.Elem, "item")
	}
	return stripConst(seq.Elem)
}

// position reads a scalar (or one-element) position input. present is false
// when the input is omitted; known when its value is known.
func position(c *shape.Ctx, i int) (pos int64, present, known bool, err error) {
	v := c.Input(i)
	if v == nil {
		return 0, false, false, nil
	}
	if v.IsTensor() && v.DType != onnx.Undefined && v.DType != onnx.Int32 && v.DType != onnx.Int64 {
		return 0, true, false, fmt.Errorf("input %d (position): %s, want int32 or int64", i, v.DType)
	}
	if n, ok := v.NumElements(); ok {
		if k, ok := n.IsConst(); ok && k != 1 {
			return 0, true, false, fmt.Errorf("input %d (position): shape %s, want a scalar", i, shape.ShapeString(v))
		}
	}
	xs, ok := c.ConstInt64s(i)
	if !ok || len(xs) != 1 {
		return 0, true, false, nil
	}
	return xs[0], true, true, nil
}

// normPos maps a position into [0, n) (or [0, n] when end is allowed).
func normPos(pos int64, n int, end bool) (int, error) {
	hi := int64(n)
	if !end {
		hi--
	}
	if pos < -int64(n) || pos > hi {
		return 0, fmt.Errorf("position %d out of range for a sequence of %d items", pos, n)
	}
	if pos < 0 {
		pos += int64(n)
	}
	return int(pos), nil
}

func checkItemType(seq, t *shape.Value) error {
	if seq.Elem != nil && seq.Elem.DType != onnx.Undefined && t.DType != onnx.Undefined && seq.Elem.DType != t.DType {
		return fmt.Errorf("tensor of %s into a sequence of %s", t.DType, seq.Elem.DType)
	}
	return nil
}

func inferSequenceEmpty(c *shape.Ctx) error {
	dt := onnx.DataType(c.AttrInt("dtype", int64(onnx.Float)))
	c.SetOutput(0, knownSeq(c, nil, shape.UnknownRank(dt)))
	return nil
}

func inferSequenceConstruct(c *shape.Ctx) error {
	if c.NumInputs() == 0 {
		return fmt.Errorf("no inputs")
	}
	items := make([]*shape.Value, c.NumInputs())
	for i := range items {
		v := c.Input(i)
		if v == nil {
			return errMissing(i)
		}
		if v.Kind != onnx.KindTensor && v.Kind != onnx.KindUnknown {
			return fmt.Errorf("input %d: %s, want a tensor", i, shape.TypeString(v))
		}
		if i > 0 && v.DType != items[0].DType && v.DType != onnx.Undefined && items[0].DType != onnx.Undefined {
			return fmt.Errorf("input %d: %s, input 0 %s: items must share their type", i, v.DType, items[0].DType)
		}
		items[i] = v.Clone()
	}
	c.SetOutput(0, knownSeq(c, items, nil))
	return nil
}

func inferSequenceInsert(c *shape.Ctx) error {
	seq, err := seqInput(c, 0)
	if err != nil {
		return err
	}
	t := c.Input(1)
	if t == nil {
		return errMissing(1)
	}
	if err := checkItemType(seq, t); err != nil {
		return err
	}
	pos, present, known, err := position(c, 2)
	if err != nil {
		return err
	}
	if seq.SeqKnown && (!present || known) {
		at := len(seq.Seq)
		if present {
			if at, err = normPos(pos, len(seq.Seq), true); err != nil {
				return err
			}
		}
		items := make([]*shape.Value, 0, len(seq.Seq)+1)
		items = append(items, seq.Seq[:at]...)
		items = append(items, t.Clone())
		items = append(items, seq.Seq[at:]...)
		c.SetOutput(0, knownSeq(c, items, seq.Elem))
		return nil
	}
	elems := append(append([]*shape.Value(nil), seqContrib(seq)...), t)
	c.SetOutput(0, shape.SequenceOf(elemOf(c, elems, nil, "item")))
	return nil
}

func inferSequenceAt(c *shape.Ctx) error {
	seq, err := seqInput(c, 0)
	if err != nil {
		return err
	}
	if !c.HasInput(1) {
		return errMissing(1)
	}
	pos, _, known, err := position(c, 1)
	if err != nil {
		return err
	}
	if seq.SeqKnown {
		if len(seq.Seq) == 0 {
			return fmt.Errorf("the sequence is empty")
		}
		if known {
			at, err := normPos(pos, len(seq.Seq), false)
			if err != nil {
				return err
			}
			c.SetOutput(0, seq.Seq[at].Clone())
			return nil
		}
	}
	c.SetOutput(0, seqElemType(c, seq))
	return nil
}

func inferSequenceErase(c *shape.Ctx) error {
	seq, err := seqInput(c, 0)
	if err != nil {
		return err
	}
	pos, present, known, err := position(c, 1)
	if err != nil {
		return err
	}
	if seq.SeqKnown && (!present || known) {
		if len(seq.Seq) == 0 {
			return fmt.Errorf("cannot erase from an empty sequence")
		}
		at := len(seq.Seq) - 1
		if present {
			if at, err = normPos(pos, len(seq.Seq), false); err != nil {
				return err
			}
		}
		items := append(append([]*shape.Value{}, seq.Seq[:at]...), seq.Seq[at+1:]...)
		c.SetOutput(0, knownSeq(c, items, seq.Elem))
		return nil
	}
	c.SetOutput(0, shape.SequenceOf(seqElemType(c, seq)))
	return nil
}

func inferSequenceLength(c *shape.Ctx) error {
	seq, err := seqInput(c, 0)
	if err != nil {
		return err
	}
	out := shape.Tensor(onnx.Int64)
	if seq.SeqKnown {
		out.Const = &shape.Const{Ints: []sym.Expr{sym.Const(int64(len(seq.Seq)))}}
	}
	c.SetOutput(0, out)
	return nil
}

// ---------------------------------------------------------------- SplitToSequence

func inferSplitToSequence(c *shape.Ctx) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	if !x.HasShape() {
		c.SetOutput(0, shape.SequenceOf(shape.UnknownRank(x.DType)))
		return nil
	}
	if x.Rank == 0 {
		return fmt.Errorf("input 0: a scalar cannot be split")
	}
	ax, err := shape.NormAxis(c.AttrInt("axis", 0), x.Rank)
	if err != nil {
		return err
	}
	d := x.Shape[ax]
	item := func(size sym.Expr, keep bool) *shape.Value {
		s := append([]sym.Expr{}, x.Shape...)
		if !keep {
			return removeAxes(x, ax)
		}
		s[ax] = size
		return shape.Tensor(x.DType, s...)
	}
	var sizes []sym.Expr // nil: the number of items is unknown
	var elem *shape.Value
	if sv := c.Input(1); sv == nil {
		keep := c.AttrInt("keepdims", 1) != 0
		elem = item(sym.Const(1), keep)
		if n, ok := d.IsConst(); ok {
			sizes = make([]sym.Expr, n)
			for i := range sizes {
				sizes[i] = sym.Const(1)
			}
		}
		if !keep {
			return setSplitSeq(c, x, ax, sizes, elem, false)
		}
	} else {
		if sv.DType != onnx.Undefined && sv.DType != onnx.Int32 && sv.DType != onnx.Int64 {
			return fmt.Errorf("input 1 (split): %s, want int32 or int64", sv.DType)
		}
		split, known := c.ConstInts(1)
		switch {
		case sv.HasShape() && sv.Rank == 0:
			if known && len(split) == 1 {
				sizes = chunkSizes(d, split[0])
				if sizes == nil {
					if s, ok := split[0].IsConst(); ok && s <= 0 {
						return fmt.Errorf("split %d: must be positive", s)
					}
				}
			}
			elem = item(c.Fresh("split"), true)
		case sv.HasShape() && sv.Rank == 1:
			if known {
				sizes = split
				if err := checkSplitSum(d, split); err != nil {
					return err
				}
			} else if k, ok := sv.Shape[0].IsConst(); ok {
				sizes = make([]sym.Expr, k)
				for i := range sizes {
					sizes[i] = c.Fresh("split")
				}
			}
			elem = item(c.Fresh("split"), true)
		case sv.HasShape():
			return fmt.Errorf("input 1 (split): rank %d, want 0 or 1", sv.Rank)
		default:
			elem = item(c.Fresh("split"), true)
		}
	}
	return setSplitSeq(c, x, ax, sizes, elem, true)
}

// chunkSizes splits d into chunks of s (the last one smaller), when both are concrete.
func chunkSizes(d, s sym.Expr) []sym.Expr {
	dv, dok := d.IsConst()
	sv, sok := s.IsConst()
	if !dok || !sok || sv <= 0 {
		return nil
	}
	sizes := []sym.Expr{}
	for off := int64(0); off < dv; off += sv {
		sizes = append(sizes, sym.Const(min(sv, dv-off)))
	}
	return sizes
}

func checkSplitSum(d sym.Expr, split []sym.Expr) error {
	for _, s := range split {
		if v, ok := s.IsConst(); ok && v < 0 {
			return fmt.Errorf("split %d: must not be negative", v)
		}
	}
	sum := sym.Sum(split...)
	a, aok := sum.IsConst()
	b, bok := d.IsConst()
	if aok && bok && a != b {
		return fmt.Errorf("split sums to %d, the axis has %d", a, b)
	}
	return nil
}

// setSplitSeq sets the output of SplitToSequence: items of the given sizes
// along ax (kept, or removed when keep is false and every size is 1), with
// contents when the input's are known.
func setSplitSeq(c *shape.Ctx, x *shape.Value, ax int, sizes []sym.Expr, elem *shape.Value, keep bool) error {
	if sizes == nil {
		c.SetOutput(0, shape.SequenceOf(elem))
		return nil
	}
	dims, haveDims := x.Dims()
	cv := c.Const(0)
	items := make([]*shape.Value, len(sizes))
	off := int64(0)
	for i, s := range sizes {
		sh := append([]sym.Expr{}, x.Shape...)
		sh[ax] = s
		it := shape.Tensor(x.DType, sh...)
		if !keep {
			it = removeAxes(x, ax)
		}
		if sv, ok := s.IsConst(); ok && haveDims && cv != nil {
			if sub := sliceAxis(cv, dims, ax, off, sv); sub != nil {
				it.Const = sub
			}
			off += sv
		}
		items[i] = it
	}
	c.SetOutput(0, knownSeq(c, items, elem))
	return nil
}

// sliceAxis returns the contents of [off, off+n) along axis of a tensor.
func sliceAxis(cv *shape.Const, dims []int64, axis int, off, n int64) *shape.Const {
	if off < 0 || n < 0 || off+n > dims[axis] || int64(cv.Len()) != numel(dims) {
		return nil
	}
	outer := numel(dims[:axis])
	inner := numel(dims[axis+1:])
	var idx []int64
	for o := int64(0); o < outer; o++ {
		base := o*dims[axis]*inner + off*inner
		for j := int64(0); j < n*inner; j++ {
			idx = append(idx, base+j)
		}
	}
	if idx == nil {
		idx = []int64{}
	}
	return take(cv, idx)
}

// ---------------------------------------------------------------- ConcatFromSequence

func inferConcatFromSequence(c *shape.Ctx) error {
	seq, err := seqInput(c, 0)
	if err != nil {
		return err
	}
	a := c.Attr("axis")
	if a == nil {
		return fmt.Errorf("attribute axis is required")
	}
	newAxis := c.AttrInt("new_axis", 0) != 0
	if !seq.SeqKnown {
		el := seq.Elem
		if el == nil || !el.HasShape() {
			c.SetOutput(0, shape.UnknownRank(elemDType(el)))
			return nil
		}
		if newAxis {
			out, err := insertAxis(el, a.I, c.Fresh("len"))
			if err != nil {
				return err
			}
			c.SetOutput(0, out)
			return nil
		}
		ax, err := shape.NormAxis(a.I, el.Rank)
		if err != nil {
			return err
		}
		s := append([]sym.Expr{}, el.Shape...)
		s[ax] = c.Fresh("concat")
		c.SetOutput(0, shape.Tensor(el.DType, s...))
		return nil
	}
	items := seq.Seq
	if len(items) == 0 {
		return fmt.Errorf("cannot concatenate an empty sequence")
	}
	first := items[0]
	for i, it := range items {
		if !it.HasShape() {
			c.SetOutput(0, shape.UnknownRank(first.DType))
			return nil
		}
		if it.Rank != first.Rank {
			return fmt.Errorf("item %d: rank %d, item 0 rank %d", i, it.Rank, first.Rank)
		}
	}
	r := first.Rank
	if newAxis {
		r++
	}
	ax, err := shape.NormAxis(a.I, r)
	if err != nil {
		return err
	}
	s := make([]sym.Expr, 0, r)
	for k := 0; k < first.Rank; k++ {
		if newAxis && k == ax {
			s = append(s, sym.Const(int64(len(items))))
		}
		if !newAxis && k == ax {
			ds := make([]sym.Expr, len(items))
			for i, it := range items {
				ds[i] = it.Shape[k]
			}
			s = append(s, sym.Sum(ds...))
			continue
		}
		d, err := agreeDim(items, k)
		if err != nil {
			return err
		}
		s = append(s, d)
	}
	if newAxis && ax == first.Rank {
		s = append(s, sym.Const(int64(len(items))))
	}
	out := shape.Tensor(first.DType, s...)
	if cv := concatItems(c, items, ax, newAxis); cv != nil {
		out.Const = cv
	}
	c.SetOutput(0, out)
	return nil
}

func elemDType(v *shape.Value) onnx.DataType {
	if v == nil {
		return onnx.Undefined
	}
	return v.DType
}

// agreeDim is the common size of axis k of every item (a concrete one when
// some item has it), or an error when concrete sizes differ.
func agreeDim(items []*shape.Value, k int) (sym.Expr, error) {
	d := items[0].Shape[k]
	for i, it := range items[1:] {
		e := it.Shape[k]
		dv, dok := d.IsConst()
		ev, eok := e.IsConst()
		switch {
		case dok && eok && dv != ev:
			return sym.Expr{}, fmt.Errorf("item %d: axis %d has %d, item 0 %d", i+1, k, ev, dv)
		case !dok && eok:
			d = e
		}
	}
	return d, nil
}

// concatItems concatenates the contents of tensors along axis (or stacks
// them on a new axis at that position), when all are known, concrete and
// small enough.
func concatItems(c *shape.Ctx, items []*shape.Value, axis int, newAxis bool) *shape.Const {
	dims := make([][]int64, len(items))
	consts := make([]*shape.Const, len(items))
	var total int64
	for i, it := range items {
		d, ok := it.Dims()
		cv := valueConst(c, it)
		if !ok || cv == nil || int64(cv.Len()) != numel(d) {
			return nil
		}
		if newAxis {
			if axis > len(d) {
				return nil
			}
			d = append(append(append([]int64{}, d[:axis]...), 1), d[axis:]...)
		}
		if axis >= len(d) {
			return nil
		}
		if i > 0 {
			if len(d) != len(dims[0]) {
				return nil
			}
			for k := range d {
				if k != axis && d[k] != dims[0][k] {
					return nil
				}
			}
		}
		dims[i], consts[i] = d, cv
		total += numel(d)
		if total > int64(c.MaxConstElements()) {
			return nil
		}
	}
	// Every item must store its values the same way.
	kind := func(cv *shape.Const) int {
		switch {
		case cv.Len() == 0:
			return -1
		case cv.Ints != nil:
			return 0
		case cv.Floats != nil:
			return 1
		}
		return 2
	}
	k := -1
	for _, cv := range consts {
		if kk := kind(cv); kk >= 0 {
			if k >= 0 && kk != k {
				return nil
			}
			k = kk
		}
	}
	out := &shape.Const{}
	outer := numel(dims[0][:axis])
	for o := int64(0); o < outer; o++ {
		for i, cv := range consts {
			block := numel(dims[i][axis:])
			for j := o * block; j < (o+1)*block; j++ {
				switch k {
				case 0:
					out.Ints = append(out.Ints, cv.Ints[j])
				case 1:
					out.Floats = append(out.Floats, cv.Floats[j])
				case 2:
					out.Strs = append(out.Strs, cv.Strs[j])
				}
			}
		}
	}
	switch k {
	case -1:
		if dt := items[0].DType; dt.IsFloat() {
			out.Floats = []float64{}
		} else if dt == onnx.String {
			out.Strs = []string{}
		} else {
			out.Ints = []sym.Expr{}
		}
	case 0:
		if out.Ints == nil {
			out.Ints = []sym.Expr{}
		}
	case 1:
		if out.Floats == nil {
			out.Floats = []float64{}
		}
	case 2:
		if out.Strs == nil {
			out.Strs = []string{}
		}
	}
	return out
}

// ---------------------------------------------------------------- SequenceMap

func inferSequenceMap(c *shape.Ctx) error {
	body, err := graphAttr(c, "body")
	if err != nil {
		return err
	}
	seq0, err := seqInput(c, 0)
	if err != nil {
		return err
	}
	nIn := c.NumInputs()
	if len(body.Inputs) != nIn {
		return fmt.Errorf("body has %d inputs, the node %d", len(body.Inputs), nIn)
	}
	if len(body.Outputs) < c.NumOutputs() {
		return fmt.Errorf("body has %d outputs, the node %d", len(body.Outputs), c.NumOutputs())
	}
	ins := make([]*shape.Value, nIn)
	ins[0] = seq0
	n := -1 // number of items, when known
	if seq0.SeqKnown {
		n = len(seq0.Seq)
	}
	for i := 1; i < nIn; i++ {
		v := c.Input(i)
		if v == nil {
			return errMissing(i)
		}
		ins[i] = v
		if v.Kind != onnx.KindSequence {
			continue
		}
		if !v.SeqKnown {
			n = -1
			continue
		}
		if seq0.SeqKnown && len(v.Seq) != len(seq0.Seq) {
			return fmt.Errorf("input %d has %d items, input 0 %d", i, len(v.Seq), len(seq0.Seq))
		}
	}
	isSeq := func(i int) bool { return ins[i].Kind == onnx.KindSequence }
	if n > 0 && n <= maxLoopIterations {
		runs := newBodyRuns(c, "body", body)
		outs := make([][]*shape.Value, c.NumOutputs())
		ok := true
		for it := 0; it < n && ok; it++ {
			args := make([]*shape.Value, nIn)
			for i := range args {
				args[i] = ins[i]
				if isSeq(i) {
					args[i] = ins[i].Seq[it]
				}
			}
			var gr *shape.GraphResult
			if gr, ok = runs.run(c, args); ok {
				for k := range outs {
					outs[k] = append(outs[k], gr.Outputs[k].Clone())
				}
			}
		}
		if ok {
			if err := runs.finish(c, sym.Const(int64(n))); err != nil {
				return err
			}
			for k := range outs {
				c.SetOutput(k, knownSeq(c, outs[k], nil))
			}
			return nil
		}
		runs.abort(c)
	}
	// One run with the items' common types.
	args := make([]*shape.Value, nIn)
	for i := range args {
		args[i] = ins[i]
		if isSeq(i) {
			args[i] = seqElemType(c, ins[i])
		}
	}
	trips := sym.Const(int64(n))
	if n < 0 {
		trips = c.Fresh("len")
	}
	gr, err := c.InferSubgraph("body", body, args, trips, takenFor(trips))
	if err != nil {
		return err
	}
	for k := 0; k < c.NumOutputs(); k++ {
		if n == 0 {
			c.SetOutput(k, knownSeq(c, nil, gr.Outputs[k]))
		} else {
			c.SetOutput(k, shape.SequenceOf(stripConst(gr.Outputs[k])))
		}
	}
	return nil
}
