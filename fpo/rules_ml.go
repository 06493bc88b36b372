package fpo

import (
	"fmt"
	"math"
	"strings"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// The ai.onnx.ml operators (traditional machine learning).

func init() {
	d := "ai.onnx.ml"
	Register(d, movementRule, "ArrayFeatureExtractor", "CastMap", "CategoryMapper", "DictVectorizer",
		"FeatureVectorizer", "LabelEncoder", "OneHotEncoder", "ZipMap")
	Register(d, perElementRule(ops(Cmp, 1)), "Binarizer")      // x > threshold
	Register(d, perElementRule(ops(Cmp, 1)), "Imputer")        // x = replaced value (or NaN) selects the imputed value
	Register(d, perElementRule(ops(Add, 1, Mul, 1)), "Scaler") // (x − offset)·scale
	Register(d, mlNormalizerRule, "Normalizer")
	Register(d, linearModelRule(true), "LinearClassifier")
	Register(d, linearModelRule(false), "LinearRegressor")
	Register(d, svmRule(true), "SVMClassifier")
	Register(d, svmRule(false), "SVMRegressor")
	Register(d, treeEnsembleRule, "TreeEnsemble", "TreeEnsembleClassifier", "TreeEnsembleRegressor")
}

// mlRows returns the number of examples N and features F of an [N, F] or
// [F] input.
func mlRows(n *Node) (rows, features sym.Expr, err error) {
	s, err := n.inShape(0, "X", 1, 2)
	if err != nil {
		return sym.Expr{}, sym.Expr{}, err
	}
	if len(s) == 1 {
		return sym.Const(1), s[0], nil
	}
	return s[0], s[1], nil
}

// postTransformOps prices the post_transform of `rows` rows of k scores:
// LOGISTIC a sigmoid per score, SOFTMAX a softmax per row, SOFTMAX_ZERO a
// softmax and 1 CMP per score (zeros stay zero), PROBIT √2·erf⁻¹(2p−1)
// per score (2 MUL, 1 ADD, erf⁻¹ priced as erf).
func postTransformOps(name string, rows, k sym.Expr) (Ops, error) {
	e := rows.Mul(k)
	switch strings.ToUpper(name) {
	case "", "NONE", "0":
		return Ops{}, nil
	case "LOGISTIC", "2":
		return perElement["Sigmoid"].Scale(e), nil
	case "SOFTMAX", "1":
		return softmaxOps(rows, k), nil
	case "SOFTMAX_ZERO", "3":
		return softmaxOps(rows, k).Add(ops(Cmp, e)), nil
	case "PROBIT", "4":
		return ops(Mul, e.MulInt(2), Add, e, Erf, e), nil
	}
	return Ops{}, fmt.Errorf("unknown post_transform %q", name)
}

// mlNormalizerRule: Normalizer per row of F: MAX takes the row's maximum
// (F−1 CMP); L1 the sum of |x| (F CMP, F−1 ADD); L2 the sum of squares
// (F MUL, F−1 ADD) and its root (1 SQRT); then F DIV (and 1 CMP for the
// zero-divisor test).
func mlNormalizerRule(n *Node) (Cost, error) {
	rows, f, err := mlRows(n)
	if err != nil {
		return Cost{}, err
	}
	var per Ops
	switch norm := strings.ToUpper(n.AttrString("norm", "MAX")); norm {
	case "MAX":
		per = ops(Cmp, f.AddInt(-1))
	case "L1":
		per = ops(Cmp, f, Add, f.AddInt(-1))
	case "L2":
		per = ops(Mul, f, Add, f.AddInt(-1), Sqrt, 1)
	default:
		return Cost{}, fmt.Errorf("unknown norm %q", norm)
	}
	per = per.Add(ops(Div, f, Cmp, 1))
	return Cost{Ops: per.Scale(rows)}, nil
}

// linearModelRule: LinearClassifier and LinearRegressor: N·k·F MACs for
// the k score columns, the intercepts (N·k ADD) when given, the
// post_transform, and for the classifier the label: an argmax over the k
// scores (k−1 CMP per row; 1 for the binary case).
func linearModelRule(classifier bool) Rule {
	return func(n *Node) (Cost, error) {
		rows, f, err := mlRows(n)
		if err != nil {
			return Cost{}, err
		}
		scoresOut := 0
		if classifier {
			scoresOut = 1
		}
		s, err := n.outShape(scoresOut, "scores", 2)
		if err != nil {
			return Cost{}, err
		}
		k := s[1]
		coef, _ := n.AttrFloats("coefficients")
		computed := k // columns computed by a product (the binary classifier derives the second)
		if kv, ok := k.IsConst(); ok && classifier && kv == 2 && int64(len(coef)) != 0 {
			if fv, ok := f.IsConst(); ok && fv > 0 && int64(len(coef)) == fv {
				computed = sym.Const(1)
			}
		}
		macs := rows.Mul(computed).Mul(f)
		o := macOps(macs)
		if icp, ok := n.AttrFloats("intercepts"); ok && len(icp) > 0 {
			o[Add] = o[Add].Add(rows.Mul(computed))
		}
		if !computed.Equal(k) {
			o[Add] = o[Add].Add(rows) // the other class's score
		}
		pt, err := postTransformOps(n.AttrString("post_transform", "NONE"), rows, k)
		if err != nil {
			return Cost{}, err
		}
		o = o.Add(pt)
		if classifier {
			o[Cmp] = o[Cmp].Add(rows.Mul(sym.Max(k.AddInt(-1), sym.Const(1))))
		}
		return Cost{Ops: o, MACs: macs}, nil
	}
}

// svmKernelOps prices one kernel evaluation between an example and a
// support vector of F features: LINEAR a dot product (F MACs); POLY
// (γ·x·s + c)^d (F MACs, MUL, ADD, POW); SIGMOID tanh(γ·x·s + c) (F MACs,
// MUL, ADD, TANH); RBF exp(−γ·|x−s|²) (F ADD, F MUL, F−1 ADD, MUL, EXP,
// no MACs). It returns the operations and the MACs.
func svmKernelOps(kernel string, f sym.Expr) (Ops, sym.Expr, error) {
	switch strings.ToUpper(kernel) {
	case "LINEAR":
		return macOps(f), f, nil
	case "POLY":
		return macOps(f).Add(ops(Mul, 1, Add, 1, Pow, 1)), f, nil
	case "SIGMOID":
		return macOps(f).Add(ops(Mul, 1, Add, 1, Tanh, 1)), f, nil
	case "RBF":
		return ops(Add, f.MulInt(2).AddInt(-1), Mul, f.AddInt(1), Exp, 1), sym.Expr{}, nil
	}
	return Ops{}, sym.Expr{}, fmt.Errorf("unknown kernel_type %q", kernel)
}

// svmRule: SVMClassifier and SVMRegressor per example. With S support
// vectors: S kernel evaluations (svmKernelOps); the regressor sums
// coefficient·kernel (S MACs) and ρ (1 ADD) — a one-class model also
// compares (1 CMP); the classifier computes the k(k−1)/2 one-vs-one
// decisions, together (k−1)·S MACs, one ρ ADD and one vote CMP each, and
// the label (k−1 CMP over the votes); with prob_a, Platt's sigmoid per
// pair (1 MUL, 2 ADD, 1 EXP, 1 DIV) and the pairwise coupling, counted as
// its iteration bound max(100, k) times k² MUL + k² ADD (upper bound).
// Without support vectors the model is linear: k·F MACs + k ADD. Then the
// post_transform.
func svmRule(classifier bool) Rule {
	return func(n *Node) (Cost, error) {
		rows, f, err := mlRows(n)
		if err != nil {
			return Cost{}, err
		}
		var sv int64
		var k int64 = 1
		if classifier {
			vpc, _ := n.AttrInts("vectors_per_class")
			for _, v := range vpc {
				sv += v
			}
			labels, _ := n.AttrInts("classlabels_ints")
			strs, _ := n.AttrStrings("classlabels_strings")
			k = int64(len(labels) + len(strs))
		} else {
			sv = n.AttrInt("n_supports", 0)
		}
		var per Ops
		var macs sym.Expr
		var bound string
		if sv > 0 {
			kern, km, err := svmKernelOps(n.AttrString("kernel_type", "LINEAR"), f)
			if err != nil {
				return Cost{}, err
			}
			per = kern.Scale(sym.Const(sv))
			macs = km.MulInt(sv)
			if classifier {
				pairs := k * (k - 1) / 2
				dm := sym.Const((k - 1) * sv)
				macs = macs.Add(dm)
				per = per.Add(macOps(dm)).Add(ops(Add, pairs, Cmp, pairs+k-1))
				if pa, _ := n.AttrFloats("prob_a"); len(pa) > 0 {
					iters := max(100, k)
					per = per.Add(ops(Mul, pairs+iters*k*k, Add, 2*pairs+iters*k*k, Exp, pairs, Div, pairs))
					bound = "upper bound: Platt coupling counted for its full iteration budget"
				}
			} else {
				macs = macs.AddInt(sv)
				per = per.Add(macOps(sym.Const(sv))).Add(ops(Add, 1))
				if n.AttrInt("one_class", 0) != 0 {
					per = per.Add(ops(Cmp, 1))
				}
			}
		} else {
			macs = f.MulInt(k)
			per = macOps(macs).Add(ops(Add, k))
			if classifier {
				per = per.Add(ops(Cmp, max(k-1, 1)))
			}
		}
		o := per.Scale(rows)
		scores := sym.Const(k)
		if classifier {
			if s, err := n.Shape(n.Out(1)); err == nil && len(s) == 2 {
				scores = s[1]
			}
		}
		pt, err := postTransformOps(n.AttrString("post_transform", "NONE"), rows, scores)
		if err != nil {
			return Cost{}, err
		}
		return Cost{Ops: o.Add(pt), MACs: macs.Mul(rows), Bound: bound}, nil
	}
}

// treeEnsembleRule: TreeEnsemble, TreeEnsembleClassifier and
// TreeEnsembleRegressor. Which leaf an example reaches depends on its
// features, so the count is the worst case per tree: the comparisons on
// its longest root-to-leaf path (1 CMP per branch node; a set-membership
// node of TreeEnsemble compares with each member of its set), then the
// reached leaf's contributions (its largest number of weights: 1 ADD each,
// 1 CMP for MIN/MAX aggregation). Per example and target: the average
// (1 MUL) for AVERAGE, the base value (1 ADD) when given, the
// post_transform; the classifier's label is an argmax (k−1 CMP). The count
// is an upper bound: it is exact when every path of a tree has the same
// length.
func treeEnsembleRule(n *Node) (Cost, error) {
	rows, _, err := mlRows(n)
	if err != nil {
		return Cost{}, err
	}
	var trees []treeCost
	if n.Node.OpType == "TreeEnsemble" {
		trees, err = treesV5(n)
	} else {
		trees, err = treesClassic(n)
	}
	if err != nil {
		return Cost{}, err
	}
	scoresOut := 0
	if n.Node.OpType == "TreeEnsembleClassifier" {
		scoresOut = 1
	}
	s, err := n.outShape(scoresOut, "scores", 2)
	if err != nil {
		return Cost{}, err
	}
	targets := s[1]
	agg := strings.ToUpper(n.AttrString("aggregate_function", "SUM"))
	if n.Node.OpType == "TreeEnsemble" {
		agg = [...]string{"AVERAGE", "SUM", "MIN", "MAX"}[min(max(n.AttrInt("aggregate_function", 1), 0), 3)]
	}
	var cmps, leafOps int64
	for _, t := range trees {
		cmps += t.path
		leafOps += t.weights
	}
	per := ops(Cmp, cmps)
	switch agg {
	case "SUM", "AVERAGE":
		per = per.Add(ops(Add, leafOps))
	case "MIN", "MAX":
		per = per.Add(ops(Cmp, leafOps))
	default:
		return Cost{}, fmt.Errorf("unknown aggregate_function %q", agg)
	}
	o := per.Scale(rows)
	e := rows.Mul(targets)
	if agg == "AVERAGE" {
		o[Mul] = o[Mul].Add(e)
	}
	if bv, ok := n.AttrFloats("base_values"); ok && len(bv) > 0 {
		o[Add] = o[Add].Add(e)
	}
	pt := n.AttrString("post_transform", "NONE")
	if n.Node.OpType == "TreeEnsemble" {
		pt = fmt.Sprint(n.AttrInt("post_transform", 0))
	}
	ptOps, err := postTransformOps(pt, rows, targets)
	if err != nil {
		return Cost{}, err
	}
	o = o.Add(ptOps)
	if n.Node.OpType == "TreeEnsembleClassifier" {
		o[Cmp] = o[Cmp].Add(rows.Mul(sym.Max(targets.AddInt(-1), sym.Const(1))))
	}
	return Cost{Ops: o, Bound: "upper bound: every example is counted along each tree's costliest root-to-leaf path"}, nil
}

// treeCost is one tree's worst case: comparisons on its costliest
// root-to-leaf path and the largest number of weights of one of its leaves.
type treeCost struct{ path, weights int64 }

// treesClassic reads the trees of TreeEnsembleClassifier/Regressor: nodes
// are (treeid, nodeid) with a mode (LEAF or a BRANCH_*), children by node
// id; leaf weights are the class_* or target_* tuples.
func treesClassic(n *Node) ([]treeCost, error) {
	tids, _ := n.AttrInts("nodes_treeids")
	nids, _ := n.AttrInts("nodes_nodeids")
	modeStrs, _ := n.AttrStrings("nodes_modes")
	tr, _ := n.AttrInts("nodes_truenodeids")
	fa, _ := n.AttrInts("nodes_falsenodeids")
	cnt := len(tids)
	if len(nids) != cnt || len(modeStrs) != cnt || len(tr) != cnt || len(fa) != cnt {
		return nil, fmt.Errorf("nodes_* attributes of different lengths")
	}
	type key struct{ t, id int64 }
	index := map[key]int{}
	for i := range cnt {
		index[key{tids[i], nids[i]}] = i
	}
	prefix := "target_"
	if n.Node.OpType == "TreeEnsembleClassifier" {
		prefix = "class_"
	}
	lt, _ := n.AttrInts(prefix + "treeids")
	ln, _ := n.AttrInts(prefix + "nodeids")
	if len(lt) != len(ln) {
		return nil, fmt.Errorf("%streeids and %snodeids of different lengths", prefix, prefix)
	}
	weights := map[key]int64{}
	for i := range lt {
		weights[key{lt[i], ln[i]}]++
	}
	child := func(i int, id int64) (int, error) {
		j, ok := index[key{tids[i], id}]
		if !ok {
			return 0, fmt.Errorf("tree %d: node %d refers to missing node %d", tids[i], nids[i], id)
		}
		return j, nil
	}
	referenced := make([]bool, cnt)
	for i := range cnt {
		if modeStrs[i] == "LEAF" {
			continue
		}
		for _, id := range []int64{tr[i], fa[i]} {
			j, err := child(i, id)
			if err != nil {
				return nil, err
			}
			referenced[j] = true
		}
	}
	memo := make([]treeCost, cnt)
	state := make([]int8, cnt) // 0 new, 1 visiting, 2 done
	var visit func(i int) (treeCost, error)
	visit = func(i int) (treeCost, error) {
		switch state[i] {
		case 1:
			return treeCost{}, fmt.Errorf("tree %d: cycle through node %d", tids[i], nids[i])
		case 2:
			return memo[i], nil
		}
		state[i] = 1
		var c treeCost
		if modeStrs[i] == "LEAF" {
			c.weights = weights[key{tids[i], nids[i]}]
		} else {
			for _, id := range []int64{tr[i], fa[i]} {
				j, _ := child(i, id)
				cj, err := visit(j)
				if err != nil {
					return treeCost{}, err
				}
				c.path = max(c.path, cj.path+1)
				c.weights = max(c.weights, cj.weights)
			}
		}
		memo[i], state[i] = c, 2
		return c, nil
	}
	var out []treeCost
	for i := range cnt {
		if referenced[i] {
			continue
		}
		c, err := visit(i)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// treesV5 reads the trees of TreeEnsemble (ai.onnx.ml 5): interior nodes
// by position with children that are nodes or leaves, set-membership
// nodes (mode 6) taking their sets, in order, from membership_values
// (NaN-separated); each leaf has one weight.
func treesV5(n *Node) ([]treeCost, error) {
	roots, _ := n.AttrInts("tree_roots")
	tr, _ := n.AttrInts("nodes_truenodeids")
	fa, _ := n.AttrInts("nodes_falsenodeids")
	tl, _ := n.AttrInts("nodes_trueleafs")
	fl, _ := n.AttrInts("nodes_falseleafs")
	cnt := len(tr)
	if len(fa) != cnt || len(tl) != cnt || len(fl) != cnt {
		return nil, fmt.Errorf("nodes_* attributes of different lengths")
	}
	cost := make([]int64, cnt)
	for i := range cost {
		cost[i] = 1
	}
	if a := n.Node.Attr("nodes_modes"); a != nil && a.T != nil {
		modes, err := tensorInts(a.T)
		if err != nil {
			return nil, fmt.Errorf("nodes_modes: %w", err)
		}
		var sets []int64
		if m := n.Node.Attr("membership_values"); m != nil && m.T != nil {
			vals, err := tensorFloats(m.T)
			if err != nil {
				return nil, fmt.Errorf("membership_values: %w", err)
			}
			cur := int64(0)
			for _, v := range vals {
				if math.IsNaN(v) {
					sets = append(sets, cur)
					cur = 0
					continue
				}
				cur++
			}
			if cur > 0 {
				sets = append(sets, cur)
			}
		}
		member := 0
		for i, m := range modes {
			if i < cnt && m == 6 {
				if member < len(sets) {
					cost[i] = max(sets[member], 1)
				}
				member++
			}
		}
	}
	memo := make([]int64, cnt)
	state := make([]int8, cnt)
	var visit func(i int64) (int64, error)
	visit = func(i int64) (int64, error) {
		if i < 0 || i >= int64(cnt) {
			return 0, fmt.Errorf("node index %d out of range", i)
		}
		switch state[i] {
		case 1:
			return 0, fmt.Errorf("cycle through node %d", i)
		case 2:
			return memo[i], nil
		}
		state[i] = 1
		var longest int64
		for _, c := range [][2]int64{{tr[i], tl[i]}, {fa[i], fl[i]}} {
			if c[1] != 0 {
				continue
			}
			l, err := visit(c[0])
			if err != nil {
				return 0, err
			}
			longest = max(longest, l)
		}
		memo[i], state[i] = cost[i]+longest, 2
		return memo[i], nil
	}
	out := make([]treeCost, 0, len(roots))
	for _, r := range roots {
		p, err := visit(r)
		if err != nil {
			return nil, err
		}
		out = append(out, treeCost{path: p, weights: 1})
	}
	return out, nil
}

// tensorInts and tensorFloats read a tensor attribute's contents.
func tensorInts(t *onnx.Tensor) ([]int64, error) {
	c, err := shape.ConstFromTensor(t)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(c.Ints))
	for i, e := range c.Ints {
		v, ok := e.IsConst()
		if !ok {
			return nil, fmt.Errorf("symbolic value")
		}
		out[i] = v
	}
	if c.Floats != nil {
		out = make([]int64, len(c.Floats))
		for i, f := range c.Floats {
			out[i] = int64(f)
		}
	}
	return out, nil
}

func tensorFloats(t *onnx.Tensor) ([]float64, error) {
	c, err := shape.ConstFromTensor(t)
	if err != nil {
		return nil, err
	}
	if c.Floats == nil {
		return nil, fmt.Errorf("not a floating-point tensor")
	}
	return c.Floats, nil
}
