package sym

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// pyFloorDiv, pyCeilDiv and pyMod are big.Int reference implementations of
// Python's //, ceil division and % (independent of the package's int64 code).
func pyMod(a, b *big.Int) *big.Int {
	m := new(big.Int).Mod(a, b) // Euclidean: 0 <= m < |b|
	if b.Sign() < 0 && m.Sign() > 0 {
		m.Add(m, b)
	}
	return m
}

func pyFloorDiv(a, b *big.Int) *big.Int {
	d := new(big.Int).Sub(a, pyMod(a, b))
	return d.Quo(d, b)
}

func pyCeilDiv(a, b *big.Int) *big.Int {
	q := pyFloorDiv(new(big.Int).Neg(a), b)
	return q.Neg(q)
}

// mustPanic runs f and returns the error Catch extracted from its panic.
func mustPanic(t *testing.T, f func()) (err error) {
	t.Helper()
	func() {
		defer Catch(&err)
		f()
	}()
	if err == nil {
		t.Fatalf("expected a panic")
	}
	return err
}

func TestConstArithmetic(t *testing.T) {
	vals := []int64{0, 1, -1, 2, -2, 3, -3, 7, -7, 10, -10, 1 << 31, -(1 << 31), math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1}
	fits := func(b *big.Int) bool { return b.IsInt64() }
	type op struct {
		name string
		sym  func(a, b Expr) Expr
		ref  func(a, b *big.Int) *big.Int
		div  bool
	}
	ops := []op{
		{"add", Expr.Add, func(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }, false},
		{"sub", Expr.Sub, func(a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }, false},
		{"mul", Expr.Mul, func(a, b *big.Int) *big.Int { return new(big.Int).Mul(a, b) }, false},
		{"floordiv", FloorDiv, pyFloorDiv, true},
		{"ceildiv", CeilDiv, pyCeilDiv, true},
		{"mod", Mod, pyMod, true},
		{"min", Min, func(a, b *big.Int) *big.Int {
			if a.Cmp(b) < 0 {
				return a
			}
			return b
		}, false},
		{"max", Max, func(a, b *big.Int) *big.Int {
			if a.Cmp(b) > 0 {
				return a
			}
			return b
		}, false},
	}
	for _, o := range ops {
		for _, a := range vals {
			for _, b := range vals {
				ba, bb := big.NewInt(a), big.NewInt(b)
				var got Expr
				var err error
				func() {
					defer Catch(&err)
					got = o.sym(Const(a), Const(b))
				}()
				if o.div && b == 0 {
					var dz *DivisionByZeroError
					if !errors.As(err, &dz) {
						t.Errorf("%s(%d, %d): got err %v, want division by zero", o.name, a, b, err)
					}
					continue
				}
				want := o.ref(ba, bb)
				if !fits(want) {
					var oe *OverflowError
					if !errors.As(err, &oe) {
						t.Errorf("%s(%d, %d): got %v, %v; want overflow", o.name, a, b, got, err)
					}
					continue
				}
				v, ok := got.IsConst()
				if err != nil || !ok || v != want.Int64() {
					t.Errorf("%s(%d, %d) = %v, %v; want %v", o.name, a, b, got, err, want)
				}
			}
		}
	}
}

func TestCheckedOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	edge := []int64{0, 1, -1, 2, -2, math.MaxInt64, math.MinInt64, 1 << 32, -(1 << 32), 3037000499, 3037000500, -3037000500}
	next := func() int64 {
		switch rng.IntN(3) {
		case 0:
			return edge[rng.IntN(len(edge))]
		case 1:
			return rng.Int64N(1<<33) - 1<<32
		}
		return int64(rng.Uint64())
	}
	check := func(name string, a, b int64, got int64, ok bool, want *big.Int) {
		if ok != want.IsInt64() || ok && got != want.Int64() {
			t.Fatalf("%s(%d, %d) = %d, %v; want %v", name, a, b, got, ok, want)
		}
	}
	for range 100000 {
		a, b := next(), next()
		ba, bb := big.NewInt(a), big.NewInt(b)
		r, ok := CheckedAdd(a, b)
		check("add", a, b, r, ok, new(big.Int).Add(ba, bb))
		r, ok = CheckedSub(a, b)
		check("sub", a, b, r, ok, new(big.Int).Sub(ba, bb))
		r, ok = CheckedMul(a, b)
		check("mul", a, b, r, ok, new(big.Int).Mul(ba, bb))
		n := rng.IntN(70)
		r, ok = CheckedPow(a%20, n)
		check("pow", a%20, int64(n), r, ok, new(big.Int).Exp(big.NewInt(a%20), big.NewInt(int64(n)), nil))
	}
}

