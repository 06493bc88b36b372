package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/greenai/greenai/board"
)

// serverProc is "greenai serve" as a real process (this test binary, see
// TestMain).
type serverProc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

func startServer(t *testing.T, db, data string, env ...string) *serverProc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(os.Args[0], "serve", "--db", db, "--data", data, "--addr", addr, "--workers", "2")
	cmd.Env = append(append(os.Environ(), "GREENAI_TEST_MAIN=1"), env...)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, url: "http://" + addr, logs: logs}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	for i := 0; ; i++ {
		if resp, err := http.Get(p.url + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		if i > 200 {
			t.Fatalf("server did not start:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func bundleBody(t *testing.T, subID, model string) (*bytes.Buffer, string) {
	man := &board.Manifest{Format: board.BundleFormat, Version: board.BundleVersion, SubmissionID: subID, Board: "imagenet", Model: "resnet18",
		Metrics: map[string]float64{"top1": 69.758}}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := board.WriteBundle(mw, man, model); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func entriesOf(t *testing.T, url string) []map[string]any {
	t.Helper()
	resp, err := http.Get(url + "/boards/imagenet.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Entries []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Entries
}

// TestServeSIGKILL kills the server process mid-submission (while the
// upload is being received, and while the model is being counted) and
// restarts it: no half entry, no leftover upload, and the resent bundle is
// stored exactly once.
func TestServeSIGKILL(t *testing.T) {
	dir := t.TempDir()
	db, data := filepath.Join(dir, "board.db"), filepath.Join(dir, "data")
	if _, _, err := runCLI(t, "board", "create", "imagenet", "--db", db, "--metric", "top1", "--input", "*=1x3x224x224"); err != nil {
		t.Fatal(err)
	}
	tok, _, err := runCLI(t, "board", "token", "issue", "--db", db, "--submitter", "alice")
	if err != nil {
		t.Fatal(err)
	}
	tok = strings.TrimSpace(tok)
	model := filepath.Join("..", "..", "testdata", "models", "resnet18.onnx")

	// 1. Killed while receiving: half the body sent, then SIGKILL.
	p := startServer(t, db, data, "GREENAI_TEST_COUNT_DELAY=3s")
	body, ct := bundleBody(t, "kill-upload", model)
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", tok, ct, body.Len())
	conn.Write(body.Bytes()[:body.Len()-2000])
	time.Sleep(300 * time.Millisecond)
	if ups, _ := filepath.Glob(filepath.Join(data, "uploads", "*.part")); len(ups) != 1 {
		t.Errorf("while receiving: %d partial uploads, want 1", len(ups))
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	conn.Close()

	// 2. Killed while counting.
	p = startServer(t, db, data, "GREENAI_TEST_COUNT_DELAY=3s")
	if ups, _ := filepath.Glob(filepath.Join(data, "uploads", "*.part")); len(ups) != 0 {
		t.Errorf("after restart: partial uploads not swept: %v", ups)
	}
	done := make(chan error, 1)
	go func() {
		b, ct := bundleBody(t, "kill-count", model)
		req, _ := http.NewRequest("POST", p.url+"/api/v1/submissions", b)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			err = fmt.Errorf("the submission was answered %d", resp.StatusCode)
		}
		done <- err
	}()
	time.Sleep(800 * time.Millisecond) // received, now counting
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	if err := <-done; err == nil || strings.Contains(err.Error(), "answered") {
		t.Errorf("submission in flight when killed: %v (want a broken connection)", err)
	}

	// 3. Restart: nothing half-written; resending makes the entry once.
	p = startServer(t, db, data)
	if es := entriesOf(t, p.url); len(es) != 0 {
		t.Fatalf("after SIGKILL mid-submission: %d entries, want 0", len(es))
	}
	if ups, _ := filepath.Glob(filepath.Join(data, "uploads", "*.part")); len(ups) != 0 {
		t.Errorf("after restart: partial uploads left: %v", ups)
	}
	for i := 0; i < 2; i++ {
		res, err := board.Submit(context.Background(), nil, p.url, tok, &board.Manifest{Format: board.BundleFormat, Version: board.BundleVersion,
			SubmissionID: "kill-count", Board: "imagenet", Model: "resnet18", Metrics: map[string]float64{"top1": 69.758}}, model)
		if err != nil {
			t.Fatalf("resend %d: %v\n%s", i, err, p.logs)
		}
		if res.Created != (i == 0) {
			t.Errorf("resend %d: created = %v", i, res.Created)
		}
	}
	// Board views are cached and refreshed in the background: poll.
	es := entriesOf(t, p.url)
	for i := 0; i < 50 && len(es) != 1; i++ {
		time.Sleep(100 * time.Millisecond)
		es = entriesOf(t, p.url)
	}
	if len(es) != 1 {
		t.Errorf("after resending: %d entries, want 1", len(es))
	}
	// SIGTERM: a graceful exit.
	p.cmd.Process.Signal(syscall.SIGTERM)
	werr := make(chan error, 1)
	go func() { werr <- p.cmd.Wait() }()
	select {
	case err := <-werr:
		if err != nil {
			t.Errorf("after SIGTERM: %v\n%s", err, p.logs)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("the server did not exit on SIGTERM")
	}
}
