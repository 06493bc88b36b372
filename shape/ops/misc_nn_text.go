package ops

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// Text operators: StringConcat, StringNormalizer, StringSplit,
// RegexFullMatch and TfIdfVectorizer. The outputs of StringNormalizer and
// StringSplit have sizes that depend on the strings: they are fresh symbols
// unless the strings are known, when Eval computes them.

func init() {
	shape.Register(
		shape.Op{Type: "StringConcat", Since: 20, Infer: inferStringConcat, Eval: evalStringConcat},
		shape.Op{Type: "StringNormalizer", Since: 10, Infer: inferStringNormalizer, Eval: evalStringNormalizer},
		shape.Op{Type: "StringSplit", Since: 20, Infer: inferStringSplit, Eval: evalStringSplit},
		shape.Op{Type: "RegexFullMatch", Since: 20, Infer: inferRegexFullMatch, Eval: evalRegexFullMatch},
		shape.Op{Type: "TfIdfVectorizer", Since: 9, Infer: inferTfIdfVectorizer},
	)
}

func inferStringConcat(c *shape.Ctx) error {
	if err := c.RequireInputs(2); err != nil {
		return err
	}
	s, ok, err := shape.Broadcast(c.Input(0), c.Input(1))
	if err != nil {
		return err
	}
	if !ok {
		c.SetOutput(0, shape.UnknownRank(onnx.String))
		return nil
	}
	c.SetOutput(0, shape.Tensor(onnx.String, s...))
	return nil
}

func evalStringConcat(c *shape.Ctx) error {
	out, ok := c.Output(0).Dims()
	if !ok || numel(out) > int64(c.MaxConstElements()) {
		return nil
	}
	xd, ok1 := inputDims(c, 0)
	yd, ok2 := inputDims(c, 1)
	x, y := c.Const(0), c.Const(1)
	if !ok1 || !ok2 || x == nil || y == nil || int64(len(x.Strs)) != numel(xd) || int64(len(y.Strs)) != numel(yd) {
		return nil
	}
	xi, yi := broadcastMap(out, xd), broadcastMap(out, yd)
	res := make([]string, len(xi))
	for i := range res {
		res[i] = x.Strs[xi[i]] + y.Strs[yi[i]]
	}
	return c.SetConst(0, onnx.String, out, &shape.Const{Strs: res})
}

// normalizerRank checks StringNormalizer's input shape, [C] or [1, C].
func normalizerRank(x *shape.Value) error {
	if !x.HasShape() {
		return nil
	}
	switch {
	case x.Rank == 1:
	case x.Rank == 2 && isConstDim(x.Shape[0], 1):
	case x.Rank == 2:
		if _, ok := x.Shape[0].IsConst(); ok {
			return fmt.Errorf("input has shape %s, want [C] or [1, C]", shape.ShapeString(x))
		}
	default:
		return fmt.Errorf("input has rank %d, want [C] or [1, C]", x.Rank)
	}
	return nil
}

func caseAction(c *shape.Ctx) (string, error) {
	a := c.AttrString("case_change_action", "NONE")
	switch a {
	case "NONE", "LOWER", "UPPER":
		return a, nil
	}
	return "", fmt.Errorf("case_change_action %q: want NONE, LOWER or UPPER", a)
}

// inferStringNormalizer: without stopwords the shape is kept; with them the
// number of kept strings depends on the data.
func inferStringNormalizer(c *shape.Ctx) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	if err := normalizerRank(x); err != nil {
		return err
	}
	if _, err := caseAction(c); err != nil {
		return err
	}
	if !x.HasShape() {
		c.SetOutput(0, shape.UnknownRank(onnx.String))
		return nil
	}
	out := append([]sym.Expr(nil), x.Shape...)
	if sw, _ := c.AttrStrings("stopwords"); len(sw) == 0 {
		// Every string is kept; an empty input gives one empty string.
		out[len(out)-1] = sym.Max(out[len(out)-1], sym.Const(1))
	} else {
		out[len(out)-1] = c.Fresh("kept_strings")
	}
	c.SetOutput(0, shape.Tensor(onnx.String, out...))
	return nil
}

// evalStringNormalizer drops the stopwords (compared lower-cased unless
// is_case_sensitive), then changes case. When nothing is left the output is
// one empty string.
func evalStringNormalizer(c *shape.Ctx) error {
	xd, ok := inputDims(c, 0)
	x := c.Const(0)
	if !ok || x == nil || int64(len(x.Strs)) != numel(xd) {
		return nil
	}
	action, _ := caseAction(c)
	sens := c.AttrInt("is_case_sensitive", 0) != 0
	stop := map[string]bool{}
	sw, _ := c.AttrStrings("stopwords")
	for _, w := range sw {
		if !sens {
			w = strings.ToLower(w)
		}
		stop[w] = true
	}
	var kept []string
	for _, s := range x.Strs {
		key := s
		if !sens {
			key = strings.ToLower(s)
		}
		if stop[key] {
			continue
		}
		switch action {
		case "LOWER":
			s = strings.ToLower(s)
		case "UPPER":
			s = strings.ToUpper(s)
		}
		kept = append(kept, s)
	}
	if len(kept) == 0 {
		kept = []string{""}
	}
	dims := []int64{int64(len(kept))}
	if len(xd) == 2 {
		dims = []int64{1, int64(len(kept))}
	}
	return c.SetConst(0, onnx.String, dims, &shape.Const{Strs: kept})
}

