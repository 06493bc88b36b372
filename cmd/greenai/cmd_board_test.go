package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func boardCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestBoardAdmin(t *testing.T) {
	db := filepath.Join(t.TempDir(), "board.db")
	out, _, err := boardCLI(t, "board", "create", "imagenet", "--db", db, "--metric", "top1", "--unit", "%", "--input", "*=1x3x224x224")
	if err != nil || !strings.Contains(out, "created board imagenet") {
		t.Fatalf("create: %v %s", err, out)
	}
	if _, _, err := boardCLI(t, "board", "create", "imagenet", "--db", db, "--metric", "top1", "--input", "*=1x3x224x224"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("create twice: %v", err)
	}
	for _, args := range [][]string{
		{"board", "create", "Bad Name", "--metric", "m", "--input", "*=1"},
		{"board", "create", "x", "--input", "*=1"},
		{"board", "create", "x", "--metric", "m"},
		{"board", "create", "x", "--metric", "m", "--input", "*=1xbad!"},
		{"board", "create", "x", "--metric", "m", "--input", "*=1", "--dim", "seq"},
		{"board"},
		{"board", "frobnicate"},
		{"board", "token"},
		{"board", "token", "issue"},
		{"board", "token", "revoke"},
		{"board", "create", "x", "--metric", "m", "--input", "*=1", "--json"}, // prints no document
		{"board", "token", "issue", "--submitter", "bob", "--json"},
	} {
		if _, _, err := boardCLI(t, append(args, "--db", db)...); exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	out, _, err = boardCLI(t, "board", "list", "--db", db)
	if err != nil || !strings.Contains(out, "imagenet") || !strings.Contains(out, "higher") {
		t.Errorf("list: %v %s", err, out)
	}
	tok, errs, err := boardCLI(t, "board", "token", "issue", "--db", db, "--submitter", "alice")
	tok = strings.TrimSpace(tok)
	if err != nil || !strings.HasPrefix(tok, "gai_") || !strings.Contains(errs, "shown once") {
		t.Fatalf("issue: %v %q %q", err, tok, errs)
	}
	out, _, _ = boardCLI(t, "board", "token", "list", "--db", db, "--json")
	var toks []map[string]any
	if err := json.Unmarshal([]byte(out), &toks); err != nil || len(toks) != 1 || strings.Contains(out, tok) {
		t.Fatalf("token list: %v %s", err, out)
	}
	id := toks[0]["id"].(string)
	if out, _, err := boardCLI(t, "board", "token", "revoke", id, "--db", db); err != nil || !strings.Contains(out, "revoked") {
		t.Errorf("revoke: %v %s", err, out)
	}
	if _, _, err := boardCLI(t, "board", "token", "revoke", id, "--db", db); err == nil {
		t.Errorf("revoke twice: no error")
	}
}

func TestSubmitDryRunAndUsage(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "models", "resnet18.onnx")
	out, _, err := boardCLI(t, "submit", "--dry-run", "--board", "imagenet", "--model", model, "--metric", "top1=69.758", "--claim-fpo", "3.6G", "--submission-id", "abc")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"would POST", "sha256", `"format": "greenai-bundle"`, `"submission_id": "abc"`, `"fpo": 3600000000`, `"top1": 69.758`} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{
		{"submit", "--model", model, "--metric", "top1=1"},
		{"submit", "--board", "b", "--model", model},
		{"submit", "--board", "b", "--model", model, "--metric", "top1"},
		{"submit", "--board", "b", "--model", model, "--metric", "top1=x"},
		{"submit", "--board", "b", "--metric", "top1=1"},
		{"submit", "--board", "b", "--model", model, "--metric", "top1=1", "--claim-fpo", "many"},
		{"submit", "--board", "b", "--model", model, "--metric", "top1=1", "--token", "t"},
		{"submit", "--board", "b", "--model", model, "--metric", "top1=1", "--server", "http://x"},
		{"submit", "--board", "b", "--model", model, "--metric", "top1=1", "--trial-metric", "acc"},
		{"submit", "extra", "--board", "b"},
		{"serve", "--workers", "0"},
		{"serve", "--max-model-bytes", "lots"},
		{"serve", "--log-format", "xml"},
		{"serve", "--upload-timeout", "0"}, // the server would take its default instead
		{"serve", "--count-timeout", "-1s"},
		{"serve", "arg"},
	} {
		if _, _, err := boardCLI(t, args...); exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if _, _, err := boardCLI(t, "submit", "--board", "b", "--model", "/nonexistent.onnx", "--metric", "top1=1", "--dry-run"); err == nil || !strings.Contains(err.Error(), "--model") {
		t.Errorf("missing model: %v", err)
	}
	out, _, err = boardCLI(t, "help", "serve")
	if err != nil || !strings.Contains(out, "GREENAI_BOARD_DB") || !strings.Contains(out, "--max-model-bytes") {
		t.Errorf("help serve: %v", err)
	}
	out, _, _ = boardCLI(t, "help")
	if strings.Contains(out, "__count") || !strings.Contains(out, "serve") || !strings.Contains(out, "submit") {
		t.Errorf("help lists hidden or misses new commands:\n%s", out)
	}
}

