package fpo

import (
	"strings"
	"testing"
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
