package report

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// mdCells are cell texts that Markdown's inline syntax would change
// unescaped: emphasis, code spans, links, raw HTML, entities, the cell
// separator, hard-line backslashes.
var mdCells = []string{
	"past_key_values.0.key", "__init__", "a*b", "**bold**", "`code`", "<b>x</b>",
	`a\b`, `a\*b`, "E[max]", "[x](y)", "![i](j)", "~~s~~", "&amp;", "&#42;", "c&d", "a|b",
	"x_1 * y_2", "50% of $", "<https://x.org>",
}

func TestMarkdownEscapesInlineSpecials(t *testing.T) {
	tb := &Table{Header: []string{"cell"}}
	for _, c := range mdCells {
		tb.AddRow(Text(c))
	}
	var b bytes.Buffer
	if err := tb.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"past_key_values.0.key": `past\_key\_values.0.key`,
		"__init__":              `\_\_init\_\_`,
		"a*b":                   `a\*b`,
		"`code`":                "\\`code\\`",
		"<b>x</b>":              `\<b>x\</b>`,
		`a\b`:                   `a\\b`,
		"E[max]":                `E\[max]`,
		"~~s~~":                 `\~\~s\~\~`,
		"&amp;":                 `\&amp;`,
		"&#42;":                 `\&#42;`,
		"c&d":                   `c&d`, // no entity: left readable
		"a|b":                   `a\|b`,
		"50% of $":              `50% of $`,
	}
	for cell, esc := range want {
		if got := mdEscape(cell); got != esc {
			t.Errorf("mdEscape(%q) = %q, want %q", cell, got, esc)
		}
		if !strings.Contains(b.String(), "| "+esc+" ") {
			t.Errorf("table lacks %q:\n%s", esc, b.String())
		}
	}
	if got := mdEscape("a\r\nb"); got != "a b" {
		t.Errorf("newline: got %q", got)
	}
	// GREENAI_MD_OUT writes the table for a check with a CommonMark
	// renderer outside the module (goldmark's GFM: every cell renders to
	// its own text).
	if p := os.Getenv("GREENAI_MD_OUT"); p != "" {
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTeXNoteCodeSpans(t *testing.T) {
	for in, want := range map[string]string{
		"Measure with `greenai run` now.": `Measure with \texttt{greenai run} now.`,
		"`a_b` and `x|y`":                 `\texttt{a\_b} and \texttt{x\textbar{}y}`,
		"one ` left":                      `one \textasciigrave{} left`,
		"50% of $":                        `50\% of \$`,
	} {
		if got := texNote(in); got != want {
			t.Errorf("texNote(%q) = %q, want %q", in, got, want)
		}
	}
	tb := &Table{Header: []string{"a"}, Notes: []string{"Run `greenai run` to measure."}}
	tb.AddRow(Text("x"))
	var b bytes.Buffer
	if err := tb.WriteLaTeX(&b); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); !strings.Contains(s, `Run \texttt{greenai run} to measure.`) || strings.Contains(s, "`") {
		t.Errorf("latex note:\n%s", s)
	}
}

// The card's title and subtitle come from the spec and the trials (model,
// metric and file names), so they are escaped like table cells.
func TestCardMarkdownEscapesTitle(t *testing.T) {
	c := &Card{Title: "Efficiency card: __init__ *x*", Subtitle: "Metric: val_acc. Trials: runs_<1>.csv."}
	var b bytes.Buffer
	if err := c.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "# Efficiency card: \\_\\_init\\_\\_ \\*x\\*\n\nMetric: val\\_acc. Trials: runs\\_\\<1>.csv.\n"
	if !strings.HasPrefix(b.String(), want) {
		t.Errorf("got\n%s\nwant prefix\n%s", b.String(), want)
	}
}
