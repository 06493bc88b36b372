package trackerio

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/greenai/greenai/internal/tfevents"
)

// Table is tracker data as rows of named fields, for package report: Steps
// has one row per run and step (columns run, step, timestamp, then the
// run's params and each metric's value at that step); Runs one row per run
// (its params, and each metric's value at its last step).
type Table struct {
	Source  string
	Columns []string
	Rows    []map[string]string
}

// scalarRun is one run's values as read from a tracker.
type scalarRun struct {
	name, experiment string
	params           map[string]string
	// values[step][metric] and the step's wall time (Unix seconds).
	values map[int64]map[string]float64
	wall   map[int64]float64
	order  []string // metric names in first-seen order
}

func (r *scalarRun) add(metric string, step int64, wall, v float64) {
	if r.values == nil {
		r.values, r.wall = map[int64]map[string]float64{}, map[int64]float64{}
	}
	m := r.values[step]
	if m == nil {
		m = map[string]float64{}
		r.values[step] = m
	}
	if _, seen := m[metric]; !seen && !slices.Contains(r.order, metric) {
		r.order = append(r.order, metric)
	}
	m[metric] = v // a later value at the same step wins, as in TensorBoard's and MLflow's UIs
	r.wall[step] = max(r.wall[step], wall)
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// tables builds the Steps and Runs tables of the runs.
func tables(source string, runs []*scalarRun) (*Table, *Table) {
	metricSet, paramSet := map[string]bool{}, map[string]bool{}
	var metrics, params []string
	hasExp := false
	for _, r := range runs {
		for _, m := range r.order {
			if !metricSet[m] {
				metricSet[m] = true
				metrics = append(metrics, m)
			}
		}
		for p := range r.params {
			if !paramSet[p] {
				paramSet[p] = true
				params = append(params, p)
			}
		}
		hasExp = hasExp || r.experiment != ""
	}
	sort.Strings(params)
	pcol := func(p string) string {
		if metricSet[p] || p == "run" || p == "step" || p == "timestamp" || p == "experiment" {
			return "param." + p
		}
		return p
	}
	head := []string{"run"}
	if hasExp {
		head = append(head, "experiment")
	}
	for _, p := range params {
		head = append(head, pcol(p))
	}
	steps := &Table{Source: source, Columns: append(append(append([]string{}, head[:1]...), "step", "timestamp"), append(head[1:], metrics...)...)}
	per := &Table{Source: source, Columns: append(append(append([]string{}, head...), metrics...), "steps")}
	for _, r := range runs {
		base := map[string]string{"run": r.name}
		if hasExp {
			base["experiment"] = r.experiment
		}
		for p, v := range r.params {
			base[pcol(p)] = v
		}
		keys := make([]int64, 0, len(r.values))
		for s := range r.values {
			keys = append(keys, s)
		}
		slices.Sort(keys)
		last := map[string]string{}
		for _, s := range keys {
			row := map[string]string{"step": strconv.FormatInt(s, 10), "timestamp": strconv.FormatFloat(r.wall[s], 'f', -1, 64)}
			for k, v := range base {
				row[k] = v
			}
			for m, v := range r.values[s] {
				row[m] = fmtFloat(v)
				last[m] = fmtFloat(v)
			}
			steps.Rows = append(steps.Rows, row)
		}
		row := map[string]string{"steps": strconv.Itoa(len(keys))}
		for k, v := range base {
			row[k] = v
		}
		for m, v := range last {
			row[m] = v
		}
		per.Rows = append(per.Rows, row)
	}
	return steps, per
}

// IsTensorBoard reports whether path is an event file or a directory
// holding some (events.out.tfevents.*, at any depth).
func IsTensorBoard(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	if !fi.IsDir() {
		f, err := os.Open(path)
		if err != nil {
			return false
		}
		defer f.Close()
		head := make([]byte, 12)
		n, _ := f.Read(head)
		return tfevents.Sniff(head[:n])
	}
	found := false
	_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "events.out.tfevents.") {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// ReadTensorBoard reads an event file, or every event file under a
// directory; a run is the directory of its files relative to the root
// (as TensorBoard names runs), or the file's directory name.
func ReadTensorBoard(path string) (*Table, *Table, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	var files []string
	root := filepath.Dir(path)
	if fi.IsDir() {
		root = path
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasPrefix(d.Name(), "events.out.tfevents.") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("tensorboard: %w", err)
		}
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("tensorboard: no events.out.tfevents.* file under %s", path)
		}
	} else {
		files = []string{path}
	}
	sort.Strings(files)
	byName := map[string]*scalarRun{}
	var runs []*scalarRun
	for _, p := range files {
		name, _ := filepath.Rel(root, filepath.Dir(p))
		if name == "." {
			name = filepath.Base(filepath.Dir(p))
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, nil, err
		}
		ev, err := tfevents.Read(f)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		r := byName[name]
		if r == nil {
			r = &scalarRun{name: filepath.ToSlash(name)}
			byName[name] = r
			runs = append(runs, r)
		}
		for _, s := range ev.Scalars {
			r.add(strings.ToLower(s.Tag), s.Step, s.WallTime, s.Value)
		}
	}
	st, per := tables(path, runs)
	return st, per, nil
}

