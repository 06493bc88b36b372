package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
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
		// PUE, the facility's power usage effectiveness, multiplies the
		// energy when carbon is derived, unless the trials recorded their
		// own (a pue column; runs always do).
		PUE        *float64 `yaml:"pue" json:"pue"`
		Provenance string   `yaml:"provenance" json:"provenance"`
	} `yaml:"carbon" json:"carbon"`

	// Figure is the path of the expected-performance figure to include.
	Figure string `yaml:"figure" json:"figure"`
}

// ParseCardSpec reads a YAML or JSON card spec; source names it in errors.
// Unknown keys are errors, so that a misspelt field does not silently
// become "not reported": the error names the file, the line, the key with
// its place in the spec (search.bounds, fpo.total…) and the valid keys
// there. A value of the wrong kind (text where a number belongs) is
// named the same way.
func ParseCardSpec(data []byte, source string) (*CardSpec, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(err, source)
	}
	var spec CardSpec
	if len(doc.Content) == 0 {
		return &spec, nil // an empty spec: everything "not reported"
	}
	if err := checkSpecNode(doc.Content[0], reflect.TypeOf(spec), ""); err != nil {
		return nil, fmt.Errorf("%s:%w", source, err)
	}
	if err := doc.Content[0].Decode(&spec); err != nil {
		return nil, yamlError(err, source)
	}
	return &spec, nil
}

// yamlError turns a YAML library error into "SOURCE:LINE: what",
// without the library's prefixes.
func yamlError(err error, source string) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "\n ", "")
	if rest, ok := strings.CutPrefix(msg, "unmarshal errors:"); ok {
		msg = strings.TrimSpace(rest)
	}
	if line, rest, ok := strings.Cut(strings.TrimPrefix(msg, "line "), ": "); ok && strings.HasPrefix(msg, "line ") {
		if _, err := strconv.Atoi(line); err == nil {
			return fmt.Errorf("%s:%s: %s", source, line, rest)
		}
	}
	return fmt.Errorf("%s: %s", source, msg)
}

// specError is a card-spec mistake at a line.
type specError struct {
	line int
	msg  string
}

func (e *specError) Error() string { return fmt.Sprintf("%d: %s", e.line, e.msg) }

