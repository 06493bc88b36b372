package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/greenai/greenai/internal/carbon"
	"github.com/greenai/greenai/internal/meter"
	"github.com/greenai/greenai/tracker"
	"github.com/greenai/greenai/units"
)

// RunVersion is the "version" of a run record as greenai runs --json and
// runs show --json write it; JobVersion that of a distributed job's totals
// (docs/schema/runs.schema.json). They change when a field changes meaning
// or goes away.
const (
	RunVersion = "greenai.run/1"
	JobVersion = "greenai.job/1"
)

// RunsDoc is a list of recorded runs, as greenai runs prints it. Its JSON
// is an array of run records (tracker.Record), each with its version, so
// that greenai runs import and leaderboard bundles read it back as it is.
type RunsDoc struct {
	Runs []*tracker.Record
	// States holds each run's state (tracker.State): its status, or
	// running/incomplete for a run not finalised.
	States []string
}

// NewRuns builds the document of a list of runs.
func NewRuns(recs []*tracker.Record) *RunsDoc {
	d := &RunsDoc{Runs: make([]*tracker.Record, len(recs)), States: make([]string, len(recs))}
	for i, r := range recs {
		c := *r
		c.Schema = RunVersion
		d.Runs[i], d.States[i] = &c, tracker.State(r)
	}
	return d
}

// MarshalJSON writes the runs as a JSON array.
func (d *RunsDoc) MarshalJSON() ([]byte, error) {
	if d.Runs == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(d.Runs)
}

// writeJSON writes v indented, HTML left unescaped (commands hold < and &).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeTextOrJSON writes a document that has two formats: json (doc
// itself) and text (by text); what names the document in the error for
// any other format.
func writeTextOrJSON(w io.Writer, format, what string, doc any, text func() error) error {
	switch format {
	case "json":
		return writeJSON(w, doc)
	case Plain, "":
		return text()
	}
	return fmt.Errorf("unknown %s format %q (want text or json)", what, format)
}

// Write writes the runs in format: text (a table fitted to width columns;
// 0 for no limit), json, csv (one row per run, energy per component, whole
// and attributed), markdown or latex.
func (d *RunsDoc) Write(w io.Writer, format string, width int) error {
	switch format {
	case "json":
		return writeJSON(w, d)
	case CSV:
		return d.csvTable().WriteCSV(w)
	case Markdown, LaTeX:
		return d.Table().Write(w, format)
	case Plain, "":
		if len(d.Runs) == 0 {
			_, err := io.WriteString(w, "(no runs)\n")
			return err
		}
		t := d.listTable(true)
		t.Width = width
		if width > 0 {
			// The detail lines are cut to the width (runs show has them whole).
			for _, r := range t.Rows {
				if r[0].Span {
					r[0].Text = cut(r[0].Text, width)
				}
			}
		}
		return t.WriteText(w)
	}
	return fmt.Errorf("unknown runs format %q (want text, json, csv, markdown or latex)", format)
}

// cut shortens s to width runes, marking the cut with "…".
func cut(s string, width int) string {
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	return string(r[:width-1]) + "…"
}

// listTable is one row per run: id, state, exit, wall, CPU, energy and
// carbon; detail, when set, adds a line under each row with the start
// time, the energy's provenance, the experiment and the command.
func (d *RunsDoc) listTable(detail bool) *Table {
	t := &Table{Header: []string{"ID", "STATUS", "EXIT", "WALL", "CPU", "ENERGY", "CARBON"}, Align: []byte("llrrrrr")}
	if !detail {
		t.Header = append(t.Header, "START", "HOST", "PROVENANCE", "EXPERIMENT", "COMMAND")
	}
	for i, r := range d.Runs {
		exit := "-"
		if r.ExitCode != nil {
			exit = strconv.Itoa(*r.ExitCode)
		}
		cmd := strings.NewReplacer("\n", `\n`, "\t", " ").Replace(r.Command)
		start := r.Start.Local().Format("2006-01-02 15:04:05")
		row := []Cell{Text(r.ID), Text(d.States[i]), Text(exit), Text(fmt.Sprintf("%.1fs", r.WallSeconds)),
			Text(fmt.Sprintf("%.1fs", r.CPUSeconds)), Text(units.Joules(r.EnergyJoules)), Text(fmt.Sprintf("%.3gg", r.CarbonG))}
		if !detail {
			t.AddRow(append(row, Text(start), Text(r.Host), Text(provenanceCodes(r)), Text(r.Experiment), Text(cmd))...)
			continue
		}
		t.AddRow(row...)
		line := "  " + start + "  " + provenanceCodes(r)
		if r.Experiment != "" {
			line += "  " + r.Experiment
		}
		t.AddRow(Cell{Text: line + "  " + cmd, Span: true})
	}
	for _, r := range d.Runs {
		if len(r.Energy) > 0 {
			t.Notes = append(t.Notes, "Energy provenance (cpu:e, gpu:m, …): m = measured counter, i = integrated power, e = model estimate (not measured).")
			break
		}
	}
	return t
}