func TestOverflow(t *testing.T) {
	err := mustPanic(t, func() { Const(math.MaxInt64).AddInt(1) })
	var oe *OverflowError
	if !errors.As(err, &oe) || err.Error() != "integer overflow in 9223372036854775807 + 1" {
		t.Errorf("got %v", err)
	}
	x, y := Var("x"), Var("y")
	cases := map[string]func(){
		"coef mul":      func() { x.MulInt(math.MaxInt64).MulInt(2) },
		"coef add":      func() { x.MulInt(math.MaxInt64).Add(x) },
		"poly mul":      func() { x.AddInt(math.MaxInt64).Mul(y.AddInt(2)) },
		"neg":           func() { Const(math.MinInt64).Neg() },
		"coef neg":      func() { x.MulInt(math.MinInt64).Neg() },
		"pow":           func() { x.MulInt(3).Pow(50) },
		"sub":           func() { Const(math.MinInt64).Sub(Const(1)) },
		"floordiv -1":   func() { FloorDiv(Const(math.MinInt64), Const(-1)) },
		"sum":           func() { Sum(x, Const(math.MaxInt64), Const(1)) },
		"product":       func() { Product(Const(1<<40), Const(1<<40)) },
		"binomial pow":  func() { x.Add(y).Pow(70) },
		"mul constants": func() { Const(math.MinInt64).MulInt(-1) },
	}
	for name, f := range cases {
		err := mustPanic(t, f)
		if !errors.As(err, &oe) || !strings.HasPrefix(err.Error(), "integer overflow in ") {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// Catch re-panics anything else.
	defer func() {
		if r := recover(); r != "other" {
			t.Errorf("recovered %v, want other", r)
		}
	}()
	func() {
		var err error
		defer Catch(&err)
		panic("other")
	}()
}

func TestDivisionByZero(t *testing.T) {
	x := Var("x")
	for _, f := range []func(){
		func() { FloorDiv(x, Const(0)) },
		func() { CeilDiv(Const(3), Const(0)) },
		func() { Mod(x, Const(0)) },
		func() { FloorDiv(x, Var("y")).Subst(map[string]Expr{"y": Const(0)}) },
	} {
		var dz *DivisionByZeroError
		if err := mustPanic(t, f); !errors.As(err, &dz) {
			t.Errorf("got %v", err)
		}
	}
	_, err := FloorDiv(x, Var("y")).Eval(map[string]int64{"x": 1, "y": 0})
	if err == nil || err.Error() != "integer division by zero in floor(1/0)" {
		t.Errorf("Eval: %v", err)
	}
}

func TestSimplify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2*batch*sequence^2 + 3*batch - 1", "2*batch*sequence^2 + 3*batch - 1"},
		{"batch*8+1", "8*batch + 1"},
		{"(seq+1)^2", "seq^2 + 2*seq + 1"},
		{"x - x", "0"},
		{"x*y - y*x + 3", "3"},
		{"x + 2 - 2", "x"},
		{"-x - -x", "0"},
		{"(x+y)*(x-y)", "x^2 - y^2"},
		{"22300000000*batch + 1200000*batch*sequence^2", "1200000*batch*sequence^2 + 22300000000*batch"},
		// floor/ceil/mod by constants
		{"floor((H-1)/2)+1", "floor((H + 1)/2)"},
		{"floor((2*x+2)/4)", "floor((x + 1)/2)"},
		{"floor((4*x+6)/2)", "2*x + 3"},
		{"floor((4*x+7)/2)", "2*x + 3"},
		{"floor((3*x)/2)", "floor(x/2) + x"},
		{"floor(x/1)", "x"},
		{"floor(x/-1)", "-x"},
		{"ceil(x/1)", "x"},
		{"ceil((2*x+1)/2)", "x + 1"},
		{"ceil((x+3)/2)", "ceil((x + 1)/2) + 1"},
		{"mod(2*x, 2)", "0"},
		{"mod(2*x+5, 2)", "1"},
		{"mod(4*x+6, 4)", "2"},
		{"mod(4*x+6, 8)", "2*mod(2*x + 3, 4)"},
		{"mod(x+4, 4)", "mod(x, 4)"},
		{"mod(-x, 2)", "mod(x, 2)"},
		{"x // 2 + x % 2", "floor(x/2) + mod(x, 2)"},
		{"floor(floor(x/2)/3)", "floor(x/6)"},
		{"ceil(ceil(x/2)/3)", "ceil(x/6)"},
		{"mod(mod(x,6),3)", "mod(x, 3)"},
		{"2*A%20%10", "2*mod(A, 5)"},
		{"floor(2*floor(x/3)/4)", "floor(x/6)"},
		{"floor(mod(x,4)/4)", "0"},
		{"floor((mod(x,4)+4)/4)", "1"},
		{"mod(mod(x, 4), 4)", "mod(x, 4)"},
		{"mod(mod(x, 4)+8, 4)", "mod(x, 4)"},
		// symbolic divisors
		{"floor(batch*seq*768/(seq*768))", "batch"},
		{"floor(x/x)", "1"},
		{"mod(x*y, y)", "0"},
		{"ceil(6*x*y/(3*y))", "2*x"},
		{"floor((x*y + x)/(y + 1))", "x"},
		{"floor((x*y + 1)/y)", "floor(1/y) + x"},
		{"floor((x + y)/y)", "floor(x/y) + 1"},
		{"floor(x/(2*x))", "0"},
		{"floor(x*y/(2*y))", "floor(x/2)"},
		{"floor(-x*y/(2*y))", "floor(x/2) - x"},
		{"mod(3*x*y, 2*y)", "mod(x, 2)*y"},
		{"floor((x^2*y + x*y)/(x*z))", "floor((x*y + y)/z)"},
		{"floor(x/(x+1))", "0"},
		{"ceil(x/(x+1))", "1"},
		{"mod(x, x+1)", "x"},
		{"floor(2*x/(4*y))", "floor(x/(2*y))"},
		{"floor(x/(-y))", "floor(-x/y)"},
		{"mod(x, -y)", "-mod(-x, y)"},
		{"floor(floor(x/y)/z)", "floor(x/(y*z))"},
		// min/max
		{"max(a,b)", "max(a, b)"},
		{"max(b,a)", "max(a, b)"},
		{"min(3, 5)", "3"},
		{"max(x, x)", "x"},
		{"max(x,1)", "x"},
		{"min(x,1)", "1"},
		{"max(x, 0)", "x"},
		{"min(x, 0)", "0"},
		{"max(x^2, x)", "x^2"},
		{"min(x*y, x)", "x"},
		{"max(x+1, y+1)", "max(x, y) + 1"},
		{"max(2*x, 2*y)", "2*max(x, y)"},
		{"max(x, 2)", "max(2, x)"},
		{"min(x, y) - min(y, x)", "0"},
		{"max(x, y, z)", "max(max(x, y), z)"},
		{"max(mod(x, 4), 3)", "3"},
		{"max(floor(x/2), x)", "x"},
		{"min(floor(x/2), x)", "floor(x/2)"},
		{"max(floor((H+1)/2), H)", "H"},
		{"min(ceil(x/3), x)", "ceil(x/3)"},
		{"floor(floor(x/2)/x)", "0"},
		{"max(2*floor(x/2), x)", "x"},
		{"max(2*floor(x/2), x - 1)", "2*floor(x/2)"},
		// names that are not identifiers
		{"\"seq len\"*2", "2*\"seq len\""},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := Parse(e.String()); err != nil || !back.Equal(e) {
			t.Errorf("round trip of %q: %v, %v", e, back, err)
		}
	}
}

