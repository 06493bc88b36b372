// Command greenai makes the computational price of an AI result visible.
//
// "greenai help" prints the manual: its header is in manual.go, and each
// command's page is the usage text of its command.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// greenai is a batch tool whose peak memory is what its users see:
	// counting DeepSeek-V3 from its config keeps ~37 MB of graph, shapes and
	// counts alive, and Go's default GOGC=100 lets the heap grow to twice
	// that between collections. Collecting at 35% growth keeps both of
	// bench/llm.sh's bars with a margin on that case (bound at 1×4096, 2
	// cores): GOGC=50 gave 0.68-0.76 s and 95-98 MB, 35 gave 0.75-0.89 s and
	// 87-92 MB, 25 gave 0.88-0.92 s and 86-88 MB (of each RSS, ~31 MB are
	// the binary's own mapped pages). GOGC, when set, wins; greenai serve
	// sets its own (see cmd_serve.go).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(35)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, "greenai:", ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "greenai:", err)
		os.Exit(1)
	}
}
