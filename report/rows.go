// Package report turns experiment records into budget-aware reports: expected-validation-performance curves, Pareto fronts, training curves, tables (Markdown, LaTeX, CSV), figures and a one-page efficiency card.
package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Row is one record of a CSV or JSONL input: its fields as text, keyed by
// lower-case column name, and where it came from (for error messages).
type Row struct {
	Source string
	Line   int
	Fields map[string]string
}

// Where formats the row's position as "file:line".
func (r Row) Where() string { return fmt.Sprintf("%s:%d", r.Source, r.Line) }

// Errorf returns an error prefixed with the row's position.
func (r Row) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s", r.Where(), fmt.Sprintf(format, args...))
}

// Has reports whether the row has a non-empty value for col.
func (r Row) Has(col string) bool { return strings.TrimSpace(r.Fields[col]) != "" }

// Number parses column col as a finite number. ok is false if the field is
// missing or empty; err reports a field that is present but not a finite
// number.
func (r Row) Number(col string) (v float64, ok bool, err error) {
	s := strings.TrimSpace(r.Fields[col])
	if s == "" {
		return 0, false, nil
	}
	v, err = strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, r.Errorf("%s %q is not a number", col, s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, r.Errorf("%s %q is not a finite number", col, s)
	}
	return v, true, nil
}

// MustNumber is Number for a required column: a missing or empty field is an
// error too.
func (r Row) MustNumber(col string) (float64, error) {
	v, ok, err := r.Number(col)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, r.Errorf("%s is empty", col)
	}
	return v, nil
}

// Input is the content of one input file.
type Input struct {
	Source  string
	Columns []string // lower-case, in file order (CSV) or first-seen order (JSONL)
	Rows    []Row
	// HeaderLine is the line of the CSV header row (0 for JSONL).
	HeaderLine int
}

// HasColumn reports whether the table has column col.
func (t *Input) HasColumn(col string) bool { return slices.Contains(t.Columns, col) }

// Require checks that the table has every column in cols.
func (t *Input) Require(cols ...string) error {
	for _, c := range cols {
		if t.HasColumn(c) {
			continue
		}
		if t.HeaderLine == 0 {
			return fmt.Errorf("%s: no record has the field %q (fields: %s)", t.Source, c, strings.Join(t.Columns, ", "))
		}
		return fmt.Errorf("%s:%d: missing column %q (columns: %s)", t.Source, t.HeaderLine, c, strings.Join(t.Columns, ", "))
	}
	return nil
}

// Input formats.
const (
	FormatCSV   = "csv"
	FormatTSV   = "tsv"
	FormatJSONL = "jsonl"
)

// SourceReader reads an input that is not a CSV, TSV or JSONL file, such
// as an experiment tracker's logs (TensorBoard event files, an MLflow
// store): ok is false when path is not of its kind. steps has one row per
// metric record (a run at a step), runs one row per run (a trial).
type SourceReader func(path string) (steps, runs *Input, ok bool, err error)

var sourceReaders []SourceReader

// RegisterSource adds a reader that ReadFile and ReadRunsFile try before
// the CSV/TSV/JSONL readers (the CLI registers the tracker readers).
func RegisterSource(r SourceReader) { sourceReaders = append(sourceReaders, r) }

// ReadRunsFile reads path as trials: one row per run of a registered
// source, else the rows of a CSV, TSV or JSONL file.
func ReadRunsFile(path string) (*Input, error) {
	for _, r := range sourceReaders {
		if _, runs, ok, err := r(path); ok || err != nil {
			return runs, err
		}
	}
	return ReadFile(path)
}