func TestEqual(t *testing.T) {
	h := Var("h")
	a := FloorDiv(h.AddInt(-1), Const(2))
	b := FloorDiv(Var("h").AddInt(-1), Const(2))
	if !a.Equal(b) || a.String() != b.String() {
		t.Errorf("%v != %v", a, b)
	}
	x, y := Var("x"), Var("y")
	pairs := [][2]Expr{
		{x.Add(y), y.Add(x)},
		{x.Mul(y).Mul(x), x.Mul(x).Mul(y)},
		{Sum(x, y, Const(3)), Const(3).Add(y).Add(x)},
		{Product(x, y, Const(2)), y.MulInt(2).Mul(x)},
		{Min(x, y), Min(y, x)},
		{Max(x.Mul(y), FloorDiv(x, y)), Max(FloorDiv(x, y), y.Mul(x))},
		{x.Add(y).Pow(3), x.Add(y).Mul(x.Add(y)).Mul(y.Add(x))},
		{x.Sub(y).Neg(), y.Sub(x)},
		{Const(0), Expr{}},
		{x.MulInt(0), Const(0)},
		{Mod(x.MulInt(7), Const(3)), Mod(x, Const(3))},
	}
	for _, p := range pairs {
		if !p[0].Equal(p[1]) || p[0].String() != p[1].String() {
			t.Errorf("%v not Equal %v", p[0], p[1])
		}
	}
	notEqual := [][2]Expr{
		{x, y},
		{x, Const(1)},
		{FloorDiv(x, Const(2)), CeilDiv(x, Const(2))},
		{Min(x, y), Max(x, y)},
		{x.MulInt(2), x.MulInt(3)},
		{x.Pow(2), x},
	}
	for _, p := range notEqual {
		if p[0].Equal(p[1]) {
			t.Errorf("%v Equal %v", p[0], p[1])
		}
	}
}

