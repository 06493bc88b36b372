package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/greenai/greenai/internal/plot"
	"github.com/greenai/greenai/units"
)

// Cell is one table cell: Text is what people read (Markdown, LaTeX); Raw,
// if set, is the machine-readable value written to CSV (full precision,
// no SI prefix).
type Cell struct {
	Text string
	Raw  string
	// Span, on a row's first cell, makes the row one line of text across
	// the table in WriteText (a detail under the row above); the other
	// formats write it as an ordinary cell.
	Span bool
}

// Text returns a cell holding plain text.
func Text(s string) Cell { return Cell{Text: s} }

// Num returns a cell for a plain number: four significant digits for
// people, full precision in CSV. NaN gives an empty cell.
func Num(v float64) Cell {
	if math.IsNaN(v) {
		return Cell{}
	}
	return Cell{Text: strconv.FormatFloat(v, 'g', 4, 64), Raw: strconv.FormatFloat(v, 'g', -1, 64)}
}

// Int returns a cell for an integer.
func Int(v int) Cell { return Cell{Text: strconv.Itoa(v), Raw: strconv.Itoa(v)} }

// SI returns a cell for a quantity printed with an SI prefix ("1.23G");
// CSV gets the full-precision number. NaN gives an empty cell.
func SI(v float64) Cell {
	if math.IsNaN(v) {
		return Cell{}
	}
	return Cell{Text: units.SIDigits(v, 3), Raw: strconv.FormatFloat(v, 'g', -1, 64)}
}

func (c Cell) raw() string {
	if c.Raw != "" {
		return c.Raw
	}
	return c.Text
}

// Table is a titled table that can be written as Markdown, LaTeX or CSV.
type Table struct {
	Caption string
	Label   string // LaTeX \label; empty for none
	Header  []string
	// Align holds one of 'l', 'r', 'c' per column; missing entries are 'l'.
	Align []byte
	Rows  [][]Cell
	Notes []string // printed below the table (not in CSV)
	// Widths, where set for a column, make it a LaTeX paragraph column
	// p{width} that wraps long text (e.g. "0.4\\linewidth").
	Widths []string
	// Inline writes LaTeX without a floating table environment (the
	// caption becomes a bold line above the tabular).
	Inline bool

	// Terminal layout (WriteText only).
	//
	// Indent goes before every header and row line. HideHeader prints the
	// rows only (Markdown, LaTeX and CSV still name the columns). Heading
	// prints the caption as a heading line directly above the table
	// instead of a paragraph. Width, when positive, is the terminal width
	// the table must fit: the widest left-aligned column is wrapped at
	// word boundaries (continuation lines leave the other cells empty), and
	// notes are wrapped too.
	Indent     string
	HideHeader bool
	Heading    bool
	Width      int
}

// AddRow appends a row.
func (t *Table) AddRow(cells ...Cell) { t.Rows = append(t.Rows, cells) }

// Output formats for tables.
const (
	Plain    = "text"
	Markdown = "markdown"
	LaTeX    = "latex"
	CSV      = "csv"
)

// Write writes the table in format (Markdown, LaTeX or CSV).
func (t *Table) Write(w io.Writer, format string) error {
	switch format {
	case Plain:
		return t.WriteText(w)
	case Markdown:
		return t.WriteMarkdown(w)
	case LaTeX:
		return t.WriteLaTeX(w)
	case CSV:
		return t.WriteCSV(w)
	}
	return fmt.Errorf("unknown table format %q (want text, markdown, latex or csv)", format)
}

func (t *Table) align(i int) byte {
	if i < len(t.Align) && (t.Align[i] == 'r' || t.Align[i] == 'c') {
		return t.Align[i]
	}
	return 'l'
}

func (t *Table) cell(row []Cell, i int) Cell {
	if i < len(row) {
		return row[i]
	}
	return Cell{}
}

