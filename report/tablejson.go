package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ReportVersion is the "version" of greenai report --json's document
// (docs/schema/report.schema.json). It changes when a field changes
// meaning or goes away.
const ReportVersion = "greenai.report/1"

// ReportDoc is a report view's tables as data: greenai report pareto,
// trials, curves and datasize with --json. Each table keeps its caption,
// its columns in order, one object per row (keyed by column), and its
// notes; numbers are at full precision.
type ReportDoc struct {
	Version string     `json:"version"` // ReportVersion
	View    string     `json:"view"`    // pareto, trials, curves or datasize
	Tables  []TableDoc `json:"tables"`
}

// TableDoc is one table as data.
type TableDoc struct {
	Caption string   `json:"caption,omitempty"`
	Columns []string `json:"columns"`
	// Rows hold, per column, a number (full precision), a string, or null
	// for an empty cell.
	Rows  []map[string]any `json:"rows"`
	Notes []string         `json:"notes,omitempty"`
}

// NewReport builds the document of a view's tables.
func NewReport(view string, tables ...*Table) *ReportDoc {
	d := &ReportDoc{Version: ReportVersion, View: view, Tables: []TableDoc{}}
	for _, t := range tables {
		d.Tables = append(d.Tables, t.Doc())
	}
	return d
}

// Doc is the table as data. Columns without a name, or whose name repeats,
// are named "column N" (from 1).
func (t *Table) Doc() TableDoc {
	d := TableDoc{Caption: t.Caption, Columns: make([]string, len(t.Header)), Rows: []map[string]any{}, Notes: t.Notes}
	seen := map[string]bool{}
	for i, h := range t.Header {
		if h == "" || seen[h] {
			h = fmt.Sprintf("column %d", i+1)
		}
		seen[h] = true
		d.Columns[i] = h
	}
	for _, r := range t.Rows {
		row := map[string]any{}
		for i, c := range d.Columns {
			row[c] = t.cell(r, i).value()
		}
		d.Rows = append(d.Rows, row)
	}
	return d
}

// value is the cell as data: a number when its machine-readable value is
// one, nil when empty, else its text.
func (c Cell) value() any {
	s := c.raw()
	if s == "" {
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && c.Raw != "" && !math.IsInf(f, 0) && !math.IsNaN(f) {
		if f == math.Trunc(f) && math.Abs(f) < 1e21 {
			return json.Number(strconv.FormatFloat(f, 'f', -1, 64)) // 610000000, not 6.1e+08
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return s
}

// WriteJSON writes the document as indented JSON.
func (d *ReportDoc) WriteJSON(w io.Writer) error { return writeJSON(w, d) }
