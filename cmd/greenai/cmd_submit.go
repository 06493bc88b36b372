package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/greenai/greenai/board"
	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/tracker"
)

func init() {
	register(&command{
		name:    "submit",
		summary: "submit a result (model, cost spec, metrics, runs) to a leaderboard",
		usage:   submitUsage,
		run:     runSubmit,
	})
}

const submitUsage = `usage: greenai submit --server URL --board NAME --model FILE
                      --metric KEY=VALUE [flags]

Bundles a result and posts it to a greenai leaderboard ("greenai serve"):
the model file (the server counts its FPO, MACs and parameters itself), the
metric values, the cost spec (the server recomputes the price tag), and the
runs of an experiment from the local run store (energy, carbon and their
provenance), then prints the entry's URL. The bundle format is documented
in docs/leaderboard.md (version 1).

Flags:
  --server URL          the leaderboard [GREENAI_BOARD_URL]
  --token TOKEN         the submit token the board's admin issued
                        [GREENAI_TOKEN]; --token-file FILE reads it from a file
  --board NAME          the board
  --model FILE          the model: an ONNX file, a Hugging Face config.json or a
                        GGUF file (default: the cost spec's model)
  --name NAME           the model's name on the board (default: the file name)
  --metric KEY=VALUE    a metric value, e.g. top1=76.1 (repeatable; the
                        board's metric is required)
  --spec FILE           the greenai cost spec (YAML or JSON)
  --experiment NAME     include the runs of this experiment from the run store
  --run ID              include this run (repeatable)
  --db PATH|URL         the run store (default $GREENAI_DB, as greenai run)
  --trial-metric KEY    each included run is one hyperparameter trial: its
                        score is the last value of KEY in its metrics (for the
                        EVP curve)
  --trials FILE         trial scores, one number per line or a JSON list
  --claim-fpo N         the FPO per inference you claim (5.1G or 5.1e9); the
                        server flags it if it disagrees with its count
  --claim-macs N, --claim-params N, --claim-train-fpo N   likewise
  --paper URL, --code URL, --notes TEXT
  --submission-id ID    the idempotency key (default: random); resending a
                        bundle with the same id returns the first entry
  --dry-run             print the manifest and what would be sent; send nothing
  --timeout D           give up after D (default 10m)

Exit status: 0 when the entry was made (or already existed), 1 on errors
(the server's message names the field), 2 on bad usage.
`

