package sym

import (
	"fmt"
	"math"
	"math/bits"
)

// OverflowError reports that an exact integer result (a constant or a
// coefficient) does not fit in an int64. Arithmetic in this package panics
// with a *OverflowError instead of wrapping; see Catch.
type OverflowError struct {
	Op   string // "+", "-", "*", "/", "^" or "neg"
	A, B int64  // operands (B is unused for "neg")
}

func (e *OverflowError) Error() string {
	switch e.Op {
	case "neg":
		return fmt.Sprintf("integer overflow in -(%d)", e.A)
	case "^":
		return fmt.Sprintf("integer overflow in %d^%d", e.A, e.B)
	}
	return fmt.Sprintf("integer overflow in %d %s %d", e.A, e.Op, e.B)
}

// DivisionByZeroError reports a floor division, ceiling division or modulo
// by zero. Constructors panic with it when the divisor is the constant 0;
// Eval returns it when a divisor evaluates to 0.
type DivisionByZeroError struct {
	Expr string // the offending operation, e.g. "floor(x/0)"
}

func (e *DivisionByZeroError) Error() string {
	return "integer division by zero in " + e.Expr
}

// Catch converts a panic carrying *OverflowError or *DivisionByZeroError into
// an error stored in *err; any other panic is re-raised. Use it as
//
//	defer sym.Catch(&err)
func Catch(err *error) {
	r := recover()
	if r == nil {
		return
	}
	switch x := r.(type) {
	case *OverflowError:
		*err = x
	case *DivisionByZeroError:
		*err = x
	default:
		panic(r)
	}
}

// try runs f and reports false instead of panicking when f overflows.
func try(f func() Expr) (e Expr, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isOvf := r.(*OverflowError); !isOvf {
				panic(r)
			}
			ok = false
		}
	}()
	return f(), true
}

// CheckedAdd returns a+b and whether it did not overflow.
func CheckedAdd(a, b int64) (int64, bool) {
	s := a + b
	return s, (a^s)&(b^s) >= 0
}

// CheckedSub returns a-b and whether it did not overflow.
func CheckedSub(a, b int64) (int64, bool) {
	s := a - b
	return s, (a^b)&(a^s) >= 0
}

// CheckedMul returns a*b and whether it did not overflow.
func CheckedMul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	hi -= uint64(a>>63) & uint64(b)
	hi -= uint64(b>>63) & uint64(a)
	r := int64(lo)
	return r, int64(hi) == r>>63
}

// CheckedPow returns b^n (n >= 0) and whether it did not overflow.
func CheckedPow(b int64, n int) (int64, bool) {
	r := int64(1)
	for ; n > 0; n >>= 1 {
		var ok bool
		if n&1 != 0 {
			if r, ok = CheckedMul(r, b); !ok {
				return 0, false
			}
		}
		if n > 1 {
			if b, ok = CheckedMul(b, b); !ok {
				return 0, false
			}
		}
	}
	return r, true
}

func add64(a, b int64) int64 {
	s, ok := CheckedAdd(a, b)
	if !ok {
		panic(&OverflowError{Op: "+", A: a, B: b})
	}
	return s
}

func sub64(a, b int64) int64 {
	s, ok := CheckedSub(a, b)
	if !ok {
		panic(&OverflowError{Op: "-", A: a, B: b})
	}
	return s
}

func mul64(a, b int64) int64 {
	s, ok := CheckedMul(a, b)
	if !ok {
		panic(&OverflowError{Op: "*", A: a, B: b})
	}
	return s
}

func neg64(a int64) int64 {
	if a == math.MinInt64 {
		panic(&OverflowError{Op: "neg", A: a})
	}
	return -a
}

func pow64(b int64, n int) int64 {
	r, ok := CheckedPow(b, n)
	if !ok {
		panic(&OverflowError{Op: "^", A: b, B: int64(n)})
	}
	return r
}

// floorDiv64 is Python's a // b for b != 0.
func floorDiv64(a, b int64) int64 {
	if b == -1 {
		return neg64(a)
	}
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// ceilDiv64 is ceil(a / b) for b != 0.
func ceilDiv64(a, b int64) int64 {
	if b == -1 {
		return neg64(a)
	}
	q := a / b
	if (a%b != 0) && ((a < 0) == (b < 0)) {
		q++
	}
	return q
}

// floorMod64 is Python's a % b for b != 0 (result has the sign of b).
func floorMod64(a, b int64) int64 {
	m := a % b
	if m != 0 && ((m < 0) != (b < 0)) {
		m += b
	}
	return m
}

func abs64u(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // -MinInt64 wraps to 1<<63, which is correct as uint64
	}
	return uint64(a)
}

func gcdU(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
