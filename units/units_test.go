package units

import (
	"math"
	"testing"

	"github.com/greenai/greenai/sym"
)

func TestSI(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{0.25, "0.25"},
		{512, "512"},
		{999, "999"},
		{999.96, "1k"},
		{1000, "1k"},
		{1500, "1.5k"},
		{4089184256, "4.089G"},
		{3.630e9, "3.63G"},
		{999960, "1M"},
		{999_960_000, "1G"},
		{999_949, "999.9k"},
		{-4e6, "-4M"},
		{0.002, "2m"},
		{3e-6, "3µ"},
		{1e21, "1e+21"},
		{math.NaN(), "NaN"},
	}
	for _, tc := range tests {
		if got := SI(tc.v); got != tc.want {
			t.Errorf("SI(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := SIDigits(1.23456e12, 3); got != "1.23T" {
		t.Errorf("SIDigits(1.23456e12, 3) = %q", got)
	}
	if got := SIDigits(999.96e3, 3); got != "1M" {
		t.Errorf("SIDigits(999.96e3, 3) = %q", got)
	}
}

func TestQuantity(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{46.72e6, "B", "46.72 MB"},
		{512, "B", "512 B"},
		{999_999_999, "B", "1 GB"},
		{4.14e-5, "kWh", "41.4 mWh"},
		{4.14e-8, "kWh", "41.4 µWh"},
		{1.5, "kWh", "1.5 kWh"},
		{2100, "kWh", "2.1 MWh"},
		{0.5, "kg CO2e", "500 g CO2e"},
		{312e12, "FLOP/s", "312 TFLOP/s"},
		{3.2, "", "3.2"},
		{4.1e9, "FPO", "4.1G FPO"},
	}
	for _, tc := range tests {
		if got := Quantity(tc.v, tc.unit); got != tc.want {
			t.Errorf("Quantity(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
	if got := Bytes(int64(46_720_000)); got != "46.72 MB" {
		t.Errorf("Bytes = %q", got)
	}
	if got := Energy(4.14e-8); got != "41.4 µWh" {
		t.Errorf("Energy = %q", got)
	}
	if got := Joules(7.2e6); got != "7.2 MJ (2 kWh)" {
		t.Errorf("Joules = %q", got)
	}
	if got := Joules(512); got != "512 J" {
		t.Errorf("Joules = %q", got)
	}
}

func TestExpr(t *testing.T) {
	cases := []struct {
		e    sym.Expr
		want string
	}{
		{sym.Const(4089184256), "4.089G"},
		{sym.Const(512), "512"},
		{sym.Const(0), "0"},
		{sym.Const(999_960), "1M"},
		{sym.Var("batch").MulInt(22300000000), "22.3G·batch"},
		{sym.Var("batch").Mul(sym.Var("sequence")).Mul(sym.Var("sequence")).MulInt(1200000).Add(sym.Var("batch").MulInt(5)), "1.2M·batch·sequence² + 5·batch"},
		{sym.Var("x").MulInt(-3).AddInt(7), "−3·x + 7"},
	}
	for _, c := range cases {
		if got := Expr(c.e); got != c.want {
			t.Errorf("Expr(%s) = %q, want %q", c.e, got, c.want)
		}
	}
	if got := Exact(sym.Var("batch").MulInt(3)); got != "3*batch" {
		t.Errorf("Exact = %q", got)
	}
}

func TestPercentDuration(t *testing.T) {
	if got := Percent(1, 8); got != "12.5%" {
		t.Errorf("Percent = %q", got)
	}
	if got := Percent(1, 0); got != "-" {
		t.Errorf("Percent of 0 = %q", got)
	}
	if got := Duration(5400); got != "1.5 hours" {
		t.Errorf("Duration = %q", got)
	}
}

func FuzzSI(f *testing.F) {
	f.Add(999960.0)
	f.Fuzz(func(t *testing.T, v float64) {
		s := SI(v)
		if s == "" {
			t.Fatal("empty")
		}
	})
}

func TestScientific(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		sig  int
		want string
	}{
		{1.59e16, 3, "1.59 × 10¹⁶"},
		{1.5e16, 3, "1.5 × 10¹⁶"},
		{782.6, 3, "7.83 × 10²"},
		{10.24e6, 3, "1.02 × 10⁷"},
		{4.5, 3, "4.5"},
		{12, 3, "1.2 × 10¹"},
		{9.996e8, 3, "1 × 10⁹"},
		{2.5e-4, 2, "2.5 × 10⁻⁴"},
		{-3e9, 3, "-3 × 10⁹"},
		{0, 3, "0"},
	} {
		if got := Scientific(tc.v, tc.sig); got != tc.want {
			t.Errorf("Scientific(%g, %d) = %q, want %q", tc.v, tc.sig, got, tc.want)
		}
	}
}

func TestGrouped(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "-1234567": "-1,234,567",
		"3635322856": "3,635,322,856", "123456789012345678901234": "123,456,789,012,345,678,901,234"} {
		if got := Grouped(in); got != want {
			t.Errorf("Grouped(%s) = %s, want %s", in, got, want)
		}
	}
}