// provenanceCodes lists each energy figure's component and provenance:
// m = measured counter, i = integrated power, e = model estimate.
func provenanceCodes(r *tracker.Record) string {
	var parts []string
	for _, e := range r.Energy {
		code := "e"
		switch e.Provenance {
		case meter.MeasuredCounter:
			code = "m"
		case meter.IntegratedPower:
			code = "i"
		}
		parts = append(parts, e.Component+":"+code)
	}
	return strings.Join(parts, " ")
}

// csvComponents are the energy components runs --csv has columns for.
var csvComponents = []string{"cpu", "dram", "ram", "gpu"}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// csvTable is one row per run at full precision. Energy is given whole
// (the host's counters and whole devices, before the run's share) and
// attributed (the run's share), in total and per component, with how each
// figure was attributed.
func (d *RunsDoc) csvTable() *Table {
	t := &Table{Header: []string{"id", "status", "complete", "start", "end", "exit_code", "host", "experiment", "trial", "group", "rank",
		"command", "wall_seconds", "cpu_seconds", "peak_rss_bytes", "energy_joules", "whole_joules", "attributed_joules"}}
	for _, c := range csvComponents {
		t.Header = append(t.Header, c+"_joules", c+"_whole_joules", c+"_attributed_joules", c+"_provenance")
	}
	t.Header = append(t.Header, "attribution", "carbon_g", "pue", "g_per_kwh", "carbon_where", "params", "tags", "metrics")
	for i, r := range d.Runs {
		end, code := "", ""
		if r.End != nil {
			end = r.End.Format(time.RFC3339Nano)
		}
		if r.ExitCode != nil {
			code = strconv.Itoa(*r.ExitCode)
		}
		row := []string{r.ID, d.States[i], strconv.FormatBool(r.Complete), r.Start.Format(time.RFC3339Nano), end, code, r.Host,
			r.Experiment, r.Trial, r.Group, r.Rank, r.Command, ftoa(r.WallSeconds), ftoa(r.CPUSeconds),
			strconv.FormatUint(r.PeakRSSBytes, 10), ftoa(r.EnergyJoules), ftoa(r.WholeJoules), ftoa(r.AttributedJoules)}
		var how []string
		for _, c := range csvComponents {
			j, whole, att, provs := 0.0, 0.0, 0.0, map[string]bool{}
			for _, e := range r.Energy {
				if e.Component == c {
					j += e.Joules
					whole += tracker.WholeJoules(e)
					att += tracker.AttributedJoules(e)
					provs[string(e.Provenance)] = true
					if e.Method != "" {
						name := c
						if e.Device != "" {
							name += " " + e.Device
						}
						how = append(how, name+": "+e.Method)
					}
				}
			}
			var p []string
			for k := range provs {
				p = append(p, k)
			}
			sort.Strings(p)
			if len(p) == 0 {
				row = append(row, "", "", "", "")
				continue
			}
			row = append(row, ftoa(j), ftoa(whole), ftoa(att), strings.Join(p, "+"))
		}
		var ps []string
		for k, v := range r.Params {
			ps = append(ps, k+"="+v)
		}
		sort.Strings(ps)
		row = append(row, strings.Join(how, "; "), ftoa(r.CarbonG), ftoa(r.PUE), ftoa(r.Carbon.GramsPerKWh), r.Carbon.Where,
			strings.Join(ps, ";"), strings.Join(r.Tags, ";"), strconv.Itoa(len(r.Metrics)))
		cells := make([]Cell, len(row))
		for k, s := range row {
			cells[k] = Text(s)
		}
		t.AddRow(cells...)
	}
	return t
}

// RunDoc is one run in full, as greenai runs show prints it.
type RunDoc struct {
	Record *tracker.Record
	State  string
}

// NewRun builds the document of one run.
func NewRun(r *tracker.Record) *RunDoc {
	c := *r
	c.Schema = RunVersion
	return &RunDoc{Record: &c, State: tracker.State(r)}
}

// MarshalJSON writes the run record.
func (d *RunDoc) MarshalJSON() ([]byte, error) { return json.Marshal(d.Record) }

