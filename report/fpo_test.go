package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/sym"
)

func TestCountJSON(t *testing.T) {
	for _, c := range []Count{C(sym.Const(3635322856)), C(sym.MustParse("3*batch*sequence^2 + 7"))} {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Count
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !back.Equal(c.Expr) {
			t.Errorf("%s came back as %s", b, back)
		}
	}
	if b, _ := json.Marshal(C(sym.Const(12))); string(b) != "12" {
		t.Errorf("concrete count is %s, want a JSON integer", b)
	}
	var bad Count
	if err := json.Unmarshal([]byte(`"3*?"`), &bad); err == nil {
		t.Error("a malformed polynomial was accepted")
	}
}

func TestAbbreviate(t *testing.T) {
	s := "36.86k·batch·sequence² + 247.1M·batch·sequence"
	if got, cut := Abbreviate(s, 100); got != s || cut {
		t.Errorf("short string changed: %q", got)
	}
	if got, cut := Abbreviate(s, 30); got != "36.86k·batch·sequence² + …" || !cut {
		t.Errorf("Abbreviate = %q", got)
	}
	if got, _ := Abbreviate(s, 10); len([]rune(got)) != 10 || !strings.HasSuffix(got, "…") {
		t.Errorf("Abbreviate of one long term = %q", got)
	}
}

func TestTableWidthAndSpan(t *testing.T) {
	tb := &Table{Header: []string{"term", "what"}, Width: 30,
		Notes: []string{"a note long enough that it has to be wrapped onto two lines"}}
	tb.AddRow(Text("E"), Text("forward + backward + update per example at the batch size"))
	var b strings.Builder
	tb.WriteText(&b)
	for _, l := range strings.Split(b.String(), "\n") {
		if len([]rune(l)) > 30 {
			t.Errorf("line over 30 columns: %q", l)
		}
	}
	if !strings.Contains(b.String(), "E     forward + backward +") {
		t.Errorf("wrapped table:\n%s", b.String())
	}
	sp := &Table{Header: []string{"a", "b"}}
	sp.AddRow(Text("x"), Text("y"))
	sp.AddRow(Cell{Text: "  a detail line wider than the columns", Span: true})
	b.Reset()
	sp.WriteText(&b)
	if b.String() != "a  b\nx  y\n  a detail line wider than the columns\n" {
		t.Errorf("span row:\n%q", b.String())
	}
	var md strings.Builder
	tm := &Table{Header: []string{"a|b"}}
	tm.AddRow(Text("x|y"))
	tm.WriteMarkdown(&md)
	if !strings.Contains(md.String(), `x\|y`) || !strings.Contains(md.String(), `a\|b`) {
		t.Errorf("Markdown does not escape |:\n%s", md.String())
	}
}

// TestFPOLowerBoundMarked: when nodes are not counted, the totals are
// called a lower bound where they are shown (the text's totals heading,
// the Markdown/LaTeX summary's notes), not only in a list at the end.
func TestFPOLowerBoundMarked(t *testing.T) {
	d := &FPODoc{Model: "m.onnx", ByOpType: map[string]OpDoc{}, Totals: FPOTotals{Convention: "fpo", Unit: "FPO",
		FPO: C(sym.Const(4)), MACs: C(sym.Const(0)), FPOFromMACs: C(sym.Const(0)),
		ActivationBytes: C(sym.Const(16)), ActivationPeak: C(sym.Const(32)), BytesMoved: C(sym.Const(0))},
		Uncounted: []fpo.Uncounted{{Node: "foo", OpType: "FooBar", Reason: "no shape rule"}}}
	var b strings.Builder
	if err := d.Write(&b, Plain, FPOView{Width: 80}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Totals per inference (a lower bound: 1 node(s) not counted") {
		t.Errorf("text totals not called a lower bound:\n%s", b.String())
	}
	for _, f := range []string{Markdown, LaTeX} {
		b.Reset()
		if err := d.Write(&b, f, FPOView{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "m.onnx: a lower bound: 1 node(s) not counted (first: foo, FooBar: no shape rule).") {
			t.Errorf("%s summary not called a lower bound:\n%s", f, b.String())
		}
	}
	d.Uncounted = nil
	b.Reset()
	d.Write(&b, Plain, FPOView{Width: 80})
	if strings.Contains(b.String(), "lower bound") {
		t.Errorf("a complete count is called a lower bound:\n%s", b.String())
	}
}
