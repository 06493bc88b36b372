package fpo

import (
	"fmt"
	"strconv"

	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// OverflowError reports a count or size that does not fit in 64-bit
// integers, with the node (or graph input) at which it arose and the value
// being computed. Count returns it instead of a partial total.
type OverflowError struct {
	Node   string // the node's name ("" when unnamed or a graph input)
	Op     string // its operator type ("" for a graph input)
	Output string // its first output, or the graph input's name
	Value  string // what was being computed, e.g. "its FPO"
	Err    *sym.OverflowError
}

// OverflowRemedy is what to do about a count that overflows.
const OverflowRemedy = "count at smaller dims (--dim, --input) or leave the large ones symbolic: the symbolic count is exact"

func (e *OverflowError) Error() string {
	return fmt.Sprintf("%s: %s overflows 64-bit integers (%v); %s", e.Where(), e.Value, e.Err, OverflowRemedy)
}

func (e *OverflowError) Unwrap() error { return e.Err }

// Where names the node: `node "/l1/conv/Conv" (Conv)`, `unnamed Conv node
// (output "y")` or `graph input "x"`.
func (e *OverflowError) Where() string {
	switch {
	case e.Op == "":
		return "graph input " + strconv.Quote(e.Output)
	case e.Node != "":
		return fmt.Sprintf("node %q (%s)", e.Node, e.Op)
	case e.Output != "":
		return fmt.Sprintf("unnamed %s node (output %q)", e.Op, e.Output)
	}
	return "unnamed " + e.Op + " node"
}

// NodeOverflow is the *OverflowError of node nr computing value.
func NodeOverflow(nr *shape.NodeResult, value string, err *sym.OverflowError) *OverflowError {
	return nodeOverflow(nr, value, err)
}

func nodeOverflow(nr *shape.NodeResult, value string, err *sym.OverflowError) *OverflowError {
	oe := &OverflowError{Node: nr.Node.Name, Op: nr.Node.OpType, Value: value, Err: err}
	if nr.Node.Domain != "" {
		oe.Op = nr.Node.Domain + "." + nr.Node.OpType
	}
	for _, o := range nr.Node.Outputs {
		if o != "" {
			oe.Output = o
			break
		}
	}
	return oe
}

// AttributeOverflow runs f; an integer overflow in it panics again as an
// *OverflowError naming the node and *value, what f was computing when it
// overflowed (an overflow already attributed, from a control-flow body,
// passes unchanged). Package train uses it for the backward.
func AttributeOverflow(nr *shape.NodeResult, value *string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			if oe, ok := r.(*sym.OverflowError); ok {
				panic(nodeOverflow(nr, *value, oe))
			}
			panic(r)
		}
	}()
	f()
}

// catchOverflow stores an attributed overflow (or a bare one, from
// arithmetic outside any node) in *err; other panics go on.
func catchOverflow(err *error, what string) {
	r := recover()
	switch x := r.(type) {
	case nil:
	case *OverflowError:
		*err = x
	case *sym.OverflowError:
		*err = fmt.Errorf("%s overflows 64-bit integers (%v); %s", what, x, OverflowRemedy)
	default:
		panic(r)
	}
}