// Write writes the run as text (fitted to width; 0 for no limit), json,
// or its tables (Tables) as csv, markdown or latex.
func (d *RunDoc) Write(w io.Writer, format string, width int) error {
	return writeDocTables(w, format, "run", d, func() error { return d.writeText(w, width) }, d.Tables)
}

func (d *RunDoc) writeText(w io.Writer, width int) error {
	r := d.Record
	var b strings.Builder
	fmt.Fprintf(&b, "run %s  (%s)\n", r.ID, d.State)
	line := func(k, v string) {
		if v == "" {
			return
		}
		b.WriteString(hang(fmt.Sprintf("  %-12s ", k+":"), v, width))
	}
	line("command", r.Command)
	line("dir", r.Dir)
	line("host", fmt.Sprintf("%s (pid %d)", r.Host, r.PID))
	ram := units.Bytes(r.Hardware.RAMBytes) + " RAM"
	if r.Hardware.HostRAMBytes > 0 {
		ram += fmt.Sprintf(" (%s; host %s)", r.Hardware.RAMSource, units.Bytes(r.Hardware.HostRAMBytes))
	}
	line("hardware", fmt.Sprintf("%s, %d logical CPUs, %s, GPUs: %s", r.Hardware.CPUModel, r.Hardware.LogicalCPUs, ram, orNone(r.Hardware.GPUs)))
	line("start", r.Start.Local().Format(time.RFC3339))
	if r.End != nil {
		line("end", r.End.Local().Format(time.RFC3339))
	}
	if r.ExitCode != nil {
		line("exit", strconv.Itoa(*r.ExitCode)+" "+r.Signal)
	}
	line("interrupted", r.InterruptedBy)
	line("error", r.Error)
	line("experiment", r.Experiment)
	line("trial", r.Trial)
	var ps []string
	for k, v := range r.Params {
		ps = append(ps, k+"="+v)
	}
	sort.Strings(ps)
	line("params", strings.Join(ps, " "))
	line("tags", strings.Join(r.Tags, " "))
	if r.Group != "" {
		line("group", r.Group+" rank "+r.Rank)
		if j := r.Job; j != nil {
			role := "measured its own figures; the node's counters by rank " + j.LeaderRank
			if j.NodeLeader {
				role = "node leader: measured the node's counters"
			}
			if len(j.GPUs) > 0 {
				role += "; GPUs " + strings.Join(j.GPUs, ", ")
			}
			line("job", fmt.Sprintf("node %s (%s launcher), %s; \"greenai runs show %s\" for the job", j.Node, j.Launcher, role, j.ID))
		}
	}
	line("time", fmt.Sprintf("wall %.2f s, cpu %.2f s (user %.2f, sys %.2f), peak RSS %s", r.WallSeconds, r.CPUSeconds, r.UserSeconds, r.SystemSeconds, units.Bytes(r.PeakRSSBytes)))
	line("energy", units.Joules(r.EnergyJoules))
	if err := energyTable(r, width).WriteText(&b); err != nil {
		return err
	}
	for _, l := range SharedLines(r) {
		line("shared", l)
	}
	line("carbon", fmt.Sprintf("%.4g g CO2e (%s)", r.CarbonG, r.Carbon))
	if r.FPO != nil {
		line("fpo", fmt.Sprintf("%.4g total, %.4g per example, %.4g MACs (%s)", r.FPO.TotalFPO, r.FPO.PerExampleFPO, r.FPO.MACs, r.FPO.Source))
	}
	if len(r.Metrics) > 0 {
		line("metrics", fmt.Sprintf("%d line(s); last %s", len(r.Metrics), r.Metrics[len(r.Metrics)-1]))
	}
	for _, n := range r.Notes {
		line("note", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// energyTable lists a run's energy figures: component, energy (of the
// whole, when billed a share) and provenance, then the device and method
// on lines below, wrapped to width (0 for no limit).
func energyTable(r *tracker.Record, width int) *Table {
	t := &Table{Header: []string{"component", "energy", "provenance"}, HideHeader: true, Indent: "    "}
	for _, e := range r.Energy {
		t.AddRow(Text(e.Component), Text(EnergyOfWhole(e)), Text(string(e.Provenance)))
		how := e.Method
		switch {
		case e.Device != "" && how != "":
			how = e.Device + ": " + how
		case e.Device != "":
			how = e.Device
		}
		if how == "" {
			continue
		}
		for _, l := range strings.Split(strings.TrimRight(wrapIndent("  "+how, max(width-4, 0), "  "), "\n"), "\n") {
			t.AddRow(Cell{Text: l, Span: true})
		}
	}
	return t
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// EnergyOfWhole prints a figure's energy, with the whole host's or
// device's beside it when the run was billed a share.
func EnergyOfWhole(e tracker.Energy) string {
	whole := tracker.WholeJoules(e)
	att := tracker.AttributedJoules(e)
	if e.Share > 0 && whole > 0 && att != whole {
		return fmt.Sprintf("%s of %s whole (%.1f%%)", units.Joules(att), units.Joules(whole), att/whole*100)
	}
	return units.Joules(e.Joules)
}

// SharedLines say, for a run on a shared machine, the whole machine's
// energy beside the run's attributed share, and the idle baseline.
func SharedLines(r *tracker.Record) []string {
	var out []string
	if r.WholeJoules > 0 && (r.WholeJoules != r.AttributedJoules || r.AttributedJoules != r.EnergyJoules) {
		out = append(out, fmt.Sprintf("whole host and devices %s; attributed to the run %s (RAPL by CPU-time share, GPUs by the driver's per-process share where given; see each method)",
			units.Joules(r.WholeJoules), units.Joules(r.AttributedJoules)))
	}
	if b := r.IdleBaseline; b != nil {
		out = append(out, fmt.Sprintf("idle baseline %.1f W, measured %.3g s before the run: %s over its wall time (reported, not subtracted)",
			b.Watts, b.Seconds, units.Joules(b.JoulesOverRun)))
	}
	return out
}

// WriteRunSummary writes what greenai run prints when the command ends:
// status, time, energy per figure, carbon, FPO, and where the record went
// (saved), fitted to width (0 for no limit).
func WriteRunSummary(w io.Writer, r *tracker.Record, saved string, width int) error {
	var b strings.Builder
	exit := "?"
	if r.ExitCode != nil {
		exit = strconv.Itoa(*r.ExitCode)
	}
	how := r.Status
	if r.Signal != "" {
		how += " by " + r.Signal
	}
	if r.InterruptedBy != "" {
		how += " (greenai got " + r.InterruptedBy + ")"
	}
	line := func(s string) { b.WriteString(wrapIndent("  "+s, width, "    ")) }
	fmt.Fprintf(&b, "\ngreenai: run %s %s, exit status %s\n", r.ID, how, exit)
	line(fmt.Sprintf("wall %.2f s, cpu %.2f s (user %.2f, sys %.2f), peak RSS %s",
		r.WallSeconds, r.CPUSeconds, r.UserSeconds, r.SystemSeconds, units.Bytes(r.PeakRSSBytes)))
	line("energy " + units.Joules(r.EnergyJoules))
	if err := energyTable(r, width).WriteText(&b); err != nil {
		return err
	}
	for _, l := range SharedLines(r) {
		line(l)
	}
	line(fmt.Sprintf("carbon %.3g g CO2e = energy × PUE × intensity (%s)", r.CarbonG, r.Carbon))
	if r.FPO != nil {
		line(fmt.Sprintf("FPO %.4g (per example %.4g, MACs %.4g; %s)", r.FPO.TotalFPO, r.FPO.PerExampleFPO, r.FPO.MACs, r.FPO.Source))
	}
	if len(r.Metrics) > 0 {
		line(fmt.Sprintf("metrics: %d line(s) from $GREENAI_METRICS", len(r.Metrics)))
	}
	for _, n := range r.Notes {
		line("note: " + n)
	}
	line(saved)
	_, err := io.WriteString(w, b.String())
	return err
}

// ProgressLine is greenai run's live line: elapsed time, power, energy,
// CPU time and resident memory so far.
func ProgressLine(p tracker.Progress) string {
	return fmt.Sprintf("%s  %.1f W  %s  cpu %.1f s  rss %s",
		p.Elapsed.Truncate(time.Second), p.Watts, units.Joules(p.Joules), p.CPUSeconds, units.Bytes(p.RSSBytes))
}

// JobDoc is the summed cost of a distributed job (tracker.SumGroup), as
// greenai runs group prints it.
type JobDoc struct {
	Version string `json:"version"` // JobVersion
	tracker.GroupTotal
}

// NewJob builds the document of a job's totals.
func NewJob(t tracker.GroupTotal) *JobDoc { return &JobDoc{Version: JobVersion, GroupTotal: t} }

// Write writes the job's totals as text (fitted to width; 0 for no
// limit), json, or its tables (Tables) as csv, markdown or latex.
func (d *JobDoc) Write(w io.Writer, format string, width int) error {
	return writeDocTables(w, format, "job", d, func() error { return d.writeText(w, width) }, d.Tables)
}

func (d *JobDoc) writeText(w io.Writer, width int) error {
	t := d.GroupTotal
	var b strings.Builder
	fmt.Fprintf(&b, "job %s: %d run(s) on %d node(s), %d host(s), %d incomplete\n", t.Group, t.Runs, len(t.Nodes), t.Hosts, t.Incomplete)
	fmt.Fprintf(&b, "  wall %.2f s (first start to last end), cpu %.2f s\n", t.WallSeconds, t.CPUSeconds)
	fmt.Fprintf(&b, "  energy %s (whole nodes and GPUs, each counted once)\n", units.Joules(t.EnergyJoules))
	comps := make([]string, 0, len(t.ByComponent))
	for c := range t.ByComponent {
		comps = append(comps, c)
	}
	sort.Strings(comps)
	for _, c := range comps {
		fmt.Fprintf(&b, "    %-5s %s\n", c, units.Joules(t.ByComponent[c]))
	}
	fmt.Fprintf(&b, "  attributed to the job %s\n", units.Joules(t.AttributedJoules))
	b.WriteString(wrapIndent("    method: "+t.AttributedHow, max(width, 0), "      "))
	fmt.Fprintf(&b, "  carbon %.4g g CO2e\n", t.CarbonG)
	if len(t.Nodes) > 0 {
		b.WriteString("  nodes:\n")
		nt := &Table{Header: []string{"NODE", "RANKS", "LEADER", "WHOLE", "SHARE", "ATTRIBUTED"}, Align: []byte("lrlrrr"), Indent: "    ", Width: width}
		for _, n := range t.Nodes {
			leader := n.Leader
			if leader == "" {
				leader = "-"
			}
			nt.AddRow(Text(n.Node), Int(n.Ranks), Text(leader), Text(units.Joules(n.Joules)), Text(fmt.Sprintf("%.1f%%", n.Share*100)), Text(units.Joules(n.Attributed)))
		}
		if err := nt.WriteText(&b); err != nil {
			return err
		}
	}
	if len(t.GPUs) > 0 {
		b.WriteString("  GPUs (each measured once):\n")
		for _, g := range t.GPUs {
			b.WriteString(wrapIndent(fmt.Sprintf("    %s (node %s, rank %s)", g.Device, g.Node, g.Rank), width, "      "))
			fmt.Fprintf(&b, "      %s, attributed %s, %s\n", units.Joules(g.Joules), units.Joules(g.Attributed), g.Provenance)
		}
	}
	for _, n := range t.Deduplicated {
		b.WriteString(wrapIndent("  note: "+n, width, "    "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// IntensitiesTable lists the carbon intensities greenai run knows, by
// country or region code. For a terminal (text), each distinct source is
// named once in a note and the rows refer to it by number; a cloud region,
// which takes the figure of its country, gives that country's code after
// the number ("[1] JP") rather than a note of its own. The other formats
// give the source in full on every row.
func IntensitiesTable(text bool) *Table {
	t := &Table{Header: []string{"CODE", "G CO2E/KWH", "YEAR", "NAME", "SOURCE"}, Align: []byte("lrrll")}
	ref := map[string]int{}
	example := "" // the first region's marker, explained in a note
	for _, in := range carbon.Table() {
		src := in.Source
		if text {
			base, country := src, ""
			if in.Country != "" {
				if c, err := carbon.LookupCountry(in.Country); err == nil {
					if b, ok := strings.CutSuffix(src, "; figure of "+c.Name); ok {
						base, country = b, c.Code
					}
				}
			}
			if ref[base] == 0 {
				ref[base] = len(ref) + 1
				t.Notes = append(t.Notes, fmt.Sprintf("[%d] %s", ref[base], base))
			}
			src = fmt.Sprintf("[%d]", ref[base])
			if country != "" {
				if example == "" {
					c, _ := carbon.LookupCountry(country)
					example = fmt.Sprintf("%q is source %s with the figure of %s", src+" "+country, src, c.Name)
				}
				src += " " + country
			}
		}
		t.AddRow(Text(in.Code), Cell{Text: fmt.Sprintf("%.0f", in.GramsPerKWh), Raw: ftoa(in.GramsPerKWh)}, Int(in.Year), Text(in.Name), Text(src))
	}
	if example != "" {
		t.Notes = append(t.Notes, "A cloud region takes the figure of the country whose code follows the source number: "+example+".")
	}
	return t
}