// inferStringSplit: Y has X's shape plus the largest substring count; Z
// (int64) has X's shape.
func inferStringSplit(c *shape.Ctx) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	if !x.HasShape() {
		c.SetOutput(0, shape.UnknownRank(onnx.String))
		c.SetOutput(1, shape.UnknownRank(onnx.Int64))
		return nil
	}
	c.SetOutput(0, shape.Tensor(onnx.String, append(append([]sym.Expr(nil), x.Shape...), c.Fresh("max_substrings"))...))
	c.SetOutput(1, shape.Tensor(onnx.Int64, x.Shape...))
	return nil
}

// splitString splits like Python's str.split: on each delimiter occurrence,
// or on runs of whitespace (ignoring leading and trailing whitespace) when
// the delimiter is empty; maxsplit < 0 means no limit.
func splitString(s, delim string, maxsplit int64) []string {
	if delim != "" {
		if maxsplit < 0 {
			return strings.Split(s, delim)
		}
		return strings.SplitN(s, delim, int(min(maxsplit, int64(len(s))))+1)
	}
	var out []string
	rest := strings.TrimLeftFunc(s, unicode.IsSpace)
	for rest != "" {
		if maxsplit >= 0 && int64(len(out)) == maxsplit {
			out = append(out, rest)
			break
		}
		end := strings.IndexFunc(rest, unicode.IsSpace)
		if end < 0 {
			out = append(out, rest)
			break
		}
		out = append(out, rest[:end])
		rest = strings.TrimLeftFunc(rest[end:], unicode.IsSpace)
	}
	return out
}

func evalStringSplit(c *shape.Ctx) error {
	xd, ok := inputDims(c, 0)
	x := c.Const(0)
	if !ok || x == nil || int64(len(x.Strs)) != numel(xd) {
		return nil
	}
	delim := c.AttrString("delimiter", "")
	maxsplit := int64(-1)
	if c.Attr("maxsplit") != nil {
		maxsplit = c.AttrInt("maxsplit", -1)
	}
	parts := make([][]string, len(x.Strs))
	counts := make([]sym.Expr, len(x.Strs))
	width := 0
	for i, s := range x.Strs {
		parts[i] = splitString(s, delim, maxsplit)
		counts[i] = sym.Const(int64(len(parts[i])))
		width = max(width, len(parts[i]))
	}
	ydims := append(append([]int64(nil), xd...), int64(width))
	if err := c.SetConst(1, onnx.Int64, xd, &shape.Const{Ints: counts}); err != nil {
		return err
	}
	if numel(ydims) > int64(c.MaxConstElements()) {
		c.SetOutput(0, shape.TensorDims(onnx.String, ydims...))
		return nil
	}
	y := make([]string, 0, numel(ydims))
	for _, p := range parts {
		y = append(y, p...)
		for range width - len(p) {
			y = append(y, "")
		}
	}
	return c.SetConst(0, onnx.String, ydims, &shape.Const{Strs: y})
}

// fullMatcher compiles the pattern anchored at both ends (RE2 syntax, as
// Go's regexp implements).
func fullMatcher(c *shape.Ctx) (*regexp.Regexp, error) {
	p := c.Attr("pattern")
	if p == nil {
		return nil, fmt.Errorf("attribute pattern is required")
	}
	re, err := regexp.Compile(`\A(?:` + p.S + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %v", p.S, err)
	}
	return re, nil
}

func inferRegexFullMatch(c *shape.Ctx) error {
	if _, err := fullMatcher(c); err != nil {
		return err
	}
	if err := c.SameAsInput(0, 0); err != nil {
		return err
	}
	c.Output(0).DType = onnx.Bool
	return nil
}

func evalRegexFullMatch(c *shape.Ctx) error {
	re, err := fullMatcher(c)
	if err != nil {
		return err
	}
	xd, ok := inputDims(c, 0)
	x := c.Const(0)
	if !ok || x == nil || int64(len(x.Strs)) != numel(xd) {
		return nil
	}
	out := make([]sym.Expr, len(x.Strs))
	for i, s := range x.Strs {
		if re.MatchString(s) {
			out[i] = sym.Const(1)
		} else {
			out[i] = sym.Const(0)
		}
	}
	return c.SetConst(0, onnx.Bool, xd, &shape.Const{Ints: out})
}

// inferTfIdfVectorizer: [C] → [max(ngram_indexes)+1], [N, C] → [N, max+1], float32.
func inferTfIdfVectorizer(c *shape.Ctx) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	idx, ok := c.AttrInts("ngram_indexes")
	if !ok {
		return fmt.Errorf("attribute ngram_indexes is required")
	}
	width := int64(0)
	for _, i := range idx {
		if i < 0 {
			return fmt.Errorf("ngram_indexes holds negative index %d", i)
		}
		width = max(width, i+1)
	}
	w := sym.Const(width)
	switch {
	case !x.HasShape():
		c.SetOutput(0, shape.UnknownRank(onnx.Float))
	case x.Rank == 1:
		c.SetOutput(0, shape.Tensor(onnx.Float, w))
	case x.Rank == 2:
		c.SetOutput(0, shape.Tensor(onnx.Float, x.Shape[0], w))
	default:
		return fmt.Errorf("input has rank %d, want 1 or 2", x.Rank)
	}
	return nil
}
