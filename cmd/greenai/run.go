package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/greenai/greenai/report"
)

// command is one greenai subcommand. Each lives in its own cmd_*.go file and
// registers itself from init, so subcommands can be added independently.
type command struct {
	name    string
	summary string // one line for "greenai help"
	usage   string // full usage text, printed for "greenai help NAME" and on flag errors
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("greenai: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// exitError carries a specific process exit status (for example a child's
// status passed through by "greenai run", or 2 for usage errors).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.msg
}

// usageError reports bad command-line usage (exit status 2).
func usageError(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

// run is the testable entry point of the CLI.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printHelp(stderr)
		return usageError("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprint(stdout, c.usage)
				return nil
			}
			return usageError("unknown command %q", args[1])
		}
		printHelp(stdout)
		return nil
	case countChild: // internal: greenai serve counts each model in a child
		return runCountChild(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "greenai", version)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		return usageError("unknown command %q (run \"greenai help\" for the list)", name)
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	var ee *exitError
	if errors.As(err, &ee) && ee.code == 0 && ee.msg == "" {
		// -h, -help or --help: the manual is what was asked for, so it goes
		// to stdout with status 0.
		fmt.Fprint(stdout, c.usage)
		return nil
	}
	return err
}

const version = "0.1.0-dev"

func printHelp(w io.Writer) {
	fmt.Fprint(w, manualHeader)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Commands:")
	for _, n := range names {
		// Summaries wrap under themselves to fit 80 columns.
		lines := strings.Split(strings.TrimSuffix(report.Wrap(commands[n].summary, 80-13, ""), "\n"), "\n")
		fmt.Fprintf(w, "  %-10s %s\n", n, strings.Join(lines, "\n"+strings.Repeat(" ", 13)))
	}
	fmt.Fprintln(w, "\nRun \"greenai help COMMAND\" for a command's manual.")
}

// newFlagSet returns a flag set that reports errors instead of exiting. A
// bad flag prints the usage to stderr; -h and --help leave it to run, which
// prints the manual to stdout.
func newFlagSet(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

// flagError is a flag-parsing error: help requested (status 0, the manual
// printed by run) or bad usage (the usage to stderr, status 2).
func flagError(fs *flag.FlagSet, err error) error {
	if err == flag.ErrHelp {
		return &exitError{code: 0}
	}
	if c := commands[fs.Name()]; c != nil {
		fmt.Fprint(fs.Output(), c.usage)
	}
	return &exitError{code: 2, msg: err.Error()}
}

// parseFlags parses flags allowing them to be interleaved with positional
// arguments (greenai fpo model.onnx --json). A literal "--" ends flag parsing.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(fs, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// termWidth is the width text output must fit: $COLUMNS when it is a
// positive number, else 80.
func termWidth() int {
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return 80
}
