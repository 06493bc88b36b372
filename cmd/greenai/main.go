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
	// counting DeepSeek-V3 from its config keeps ~40 MB of graph, shapes and
	// counts alive, and Go's default GOGC=100 lets the heap grow to twice
	// that between collections. Collecting at 50% growth keeps the peak
	// under bench/llm.sh's 100 MB bar for a little more CPU. GOGC, when
	// set, wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
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