func TestSubstEvalVars(t *testing.T) {
	e := MustParse("2*batch*seq^2 + floor((H - 1)/2)*batch + max(seq, W)")
	if got := e.Vars(); !slices.Equal(got, []string{"H", "W", "batch", "seq"}) {
		t.Errorf("Vars = %v", got)
	}
	if d := e.Degree("seq"); d != 2 {
		t.Errorf("Degree(seq) = %d", d)
	}
	if d := e.Degree("H"); d != 0 {
		t.Errorf("Degree(H) = %d (atoms are not counted)", d)
	}
	if d := e.Degree("batch"); d != 1 {
		t.Errorf("Degree(batch) = %d", d)
	}
	bind := map[string]int64{"batch": 3, "seq": 5, "H": 8, "W": 9}
	v, err := e.Eval(bind)
	want := int64(2*3*25 + (7/2)*3 + 9)
	if err != nil || v != want {
		t.Errorf("Eval = %d, %v; want %d", v, err, want)
	}
	delete(bind, "W")
	delete(bind, "H")
	_, err = e.Eval(bind)
	var ue *UnboundError
	if !errors.As(err, &ue) || ue.Name != "H" || !strings.Contains(err.Error(), "unbound variable H in ") {
		t.Errorf("Eval unbound: %v", err)
	}
	s := e.Subst(map[string]Expr{"H": Const(8), "W": Var("seq")})
	if got, want := s.String(), "2*batch*seq^2 + 3*batch + seq"; got != want {
		t.Errorf("Subst = %q, want %q", got, want)
	}
	s = e.Subst(map[string]Expr{"seq": Var("batch").AddInt(1)})
	if got, want := s.String(), "2*batch^3 + batch*floor((H + 1)/2) + 4*batch^2 + max(W, batch + 1) + 2*batch - batch"; got == want {
		t.Errorf("unexpected %q", got) // sanity: the form must be canonical (no repeated terms)
	}
	if s.Degree("batch") != 3 {
		t.Errorf("Subst degree: %v", s)
	}
	if got := e.Subst(nil); got.String() != e.String() {
		t.Errorf("empty Subst changed %v", got)
	}
	if v, err := Const(7).Eval(nil); err != nil || v != 7 {
		t.Errorf("const Eval: %d, %v", v, err)
	}
	if vars := Const(7).Vars(); len(vars) != 0 {
		t.Errorf("const Vars: %v", vars)
	}
	terms := MustParse("3*x^2*y - floor(x/2) + 5").Terms()
	wantTerms := []Term{
		{Coef: 3, Factors: []Factor{{"x", 2}, {"y", 1}}},
		{Coef: -1, Factors: []Factor{{"floor(x/2)", 1}}},
		{Coef: 5},
	}
	if fmt.Sprint(terms) != fmt.Sprint(wantTerms) {
		t.Errorf("Terms = %v, want %v", terms, wantTerms)
	}
	if len(Const(0).Terms()) != 0 {
		t.Errorf("Terms of 0 not empty")
	}
}