// WriteText writes the table for a terminal: the caption, then columns
// aligned with two spaces between them, then the notes.
func (t *Table) WriteText(w io.Writer) error {
	var b strings.Builder
	if t.Caption != "" {
		if t.Width > 0 {
			b.WriteString(Wrap(t.Caption, t.Width, "  "))
		} else {
			b.WriteString(t.Caption + "\n")
		}
		if !t.Heading {
			b.WriteString("\n")
		}
	}
	rows := make([][]string, 0, len(t.Rows))
	span := map[int]bool{}
	for _, r := range t.Rows {
		if len(r) > 0 && r[0].Span {
			span[len(rows)] = true
			rows = append(rows, []string{r[0].Text})
			continue
		}
		cells := make([]string, len(t.Header))
		for i := range cells {
			cells[i] = t.cell(r, i).Text
		}
		rows = append(rows, cells)
	}
	widths := make([]int, len(t.Header))
	for i, h := range t.Header {
		if !t.HideHeader {
			widths[i] = runeLen(h)
		}
		for k, r := range rows {
			if !span[k] {
				widths[i] = max(widths[i], runeLen(r[i]))
			}
		}
	}
	if t.Width > 0 && len(span) == 0 {
		rows = t.wrapRows(rows, widths)
	}
	line := func(cells []string) {
		var l strings.Builder
		l.WriteString(t.Indent)
		for i, c := range cells {
			if i > 0 {
				l.WriteString("  ")
			}
			pad := strings.Repeat(" ", max(0, widths[i]-runeLen(c)))
			if t.align(i) == 'r' {
				l.WriteString(pad + c)
			} else {
				l.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	if !t.HideHeader {
		line(t.Header)
	}
	for k, r := range rows {
		if span[k] {
			b.WriteString(strings.TrimRight(t.Indent+r[0], " ") + "\n")
			continue
		}
		line(r)
	}
	for _, n := range t.Notes {
		b.WriteString("\n")
		if t.Width > 0 {
			b.WriteString(Wrap(n, t.Width, "")) // ends with a newline
		} else {
			b.WriteString(n + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func runeLen(s string) int { return len([]rune(s)) }

// wrapRows narrows the widest left-aligned column until the table fits
// t.Width, wrapping its cells onto continuation rows. widths is updated.
func (t *Table) wrapRows(rows [][]string, widths []int) [][]string {
	total := runeLen(t.Indent) + 2*max(0, len(widths)-1)
	for _, w := range widths {
		total += w
	}
	if total <= t.Width {
		return rows
	}
	// The widest left-aligned column that has words to wrap at (names
	// without spaces, such as node names, cannot wrap).
	flex := -1
	for pass := 0; pass < 2 && flex < 0; pass++ {
		for i := range widths {
			if t.align(i) == 'l' && (pass == 1 || hasSpace(rows, i)) && (flex < 0 || widths[i] > widths[flex]) {
				flex = i
			}
		}
	}
	if flex < 0 {
		return rows
	}
	avail := widths[flex] - (total - t.Width)
	if avail < 16 {
		avail = min(16, widths[flex])
	}
	var out [][]string
	for _, r := range rows {
		parts := strings.Split(strings.TrimRight(Wrap(r[flex], avail, ""), "\n"), "\n")
		for k, p := range parts {
			row := make([]string, len(r))
			if k == 0 {
				copy(row, r)
			}
			row[flex] = p
			out = append(out, row)
		}
	}
	widths[flex] = 0
	if !t.HideHeader {
		widths[flex] = runeLen(t.Header[flex])
	}
	for _, r := range out {
		widths[flex] = max(widths[flex], runeLen(r[flex]))
	}
	return out
}

// hasSpace says whether a cell of column i has a space inside it.
func hasSpace(rows [][]string, i int) bool {
	for _, r := range rows {
		if strings.Contains(strings.TrimSpace(r[i]), " ") {
			return true
		}
	}
	return false
}

// Wrap breaks s into lines of at most width runes at spaces (a word longer
// than width stands alone on its line), keeping s's leading spaces, each
// line after the first starting with indent, and ends it with a newline.
func Wrap(s string, width int, indent string) string {
	var b strings.Builder
	lead := s[:len(s)-len(strings.TrimLeft(s, " "))]
	b.WriteString(lead)
	col := runeLen(lead)
	first := true
	for _, word := range strings.Fields(s) {
		n := runeLen(word)
		switch {
		case first:
			first = false
		case col+1+n > width:
			b.WriteString("\n" + indent)
			col = runeLen(indent)
		default:
			b.WriteString(" ")
			col++
		}
		b.WriteString(word)
		col += n
	}
	b.WriteString("\n")
	return b.String()
}

// hang writes prefix and then text wrapped to width (0: no limit), its
// continuation lines indented as far as prefix is long, and a newline.
func hang(prefix, text string, width int) string {
	if width <= 0 {
		return prefix + text + "\n"
	}
	pad := strings.Repeat(" ", runeLen(prefix))
	// Wrap from a placeholder as long as prefix, which holds no space.
	out := Wrap(strings.Repeat("x", runeLen(prefix))+text, width, pad)
	return prefix + out[len(pad):]
}

// WriteMarkdown writes a GitHub-flavoured Markdown table, the caption in
// bold above it and the notes below.
func (t *Table) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	if t.Caption != "" {
		fmt.Fprintf(&b, "**%s**\n\n", mdEscape(t.Caption))
	}
	widths := make([]int, len(t.Header))
	for i, h := range t.Header {
		widths[i] = max(3, len([]rune(mdEscape(h))))
		for _, r := range t.Rows {
			widths[i] = max(widths[i], len([]rune(mdEscape(t.cell(r, i).Text))))
		}
	}
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if t.align(i) == 'r' {
				fmt.Fprintf(&b, " %s%s |", pad, c)
			} else {
				fmt.Fprintf(&b, " %s%s |", c, pad)
			}
		}
		b.WriteString("\n")
	}
	hdr := make([]string, len(t.Header))
	for i, h := range t.Header {
		hdr[i] = mdEscape(h)
	}
	line(hdr)
	sep := make([]string, len(t.Header))
	for i := range sep {
		d := strings.Repeat("-", widths[i])
		switch t.align(i) {
		case 'r':
			d = d[:len(d)-1] + ":"
		case 'c':
			d = ":" + d[2:] + ":"
		}
		sep[i] = d
	}
	line(sep)
	for _, r := range t.Rows {
		cells := make([]string, len(t.Header))
		for i := range cells {
			cells[i] = mdEscape(t.cell(r, i).Text)
		}
		line(cells)
	}
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape escapes text for a GitHub-flavoured Markdown table cell (or the
// bold caption), so that the rendered text equals s: a backslash before
// each inline special (emphasis * and _, code spans, strikethrough ~,
// links [, raw HTML <, the cell separator |, a backslash itself) and
// before an & that could start an entity; a newline becomes a space.
func mdEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '|', '*', '_', '`', '~', '[', '<':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '&':
			// Only "&name;" or "&#…;" is an entity; a lone & stays readable.
			if isEntity(s[i+1:]) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case '\n':
			b.WriteByte(' ')
		case '\r':
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isEntity reports whether s (what follows an &) starts with the rest of
// a character reference: a name or "#" and digits, then ";".
func isEntity(s string) bool {
	n := 0
	for n < len(s) && n < 32 && (s[n] == '#' && n == 0 || 'a' <= s[n] && s[n] <= 'z' ||
		'A' <= s[n] && s[n] <= 'Z' || '0' <= s[n] && s[n] <= '9') {
		n++
	}
	return n > 0 && n < len(s) && s[n] == ';'
}

// texNote escapes a note for LaTeX, setting its Markdown code spans
// (`greenai run`) in \texttt rather than letting LaTeX turn the backquotes
// into opening quotes. An unmatched backquote is kept as text.
func texNote(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '`')
		if j < 0 {
			break
		}
		b.WriteString(plot.TeXEscape(s[:i]))
		fmt.Fprintf(&b, "\\texttt{%s}", plot.TeXEscape(s[i+1:i+1+j]))
		s = s[i+1+j+1:]
	}
	b.WriteString(plot.TeXEscape(s))
	return b.String()
}

// WriteLaTeX writes a booktabs table environment (needs
// \usepackage{booktabs}).
func (t *Table) WriteLaTeX(w io.Writer) error {
	var b strings.Builder
	switch {
	case t.Inline && t.Caption != "":
		fmt.Fprintf(&b, "\\noindent\\textbf{%s}\\par\\smallskip\n\\noindent", plot.TeXEscape(t.Caption))
	case t.Inline:
		b.WriteString("\\noindent")
	default:
		b.WriteString("\\begin{table}[htbp]\n\\centering\n")
		if t.Caption != "" {
			fmt.Fprintf(&b, "\\caption{%s}\n", plot.TeXEscape(t.Caption))
		}
		if t.Label != "" {
			fmt.Fprintf(&b, "\\label{%s}\n", t.Label)
		}
	}
	var spec strings.Builder
	for i := range t.Header {
		if i < len(t.Widths) && t.Widths[i] != "" {
			fmt.Fprintf(&spec, "p{%s}", t.Widths[i])
		} else {
			spec.WriteByte(t.align(i))
		}
	}
	fmt.Fprintf(&b, "\\begin{tabular}{%s}\n\\toprule\n", spec.String())
	esc := func(cells []string) string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = plot.TeXEscape(c)
		}
		return strings.Join(out, " & ")
	}
	b.WriteString(esc(t.Header) + " \\\\\n\\midrule\n")
	for _, r := range t.Rows {
		cells := make([]string, len(t.Header))
		for i := range cells {
			cells[i] = t.cell(r, i).Text
		}
		b.WriteString(esc(cells) + " \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "\n\\smallskip{\\footnotesize %s\\par}\n", texNote(n))
	}
	if !t.Inline {
		b.WriteString("\\end{table}\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes the header and rows as CSV, numbers at full precision.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	for _, r := range t.Rows {
		rec := make([]string, len(t.Header))
		for i := range rec {
			rec[i] = t.cell(r, i).raw()
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTables writes several tables in one format, separated by a blank
// line (CSV tables are separated by a blank line too, each with its own
// header).
func WriteTables(w io.Writer, format string, tables ...*Table) error {
	for i, t := range tables {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if err := t.Write(w, format); err != nil {
			return err
		}
	}
	return nil
}
