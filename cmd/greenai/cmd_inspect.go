package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/greenai/greenai/report"
)

func init() {
	register(&command{
		name:    "inspect",
		summary: "summarize an ONNX model: inputs, outputs and every inferred shape",
		usage: `usage: greenai inspect [flags] MODEL

Reads an ONNX model (any IR version, external data resolved beside the model,
weights never loaded) and infers the type and shape of every value, with
symbolic dimensions where the model leaves them open.

` + modelInputsUsage + `
For a folder or a GGUF file, a last section shows the weights headers and
their check: which tensors the config does not explain (tied embeddings
stored twice, rotary buffers) and which it implies but the file lacks.

Prints the producer, IR version and opsets, the inputs and outputs with their
inferred shapes, the node count, a histogram of operators, the parameter
count and bytes by data type, and any operator greenai has no rule for.

Flags:
` + modelFlagsUsage + `  --json              print the inspect document (version greenai.inspect/1,
                      schema docs/schema/inspect.schema.json): {"inputs":
                      [{"name","dtype","shape"}], "outputs":[…], "params",
                      "nodes", "op_types", "unsupported", "failures", …}. A
                      shape lists integers, or strings for symbolic dims.
  --markdown, --latex, --csv
                      the same facts as tables (report.InspectDoc.Tables):
                      the model's fields, inputs, outputs, operators, what
                      could not be inferred, and with --values the values;
                      Markdown escapes |, LaTeX (booktabs) its specials, and
                      CSV gives exact bytes and counts, one table after
                      another with a blank line between
  --values            list every intermediate value with its inferred type

Exit status: 0 on success, 1 when the model cannot be read or a node's
shape cannot be inferred, 2 on bad usage.
`,
		run: runInspect,
	})
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := commands["inspect"]
	fs := newFlagSet(c, stderr)
	var mf modelFlags
	mf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	asCSV := fs.Bool("csv", false, "tables as CSV")
	asMD := fs.Bool("markdown", false, "tables as Markdown")
	asTeX := fs.Bool("latex", false, "tables as LaTeX")
	values := fs.Bool("values", false, "list every value")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	format, err := chooseFormat("inspect", *asJSON, *asCSV, *asMD, *asTeX)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("inspect takes one model file (got %d arguments)", len(pos))
	}
	file, res, err := openModel(pos[0], &mf)
	if err != nil {
		return err
	}
	defer file.Close()
	if err := report.NewInspect(pos[0], file, res, *values).Write(stdout, format, termWidth()); err != nil {
		return err
	}
	if len(res.Failures) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("shape inference failed at %d node(s); first: %s (%s): %s",
			len(res.Failures), res.Failures[0].Node, res.Failures[0].Op, firstLine(res.Failures[0].Err))}
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