func TestSign(t *testing.T) {
	tests := map[string]int{
		"0": 0, "5": 1, "-3": -1,
		"x": 1, "-x": -1, "x - 1": 2, "x + y - 1": 1, "x^2 - x": 2, "x^2 - x + 1": 1,
		"x*y - x - y + 2": 1, "-x*y + x - 1": -1, "floor(x/2)": 2, "floor((x+1)/2)": 1,
		"mod(x, 3)": 2, "mod(x, 3) - 3": -1, "max(x, y) - x": 2, "x - y": 2,
		"ceil(x/3)": 1, "-ceil(x/3)": -1, "min(x, y)": 1,
	}
	for in, want := range tests {
		if got := MustParse(in).Sign(); got != want {
			t.Errorf("Sign(%s) = %d, want %d", in, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		pos  int
		frag string
	}{
		{"", 0, "unexpected end of input"},
		{"x +", 3, "unexpected end of input"},
		{"x/2", 1, "unexpected '/'"},
		{"2 x", 2, "unexpected 'x'"},
		{"(x", 2, `expected ")"`},
		{"foo(x)", 0, `unknown function "foo"`},
		{"x^y", 2, "exponent must be a constant"},
		{"x^-1", 2, "negative exponent"},
		{"99999999999999999999", 0, "out of range"},
		{"floor(x/0)", 0, "division by zero"},
		{"9223372036854775807 + 1", 20, "integer overflow"},
		{"mod(x)", 5, `expected ","`},
		{`"abc`, 0, "malformed quoted name"},
		{`""`, 0, "empty variable name"},
		{"x $ y", 2, "unexpected '$'"},
		{"floor(x/2/3)", 9, `expected ")"`},
		{"floor(x,2)", 7, `expected "/" or ")"`},
		{strings.Repeat("(", 300) + "x" + strings.Repeat(")", 300), 200, "nested more than 200 levels"},
		{strings.Repeat("-", 1000) + "x", 200, "nested more than 200 levels"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): got %v, want *ParseError", tt.in, err)
			continue
		}
		if pe.Pos != tt.pos || !strings.Contains(err.Error(), tt.frag) || !strings.Contains(err.Error(), fmt.Sprintf("column %d", tt.pos+1)) {
			t.Errorf("Parse(%q): %v (pos %d), want pos %d and %q", tt.in, err, pe.Pos, tt.pos, tt.frag)
		}
	}
}

func TestVarPanicsOnEmptyName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Var(\"\") did not panic")
		}
	}()
	Var("")
}

func TestConstAllocs(t *testing.T) {
	a, b := Const(12345), Const(67)
	var sink Expr
	n := testing.AllocsPerRun(1000, func() {
		sink = a.Mul(b).Add(b).Sub(a).MulInt(3).AddInt(-4).Neg()
		sink = Max(Min(sink, a), b)
		sink = FloorDiv(sink, b).Add(CeilDiv(sink, b)).Add(Mod(sink, b))
		sink = Sum(sink, a, b).Add(Product(a, b))
		if _, ok := sink.IsConst(); !ok || !sink.Equal(sink) {
			t.Fatal("not constant")
		}
	})
	if n != 0 {
		t.Errorf("constant arithmetic allocates %v times per run", n)
	}
}

// A random expression tree with a reference evaluator.
type node struct {
	op   string
	l, r *node
	v    int64
	name string
}

var treeVars = []string{"x", "y", "z"}

func genTree(rng *rand.Rand, depth int) *node {
	if depth == 0 || rng.IntN(4) == 0 {
		if rng.IntN(2) == 0 {
			return &node{op: "const", v: rng.Int64N(9) - 3}
		}
		return &node{op: "var", name: treeVars[rng.IntN(len(treeVars))]}
	}
	ops := []string{"add", "sub", "mul", "floor", "ceil", "mod", "min", "max", "neg", "add", "floor", "mod"}
	op := ops[rng.IntN(len(ops))]
	n := &node{op: op, l: genTree(rng, depth-1)}
	if op != "neg" {
		n.r = genTree(rng, depth-1)
	}
	return n
}

var errRefDivZero = errors.New("division by zero")

