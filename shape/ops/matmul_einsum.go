package ops

import (
	"fmt"
	"sort"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Einsum: the equation is parsed into per-operand label lists; "..."
// stands for broadcast dims. Without "->" the output is the ellipsis dims
// followed by the labels used exactly once, in alphabetical order.

// einTerm is one parsed operand or output term.
type einTerm struct {
	labels   []byte // letters in order, with '.' marking the ellipsis position
	ellipsis bool
}

// nLetters is the number of letter labels of the term.
func (t einTerm) nLetters() int {
	if t.ellipsis {
		return len(t.labels) - 1
	}
	return len(t.labels)
}

func einParseTerm(s string) (einTerm, error) {
	var t einTerm
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			t.labels = append(t.labels, ch)
		case ch == '.':
			if t.ellipsis || !strings.HasPrefix(s[i:], "...") {
				return t, fmt.Errorf("bad ellipsis in term %q", s)
			}
			t.ellipsis = true
			t.labels = append(t.labels, '.')
			i += 2
		default:
			return t, fmt.Errorf("invalid character %q in term %q", ch, s)
		}
	}
	return t, nil
}

// einParse splits an equation into input terms and the output term
// (computed for implicit equations).
func einParse(eq string, nInputs int) ([]einTerm, einTerm, error) {
	eq = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' {
			return -1
		}
		return r
	}, eq)
	lhs, rhs, explicit := strings.Cut(eq, "->")
	parts := strings.Split(lhs, ",")
	if len(parts) != nInputs {
		return nil, einTerm{}, fmt.Errorf("equation %q has %d operands, the node %d inputs", eq, len(parts), nInputs)
	}
	ins := make([]einTerm, len(parts))
	count := map[byte]int{}
	anyEllipsis := false
	for i, p := range parts {
		t, err := einParseTerm(p)
		if err != nil {
			return nil, einTerm{}, err
		}
		ins[i] = t
		anyEllipsis = anyEllipsis || t.ellipsis
		for _, l := range t.labels {
			if l != '.' {
				count[l]++
			}
		}
	}
	if explicit {
		out, err := einParseTerm(rhs)
		if err != nil {
			return nil, einTerm{}, err
		}
		seen := map[byte]bool{}
		for _, l := range out.labels {
			if l == '.' {
				continue
			}
			if seen[l] {
				return nil, einTerm{}, fmt.Errorf("output label %c repeated", l)
			}
			if count[l] == 0 {
				return nil, einTerm{}, fmt.Errorf("output label %c is not in any input", l)
			}
			seen[l] = true
		}
		return ins, out, nil
	}
	var out einTerm
	if anyEllipsis {
		out.ellipsis = true
		out.labels = append(out.labels, '.')
	}
	var once []byte
	for l, n := range count {
		if n == 1 {
			once = append(once, l)
		}
	}
	sort.Slice(once, func(i, j int) bool { return once[i] < once[j] })
	out.labels = append(out.labels, once...)
	return ins, out, nil
}

// einDims binds labels to dims and broadcasts the ellipsis dims. ellRank is
// -1 when an operand with an ellipsis has unknown rank.
func einDims(c *shape.Ctx, ins []einTerm, vals []*shape.Value) (map[byte]sym.Expr, []sym.Expr, int, error) {
	dims := map[byte]sym.Expr{}
	var ell []*shape.Value
	ellRank := 0
	for i, t := range ins {
		v := vals[i]
		if v.Rank < 0 {
			if t.ellipsis {
				ellRank = -1
			}
			continue
		}
		n := t.nLetters()
		if !t.ellipsis && v.Rank != n || t.ellipsis && v.Rank < n {
			return nil, nil, 0, fmt.Errorf("input %d: rank %d does not fit term %q", i, v.Rank, string(t.labels))
		}
		e := v.Rank - n
		axis := 0
		for _, l := range t.labels {
			if l == '.' {
				ell = append(ell, &shape.Value{Kind: onnx.KindTensor, Shape: v.Shape[axis : axis+e], Rank: e})
				axis += e
				continue
			}
			d := v.Shape[axis]
			axis++
			prev, ok := dims[l]
			if !ok {
				dims[l] = d
				continue
			}
			// Dims of one label must agree (size 1 broadcasts, as in numpy).
			pv, pok := prev.IsConst()
			dv, dok := d.IsConst()
			switch {
			case pok && dok && pv != dv && pv != 1 && dv != 1:
				return nil, nil, 0, fmt.Errorf("label %c has dims %d and %d", l, pv, dv)
			case pok && pv == 1, !pok && dok && dv != 1:
				dims[l] = d
			}
		}
	}
	for i, t := range ins {
		if vals[i].Rank >= 0 {
			continue
		}
		for _, l := range t.labels {
			if _, ok := dims[l]; !ok && l != '.' {
				dims[l] = c.Fresh(string([]byte{l}))
			}
		}
	}
	if ellRank < 0 {
		return dims, nil, -1, nil
	}
	eshape, _, err := shape.Broadcast(ell...)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("ellipsis dims: %w", err)
	}
	return dims, eshape, len(eshape), nil
}

