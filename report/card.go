package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/greenai/greenai/internal/plot"
	"github.com/greenai/greenai/units"
)

// NotReported is printed for every card item that is neither in the spec
// nor derivable from the trials.
const NotReported = "not reported"

// CardSpec is what a researcher states about an experiment for its
// efficiency card (YAML or JSON). Every field is optional: whatever is
// missing is printed as "not reported".
type CardSpec struct {
	Title  string `yaml:"title" json:"title"`
	Task   string `yaml:"task" json:"task"`     // e.g. "SST-2 sentiment classification"
	Model  string `yaml:"model" json:"model"`   // only this model's trials; empty: all
	Metric string `yaml:"metric" json:"metric"` // the validation score, e.g. "validation accuracy"

	Infrastructure struct {
		Hardware string `yaml:"hardware" json:"hardware"` // e.g. "1× NVIDIA V100 16 GB, 8 vCPU"
		Software string `yaml:"software" json:"software"` // e.g. "PyTorch 2.3, CUDA 12.1"
	} `yaml:"infrastructure" json:"infrastructure"`

	Runtime struct {
		// AveragePerTrial and Total are free text with units ("2.1 h").
		// If absent, they are computed from a "seconds" column.
		AveragePerTrial string `yaml:"average_per_trial" json:"average_per_trial"`
		Total           string `yaml:"total" json:"total"`
	} `yaml:"runtime" json:"runtime"`

	Search struct {
		Strategy  string            `yaml:"strategy" json:"strategy"`   // e.g. "uniform random search"
		Criterion string            `yaml:"criterion" json:"criterion"` // how the best trial was chosen
		Bounds    map[string]string `yaml:"bounds" json:"bounds"`       // hyperparameter → range
		Trials    int               `yaml:"trials" json:"trials"`       // used when no trials file is given
	} `yaml:"search" json:"search"`

	FPO struct {
		TrainPerExample     *float64 `yaml:"train_per_example" json:"train_per_example"`
		InferencePerExample *float64 `yaml:"inference_per_example" json:"inference_per_example"`
		Total               *float64 `yaml:"total" json:"total"`
		Source              string   `yaml:"source" json:"source"` // how they were counted
	} `yaml:"fpo" json:"fpo"`

	Energy struct {
		KWh        *float64 `yaml:"kwh" json:"kwh"`
		Provenance string   `yaml:"provenance" json:"provenance"` // e.g. "measured with NVML + RAPL"
	} `yaml:"energy" json:"energy"`

	Carbon struct {
		KgCO2e *float64 `yaml:"kg_co2e" json:"kg_co2e"`
		// IntensityGPerKWh, with an energy figure, lets the card derive
		// the emissions (and says so).
		IntensityGPerKWh *float64 `yaml:"intensity_g_per_kwh" json:"intensity_g_per_kwh"`
		Provenance       string   `yaml:"provenance" json:"provenance"`
	} `yaml:"carbon" json:"carbon"`

	// Figure is the path of the expected-performance figure to include.
	Figure string `yaml:"figure" json:"figure"`
}

// ParseCardSpec reads a YAML or JSON card spec. Unknown keys are errors, so
// that a misspelt field does not silently become "not reported".
func ParseCardSpec(data []byte, source string) (*CardSpec, error) {
	var spec CardSpec
	d := yaml.NewDecoder(bytes.NewReader(data))
	d.KnownFields(true)
	if err := d.Decode(&spec); err != nil && err != io.EOF {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.ReplaceAll(msg, "\n ", "")
		if rest, ok := strings.CutPrefix(msg, "unmarshal errors:"); ok {
			msg = strings.TrimSpace(rest)
		}
		if line, rest, ok := strings.Cut(strings.TrimPrefix(msg, "line "), ": "); ok && strings.HasPrefix(msg, "line ") {
			if _, err := strconv.Atoi(line); err == nil {
				return nil, fmt.Errorf("%s:%s: %s", source, line, rest)
			}
		}
		return nil, fmt.Errorf("%s: %s", source, msg)
	}
	return &spec, nil
}

// ReadCardSpec reads a card spec file.
func ReadCardSpec(path string) (*CardSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return ParseCardSpec(b, path)
}