// IsMLruns reports whether dir is an MLflow file store (mlruns, holding
// experiment directories with meta.yaml) or one experiment directory of it.
func IsMLruns(dir string) bool {
	_, err := mlrunsExperiments(dir)
	return err == nil
}

type expMeta struct {
	ID             string `yaml:"experiment_id"`
	Name           string `yaml:"name"`
	LifecycleStage string `yaml:"lifecycle_stage"`
}

type runMeta struct {
	RunID          string `yaml:"run_id"`
	RunName        string `yaml:"run_name"`
	ExperimentID   string `yaml:"experiment_id"`
	LifecycleStage string `yaml:"lifecycle_stage"`
}

// mlrunsExperiments lists the experiment directories of an mlruns tree.
func mlrunsExperiments(dir string) (map[string]expMeta, error) {
	out := map[string]expMeta{}
	read := func(d string) bool {
		b, err := os.ReadFile(filepath.Join(d, "meta.yaml"))
		if err != nil {
			return false
		}
		var m expMeta
		if yaml.Unmarshal(b, &m) != nil || m.Name == "" || m.ID == "" {
			return false
		}
		if m.LifecycleStage != "deleted" {
			out[d] = m
		}
		return true
	}
	if read(dir) {
		return out, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	any := false
	for _, e := range ents {
		if e.IsDir() && e.Name() != ".trash" {
			any = read(filepath.Join(dir, e.Name())) || any
		}
	}
	if !any {
		return nil, fmt.Errorf("mlruns: %s holds no MLflow experiment (no */meta.yaml with experiment_id and name)", dir)
	}
	return out, nil
}

// ReadMLruns reads an MLflow file store: mlruns/EXP/RUN/meta.yaml,
// params/KEY (the value), metrics/KEY (lines "timestamp value step", the
// timestamp in ms; keys with "/" are nested directories).
func ReadMLruns(dir string) (*Table, *Table, error) {
	exps, err := mlrunsExperiments(dir)
	if err != nil {
		return nil, nil, err
	}
	expDirs := make([]string, 0, len(exps))
	for d := range exps {
		expDirs = append(expDirs, d)
	}
	sort.Strings(expDirs)
	var runs []*scalarRun
	for _, ed := range expDirs {
		ents, err := os.ReadDir(ed)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range ents {
			rd := filepath.Join(ed, e.Name())
			b, err := os.ReadFile(filepath.Join(rd, "meta.yaml"))
			if !e.IsDir() || err != nil {
				continue
			}
			var m runMeta
			if err := yaml.Unmarshal(b, &m); err != nil {
				return nil, nil, fmt.Errorf("mlruns: %s: %w", filepath.Join(rd, "meta.yaml"), err)
			}
			if m.RunID == "" || m.LifecycleStage == "deleted" {
				continue
			}
			r := &scalarRun{name: m.RunName, experiment: exps[ed].Name, params: map[string]string{}}
			if r.name == "" {
				r.name = m.RunID
			}
			if err := readKV(filepath.Join(rd, "params"), func(k, v string) error { r.params[k] = v; return nil }); err != nil {
				return nil, nil, err
			}
			err = readKV(filepath.Join(rd, "metrics"), func(k, v string) error {
				sc := bufio.NewScanner(strings.NewReader(v))
				for n := 1; sc.Scan(); n++ {
					f := strings.Fields(sc.Text())
					if len(f) == 0 {
						continue
					}
					if len(f) < 2 || len(f) > 3 {
						return fmt.Errorf("mlruns: %s/metrics/%s:%d: want \"timestamp value step\", got %q", rd, k, n, sc.Text())
					}
					ts, err1 := strconv.ParseInt(f[0], 10, 64)
					val, err2 := strconv.ParseFloat(f[1], 64)
					step := int64(0)
					var err3 error
					if len(f) == 3 {
						step, err3 = strconv.ParseInt(f[2], 10, 64)
					}
					if err1 != nil || err2 != nil || err3 != nil {
						return fmt.Errorf("mlruns: %s/metrics/%s:%d: not numbers: %q", rd, k, n, sc.Text())
					}
					if math.IsNaN(val) || math.IsInf(val, 0) {
						continue
					}
					r.add(strings.ToLower(k), step, float64(ts)/1000, val)
				}
				return sc.Err()
			})
			if err != nil {
				return nil, nil, err
			}
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return nil, nil, fmt.Errorf("mlruns: no runs under %s", dir)
	}
	st, per := tables(dir, runs)
	return st, per, nil
}

// readKV calls f for every file under dir: its path relative to dir (with
// "/", MLflow's nested keys) and its content.
func readKV(dir string, f func(k, v string) error) error {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return f(filepath.ToSlash(rel), string(b))
	})
}

