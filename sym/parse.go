package sym

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError reports a syntax error (or an arithmetic error while building
// the expression) at a byte offset of the input; Error prints it as a
// 1-based column.
type ParseError struct {
	Input string
	Pos   int // byte offset of the problem
	Msg   string
	Err   error // underlying *OverflowError or *DivisionByZeroError, if any
}

func (e *ParseError) Error() string {
	in := e.Input
	if len(in) > 80 {
		in = in[:77] + "..."
	}
	return fmt.Sprintf("parse %q: column %d: %s", in, e.Pos+1, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Err }

const (
	maxParseDepth = 200     // nesting limit of parentheses, calls and unary operators
	maxParseTerms = 1 << 14 // limit on the size of intermediate products
	maxParseExp   = 1 << 16 // limit on exponents
)

// Parse parses an expression. It accepts everything String produces and
// user input such as "batch*8+1", "(seq+1)^2", "floor(x/2)", "max(a,b)":
//
//	sum     = product { ("+" | "-") product }
//	product = unary { ("*" | "//" | "%") unary }      // "//" floor division, "%" mod
//	unary   = ("-" | "+") unary | power
//	power   = primary [ ("^" | "**") unary ]          // constant exponent >= 0
//	primary = integer | name | "(" sum ")" | call
//	call    = ("floor" | "ceil") "(" sum [ "/" sum ] ")"
//	        | "mod" "(" sum "," sum ")"
//	        | ("min" | "max") "(" sum { "," sum } ")"
//
// A name is an identifier or a Go-quoted string (for names that are not
// identifiers). Errors are *ParseError values naming the column.
func Parse(s string) (e Expr, err error) {
	p := &parser{src: s}
	defer func() {
		if r := recover(); r != nil {
			switch x := r.(type) {
			case *ParseError:
				err = x
			case *OverflowError:
				err = &ParseError{Input: s, Pos: p.opPos, Msg: x.Error(), Err: x}
			case *DivisionByZeroError:
				err = &ParseError{Input: s, Pos: p.opPos, Msg: x.Error(), Err: x}
			default:
				panic(r)
			}
		}
	}()
	e = p.sum()
	p.space()
	if p.pos < len(p.src) {
		if p.src[p.pos] == '/' {
			p.fail("unexpected '/': use floor(a/b) or a // b")
		}
		p.fail("unexpected %s", p.tok())
	}
	return e, nil
}

// MustParse is like Parse but panics on error; for tests and constants.
func MustParse(s string) Expr {
	e, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return e
}

type parser struct {
	src   string
	pos   int
	opPos int // start of the operation being built, for arithmetic errors
	depth int
}

func (p *parser) fail(format string, args ...any) {
	panic(&ParseError{Input: p.src, Pos: p.pos, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) tok() string {
	if p.pos >= len(p.src) {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return strconv.QuoteRune(r)
}

func (p *parser) space() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// peek skips space and reports whether the input continues with s.
func (p *parser) peek(s string) bool {
	p.space()
	return strings.HasPrefix(p.src[p.pos:], s)
}

func (p *parser) accept(s string) bool {
	if p.peek(s) {
		p.pos += len(s)
		return true
	}
	return false
}

func (p *parser) expect(s string) {
	if !p.accept(s) {
		p.fail("expected %q, found %s", s, p.tok())
	}
}

func (p *parser) sum() Expr {
	e := p.product()
	for {
		start := p.pos
		switch {
		case p.accept("+"):
			f := p.product()
			p.opPos = start
			e = e.Add(f)
		case p.accept("-"):
			f := p.product()
			p.opPos = start
			e = e.Sub(f)
		default:
			return e
		}
	}
}

func (p *parser) product() Expr {
	e := p.unary()
	for {
		start := p.pos
		switch {
		case p.accept("*"):
			f := p.unary()
			p.opPos = start
			p.checkSize(e, f)
			e = e.Mul(f)
		case p.accept("//"):
			f := p.unary()
			p.opPos = start
			e = FloorDiv(e, f)
		case p.accept("%"):
			f := p.unary()
			p.opPos = start
			e = Mod(e, f)
		default:
			return e
		}
	}
}

func (p *parser) checkSize(a, b Expr) {
	if len(termsOf(a))*len(termsOf(b)) > maxParseTerms {
		p.fail("expression too large")
	}
}

// minInt64Lit is the magnitude of math.MinInt64, which only parses negated.
const minInt64Lit = "9223372036854775808"

func (p *parser) unary() Expr {
	if p.depth++; p.depth > maxParseDepth {
		p.fail("expression nested more than %d levels deep", maxParseDepth)
	}
	defer func() { p.depth-- }()
	start := p.pos
	switch {
	case p.accept("-"):
		if p.peek(minInt64Lit) {
			save := p.pos
			p.pos += len(minInt64Lit)
			if !p.peek("^") && !p.peek("**") && (p.pos == len(p.src) || !isDigit(p.src[p.pos])) {
				return Const(-1 << 63)
			}
			p.pos = save
		}
		e := p.unary()
		p.opPos = start
		return e.Neg()
	case p.accept("+"):
		return p.unary()
	}
	return p.power()
}

func (p *parser) power() Expr {
	base := p.primary()
	start := p.pos
	if !p.accept("^") && !p.accept("**") {
		return base
	}
	expPos := p.pos
	exp := p.unary()
	n, ok := exp.IsConst()
	switch {
	case !ok:
		p.pos = expPos
		p.fail("exponent must be a constant")
	case n < 0:
		p.pos = expPos
		p.fail("negative exponent %d", n)
	case n > maxParseExp:
		p.pos = expPos
		p.fail("exponent %d too large", n)
	}
	p.opPos = start
	if base.p == nil || len(base.p.terms) <= 2 || n == 0 {
		return base.Pow(int(n))
	}
	r := base
	for range n - 1 { // as in Pow, with a size check at each step
		p.checkSize(r, base)
		r = r.Mul(base)
	}
	return r
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (p *parser) primary() Expr {
	p.space()
	start := p.pos
	if p.pos >= len(p.src) {
		p.fail("unexpected end of input")
	}
	c := p.src[p.pos]
	switch {
	case isDigit(c):
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
		}
		v, err := strconv.ParseInt(p.src[start:p.pos], 10, 64)
		if err != nil {
			p.pos = start
			p.fail("integer literal %s out of range", p.src[start:min(len(p.src), start+40)])
		}
		return Const(v)
	case c == '(':
		p.pos++
		e := p.sum()
		p.expect(")")
		return e
	case c == '"':
		lit, err := strconv.QuotedPrefix(p.src[p.pos:])
		if err != nil {
			p.fail("malformed quoted name")
		}
		name, _ := strconv.Unquote(lit)
		if name == "" {
			p.fail("empty variable name")
		}
		p.pos += len(lit)
		return Var(name)
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	if !isIdentStart(r) || r == utf8.RuneError {
		p.fail("unexpected %s", p.tok())
	}
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !isIdentPart(r) || r == utf8.RuneError {
			break
		}
		p.pos += n
	}
	name := p.src[start:p.pos]
	if !p.peek("(") {
		return Var(name)
	}
	p.pos++
	switch name {
	case "floor", "ceil":
		num := p.sum()
		if p.accept(")") {
			return num
		}
		if p.peek("//") || !p.accept("/") {
			p.fail("expected \"/\" or \")\", found %s", p.tok())
		}
		den := p.sum()
		p.expect(")")
		p.opPos = start
		if name == "floor" {
			return FloorDiv(num, den)
		}
		return CeilDiv(num, den)
	case "mod":
		a := p.sum()
		p.expect(",")
		b := p.sum()
		p.expect(")")
		p.opPos = start
		return Mod(a, b)
	case "min", "max":
		e := p.sum()
		for p.accept(",") {
			f := p.sum()
			p.opPos = start
			if name == "min" {
				e = Min(e, f)
			} else {
				e = Max(e, f)
			}
		}
		p.expect(")")
		return e
	}
	p.pos = start
	p.fail("unknown function %q", name)
	return Expr{}
}