// Card is an efficiency card ready to be written.
type Card struct {
	Title    string
	Subtitle string
	Sections []CardSection
	Figure   string
}

// CardSection is a heading and its tables.
type CardSection struct {
	Heading string
	Tables  []*Table
}

// item is one line of a card table: what, the value, and where it came
// from; num is the value as a number where it is one.
type item struct {
	what, value, source string
	num                 *float64
}

func itemTable(items []item) *Table {
	t := &Table{
		Header: []string{"Item", "Value", "Source"},
		Widths: []string{"", "0.33\\linewidth", "0.33\\linewidth"},
		Inline: true,
	}
	for _, it := range items {
		v, s := it.value, it.source
		if v == "" {
			v, s = NotReported, ""
		}
		t.AddRow(Text(it.what), Text(v), Text(s))
	}
	return t
}

const fromSpec = "card spec"

func specItem(what, value string) item { return item{what: what, value: value, source: fromSpec} }

func numItem(what string, v *float64, unit, source string) item {
	if v == nil {
		return item{what: what}
	}
	if source == "" {
		source = fromSpec
	}
	return item{what, units.QuantityDigits(*v, unit, 3), source, v}
}

// BuildCard fills in the card from the spec and, if trials is not nil, the
// trials (read from trialsName, for provenance). Nothing is invented: items
// that neither gives are "not reported".
func BuildCard(spec *CardSpec, trials []Trial, trialsName string) (*Card, error) {
	if spec.Model != "" && trials != nil {
		if trials = FilterModel(trials, spec.Model); len(trials) == 0 {
			return nil, fmt.Errorf("report: %s has no trials of model %q named in the card spec", trialsName, spec.Model)
		}
	}
	card := &Card{Title: spec.Title, Figure: spec.Figure}
	if card.Title == "" {
		card.Title = "Efficiency card"
	} else {
		card.Title = "Efficiency card: " + card.Title
	}
	var sub []string
	if spec.Task != "" {
		sub = append(sub, "Task: "+spec.Task)
	}
	metric := spec.Metric
	if metric == "" {
		sub = append(sub, "Metric: "+NotReported+" (the trials' score column)")
		metric = "score"
	} else {
		sub = append(sub, "Metric: "+metric)
	}
	card.Subtitle = strings.Join(sub, ". ") + "."
	groups := GroupByModel(trials)
	from := func(what string) string { return what + " (" + trialsName + ")" }

	// Infrastructure and runtime.
	infra := []item{
		specItem("Computing infrastructure", spec.Infrastructure.Hardware),
		specItem("Software", spec.Infrastructure.Software),
	}
	avg, total := specItem("Average runtime per trial", spec.Runtime.AveragePerTrial), specItem("Total runtime", spec.Runtime.Total)
	for _, g := range groups {
		label := ""
		if len(groups) > 1 {
			label = ", " + g.Model
		}
		if spec.Runtime.AveragePerTrial == "" {
			if m, err := MeanCost(g.Trials, "seconds"); err == nil {
				infra = append(infra, item{"Average runtime per trial" + label, duration(m), from(fmt.Sprintf("mean of seconds over %d trials", len(g.Trials))), nil})
			}
		}
		if spec.Runtime.Total == "" {
			if s, err := TotalCost(g.Trials, "seconds"); err == nil {
				infra = append(infra, item{"Total runtime" + label, duration(s), from(fmt.Sprintf("sum of seconds over %d trials", len(g.Trials))), nil})
			}
		}
	}
	if spec.Runtime.AveragePerTrial != "" || !hasItem(infra, "Average runtime per trial") {
		infra = append(infra, avg)
	}
	if spec.Runtime.Total != "" || !hasItem(infra, "Total runtime") {
		infra = append(infra, total)
	}
	card.Sections = append(card.Sections, CardSection{Heading: "Computing infrastructure and runtime", Tables: []*Table{itemTable(infra)}})

	// Hyperparameter search.
	search := []item{
		specItem("Search strategy", spec.Search.Strategy),
		specItem("Selection criterion", spec.Search.Criterion),
	}
	switch {
	case len(groups) > 0:
		for _, g := range groups {
			search = append(search, item{"Number of trials, " + g.Model, strconv.Itoa(len(g.Trials)), from("rows"), nil})
		}
	case spec.Search.Trials > 0:
		search = append(search, specItem("Number of trials", strconv.Itoa(spec.Search.Trials)))
	default:
		search = append(search, item{what: "Number of trials"})
	}
	if len(spec.Search.Bounds) == 0 {
		search = append(search, item{what: "Hyperparameter bounds"})
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Search.Bounds)) {
		search = append(search, specItem("Bounds: "+k, spec.Search.Bounds[k]))
	}
	tables := []*Table{itemTable(search)}
	if len(groups) > 0 {
		best := &Table{
			Caption: "Best configuration (highest " + metric + ")",
			Header:  []string{"model", metric, "configuration", "source"},
			Widths:  []string{"", "", "0.38\\linewidth", "0.2\\linewidth"},
			Align:   []byte("lrll"),
			Inline:  true,
		}
		for _, g := range groups {
			b := Best(g.Trials)
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(b.Params)) {
				kv = append(kv, k+"="+b.Params[k])
			}
			conf := strings.Join(kv, ", ")
			if conf == "" {
				conf = NotReported
			}
			where := ""
			if b.Source != "" {
				where = fmt.Sprintf("%s:%d", filepath.Base(b.Source), b.Line)
			}
			best.AddRow(Text(g.Model), Num(b.Score), Text(conf), Text(where))
		}
		tables = append(tables, best)
	} else {
		tables[0].AddRow(Text("Best configuration"), Text(NotReported), Text(""))
	}
	card.Sections = append(card.Sections, CardSection{Heading: "Hyperparameter search", Tables: tables})

	// Expected validation performance.
	if len(trials) > 0 {
		rep, err := ComputeEVP(trials, EVPOptions{Score: metric})
		if err != nil {
			return nil, err
		}
		t := rep.Table(nil)
		t.Inline = true
		t.Caption = "Expected maximum " + metric + " after n trials (mean and sd of the best of n), from " + trialsName
		card.Sections = append(card.Sections, CardSection{Heading: "Expected validation performance", Tables: []*Table{t}})
	} else {
		card.Sections = append(card.Sections, CardSection{Heading: "Expected validation performance", Tables: []*Table{itemTable([]item{{what: "Expected validation performance"}})}})
	}

	// Compute, energy and carbon.
	fpoSrc := spec.FPO.Source
	compute := []item{
		numItem("FPO per training example", spec.FPO.TrainPerExample, "FPO", fpoSrc),
		numItem("FPO per inference example", spec.FPO.InferencePerExample, "FPO", fpoSrc),
	}
	compute = append(compute, summed("Total FPO", spec.FPO.Total, fpoSrc, "FPO", trials, "fpo", from)...)
	energy := summed("Energy", spec.Energy.KWh, spec.Energy.Provenance, "kWh", trials, "kwh", from)
	compute = append(compute, energy...)
	switch {
	case spec.Carbon.KgCO2e != nil:
		compute = append(compute, numItem("Carbon", spec.Carbon.KgCO2e, "kg CO2e", spec.Carbon.Provenance))
	case spec.Carbon.IntensityGPerKWh != nil && energy[0].num != nil:
		// Derived, and labelled as such: energy × the stated intensity.
		g := *spec.Carbon.IntensityGPerKWh
		src := fmt.Sprintf("energy × %s g CO2e/kWh", units.SIDigits(g, 4))
		if spec.Carbon.Provenance != "" {
			src += "; intensity: " + spec.Carbon.Provenance
		}
		for _, e := range energy {
			kg := *e.num * g / 1000
			compute = append(compute, item{strings.Replace(e.what, "Energy", "Carbon", 1), units.QuantityDigits(kg, "kg CO2e", 3), src, &kg})
		}
	default:
		compute = append(compute, summed("Carbon", nil, "", "kg CO2e", trials, "co2_kg", from)...)
	}
	card.Sections = append(card.Sections, CardSection{Heading: "Compute, energy and carbon", Tables: []*Table{itemTable(compute)}})
	return card, nil
}