// ReadMLflow reads the runs of one experiment from a tracking server: each
// run's params, and the full history of each of its metrics.
func ReadMLflow(ctx context.Context, c *MLflow, experiment string) (*Table, *Table, error) {
	e, err := c.ExperimentByName(ctx, experiment)
	if err != nil {
		return nil, nil, err
	}
	if e == nil {
		return nil, nil, fmt.Errorf("mlflow: no experiment %q on %s", experiment, c.Base)
	}
	rs, err := c.SearchRuns(ctx, []string{e.ID}, "")
	if err != nil {
		return nil, nil, err
	}
	if len(rs) == 0 {
		return nil, nil, fmt.Errorf("mlflow: experiment %q on %s has no runs", experiment, c.Base)
	}
	var runs []*scalarRun
	for _, x := range rs {
		r := &scalarRun{name: x.Info.RunName, experiment: experiment, params: map[string]string{}}
		if r.name == "" {
			r.name = x.Info.RunID
		}
		for _, p := range x.Data.Params {
			r.params[p.Key] = p.Value
		}
		keys := map[string]bool{}
		for _, m := range x.Data.Metrics {
			keys[m.Key] = true
		}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range keys {
				if !yield(k) {
					return
				}
			}
		}) {
			hist, err := c.MetricHistory(ctx, x.Info.RunID, k)
			if err != nil {
				return nil, nil, err
			}
			for _, m := range hist {
				r.add(strings.ToLower(k), m.Step, float64(m.Timestamp)/1000, m.Value)
			}
		}
		runs = append(runs, r)
	}
	st, per := tables(c.Base+" experiment "+experiment, runs)
	return st, per, nil
}
