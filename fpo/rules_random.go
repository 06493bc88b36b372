package fpo

import (
	"fmt"
	"strings"

	"github.com/greenai/greenai/sym"
)

// Random generators and the operators on strings and tokens.

func init() {
	Register("", perElementRule(ops(Rand, 1, Mul, 1, Add, 1)), "RandomUniform", "RandomUniformLike") // low + (high − low)·u
	Register("", randomNormalRule, "RandomNormal", "RandomNormalLike")
	Register("", perElementRule(ops(Rand, 1, Cmp, 1)), "Bernoulli") // u < p
	Register("", multinomialRule, "Multinomial")
	Register("", stringRule, "StringNormalizer", "StringConcat", "StringSplit", "RegexFullMatch")
	Register("", tfIdfRule, "TfIdfVectorizer")
}

// randomNormalRule: Box–Muller turns each pair of uniform draws into two
// normal values: 2 RAND, √(−2·ln u₁) (1 LOG, 1 MUL, 1 SQRT), the angle
// 2π·u₂ (1 MUL), its cosine and sine (2 TRIG) and the two products (2 MUL)
// per pair (⌈e/2⌉ pairs); then mean + scale·z (1 MUL, 1 ADD) per element.
func randomNormalRule(n *Node) (Cost, error) {
	e, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	pairs := sym.CeilDiv(e, sym.Const(2))
	o := ops(Rand, pairs.MulInt(2), Log, pairs, Sqrt, pairs, Trig, pairs.MulInt(2), Mul, pairs.MulInt(4)).Add(ops(Mul, e, Add, e))
	return Cost{Ops: o}, nil
}

// multinomialRule: per batch row of C log-probabilities, the unnormalized
// probabilities (C EXP) and their running sum (C−1 ADD); per sample a
// draw scaled by the total (1 RAND, 1 MUL) and a binary search of the
// running sum (⌈log2 C⌉ CMP; C−1 for a symbolic C, the linear scan's upper
// bound).
func multinomialRule(n *Node) (Cost, error) {
	x, err := n.inShape(0, "input", 2)
	if err != nil {
		return Cost{}, err
	}
	out, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	b, c := x[0], x[1]
	search := c.AddInt(-1)
	if v, ok := c.IsConst(); ok && v >= 1 {
		search = sym.Const(ceilLog2(v))
	}
	o := ops(Exp, b.Mul(c), Add, b.Mul(c.AddInt(-1))).Add(ops(Rand, out, Mul, out, Cmp, out.Mul(search)))
	return Cost{Ops: o}, nil
}

// stringRule: operators on strings (normalization, concatenation,
// splitting, regular expressions) do no floating-point arithmetic: 0 FPO;
// the bytes count one reference per string element read and written.
func stringRule(n *Node) (Cost, error) {
	return movementOf(n), nil // string processing: no floating-point arithmetic (0 FPO)
}

// tfIdfRule: TfIdfVectorizer looks up every n-gram of every row (hashing
// and comparing tokens: no floating-point arithmetic) and increments the
// count of each one found: Σₙ (L−n+1) ADD per row for n from
// min_gram_length to max_gram_length, times max_skip_count+1 for skipped
// grams (an upper bound: every n-gram counted as found). The weighting is
// 1 MUL per output for TFIDF and 1 CMP (count > 0 selects the weight) for
// IDF.
func tfIdfRule(n *Node) (Cost, error) {
	x, err := n.inShape(0, "X", 1, 2)
	if err != nil {
		return Cost{}, err
	}
	rows, L := sym.Const(1), x[0]
	if len(x) == 2 {
		rows, L = x[0], x[1]
	}
	lo, hi := n.AttrInt("min_gram_length", 1), n.AttrInt("max_gram_length", 1)
	if lo < 1 || hi < lo {
		return Cost{}, fmt.Errorf("min_gram_length %d, max_gram_length %d: want 1 ≤ min ≤ max", lo, hi)
	}
	var grams sym.Expr
	for g := lo; g <= hi; g++ {
		grams = grams.Add(sym.Max(L.AddInt(1-g), sym.Const(0)))
	}
	o := ops(Add, rows.Mul(grams).MulInt(n.AttrInt("max_skip_count", 0)+1))
	out, err := n.OutNumel(0)
	if err != nil {
		return Cost{}, err
	}
	mode := strings.ToUpper(n.AttrString("mode", "TF"))
	switch mode {
	case "TF":
	case "IDF":
		o[Cmp] = o[Cmp].Add(out)
	case "TFIDF":
		o[Mul] = o[Mul].Add(out)
	default:
		return Cost{}, fmt.Errorf("unknown mode %q", mode)
	}
	return Cost{Ops: o, Bound: "upper bound: every n-gram is counted as found in the pool"}, nil
}