// summed returns the item for a quantity given in the spec, or else summed
// over the trials' cost column col (one item per model if there are
// several), or else "not reported".
func summed(what string, v *float64, source, unit string, trials []Trial, col string, from func(string) string) []item {
	if v != nil {
		return []item{numItem(what, v, unit, source)}
	}
	groups := GroupByModel(trials)
	var out []item
	for _, g := range groups {
		s, err := TotalCost(g.Trials, col)
		if err != nil {
			return []item{{what: what}}
		}
		label := what
		if len(groups) > 1 {
			label += ", " + g.Model
		}
		out = append(out, item{label, units.QuantityDigits(s, unit, 3), from(fmt.Sprintf("sum of %s over %d trials", col, len(g.Trials))), &s})
	}
	if len(out) == 0 {
		return []item{{what: what}}
	}
	return out
}

func hasItem(items []item, prefix string) bool {
	for _, it := range items {
		if strings.HasPrefix(it.what, prefix) {
			return true
		}
	}
	return false
}

// duration prints seconds in the largest unit that keeps it readable.
func duration(s float64) string {
	secs := fmt.Sprintf("%.3g s", s)
	if s >= 100 {
		secs = fmt.Sprintf("%.0f s", s)
	}
	switch {
	case s >= 2*86400:
		return fmt.Sprintf("%s (%.3g days)", secs, s/86400)
	case s >= 2*3600:
		return fmt.Sprintf("%s (%.3g h)", secs, s/3600)
	case s >= 120:
		return fmt.Sprintf("%s (%.3g min)", secs, s/60)
	}
	return secs
}