func runSubmit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["submit"]
	fs := newFlagSet(c, stderr)
	var (
		serverURL, token, tokenFile, boardName, model, name, spec, experiment, db, trialMetric, trialsFile string
		paper, code, notes, subID, claimFPO, claimMACs, claimParams, claimTrain                            string
		metrics, runIDs                                                                                    multiFlag
		dry                                                                                                bool
		timeout                                                                                            time.Duration
	)
	fs.StringVar(&serverURL, "server", os.Getenv("GREENAI_BOARD_URL"), "")
	fs.StringVar(&token, "token", os.Getenv("GREENAI_TOKEN"), "")
	fs.StringVar(&tokenFile, "token-file", "", "")
	fs.StringVar(&boardName, "board", "", "")
	fs.StringVar(&model, "model", "", "")
	fs.StringVar(&name, "name", "", "")
	fs.Var(&metrics, "metric", "")
	fs.StringVar(&spec, "spec", "", "")
	fs.StringVar(&experiment, "experiment", "", "")
	fs.Var(&runIDs, "run", "")
	fs.StringVar(&db, "db", "", "")
	fs.StringVar(&trialMetric, "trial-metric", "", "")
	fs.StringVar(&trialsFile, "trials", "", "")
	fs.StringVar(&claimFPO, "claim-fpo", "", "")
	fs.StringVar(&claimMACs, "claim-macs", "", "")
	fs.StringVar(&claimParams, "claim-params", "", "")
	fs.StringVar(&claimTrain, "claim-train-fpo", "", "")
	fs.StringVar(&paper, "paper", "", "")
	fs.StringVar(&code, "code", "", "")
	fs.StringVar(&notes, "notes", "", "")
	fs.StringVar(&subID, "submission-id", "", "")
	fs.BoolVar(&dry, "dry-run", false, "")
	fs.DurationVar(&timeout, "timeout", 10*time.Minute, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("submit takes no arguments (got %q); give the model with --model", pos[0])
	}
	if boardName == "" {
		return usageError("submit needs --board NAME")
	}
	man := &board.Manifest{Format: board.BundleFormat, Version: board.BundleVersion, SubmissionID: subID, Board: boardName,
		Paper: paper, Code: code, Notes: notes, Metrics: map[string]float64{}}
	if man.SubmissionID == "" {
		man.SubmissionID = board.NewEntryID(time.Now())
	}
	for _, m := range metrics {
		k, v, ok := strings.Cut(m, "=")
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || k == "" || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return usageError("--metric %q: want KEY=NUMBER such as top1=76.1", m)
		}
		man.Metrics[k] = f
	}
	if len(man.Metrics) == 0 {
		return usageError("submit needs at least one --metric KEY=VALUE (the board's metric)")
	}
	for _, cl := range []struct {
		flag, v string
		dst     *float64
	}{{"--claim-fpo", claimFPO, &man.Claimed.FPO}, {"--claim-macs", claimMACs, &man.Claimed.MACs}, {"--claim-params", claimParams, &man.Claimed.Params}, {"--claim-train-fpo", claimTrain, &man.Claimed.TrainFPO}} {
		if cl.v == "" {
			continue
		}
		f, err := board.ParseQuantity(cl.v)
		if err != nil || f <= 0 {
			return usageError("%s %q: want a positive number such as 5.1G or 5.1e9", cl.flag, cl.v)
		}
		*cl.dst = f
	}
	if spec != "" {
		s, err := cost.ReadSpec(spec)
		if err != nil {
			return fmt.Errorf("--spec: %w", err)
		}
		if model == "" {
			model = s.ModelPath()
		}
		js, err := specJSON(spec)
		if err != nil {
			return fmt.Errorf("--spec: %w", err)
		}
		man.CostSpec = js
	}
	if model == "" {
		return usageError("submit needs --model FILE (or a --spec that names one)")
	}
	sum, size, err := board.HashFile(model)
	if err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	kind, err := modelfile.Detect(model)
	if err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	if kind != modelfile.ONNX && kind != modelfile.Config && kind != modelfile.GGUF {
		return fmt.Errorf("--model %s: a %s file; a board counts one file: an ONNX model, a config.json or a GGUF file", model, kind)
	}
	man.ModelFile = board.ModelFile{Name: filepath.Base(model), Format: string(kind), SHA256: sum, Bytes: size}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(model), filepath.Ext(model))
	}
	man.Model = name
	if experiment != "" || len(runIDs) > 0 {
		runs, err := submitRuns(ctx, db, experiment, runIDs)
		if err != nil {
			return err
		}
		if len(runs) == 0 {
			return fmt.Errorf("--experiment %q: no runs in the run store", experiment)
		}
		man.Runs = runs
	}
	if trialMetric != "" {
		if len(man.Runs) == 0 {
			return usageError("--trial-metric needs runs (--experiment or --run)")
		}
		for _, r := range man.Runs {
			v, ok := lastMetric(r, trialMetric)
			if !ok {
				return fmt.Errorf("--trial-metric %s: run %s recorded no %q metric", trialMetric, r.ID, trialMetric)
			}
			man.Trials = append(man.Trials, board.Trial{Name: r.ID, Score: v, Hours: r.WallSeconds / 3600})
		}
	}
	if trialsFile != "" {
		ts, err := readTrials(trialsFile)
		if err != nil {
			return fmt.Errorf("--trials: %w", err)
		}
		man.Trials = append(man.Trials, ts...)
	}
	if err := man.Validate(); err != nil {
		return fmt.Errorf("the bundle is not valid: %w", err)
	}
	if tokenFile != "" {
		data, err := os.ReadFile(tokenFile)
		if err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
		token = strings.TrimSpace(string(data))
	}
	if dry {
		fmt.Fprintf(stdout, "would POST %s/api/v1/submissions (multipart/form-data, bundle version %d)\n", strings.TrimRight(or(serverURL, "SERVER"), "/"), board.BundleVersion)
		fmt.Fprintf(stdout, "part model: %s (%d bytes, sha256 %s)\n", model, size, sum)
		fmt.Fprintln(stdout, "part manifest:")
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(man)
	}
	if serverURL == "" {
		return usageError("submit needs --server URL (or $GREENAI_BOARD_URL)")
	}
	if token == "" {
		return usageError("submit needs --token (or $GREENAI_TOKEN, or --token-file)")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := board.Submit(ctx, &http.Client{}, serverURL, token, man, model)
	if err != nil {
		return err
	}
	if !res.Created {
		fmt.Fprintf(stderr, "this bundle (submission id %s) was already accepted; its entry:\n", man.SubmissionID)
	}
	fmt.Fprintf(stderr, "counted by the server: %s FPO, %s MACs, %d parameters per inference\n", fmtSI(res.Counted.FPO), fmtSI(res.Counted.MACs), res.Counted.Params)
	for _, f := range res.Flags {
		fmt.Fprintf(stderr, "flagged: %s\n", f.Message)
	}
	fmt.Fprintln(stdout, res.URL)
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func fmtSI(v float64) string { return strings.TrimSpace(strconv.FormatFloat(v, 'g', 4, 64)) }

// specJSON converts a YAML or JSON spec to JSON.
func specJSON(path string) (json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	delete(v, "model") // the server counts the uploaded file
	if ct, ok := v["cost_table"]; ok && ct != "" {
		return nil, fmt.Errorf("cost_table: a board counts with the default cost table; remove it")
	}
	return json.Marshal(v)
}

func submitRuns(ctx context.Context, db, experiment string, ids []string) ([]*tracker.Record, error) {
	st, err := store.Open(ctx, store.Target(db, os.Getenv))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var runs []*tracker.Record
	if experiment != "" {
		if runs, err = st.List(ctx, store.Filter{Experiment: experiment}); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		r, err := st.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("--run: %w", err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func lastMetric(r *tracker.Record, key string) (float64, bool) {
	for i := len(r.Metrics) - 1; i >= 0; i-- {
		var obj map[string]any
		if json.Unmarshal(r.Metrics[i], &obj) != nil {
			continue
		}
		if v, ok := obj[key].(float64); ok {
			return v, true
		}
	}
	return 0, false
}

func readTrials(path string) ([]board.Trial, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nums []float64
	if t := strings.TrimSpace(string(data)); strings.HasPrefix(t, "[") {
		if err := json.Unmarshal([]byte(t), &nums); err != nil {
			return nil, fmt.Errorf("%s: want a JSON list of numbers: %w", path, err)
		}
	} else {
		for i, line := range strings.Split(t, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			v, err := strconv.ParseFloat(line, 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %q is not a number", path, i+1, line)
			}
			nums = append(nums, v)
		}
	}
	var out []board.Trial
	for i, v := range nums {
		out = append(out, board.Trial{Name: fmt.Sprintf("trial %d", i+1), Score: v})
	}
	return out, nil
}