// checkSpecNode checks node against the spec type t (a struct with yaml
// tags, a map of strings, a string or a number) at the dotted path.
func checkSpecNode(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	where := path
	if where == "" {
		where = "the card spec"
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an absent value
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return &specError{n.Line, fmt.Sprintf("%s must be a mapping of keys (%s), not %s", where, strings.Join(specKeys(t), ", "), nodeWords(n))}
		}
		fields := map[string]reflect.StructField{}
		for i := range t.NumField() {
			f := t.Field(i)
			fields[strings.Split(f.Tag.Get("yaml"), ",")[0]] = f
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			if !ok {
				msg := fmt.Sprintf("unknown key %q", k.Value)
				if path != "" {
					msg = fmt.Sprintf("unknown key %q in %s", k.Value, path)
				}
				if near := nearest(k.Value, specKeys(t)); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				return &specError{k.Line, fmt.Sprintf("%s; valid keys: %s", msg, strings.Join(specKeys(t), ", "))}
			}
			if seen[k.Value] {
				return &specError{k.Line, fmt.Sprintf("key %q given twice", join(path, k.Value))}
			}
			seen[k.Value] = true
			if err := checkSpecNode(v, f.Type, join(path, k.Value)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return &specError{n.Line, fmt.Sprintf("%s must be a mapping (name: value), not %s", where, nodeWords(n))}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkSpecNode(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return &specError{n.Line, fmt.Sprintf("%s must be text, not %s", where, nodeWords(n))}
		}
	case reflect.Float64, reflect.Int:
		ok := n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float")
		if ok && t.Kind() == reflect.Int && n.Tag != "!!int" {
			return &specError{n.Line, fmt.Sprintf("%s must be a whole number, not %s", where, n.Value)}
		}
		if !ok {
			return &specError{n.Line, fmt.Sprintf("%s must be a number, not %s", where, nodeWords(n))}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// specKeys lists the keys of a spec struct type, in the order of the spec.
func specKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		keys = append(keys, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
	}
	return keys
}

func nodeWords(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// nearest returns the key closest to k in edit distance, if it is close
// enough to be a likely typo.
func nearest(k string, keys []string) string {
	best, bestD := "", 3
	for _, c := range keys {
		if d := editDistance(strings.ToLower(k), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// ReadCardSpec reads a card spec file.
func ReadCardSpec(path string) (*CardSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
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
		Widths: []string{"", "0.25\\linewidth", "0.45\\linewidth"},
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
	return item{what, cardValue(*v, unit), source, v}
}

// cardValue is the card's one number style: FPO in scientific notation
// ("1.59 × 10¹⁶ FPO"), physical quantities with the SI prefix on the unit
// ("41.4 µWh", "730 Wh", "2.37 kWh"), three significant digits.
func cardValue(v float64, unit string) string {
	if unit == "FPO" {
		return units.Scientific(v, 3) + " FPO"
	}
	return units.QuantityDigits(v, unit, 3)
}

// DisplayPath is how a card or report names a local file: relative to the
// working directory when it lies below it, else by its base name, so that
// no absolute local path ends up in a paper.
func DisplayPath(p string) string {
	if p == "" || !filepath.IsAbs(p) {
		return p
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel
		}
	}
	return filepath.Base(p)
}

// BuildCard fills in the card from the spec and, if trials is not nil, the
// trials (read from trialsName, for provenance). Nothing is invented: items
// that neither gives are "not reported".
func BuildCard(spec *CardSpec, trials []Trial, trialsName string) (*Card, error) {
	if spec.Model != "" && trials != nil {
		all := trials
		if trials = FilterModel(trials, spec.Model); len(trials) == 0 {
			return nil, fmt.Errorf("%s has no trials of model %q, the card spec's model (its models: %s)", trialsName, spec.Model, strings.Join(modelNames(all), ", "))
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
	if trials != nil && trialsName != "" {
		// The trials are named once, here; each item's source says which
		// of their columns it comes from.
		sub = append(sub, "Trials: "+trialsName)
	}
	card.Subtitle = strings.Join(sub, ". ") + "."
	groups := GroupByModel(trials)

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
				infra = append(infra, item{"Average runtime per trial" + label, duration(m), fmt.Sprintf("mean of seconds over %d trials", len(g.Trials)), nil})
			}
		}
		if spec.Runtime.Total == "" {
			if s, err := TotalCost(g.Trials, "seconds"); err == nil {
				infra = append(infra, item{"Total runtime" + label, duration(s), fmt.Sprintf("sum of seconds over %d trials", len(g.Trials)), nil})
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
			search = append(search, item{"Number of trials, " + g.Model, strconv.Itoa(len(g.Trials)), "count of trials", nil})
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
			Widths:  []string{"", "", "0.36\\linewidth", "0.3\\linewidth"},
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
		t.Caption = "Expected maximum " + metric + " after n trials (mean and sd of the best of n)"
		card.Sections = append(card.Sections, CardSection{Heading: "Expected validation performance", Tables: []*Table{t}})
	} else {
		card.Sections = append(card.Sections, CardSection{Heading: "Expected validation performance", Tables: []*Table{itemTable([]item{{what: "Expected validation performance"}})}})
	}

	// Compute, energy and carbon.
	fpoSrc := spec.FPO.Source
	compute := perExample("FPO per training example", spec.FPO.TrainPerExample, fpoSrc, trials, ColTrainFPOPerExample)
	compute = append(compute, perExample("FPO per inference example", spec.FPO.InferencePerExample, fpoSrc, trials, ColInferenceFPOPerExample)...)
	compute = append(compute, summed("Total FPO", spec.FPO.Total, fpoSrc, "FPO", trials, "fpo")...)
	energy := summed("Energy", spec.Energy.KWh, spec.Energy.Provenance, "kWh", trials, "kwh")
	compute = append(compute, energy...)
	switch {
	case spec.Carbon.KgCO2e != nil:
		compute = append(compute, numItem("Carbon", spec.Carbon.KgCO2e, "kg CO2e", spec.Carbon.Provenance))
	case spec.Carbon.IntensityGPerKWh != nil && energy[0].num != nil:
		// Derived, and labelled as such: energy × PUE × the stated
		// intensity, with the PUE the trials recorded (the runs' own), else
		// the spec's, else 1 and said so.
		g := *spec.Carbon.IntensityGPerKWh
		for _, e := range energy {
			model := ""
			if _, m, ok := strings.Cut(e.what, ", "); ok {
				model = m
			}
			kwhPUE, pue := withPUE(*e.num, spec, trials, model)
			kg := kwhPUE * g / 1000
			src := fmt.Sprintf("energy × %s × %s g CO2e/kWh", pue, units.SIDigits(g, 4))
			if spec.Carbon.Provenance != "" {
				src += "; intensity: " + spec.Carbon.Provenance
			}
			compute = append(compute, item{strings.Replace(e.what, "Energy", "Carbon", 1), cardValue(kg, "kg CO2e"), src, &kg})
		}
	default:
		compute = append(compute, summed("Carbon", nil, "", "kg CO2e", trials, "co2_kg")...)
	}
	card.Sections = append(card.Sections, CardSection{Heading: "Compute, energy and carbon", Tables: []*Table{itemTable(compute)}})
	return card, nil
}

// summed returns the item for a quantity given in the spec, or else summed
// over the trials' cost column col (one item per model if there are
// several), or else "not reported".
func summed(what string, v *float64, source, unit string, trials []Trial, col string) []item {
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
		out = append(out, item{label, cardValue(s, unit), fmt.Sprintf("sum of %s over %d trials", col, len(g.Trials)), &s})
	}
	if len(out) == 0 {
		return []item{{what: what}}
	}
	return out
}

// Trial cost columns the card reads besides fpo, kwh, co2_kg and seconds:
// the FPO of one training or inference example (runs record one of them
// with their FPO) and the facility's PUE.
const (
	ColTrainFPOPerExample     = "fpo_train_per_example"
	ColInferenceFPOPerExample = "fpo_inference_per_example"
	ColPUE                    = "pue"
)

// perExample returns the item for a per-example FPO given in the spec, or
// else taken from the trials' column col (one item per model where the
// models differ; a range where a model's trials differ), or else "not
// reported".
func perExample(what string, v *float64, source string, trials []Trial, col string) []item {
	if v != nil {
		return []item{numItem(what, v, "FPO", source)}
	}
	type value struct {
		model, text string
		num         float64
	}
	var vals []value
	for _, g := range GroupByModel(trials) {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, t := range g.Trials {
			c, ok := t.Costs[col]
			if !ok {
				return []item{{what: what}}
			}
			lo, hi = min(lo, c), max(hi, c)
		}
		text := cardValue(lo, "FPO")
		if hi != lo {
			text = units.Scientific(lo, 3) + " to " + cardValue(hi, "FPO")
		}
		vals = append(vals, value{g.Model, text, lo})
	}
	if len(vals) == 0 {
		return []item{{what: what}}
	}
	src := col + " of the trials"
	same := true
	for _, x := range vals {
		same = same && x.text == vals[0].text
	}
	if same {
		return []item{{what, vals[0].text, src, &vals[0].num}}
	}
	var out []item
	for _, x := range vals {
		out = append(out, item{what + ", " + x.model, x.text, src, &x.num})
	}
	return out
}

// withPUE returns the energy kwh (of model's trials, or all for "") times
// the PUE, and the PUE in words for the item's source: the PUE the trials
// recorded, else the spec's, else 1, said to be assumed.
func withPUE(kwh float64, spec *CardSpec, trials []Trial, model string) (float64, string) {
	if model != "" {
		trials = FilterModel(trials, model)
	}
	var sum, e float64
	pues := map[float64]bool{}
	for _, t := range trials {
		p, ok := t.Costs[ColPUE]
		k, hasK := t.Costs["kwh"]
		if !ok || !hasK {
			sum = math.NaN()
			break
		}
		sum += k * p
		e += k
		pues[p] = true
	}
	if len(trials) > 0 && !math.IsNaN(sum) && spec.Energy.KWh == nil {
		if len(pues) == 1 {
			for p := range pues {
				return kwh * p, fmt.Sprintf("PUE %s (recorded with the trials)", units.SIDigits(p, 3))
			}
		}
		return sum, fmt.Sprintf("each trial's PUE (%s on average, recorded with the trials)", units.SIDigits(sum/e, 3))
	}
	if spec.Carbon.PUE != nil {
		return kwh * *spec.Carbon.PUE, fmt.Sprintf("PUE %s (card spec)", units.SIDigits(*spec.Carbon.PUE, 3))
	}
	return kwh, "PUE 1 (not reported: assumed)"
}

func modelNames(trials []Trial) []string {
	var names []string
	for _, g := range GroupByModel(trials) {
		names = append(names, g.Model)
	}
	return names
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
	fmt.Fprintf(&b, "# %s\n\n%s\n", mdEscape(c.Title), mdEscape(c.Subtitle)) // from the spec and trials: user text
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
		b.WriteString("\\documentclass[10pt]{article}\n\\usepackage[margin=1.5cm]{geometry}\n\\usepackage{booktabs}\n\\usepackage{graphicx}\n\\pagestyle{empty}\n\\begin{document}\n")
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