// WriteMarkdown writes the card as Markdown.
func (c *Card) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n%s\n", c.Title, c.Subtitle)
	for _, s := range c.Sections {
		fmt.Fprintf(&b, "\n## %s\n", s.Heading)
		for _, t := range s.Tables {
			b.WriteString("\n")
			if err := t.WriteMarkdown(&b); err != nil {
				return err
			}
		}
		if s.Heading == "Expected validation performance" && c.Figure != "" {
			fmt.Fprintf(&b, "\n![Expected validation performance](%s)\n", c.Figure)
		}
	}
	fmt.Fprintf(&b, "\nItems marked %q were not given in the card spec and cannot be derived from the trials.\n", NotReported)
	_, err := w.Write(b.Bytes())
	return err
}

// WriteLaTeX writes the card as a LaTeX fragment for an appendix (needs
// booktabs, and graphicx if a figure is included). With standalone it is a
// complete document.
func (c *Card) WriteLaTeX(w io.Writer, standalone bool) error {
	var b bytes.Buffer
	if standalone {
		b.WriteString("\\documentclass[10pt]{article}\n\\usepackage[margin=1.5cm]{geometry}\n\\usepackage{booktabs}\n\\usepackage{graphicx}\n\\begin{document}\n")
	}
	fmt.Fprintf(&b, "\\section*{%s}\n{\\footnotesize\n%s\n", plot.TeXEscape(c.Title), plot.TeXEscape(c.Subtitle))
	for _, s := range c.Sections {
		fmt.Fprintf(&b, "\n\\medskip\\noindent{\\large\\bfseries %s}\\par\\smallskip\n", plot.TeXEscape(s.Heading))
		// The figure goes beside the expected-performance table, so that
		// the card stays on one page.
		figure := s.Heading == "Expected validation performance" && c.Figure != ""
		if figure {
			b.WriteString("\\noindent\\begin{minipage}[c]{0.64\\linewidth}\\footnotesize\\setlength{\\tabcolsep}{4pt}\n")
		}
		for i, t := range s.Tables {
			if i > 0 {
				b.WriteString("\n\\medskip\n")
			}
			if err := t.WriteLaTeX(&b); err != nil {
				return err
			}
		}
		if figure {
			fmt.Fprintf(&b, "\\end{minipage}\\hfill\n\\begin{minipage}[c]{0.34\\linewidth}\n\\includegraphics[width=\\linewidth]{%s}\n\\end{minipage}\n", c.Figure)
		}
	}
	fmt.Fprintf(&b, "\n\\smallskip{\\footnotesize Items marked ``%s'' were not given in the card spec and cannot be derived from the trials.\\par}\n}\n", NotReported)
	if standalone {
		b.WriteString("\\end{document}\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}
