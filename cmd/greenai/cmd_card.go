package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/greenai/greenai/evp"
	"github.com/greenai/greenai/internal/plot"
	"github.com/greenai/greenai/internal/runsource"
	"github.com/greenai/greenai/report"
)

func init() {
	register(&command{
		name:    "card",
		summary: "one-page efficiency card (Show Your Work checklist) for a paper's appendix",
		usage:   cardUsage,
		run:     runCard,
	})
}

const cardUsage = `Usage:
  greenai card [flags] SPEC [TRIALS]
  greenai card [flags] SPEC --runs --metric NAME

Writes an efficiency card: a one-page Markdown or LaTeX summary for a
paper's appendix that fills in the compute items of the "Show Your Work"
reproducibility checklist (Dodge et al. 2019):
  - computing infrastructure, average runtime per trial, total runtime
  - number of trials, search strategy, selection criterion, hyperparameter
    bounds, best configuration
  - the expected-validation-performance table (and figure)
  - FPO per training and per inference example, total FPO
  - energy and carbon, each with its provenance
Each value says where it came from (the spec, or which column of the trials
file). An item that the spec does not give and the trials cannot supply is
printed as "not reported": nothing is estimated or invented. Carbon is
derived from energy only when the spec gives a carbon intensity, and the
card says so: energy × PUE × intensity, with the PUE the runs recorded
(else the spec's carbon.pue, else 1, said to be assumed). FPO is written
in scientific notation (1.59 × 10¹⁶ FPO), energy and carbon with the SI
prefix on the unit (41.4 µWh, 2.37 kWh, 948 g CO2e). Files and the runs
store are named relative to the working directory, never by an absolute
path.

SPEC is a YAML or JSON file (unknown keys are errors); every key is optional:
  title: BERT-base on SST-2
  task: sentence classification
  model: bert            # only this model's trials (default: all)
  metric: validation accuracy
  infrastructure: {hardware: "1x V100 16 GB", software: "PyTorch 2.3"}
  runtime: {average_per_trial: "2.1 h", total: "42 h"}
  search:
    strategy: uniform random search
    criterion: best validation accuracy
    bounds: {lr: "loguniform [1e-5, 1e-3]", batch_size: "{16, 32}"}
    trials: 20           # only used without a trials file
  fpo: {train_per_example: 3.1e9, inference_per_example: 1.0e9,
        total: 5.2e17, source: "greenai fpo model.onnx"}
  energy: {kwh: 12.5, provenance: "measured by greenai run (NVML, RAPL)"}
  carbon: {kg_co2e: 4.3, intensity_g_per_kwh: 350, pue: 1.1, provenance: "..."}
  figure: evp.pdf        # a figure to include
TRIALS is a trials file as for "greenai evp" (model, score, costs,
hyperparameters). From it the card takes the number of trials, the best
configuration, the expected-performance table, and, where the spec is
silent, runtime (sum/mean of a seconds column), total FPO (sum of fpo),
FPO per training or inference example (fpo_train_per_example,
fpo_inference_per_example), energy (sum of kwh), PUE (pue) and carbon
(sum of co2_kg).

With --runs the trials are the runs "greenai run" recorded (selected and
scored as for "greenai evp --runs"; see "greenai help evp"), and the card
also takes from them, each item naming its source:
  - computing infrastructure: the hardware the runs recorded (CPU, logical
    CPUs, RAM, GPUs), where the spec does not state it
  - average and total runtime: their wall time; number of trials
  - best configuration: the --param values of the best run, and its id
  - FPO per training example (per inference example for runs recorded
    with --model but no --spec), as each run recorded it
  - total FPO, energy and carbon, summed over the runs, with the
    provenance of each energy component (measured counter, integrated
    power or model estimate), the carbon intensity, its source and PUE
  - the number of runs left out because they did not finish
The metric, when the spec does not name it, is --metric.

Flags:
  --spec FILE       the card spec (instead of the first argument)
  --trials FILE     the trials file (instead of the second argument)
  --markdown        Markdown output (the default)
  --latex           a LaTeX fragment to \input (needs booktabs, graphicx)
  --standalone      with --latex: a complete document
  --plot FILE       also draw the expected-performance figure (without
                    replacement) to FILE (.svg, .png, .pdf or .tex) and
                    include it in the card
  -o FILE           write the card to FILE instead of standard output
  --runs            take the trials from the runs store, with --db,
                    --experiment, --tag, --metric (required), --metric-agg,
                    --group-by and --include-failed as for "greenai evp"

Examples:
  greenai card card.yaml trials.csv -o CARD.md
  greenai card card.yaml trials.csv --latex --plot evp.pdf -o card.tex
  greenai card card.yaml --runs --experiment sst2 --metric val_acc -o CARD.md
`

