package main

import (
	"os"
	"testing"
	"time"
)

// TestMain lets the test binary act as the greenai binary: "greenai serve"
// re-executes itself as "greenai __count" to count models in a child
// process, and the fault tests run a real server process with
// GREENAI_TEST_MAIN=1.
func TestMain(m *testing.M) {
	if len(os.Args) >= 2 && os.Args[1] == "__count" {
		// The fault tests slow the count down to kill the server mid-way.
		if d, err := time.ParseDuration(os.Getenv("GREENAI_TEST_COUNT_DELAY")); err == nil {
			time.Sleep(d)
		}
		main()
		os.Exit(0)
	}
	if os.Getenv("GREENAI_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	// Golden text is laid out for the default 80 columns, whatever the
	// terminal that runs the tests (tests that want a width set it).
	os.Unsetenv("COLUMNS")
	os.Exit(m.Run())
}