// ReadFile reads a CSV, TSV or JSONL file, or a source a registered
// SourceReader knows (its per-record rows); see Read.
func ReadFile(path string) (*Input, error) {
	for _, r := range sourceReaders {
		if steps, _, ok, err := r(path); ok || err != nil {
			return steps, err
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(bytes.NewReader(b), path, "")
}

// Read reads records from r. source names the input in error messages.
// format is "csv", "tsv" or "jsonl"; empty means: by the extension of
// source (.csv, .tsv, .jsonl, .ndjson, .json), else JSONL if the first
// non-blank character is '{', else CSV.
//
// CSV and TSV files have a header row; column names are matched without
// regard to case or surrounding spaces; lines starting with '#' are
// comments. JSONL files hold one JSON object per line; nested objects are
// flattened with dots except under the keys "params" and "costs", whose
// members become columns of their own.
func Read(r io.Reader, source, format string) (*Input, error) {
	br := bufio.NewReader(r)
	if format == "" {
		format = sniff(br, source)
	}
	switch format {
	case FormatCSV:
		return readCSV(br, source, ',')
	case FormatTSV:
		return readCSV(br, source, '\t')
	case FormatJSONL:
		return readJSONL(br, source)
	}
	return nil, fmt.Errorf("%s: unknown input format %q (want csv, tsv or jsonl)", source, format)
}

func sniff(br *bufio.Reader, source string) string {
	switch strings.ToLower(filepath.Ext(source)) {
	case ".csv":
		return FormatCSV
	case ".tsv":
		return FormatTSV
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL
	}
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if len(b) < i || err != nil {
			return FormatCSV
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF: // blanks and a UTF-8 BOM
			continue
		case '{':
			return FormatJSONL
		default:
			return FormatCSV
		}
	}
}

func readCSV(r io.Reader, source string, comma rune) (*Input, error) {
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file (want a header row)", source)
	}
	if err != nil {
		return nil, csvError(source, err)
	}
	t := &Input{Source: source}
	t.HeaderLine, _ = cr.FieldPos(0)
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if h == "" {
			line, _ := cr.FieldPos(i)
			return nil, fmt.Errorf("%s:%d: column %d has no name", source, line, i+1)
		}
		if seen[h] {
			line, _ := cr.FieldPos(i)
			return nil, fmt.Errorf("%s:%d: column %q appears twice", source, line, h)
		}
		seen[h] = true
		t.Columns = append(t.Columns, h)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, csvError(source, err)
		}
		line, _ := cr.FieldPos(0)
		row := Row{Source: source, Line: line, Fields: make(map[string]string, len(rec))}
		for i, v := range rec {
			row.Fields[t.Columns[i]] = strings.TrimSpace(v)
		}
		t.Rows = append(t.Rows, row)
	}
}

func csvError(source string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("%s:%d: wrong number of fields (the header has a different number of columns)", source, pe.Line)
		}
		return fmt.Errorf("%s:%d: %v", source, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", source, err)
}

func readJSONL(r io.Reader, source string) (*Input, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	t := &Input{Source: source}
	seen := map[string]bool{}
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			text = bytes.TrimPrefix(text, []byte("\ufeff"))
		}
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(text))
		d.UseNumber()
		var obj map[string]any
		if err := d.Decode(&obj); err != nil {
			return nil, fmt.Errorf("%s:%d: not a JSON object: %v", source, line, err)
		}
		if d.More() {
			return nil, fmt.Errorf("%s:%d: more than one JSON value on the line", source, line)
		}
		if obj == nil {
			return nil, fmt.Errorf("%s:%d: not a JSON object", source, line)
		}
		row := Row{Source: source, Line: line, Fields: map[string]string{}}
		if err := flatten(row, "", obj); err != nil {
			return nil, err
		}
		for _, k := range slices.Sorted(maps.Keys(row.Fields)) {
			if !seen[k] {
				seen[k] = true
				t.Columns = append(t.Columns, k)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return t, nil
}

// flatten stores obj's members in row.Fields.
func flatten(row Row, prefix string, obj map[string]any) error {
	for k, v := range obj {
		key := strings.ToLower(strings.TrimSpace(k))
		if prefix != "" {
			key = prefix + "." + key
		}
		var s string
		switch x := v.(type) {
		case nil:
			continue
		case string:
			s = x
		case json.Number:
			s = x.String()
		case bool:
			s = strconv.FormatBool(x)
		case map[string]any:
			sub := key
			if prefix == "" && (key == "params" || key == "costs") {
				sub = ""
			}
			if err := flatten(row, sub, x); err != nil {
				return err
			}
			continue
		default:
			b, _ := json.Marshal(x)
			s = string(b)
		}
		if _, dup := row.Fields[key]; dup {
			return row.Errorf("field %q given twice", key)
		}
		row.Fields[key] = strings.TrimSpace(s)
	}
	return nil
}