func (n *node) eval(env map[string]int64) (*big.Int, error) {
	switch n.op {
	case "const":
		return big.NewInt(n.v), nil
	case "var":
		return big.NewInt(env[n.name]), nil
	}
	a, err := n.l.eval(env)
	if err != nil {
		return nil, err
	}
	if n.op == "neg" {
		return new(big.Int).Neg(a), nil
	}
	b, err := n.r.eval(env)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "add":
		return new(big.Int).Add(a, b), nil
	case "sub":
		return new(big.Int).Sub(a, b), nil
	case "mul":
		return new(big.Int).Mul(a, b), nil
	case "min":
		if a.Cmp(b) < 0 {
			return a, nil
		}
		return b, nil
	case "max":
		if a.Cmp(b) > 0 {
			return a, nil
		}
		return b, nil
	}
	if b.Sign() == 0 {
		return nil, errRefDivZero
	}
	switch n.op {
	case "floor":
		return pyFloorDiv(a, b), nil
	case "ceil":
		return pyCeilDiv(a, b), nil
	}
	return pyMod(a, b), nil
}

func (n *node) build() Expr {
	switch n.op {
	case "const":
		return Const(n.v)
	case "var":
		return Var(n.name)
	case "neg":
		return n.l.build().Neg()
	}
	a, b := n.l.build(), n.r.build()
	switch n.op {
	case "add":
		return a.Add(b)
	case "sub":
		return a.Sub(b)
	case "mul":
		return a.Mul(b)
	case "floor":
		return FloorDiv(a, b)
	case "ceil":
		return CeilDiv(a, b)
	case "mod":
		return Mod(a, b)
	case "min":
		return Min(a, b)
	}
	return Max(a, b)
}

func (n *node) String() string {
	switch n.op {
	case "const":
		return fmt.Sprint(n.v)
	case "var":
		return n.name
	case "neg":
		return fmt.Sprintf("-(%v)", n.l)
	}
	return fmt.Sprintf("%s(%v, %v)", n.op, n.l, n.r)
}

// TestRandomExpressions checks that simplification never changes the value:
// random trees over x, y, z evaluated at random points >= 1 agree with the
// simplified Expr's Eval, with full and partial Subst, and with the
// expression reparsed from its String.
func TestRandomExpressions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	trees, points, skipped := 0, 0, 0
	for range 4000 {
		tree := genTree(rng, 1+rng.IntN(5))
		var e Expr
		var err error
		func() {
			defer Catch(&err)
			e = tree.build()
		}()
		if err != nil {
			var dz *DivisionByZeroError
			if !errors.As(err, &dz) {
				skipped++ // coefficient overflow while building
			}
			continue
		}
		trees++
		back, perr := Parse(e.String())
		if perr != nil || !back.Equal(e) {
			t.Fatalf("round trip of %v (from %v): %v, %v", e, tree, back, perr)
		}
		for range 6 {
			env := map[string]int64{}
			for _, v := range treeVars {
				env[v] = 1 + rng.Int64N(7)
			}
			want, rerr := tree.eval(env)
			if rerr != nil || !want.IsInt64() {
				continue
			}
			points++
			got, err := e.Eval(env)
			if err != nil {
				var oe *OverflowError
				if errors.As(err, &oe) {
					skipped++
					continue
				}
				t.Fatalf("Eval %v (from %v) at %v: %v; want %v", e, tree, env, err, want)
			}
			if got != want.Int64() {
				t.Fatalf("Eval %v (from %v) at %v = %d, want %v", e, tree, env, got, want)
			}
			full := map[string]Expr{}
			for k, v := range env {
				full[k] = Const(v)
			}
			var s Expr
			func() {
				defer Catch(&err)
				s = e.Subst(full)
			}()
			if c, ok := s.IsConst(); err == nil && (!ok || c != want.Int64()) {
				t.Fatalf("Subst %v (from %v) at %v = %v, want %v", e, tree, env, s, want)
			}
			v := treeVars[rng.IntN(len(treeVars))]
			func() {
				defer Catch(&err)
				s = e.Subst(map[string]Expr{v: Const(env[v])})
			}()
			if err == nil {
				if got, err := s.Eval(env); err == nil && got != want.Int64() {
					t.Fatalf("partial Subst %s=%d of %v (from %v) = %v, evaluates to %d at %v, want %v", v, env[v], e, tree, s, got, env, want)
				}
			}
		}
	}
	if trees < 2000 || points < 5000 || skipped > trees/20 {
		t.Errorf("weak coverage: %d trees, %d points, %d skipped", trees, points, skipped)
	}
	t.Logf("%d trees, %d points, %d skipped", trees, points, skipped)
}