// TestServeSubmitEndToEnd runs "greenai serve" in-process and submits with
// "greenai submit", counting in a child process (this test binary, see
// TestMain).
func TestServeSubmitEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "board.db")
	if _, _, err := boardCLI(t, "board", "create", "imagenet", "--db", db, "--metric", "top1", "--input", "*=1x3x224x224"); err != nil {
		t.Fatal(err)
	}
	tok, _, err := boardCLI(t, "board", "token", "issue", "--db", db, "--submitter", "alice")
	if err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var serr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--data", filepath.Join(dir, "data"), "--addr", addr, "--log-level", "warn"}, &bytes.Buffer{}, &serr)
	}()
	url := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatalf("server did not start: %s", serr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	model := filepath.Join("..", "..", "testdata", "models", "resnet18.onnx")
	out, errs, err := boardCLI(t, "submit", "--server", url, "--token", strings.TrimSpace(tok), "--board", "imagenet", "--model", model, "--metric", "top1=69.758", "--claim-fpo", "7.27G")
	if err != nil || !strings.HasPrefix(out, url+"/entries/") || !strings.Contains(errs, "flagged: claimed FPO") {
		t.Fatalf("submit: %v\n%s\n%s\nserver: %s", err, out, errs, serr.String())
	}
	_, _, err = boardCLI(t, "submit", "--server", url, "--token", "gai_wrong", "--board", "imagenet", "--model", model, "--metric", "top1=69.758")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad token: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	_ = os.Remove(db)
}

// TestREADMEServeDemo runs the README's third command, "greenai serve
// --demo", as written (on a free port instead of 8080) and reads what a new
// user opens: the board list, the demo board with its torchvision models
// ranked, an entry page, and the demo token it prints, which can submit.
func TestREADMEServeDemo(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, line := range strings.Split(string(readme), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		if rest, ok := strings.CutPrefix(strings.TrimSpace(cmd), "go run ./cmd/greenai serve"); ok {
			args = append([]string{"serve"}, strings.Fields(rest)...)
			break
		}
	}
	if len(args) < 2 || args[1] != "--demo" {
		t.Fatalf("README.md has no \"go run ./cmd/greenai serve --demo\" line (found %q)", args)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var serr syncBuffer
	go func() {
		done <- run(ctx, append(args, "--addr", addr, "--log-level", "warn"), &bytes.Buffer{}, &serr)
	}()
	url := "http://" + addr
	get := func(p string) string {
		t.Helper()
		resp, err := http.Get(url + p)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, b.String())
		}
		return b.String()
	}
	for i := 0; ; i++ {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if i > 200 {
			t.Fatalf("serve --demo did not start: %s", serr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if idx := get("/"); !strings.Contains(idx, `href="/boards/imagenet-top1"`) {
		t.Fatalf("the board list lacks the demo board:\n%s", idx)
	}
	var view struct {
		Entries []struct {
			ID, Model string
			Rank      int
		}
	}
	if err := json.Unmarshal([]byte(get("/boards/imagenet-top1.json")), &view); err != nil {
		t.Fatal(err)
	}
	models := map[string]bool{}
	for _, e := range view.Entries {
		models[e.Model] = true
	}
	for _, m := range []string{"resnet18", "resnet50", "mobilenet_v2", "alexnet"} {
		if !models[m] {
			t.Errorf("the demo board lacks %s (has %d entries)", m, len(view.Entries))
		}
	}
	if len(view.Entries) == 0 || view.Entries[0].Rank != 1 {
		t.Fatalf("demo board entries: %+v", view.Entries)
	}
	if page := get("/boards/imagenet-top1"); !strings.Contains(page, "pareto.svg") {
		t.Error("the demo board page lacks its Pareto plot")
	}
	if page := get("/entries/" + view.Entries[0].ID); !strings.Contains(page, `id="ops"`) || !strings.Contains(page, "counted by the server") {
		t.Error("a demo entry page lacks its card or operator table")
	}
	// The token it prints submits.
	_, tok, ok := strings.Cut(serr.String(), "demo submit token (shown once): ")
	tok, _, _ = strings.Cut(tok, "\n")
	if !ok || !strings.HasPrefix(tok, "gai_") {
		t.Fatalf("serve --demo printed no token: %s", serr.String())
	}
	model := filepath.Join("..", "..", "testdata", "models", "resnet18.onnx")
	if out, errs, err := boardCLI(t, "submit", "--server", url, "--token", tok, "--board", "imagenet-top1", "--model", model, "--metric", "top1=70"); err != nil || !strings.HasPrefix(out, url+"/entries/") {
		t.Fatalf("submit with the demo token: %v\n%s\n%s", err, out, errs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve --demo: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