func inferEinsum(c *shape.Ctx) error {
	eq := c.AttrString("equation", "")
	if eq == "" {
		return fmt.Errorf("attribute equation is required")
	}
	vals := make([]*shape.Value, c.NumInputs())
	for i := range vals {
		v, err := ewTensorInput(c, i)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	ins, out, err := einParse(eq, len(vals))
	if err != nil {
		return err
	}
	dt := ewDType(c, 0)
	dims, eshape, ellRank, err := einDims(c, ins, vals)
	if err != nil {
		return err
	}
	if out.ellipsis && ellRank < 0 {
		c.SetOutput(0, shape.UnknownRank(dt))
		return nil
	}
	var s []sym.Expr
	for _, l := range out.labels {
		if l == '.' {
			s = append(s, eshape...)
			continue
		}
		s = append(s, dims[l])
	}
	c.SetOutput(0, shape.Tensor(dt, s...))
	return nil
}

// einMaxWork bounds the loop of a constant Einsum evaluation.
const einMaxWork = 1 << 20

func evalEinsum(c *shape.Ctx) error {
	outDims, dt, ok, err := ewBegin(c)
	if !ok {
		return err
	}
	ins, out, err := einParse(c.AttrString("equation", ""), c.NumInputs())
	if err != nil {
		return nil
	}
	// Label every axis: letters as themselves, ellipsis dims as 256+k
	// (k counted from the right of the broadcast ellipsis).
	size := map[int]int64{}
	opLabels := make([][]int, len(ins))
	opDims := make([][]int64, len(ins))
	opVals := make([][]float64, len(ins))
	ellRank := 0
	for i, t := range ins {
		d, ok := inputDims(c, i)
		if !ok {
			return nil
		}
		if e := len(d) - t.nLetters(); t.ellipsis && e > ellRank {
			ellRank = e
		}
	}
	for i, t := range ins {
		d, _ := inputDims(c, i)
		fs, ok := ewFloats(c.Const(i), c.ElemType(i))
		if !ok {
			return nil
		}
		opVals[i], opDims[i] = fs, d
		e := len(d) - t.nLetters()
		for _, l := range t.labels {
			if l == '.' {
				for k := 0; k < e; k++ {
					opLabels[i] = append(opLabels[i], 256+ellRank-e+k)
				}
				continue
			}
			opLabels[i] = append(opLabels[i], int(l))
		}
		for ax, lb := range opLabels[i] {
			if s := d[ax]; s != 1 || size[lb] == 0 {
				size[lb] = s
			}
		}
	}
	var outLabels []int
	for _, l := range out.labels {
		if l == '.' {
			for k := 0; k < ellRank; k++ {
				outLabels = append(outLabels, 256+k)
			}
			continue
		}
		outLabels = append(outLabels, int(l))
	}
	inOut := map[int]bool{}
	for _, l := range outLabels {
		inOut[l] = true
	}
	var sumLabels []int
	for l := range size {
		if !inOut[l] {
			sumLabels = append(sumLabels, l)
		}
	}
	sort.Ints(sumLabels)
	all := append(append([]int{}, outLabels...), sumLabels...)
	work := int64(1)
	for _, l := range all {
		work *= size[l]
		if work > einMaxWork {
			return nil
		}
	}
	if int64(len(outDims)) != int64(len(outLabels)) {
		return nil
	}
	nOut := numel(outDims)
	res := make([]float64, nOut)
	idx := map[int]int64{}
	cur := make([]int64, len(all))
	sumSize := work / max(nOut, 1)
	sizes := ewSizes(all, size)
	for f := int64(0); f < work && nOut > 0; f++ {
		unravel(f, sizes, cur)
		for j, l := range all {
			idx[l] = cur[j]
		}
		prod := 1.0
		for i := range ins {
			var off int64
			st := strides(opDims[i])
			for ax, lb := range opLabels[i] {
				if opDims[i][ax] != 1 {
					off += idx[lb] * st[ax]
				}
			}
			prod *= opVals[i][off]
		}
		res[f/max(sumSize, 1)] += prod
	}
	return ewSetFloats(c, dt, outDims, res)
}

func ewSizes(labels []int, size map[int]int64) []int64 {
	out := make([]int64, len(labels))
	for i, l := range labels {
		out[i] = size[l]
	}
	return out
}

func init() {
	shape.Register(shape.Op{Type: "Einsum", Since: 12, Infer: inferEinsum, Eval: evalEinsum})
}
