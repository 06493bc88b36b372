package report

import (
	"fmt"
	"math"

	"github.com/greenai/greenai/internal/plot"
)

// ModelRow is one model of a model-comparison table such as Green AI's
// Figure 4: its size, its compute per example in both conventions (MACs and
// FPO, where one MAC is two FPO for the multiply-accumulates alone) and its
// top-1 accuracy. A quantity that is not known is NaN.
type ModelRow struct {
	Model  string
	Group  string // series, e.g. "leading models" or "ResNet depth"
	Params float64
	MACs   float64
	FPO    float64
	Acc1   float64
	Source string
	Line   int
}

// ModelColumns are the required columns of a model table; "group" is
// optional.
var ModelColumns = []string{"model", "params", "macs", "fpo", "acc1"}

// ModelsFromInput reads model rows. Every column must exist; params, macs
// and fpo may be empty in a row (that point is left out of the panel that
// needs it), acc1 may not.
func ModelsFromInput(in *Input) ([]ModelRow, error) {
	if err := in.Require(ModelColumns...); err != nil {
		return nil, err
	}
	if len(in.Rows) == 0 {
		return nil, fmt.Errorf("%s: no models (only a header)", in.Source)
	}
	var out []ModelRow
	for _, r := range in.Rows {
		m := ModelRow{Model: r.Fields["model"], Group: r.Fields["group"], Source: r.Source, Line: r.Line}
		if m.Model == "" {
			return nil, r.Errorf("model is empty")
		}
		if m.Group == "" {
			m.Group = "models"
		}
		for _, f := range []struct {
			col string
			dst *float64
		}{{"params", &m.Params}, {"macs", &m.MACs}, {"fpo", &m.FPO}} {
			v, ok, err := r.Number(f.col)
			if err != nil {
				return nil, err
			}
			if !ok {
				v = math.NaN()
			} else if v <= 0 {
				return nil, r.Errorf("%s %s must be positive", f.col, r.Fields[f.col])
			}
			*f.dst = v
		}
		var err error
		if m.Acc1, err = r.MustNumber("acc1"); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// ReadModels reads a model table from a CSV, TSV or JSONL file.
func ReadModels(path string) ([]ModelRow, error) {
	in, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ModelsFromInput(in)
}

// ModelAxes are the x axes a model comparison can use.
var ModelAxes = []string{"fpo", "macs", "params"}

func modelAxis(name string) (plot.Axis, func(ModelRow) float64, error) {
	switch name {
	case "fpo":
		return plot.Axis{Label: "Compute per example", Unit: "FPO", Scale: plot.Log}, func(m ModelRow) float64 { return m.FPO }, nil
	case "macs":
		return plot.Axis{Label: "Compute per example", Unit: "MAC", Scale: plot.Log}, func(m ModelRow) float64 { return m.MACs }, nil
	case "params":
		return plot.Axis{Label: "Parameters", Scale: plot.Log}, func(m ModelRow) float64 { return m.Params }, nil
	}
	return plot.Axis{}, nil, fmt.Errorf("unknown model axis %q (want fpo, macs or params)", name)
}

var panelNames = map[string]string{"fpo": "compute (FPO)", "macs": "compute (MAC)", "params": "parameters"}

// ModelComparison draws top-1 accuracy against compute and size, with the
// Pareto front, as in Green AI's Figure 4.
type ModelComparison struct {
	Models []ModelRow
	// Connect joins the points of these groups (e.g. a depth sweep).
	Connect map[string]bool
}

func (c *ModelComparison) accAxis() plot.Axis {
	percent := false
	for _, m := range c.Models {
		if m.Acc1 > 1 {
			percent = true
		}
	}
	if percent {
		return plot.Axis{Label: "Top-1 accuracy", Unit: "%"}
	}
	return plot.Axis{Label: "Top-1 accuracy"}
}

// Views returns one view per x axis (see ModelAxes). Models without a value
// for an axis are left out of that view, with a warning naming the row.
func (c *ModelComparison) Views(axes []string) (views []*ScatterView, warnings []string, err error) {
	for i, name := range axes {
		ax, get, err := modelAxis(name)
		if err != nil {
			return nil, nil, err
		}
		v := &ScatterView{
			Title:   fmt.Sprintf("(%c) Accuracy against %s", 'a'+rune(i), panelNames[name]),
			X:       ax,
			Y:       c.accAxis(),
			Labels:  true,
			Connect: c.Connect,
		}
		for _, m := range c.Models {
			x := get(m)
			if math.IsNaN(x) {
				warnings = append(warnings, fmt.Sprintf("%s:%d: %s has no %s value; left out of panel (%c)", m.Source, m.Line, m.Model, name, 'a'+rune(i)))
				continue
			}
			v.Points = append(v.Points, Point{Label: m.Model, Group: m.Group, X: x, Y: m.Acc1})
		}
		if len(v.Points) == 0 {
			return nil, warnings, fmt.Errorf("no model has a %s value", name)
		}
		views = append(views, v)
	}
	return views, warnings, nil
}

// Table lists every model with both compute conventions and whether it is
// on the front of each view.
func (c *ModelComparison) Table(views []*ScatterView, axes []string) *Table {
	t := &Table{
		Caption: "Model size, compute per example (MAC and FPO conventions) and top-1 accuracy",
		Label:   "tab:models",
		Header:  []string{"model", "group", "params", "MACs", "FPO", "FPO/MAC", axisHeader(c.accAxis())},
		Align:   []byte("llrrrrr"),
	}
	onFront := make([]map[string]bool, len(views))
	for i, v := range views {
		onFront[i] = map[string]bool{}
		for _, k := range v.Front() {
			onFront[i][v.Points[k].Label+"\x00"+v.Points[k].Group] = true
		}
		t.Header = append(t.Header, "front ("+axes[i]+")")
		t.Align = append(t.Align, 'c')
	}
	for _, m := range c.Models {
		row := []Cell{Text(m.Model), Text(m.Group), SI(m.Params), SI(m.MACs), SI(m.FPO), Num(m.FPO / m.MACs), Num(m.Acc1)}
		for i := range views {
			mark := ""
			if onFront[i][m.Model+"\x00"+m.Group] {
				mark = "yes"
			}
			row = append(row, Text(mark))
		}
		t.AddRow(row...)
	}
	return t
}

// Figure puts the views side by side.
func Figure(views []*ScatterView) *plot.Figure {
	f := &plot.Figure{}
	for _, v := range views {
		f.Panels = append(f.Panels, v.Panel())
	}
	return f
}
