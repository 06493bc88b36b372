package runsource

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/tracker"
)

// Hardware describes the hardware the runs recorded: each distinct host
// configuration, with its number of runs where there are several.
func Hardware(runs []*tracker.Record) string {
	hw := make([]string, len(runs))
	for i, r := range runs {
		hw[i] = hardwareText(r.Hardware)
	}
	return distinct(hw, "; ")
}

func hardwareText(h meter.Hardware) string {
	var parts []string
	if h.CPUModel != "" {
		cpu := h.CPUModel
		if h.Sockets > 1 {
			cpu = fmt.Sprintf("%d× %s", h.Sockets, cpu)
		}
		parts = append(parts, cpu)
	}
	if h.LogicalCPUs > 0 && h.CPUModel != "" {
		parts = append(parts, fmt.Sprintf("%d logical CPUs", h.LogicalCPUs))
	}
	if h.RAMBytes > 0 {
		parts = append(parts, fmt.Sprintf("%.0f GB RAM", float64(h.RAMBytes)/1e9))
	}
	gpus := map[string]int{}
	for _, g := range h.GPUs {
		gpus[g]++
	}
	for _, g := range slices.Sorted(maps.Keys(gpus)) {
		parts = append(parts, fmt.Sprintf("%d× %s", gpus[g], g))
	}
	return strings.Join(parts, ", ")
}

// FillCard completes a card built by report.BuildCard from ts.Trials with
// what only the runs know, each item saying it comes from the runs:
//   - computing infrastructure, from the hardware the runs recorded, where
//     the spec did not state it;
//   - the run of each best configuration;
//   - the provenance of energy (per component: measured counter,
//     integrated power or model estimate), of carbon (intensity, its
//     source and PUE) and of FPO, where they were summed over the runs;
//   - the runs left out because they did not finish;
//   - in the subtitle, how the runs became trials.
//
// The card names its rows in words; FillCard finds them by those words, so
// its tests are what ties the two together.
func (ts *TrialSet) FillCard(card *report.Card, set *Set, spec *report.CardSpec) {
	runs := ts.runsOfModel(spec.Model)
	from := "recorded by greenai run (" + plural(len(runs), "run") + ")"
	// The store is named once, in the subtitle (BuildCard named it
	// "Trials: WHERE."); the items say only "recorded by greenai run".
	about := fmt.Sprintf("Trials: %s from %s, each scored by its %s.", plural(len(runs), "run"), ts.where, scoreWords(ts.opts))
	if named := "Trials: " + set.Where + "."; strings.Contains(card.Subtitle, named) {
		card.Subtitle = strings.Replace(card.Subtitle, named, about, 1)
	} else {
		card.Subtitle += " " + about
	}
	for _, sec := range card.Sections {
		for _, t := range sec.Tables {
			if strings.HasPrefix(t.Caption, "Best configuration") {
				ts.fillBest(t, spec.Model)
				continue
			}
			for _, row := range t.Rows {
				if len(row) < 3 {
					continue
				}
				what, value, source := row[0].Text, row[1].Text, row[2].Text
				model := ""
				if _, m, ok := strings.Cut(what, ", "); ok {
					model = m
				}
				switch {
				case what == "Computing infrastructure" && value == report.NotReported:
					if hw := Hardware(runs); hw != "" {
						row[1], row[2] = report.Text(hw), report.Text("hardware "+from)
					}
				case strings.HasPrefix(source, "sum of kwh"):
					row[2] = report.Text(source + "; " + EnergyProvenance(ts.runsOfModel(model)))
				case strings.HasPrefix(source, "sum of co2_kg"):
					row[2] = report.Text(source + "; " + CarbonProvenance(ts.runsOfModel(model)))
				case strings.HasPrefix(source, "sum of fpo"):
					row[2] = report.Text(source + "; " + fpoSources(ts.runsOfModel(model)))
				case strings.HasPrefix(source, report.ColTrainFPOPerExample), strings.HasPrefix(source, report.ColInferenceFPOPerExample):
					rs := ts.runsOfModel(model)
					row[2] = report.Text("recorded by greenai run (" + plural(len(rs), "run") + "); " + fpoSources(rs))
				case strings.HasPrefix(source, "energy × each trial's PUE"), strings.HasPrefix(source, "energy × PUE"):
					row[2] = report.Text(strings.Replace(source, "recorded with the trials", "recorded by the runs", 1))
				}
			}
		}
	}
	if n := set.Listed - len(set.Runs); n > 0 {
		for _, sec := range card.Sections {
			if sec.Heading == "Hyperparameter search" && len(sec.Tables) > 0 {
				sec.Tables[0].AddRow(report.Text("Runs left out (did not finish)"), report.Text(fmt.Sprintf("%d (%s)", n, set.leftCounts())), report.Text("greenai run records"))
			}
		}
	}
}

// runsOfModel returns the runs of model's trials, or all runs for "".
func (ts *TrialSet) runsOfModel(model string) []*tracker.Record {
	if model == "" {
		return ts.Runs
	}
	var out []*tracker.Record
	for i, t := range ts.Trials {
		if t.Model == model {
			out = append(out, ts.Runs[i])
		}
	}
	return out
}

// fillBest names the run of each model's best trial in the source column.
func (ts *TrialSet) fillBest(t *report.Table, only string) {
	for _, row := range t.Rows {
		if len(row) < 4 {
			continue
		}
		trials := report.FilterModel(ts.Trials, row[0].Text)
		if only != "" && row[0].Text != only || len(trials) == 0 {
			continue
		}
		if r := ts.RunOf(report.Best(trials)); r != nil {
			row[3] = report.Text("run " + r.ID)
		}
	}
}

func fpoSources(runs []*tracker.Record) string {
	var src []string
	for _, r := range runs {
		if r.FPO != nil {
			src = append(src, r.FPO.Source)
		}
	}
	if s := distinct(src, "; "); s != "" {
		return "counted by " + s
	}
	return "FPO recorded by greenai run"
}
