package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/greenai/greenai/board"
	"github.com/greenai/greenai/internal/store"
	"github.com/greenai/greenai/report"
)

func init() {
	register(&command{
		name:    "board",
		summary: "administer leaderboards: create boards, issue and revoke tokens",
		usage:   boardUsage,
		run:     runBoard,
	})
}

const boardUsage = `Usage:
  greenai board create NAME --metric KEY --input NAME=DIMS|--dim NAME=N [flags]
  greenai board list [--json]
  greenai board token issue --submitter WHO
  greenai board token list [--json]
  greenai board token revoke ID

Administers the leaderboards that "greenai serve" serves, working on the
database directly (run it where the database is reachable).

create flags:
  --title TEXT           the board's title (default NAME)
  --metric KEY           the ranked metric, as submissions name it (top1)
  --unit TEXT            the metric's unit (%)
  --lower                lower metric is better (default: higher is better)
  --task TEXT, --dataset TEXT, --description TEXT
  --input NAME=DIMS      the input shape models are counted at, e.g.
                         input=1x3x224x224; NAME * means a model's only input
                         whatever its name (repeatable)
  --dim NAME=VALUE       bind a symbolic dimension (sequence=128; repeatable)

token issue prints the new token once: only its SHA-256 is stored. Give it
to the submitter (greenai submit --token, or $GREENAI_TOKEN). token revoke
stops it at once.

Every subcommand takes --db PATH|URL (default $GREENAI_BOARD_DB, else the
per-user board.db, as for greenai serve).
`

func boardDB(flagDB string) string {
	if flagDB != "" {
		return flagDB
	}
	if v := os.Getenv("GREENAI_BOARD_DB"); v != "" {
		return v
	}
	return filepath.Join(store.DataDir(os.Getenv), "board.db")
}

func runBoard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["board"]
	if len(args) == 0 {
		fmt.Fprint(stderr, c.usage)
		return usageError("board needs a subcommand: create, list or token")
	}
	sub := args[0]
	if sub == "-h" || sub == "--help" || sub == "-help" {
		fmt.Fprint(stdout, c.usage)
		return nil
	}
	if sub == "token" {
		if len(args) < 2 {
			return usageError("board token needs issue, list or revoke")
		}
		sub = "token " + args[1]
		args = args[1:]
	}
	fs := newFlagSet(c, stderr)
	db := fs.String("db", "", "")
	asJSON := fs.Bool("json", false, "")
	var b board.Board
	var inputs, dims multiFlag
	lower := false
	submitter := ""
	if sub == "create" {
		fs.StringVar(&b.Title, "title", "", "")
		fs.StringVar(&b.Metric, "metric", "", "")
		fs.StringVar(&b.Unit, "unit", "", "")
		fs.BoolVar(&lower, "lower", false, "")
		fs.StringVar(&b.Task, "task", "", "")
		fs.StringVar(&b.Dataset, "dataset", "", "")
		fs.StringVar(&b.Description, "description", "", "")
		fs.Var(&inputs, "input", "")
		fs.Var(&dims, "dim", "")
	}
	if sub == "token issue" {
		fs.StringVar(&submitter, "submitter", "", "")
	}
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if *asJSON && sub != "list" && sub != "token list" {
		return usageError("--json: board %s prints no document (--json is for board list and board token list)", sub)
	}
	open := func() (*board.Store, error) { return board.Open(ctx, boardDB(*db)) }
	switch sub {
	case "create":
		if len(pos) != 1 {
			return usageError("board create takes one NAME")
		}
		b.Name, b.Higher = pos[0], !lower
		b.Inputs = map[string]string{}
		for _, s := range inputs {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return usageError("--input %q: want NAME=DIMS such as input=1x3x224x224", s)
			}
			b.Inputs[k] = v
		}
		for _, s := range dims {
			k, v, ok := strings.Cut(s, "=")
			n, err := strconv.ParseInt(v, 10, 64)
			if !ok || k == "" || err != nil {
				return usageError("--dim %q: want NAME=VALUE such as sequence=128", s)
			}
			if b.Dims == nil {
				b.Dims = map[string]int64{}
			}
			b.Dims[k] = n
		}
		if err := b.Validate(); err != nil {
			return usageError("board create: --%s", err)
		}
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.CreateBoard(ctx, &b); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created board %s (%s, %s is better; counted at %s) in %s\n", b.Name, b.Metric, b.Direction(), b.InputsString(), st.Where())
	case "list":
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		boards, err := st.Boards(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if boards == nil {
				boards = []*board.Board{}
			}
			return writeIndented(stdout, boards)
		}
		t := &report.Table{Header: []string{"NAME", "METRIC", "BETTER", "INPUTS", "ENTRIES"}, Align: []byte("llllr"), Width: termWidth()}
		for _, b := range boards {
			n, err := st.Count(ctx, b.Name)
			if err != nil {
				return err
			}
			t.AddRow(report.Text(b.Name), report.Text(b.Metric), report.Text(b.Direction()), report.Text(b.InputsString()), report.Int(n))
		}
		return t.WriteText(stdout)
	case "token issue":
		if len(pos) != 0 {
			return usageError("board token issue takes no arguments (use --submitter)")
		}
		if strings.TrimSpace(submitter) == "" {
			return usageError("board token issue needs --submitter WHO")
		}
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		secret, t, err := st.IssueToken(ctx, submitter)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "token %s for %s (shown once; only its SHA-256 is stored):\n", t.ID, t.Submitter)
		fmt.Fprintln(stdout, secret)
	case "token list":
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		ts, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if ts == nil {
				ts = []*board.Token{}
			}
			return writeIndented(stdout, ts)
		}
		tt := &report.Table{Header: []string{"ID", "SUBMITTER", "CREATED", "REVOKED"}, Width: termWidth()}
		for _, t := range ts {
			rev := "-"
			if t.Revoked != nil {
				rev = t.Revoked.Format("2006-01-02 15:04")
			}
			tt.AddRow(report.Text(t.ID), report.Text(t.Submitter), report.Text(t.Created.Format("2006-01-02 15:04")), report.Text(rev))
		}
		return tt.WriteText(stdout)
	case "token revoke":
		if len(pos) != 1 {
			return usageError("board token revoke takes one token ID (see greenai board token list)")
		}
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.RevokeToken(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %s\n", pos[0])
	default:
		return usageError("unknown board subcommand %q (want create, list, token issue, token list, token revoke)", strings.TrimPrefix(sub, "token "))
	}
	return nil
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
