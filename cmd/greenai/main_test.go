package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary act as the greenai binary: "greenai serve"
// re-executes itself as "greenai __count" to count models in a child
// process, and the fault tests run a real server process with
// GREENAI_TEST_MAIN=1.
func TestMain(m *testing.M) {
	if len(os.Args) >= 2 && os.Args[1] == "__count" || os.Getenv("GREENAI_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
