package fpo

import (
	"strings"
	"testing"

	"github.com/greenai/greenai/sym"
)

func TestParseTable(t *testing.T) {
	tab, err := ParseTable(strings.NewReader("# cheap transcendental functions\nexp = 1\ntanh: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tab[Exp] != 1 || tab[Tanh] != 2 || tab[Erf] != DefaultTable()[Erf] || tab[Add] != 1 {
		t.Errorf("table = %v", tab)
	}
	tab, err = ParseTable(strings.NewReader(`{"div": 4, "sqrt": 4}`))
	if err != nil || tab[Div] != 4 || tab[Sqrt] != 4 {
		t.Errorf("json table = %v, %v", tab, err)
	}
	for _, bad := range []string{"frob = 2", "exp = -1", "exp = x", "exp", `{"exp": "a"}`} {
		if _, err := ParseTable(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	_, err = ParseTable(strings.NewReader("exp = 1\nfrob = 2\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "frob") {
		t.Errorf("error should name the line and primitive: %v", err)
	}
}

func TestOpsFPOUsesTable(t *testing.T) {
	o := ops(Add, 10, Mul, 10, Exp, 3)
	d := DefaultTable()
	if v, _ := o.FPO(&d).IsConst(); v != 20+3*13 {
		t.Errorf("default: %d", v)
	}
	d[Exp] = 1
	if v, _ := o.FPO(&d).IsConst(); v != 23 {
		t.Errorf("override: %d", v)
	}
}

func TestFormatSI(t *testing.T) {
	cases := []struct {
		e    sym.Expr
		want string
	}{
		{sym.Const(4089184256), "4.089G"},
		{sym.Const(512), "512"},
		{sym.Const(0), "0"},
		{sym.Var("batch").MulInt(22300000000), "22.3G·batch"},
		{sym.Var("batch").Mul(sym.Var("sequence")).Mul(sym.Var("sequence")).MulInt(1200000).Add(sym.Var("batch").MulInt(5)), "1.2M·batch·sequence² + 5·batch"},
		{sym.Var("x").MulInt(-3).AddInt(7), "−3·x + 7"},
	}
	for _, c := range cases {
		if got := FormatSI(c.e); got != c.want {
			t.Errorf("FormatSI(%s) = %q, want %q", c.e, got, c.want)
		}
	}
}

func FuzzParseTable(f *testing.F) {
	f.Add("exp = 1\n# c\ntanh: 2\n")
	f.Add(`{"div": 4}`)
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := ParseTable(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, v := range tab {
			if v < 0 {
				t.Fatalf("negative cost accepted from %q", s)
			}
		}
	})
}
