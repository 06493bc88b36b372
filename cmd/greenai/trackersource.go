package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/greenai/greenai/internal/trackerio"
	"github.com/greenai/greenai/report"
)

// The report and evp commands read training curves and trials from the
// trackers researchers already log to: TensorBoard event files (a file or
// a log directory), an MLflow file store (an mlruns directory, or one
// experiment of it), and an MLflow tracking server
// (mlflow+http://HOST:PORT?experiment=NAME, or mlflow+https://…).
func init() {
	report.RegisterSource(readTrackerSource)
}

func readTrackerSource(path string) (steps, runs *report.Input, ok bool, err error) {
	var s, r *trackerio.Table
	switch {
	case strings.HasPrefix(path, "mlflow+http://") || strings.HasPrefix(path, "mlflow+https://"):
		u, perr := url.Parse(strings.TrimPrefix(path, "mlflow+"))
		if perr != nil {
			return nil, nil, true, fmt.Errorf("%s: %v", path, perr)
		}
		exp := u.Query().Get("experiment")
		if exp == "" {
			return nil, nil, true, fmt.Errorf("%s: name the experiment: mlflow+%s://%s%s?experiment=NAME", path, u.Scheme, u.Host, u.Path)
		}
		u.RawQuery = ""
		c, cerr := trackerio.NewMLflow(u.String(), os.Getenv)
		if cerr != nil {
			return nil, nil, true, cerr
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		s, r, err = trackerio.ReadMLflow(ctx, c, exp)
	case trackerio.IsMLruns(path):
		s, r, err = trackerio.ReadMLruns(path)
	case trackerio.IsTensorBoard(path):
		s, r, err = trackerio.ReadTensorBoard(path)
	default:
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, true, err
	}
	return toInput(s), toInput(r), true, nil
}

func toInput(t *trackerio.Table) *report.Input {
	in := &report.Input{Source: t.Source}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		c = strings.ToLower(c)
		if !seen[c] {
			seen[c] = true
			in.Columns = append(in.Columns, c)
		}
	}
	for i, row := range t.Rows {
		f := make(map[string]string, len(row))
		for k, v := range row {
			f[strings.ToLower(k)] = v
		}
		in.Rows = append(in.Rows, report.Row{Source: t.Source, Line: i + 1, Fields: f})
	}
	return in
}