func TestRandomRoundTripNames(t *testing.T) {
	names := []string{"batch", "seq len", "x.y", "floor", "max", "ß", "a\"b", "_0"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		e := Const(rng.Int64N(5) - 2)
		for range 4 {
			v := Var(names[rng.IntN(len(names))])
			switch rng.IntN(4) {
			case 0:
				e = e.Add(v.MulInt(rng.Int64N(7) - 3))
			case 1:
				e = e.Mul(v.AddInt(1))
			case 2:
				e = Max(e, FloorDiv(v, Const(1+rng.Int64N(4))))
			case 3:
				e = Mod(e.Add(v), Const(2+rng.Int64N(3)))
			}
		}
		back, err := Parse(e.String())
		if err != nil || !back.Equal(e) {
			t.Fatalf("round trip of %q: %v, %v", e, back, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"2*batch*sequence^2 + 3*batch - 1", "floor((H - 1)/2) + 1", "max(a, b)", "(seq+1)^2",
		"batch*8+1", "floor(x/2)", "mod(x, 3) - ceil(y/(x*y))", "min(x, y, 3)", `"a b"^2`,
		"-9223372036854775808*x", "x // 3 % 2", "((x))", "x^2**3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): error %v is not a *ParseError", s, err)
			}
			return
		}
		str := e.String()
		back, err := Parse(str)
		if err != nil || !back.Equal(e) || back.String() != str {
			t.Fatalf("round trip of %q (from %q): %v, %v", str, s, back, err)
		}
	})
}

func BenchmarkConstMulAdd(b *testing.B) {
	b.ReportAllocs()
	acc := Const(0)
	k := Const(3)
	for i := range b.N {
		acc = Const(int64(i & 1023)).Mul(k).Add(acc).Sub(Const(int64(i & 1023)))
		acc = Mod(FloorDiv(acc, Const(2)).Add(Max(acc, Const(1))), Const(1_000_003))
	}
	_ = acc
}

func BenchmarkSymbolicPoly(b *testing.B) {
	b.ReportAllocs()
	batch, seq, hidden := Var("batch"), Var("sequence"), Var("hidden")
	for range b.N {
		// A transformer-layer-like FLOP count.
		attn := batch.Mul(seq).Mul(seq).Mul(hidden).MulInt(4)
		proj := batch.Mul(seq).Mul(hidden.Pow(2)).MulInt(8)
		conv := FloorDiv(seq.AddInt(-1), Const(2)).AddInt(1)
		total := Sum(attn, proj, batch.Mul(conv).MulInt(22300000000))
		_ = Max(total, batch)
		_ = total.Subst(map[string]Expr{"hidden": Const(768)})
	}
}

func BenchmarkEval(b *testing.B) {
	b.ReportAllocs()
	e := MustParse("1200000*batch*sequence^2 + 22300000000*batch + floor((sequence - 1)/2)*batch")
	bind := map[string]int64{"batch": 8, "sequence": 512}
	for range b.N {
		if _, err := e.Eval(bind); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPowMatchesRepeatedMul(t *testing.T) {
	x, y := Var("x"), Var("y")
	for _, base := range []Expr{x.AddInt(1), x.MulInt(2).Sub(y.MulInt(3)), x.Sub(y), x.Mul(y).AddInt(-1), x.Add(y).AddInt(1), x.MulInt(-1).AddInt(2)} {
		want := Const(1)
		var wantErr error
		for n := 0; n <= 70; n++ {
			if n > 0 && wantErr == nil {
				func() {
					defer Catch(&wantErr)
					want = want.Mul(base)
				}()
			}
			var got Expr
			var err error
			func() {
				defer Catch(&err)
				got = base.Pow(n)
			}()
			if (err != nil) != (wantErr != nil) || err == nil && !got.Equal(want) {
				t.Fatalf("(%v)^%d = %v, %v; want %v, %v", base, n, got, err, want, wantErr)
			}
		}
	}
}
