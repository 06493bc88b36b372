// Package storetest gives tests a fresh PostgreSQL schema on the server that scripts/test.sh starts.
package storetest

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvURL names the PostgreSQL server for the tests.
const EnvURL = "GREENAI_TEST_POSTGRES"

// EnvRequire, set to 1, makes a missing server fail the tests instead of
// skipping them.
const EnvRequire = "GREENAI_REQUIRE_POSTGRES"

var n atomic.Int64

// PostgresURL returns a URL whose search_path is a new, empty schema
// (dropped when the test ends). Without a server it skips the test, or
// fails it under GREENAI_REQUIRE_POSTGRES=1.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s is not set but %s=1: scripts/test.sh starts a PostgreSQL server", EnvURL, EnvRequire)
		}
		t.Skipf("%s not set: no PostgreSQL server to test against", EnvURL)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := fmt.Sprintf("greenai_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), n.Add(1))
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