func runCard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["card"]
	fs := newFlagSet(c, stderr)
	var (
		specPath, trialsPath, out, plotPath string
		markdown, latex, standalone         bool
	)
	fs.StringVar(&specPath, "spec", "", "card spec (YAML or JSON)")
	fs.StringVar(&trialsPath, "trials", "", "trials file")
	fs.BoolVar(&markdown, "markdown", false, "Markdown output")
	fs.BoolVar(&latex, "latex", false, "LaTeX output")
	fs.BoolVar(&standalone, "standalone", false, "complete LaTeX document")
	fs.StringVar(&plotPath, "plot", "", "draw the expected-performance figure to FILE")
	fs.StringVar(&out, "o", "", "write the card to FILE")
	var rf runsFlags
	rf.register(fs, true)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if markdown && latex {
		return usageError("card: choose --markdown or --latex, not both")
	}
	if standalone && !latex {
		return usageError("card: --standalone needs --latex")
	}
	for _, dst := range []*string{&specPath, &trialsPath} {
		if *dst == "" && len(pos) > 0 {
			*dst, pos = pos[0], pos[1:]
		}
	}
	if len(pos) > 0 {
		return usageError("card: unexpected arguments %q", pos)
	}
	if rf.on && trialsPath != "" {
		return usageError("card: --runs reads the runs store; name no trials file (got %q)", trialsPath)
	}
	if err := rf.check("card", nil); err != nil {
		return err
	}
	if specPath == "" {
		return usageError("card: name a card spec (YAML or JSON)")
	}
	if plotPath != "" {
		if _, err := plot.FormatOf(plotPath); err != nil {
			return usageError("--plot %s: want a .svg, .png, .pdf or .tex file", plotPath)
		}
		if trialsPath == "" && !rf.on {
			return usageError("card: --plot needs a trials file (or --runs)")
		}
	}
	spec, err := report.ReadCardSpec(specPath)
	if err != nil {
		return err
	}
	var trials []report.Trial
	trialsName := filepath.Base(trialsPath)
	var set *runsource.Set
	var ts *runsource.TrialSet
	switch {
	case rf.on:
		if set, ts, err = rf.trials(ctx, stderr, "card", false, ""); err != nil {
			return err
		}
		say(stderr, "warning: ", runsource.Warnings(ts.Runs, "kwh", "fpo"))
		trials, trialsName = ts.Trials, set.Where
		if spec.Metric == "" {
			spec.Metric = strings.ToLower(rf.metric)
		}
	case trialsPath != "":
		if trials, err = (report.FileTrials{Path: trialsPath}).Trials(); err != nil {
			return err
		}
	}
	card, err := report.BuildCard(spec, trials, trialsName)
	if err != nil {
		return err
	}
	if ts != nil {
		ts.FillCard(card, set, spec)
	}
	if plotPath != "" {
		rep, err := report.ComputeEVP(report.FilterModel(trials, spec.Model), report.EVPOptions{Score: spec.Metric})
		if err != nil {
			return err
		}
		fig := rep.Figure(evp.WithoutReplacement, plot.Auto, plot.Auto)
		// Sized for a third of the page beside the table, which already
		// says what it shows.
		fig.Width, fig.Height = 4.2*vg.Inch, 3.2*vg.Inch
		fig.Panels[0].Title = ""
		fig.Panels[0].Y.Label = "E[max] " + rep.Score + " (±1 sd)"
		if err := fig.Save(plotPath); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "greenai: wrote %s\n", plotPath)
		// The card refers to the figure by a relative path, never an
		// absolute local one: relative to the card when it is written to a
		// file, else to the working directory.
		card.Figure = plotPath
		if wd, err := os.Getwd(); err == nil && filepath.IsAbs(plotPath) {
			if rel, err := filepath.Rel(wd, plotPath); err == nil {
				card.Figure = filepath.ToSlash(rel)
			}
		}
		if out != "" {
			// Refer to the figure relative to the card.
			if rel, err := filepath.Rel(filepath.Dir(out), plotPath); err == nil {
				card.Figure = filepath.ToSlash(rel)
			}
		}
	}
	o := &outputFlags{out: out}
	return o.emit(stdout, func(w io.Writer) error {
		if latex {
			return card.WriteLaTeX(w, standalone)
		}
		return card.WriteMarkdown(w)
	})
}
