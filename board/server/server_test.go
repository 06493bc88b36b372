package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenai/greenai/board"
)

// The test binary doubles as the counting child (board.Subprocess), so the
// child-process path is tested too.
func TestMain(m *testing.M) {
	switch os.Getenv("GREENAI_BOARD_TEST_CHILD") {
	case "count":
		os.Exit(board.ChildMain(os.Stdin, os.Stdout, os.Getenv))
	case "sleep": // a count that never ends
		time.Sleep(time.Minute)
		os.Exit(1)
	case "hog": // a count that eats memory until its limit stops it
		board.LimitChild(os.Getenv)
		var keep [][]byte
		for {
			b := make([]byte, 64<<20)
			for i := range b {
				b[i] = 1
			}
			keep = append(keep, b)
		}
	case "slow": // a count that takes a while, then succeeds
		time.Sleep(700 * time.Millisecond)
		os.Exit(board.ChildMain(os.Stdin, os.Stdout, os.Getenv))
	}
	os.Exit(m.Run())
}

func child(mode string) *board.Subprocess {
	return &board.Subprocess{Argv: []string{os.Args[0]}, Env: []string{"GREENAI_BOARD_TEST_CHILD=" + mode}, Timeout: 20 * time.Second, MemoryBytes: 1 << 30}
}

type env struct {
	t     *testing.T
	st    *board.Store
	srv   *Server
	ts    *httptest.Server
	token string
	tokID string
}

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := board.Open(ctx, filepath.Join(dir, "board.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := &board.Board{Name: "imagenet", Title: "ImageNet top-1", Metric: "top1", Unit: "%", Higher: true, Inputs: map[string]string{"*": "1x3x224x224"}}
	if err := st.CreateBoard(ctx, b); err != nil {
		t.Fatal(err)
	}
	tok, tt, err := st.IssueToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Counter: child("count"), DataDir: filepath.Join(dir, "data"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CacheTTL: -1}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config = srv.HTTPServer("")
	ts.Start()
	t.Cleanup(ts.Close)
	return &env{t: t, st: st, srv: srv, ts: ts, token: tok, tokID: tt.ID}
}

func modelFile(t testing.TB, name string) string {
	p := filepath.Join("..", "..", "testdata", "models", name+".onnx")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func manifest(mod func(m map[string]any)) []byte {
	m := map[string]any{"format": "greenai-bundle", "version": 1, "submission_id": fmt.Sprintf("s-%d", time.Now().UnixNano()),
		"board": "imagenet", "model": "resnet18", "metrics": map[string]any{"top1": 69.758}}
	if mod != nil {
		mod(m)
	}
	js, _ := json.Marshal(m)
	return js
}

// body builds a multipart body from parts (name, content) in order.
func body(parts ...[2]string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p[0] == "model" {
			h.Set("Content-Disposition", `form-data; name="model"; filename="model.onnx"`)
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p[0]))
		}
		w, _ := mw.CreatePart(h)
		w.Write([]byte(p[1]))
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func readFile(t testing.TB, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type answer struct {
	code int
	body string
	js   map[string]any
}

func (e *env) do(method, path string, body io.Reader, ctype, token string) answer {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{code: resp.StatusCode, body: string(b)}
	_ = json.Unmarshal(b, &a.js)
	return a
}

func (e *env) get(path string) answer { return e.do("GET", path, nil, "", "") }

func (e *env) submit(man []byte, model string) answer {
	b, ct := body([2]string{"manifest", string(man)}, [2]string{"model", model})
	return e.do("POST", "/api/v1/submissions", b, ct, e.token)
}

func TestSubmitFlagsDoubledFPOAndViews(t *testing.T) {
	e := newEnv(t, nil)
	// First count the truth, then claim twice as much.
	truth, err := board.Count(board.CountRequest{Model: modelFile(t, "resnet18"), Inputs: map[string]string{"*": "1x3x224x224"}})
	if err != nil {
		t.Fatal(err)
	}
	a := e.submit(manifest(func(m map[string]any) {
		m["claimed"] = map[string]any{"fpo": 2 * truth.FPO}
		m["paper"] = "https://arxiv.org/abs/1512.03385"
	}), readFile(t, modelFile(t, "resnet18")))
	if a.code != http.StatusCreated {
		t.Fatalf("submit: %d %s", a.code, a.body)
	}
	flags, _ := a.js["flags"].([]any)
	if len(flags) != 1 || flags[0].(map[string]any)["field"] != "fpo" {
		t.Fatalf("flags = %v, want one on fpo", a.js["flags"])
	}
	f := flags[0].(map[string]any)
	if f["claimed"].(float64) != 2*truth.FPO || f["counted"].(float64) != truth.FPO {
		t.Errorf("flag numbers = %v", f)
	}
	id := a.js["id"].(string)
	if !strings.HasSuffix(a.js["url"].(string), "/entries/"+id) {
		t.Errorf("url = %v", a.js["url"])
	}
	// The entry page shows both numbers.
	page := e.get("/entries/" + id)
	claimed, counted := qty(2*truth.FPO, ""), qty(truth.FPO, "")
	if page.code != 200 || !strings.Contains(page.body, claimed) || !strings.Contains(page.body, counted) || !strings.Contains(page.body, "id=\"flags\"") {
		t.Errorf("entry page lacks the flag with %s and %s:\n%s", claimed, counted, page.body)
	}
	for _, want := range []string{"Conv", "FPO by operator type", "badge.svg", "counted by the server"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("entry page lacks %q", want)
		}
	}
	// Every view answers.
	for _, tc := range []struct{ path, ctype, want string }{
		{"/", "text/html", "ImageNet top-1"},
		{"/boards/imagenet", "text/html", "resnet18"},
		{"/boards/imagenet?sort=fpo&order=asc", "text/html", "resnet18"},
		{"/boards/imagenet.json", "application/json", `"fpo_exact": "` + truth.FPOExact},
		{"/boards/imagenet.csv", "text/csv", truth.FPOExact},
		{"/boards/imagenet/pareto.svg", "image/svg+xml", "sans-serif"},
		{"/entries/" + id + ".json", "application/json", `"sha256"`},
		{"/entries/" + id + ".csv", "text/csv", "FPO per inference"},
		{"/entries/" + id + "/badge.svg", "image/svg+xml", "G FPO"},
		{"/entries/" + id + "/ops.csv", "text/csv", "Conv,"},
		{"/api/v1/boards", "application/json", `"imagenet"`},
		{"/api/v1/boards/imagenet", "application/json", `"top1"`},
		{"/api/v1/boards/imagenet/entries", "application/json", id},
		{"/api/v1/entries/" + id, "application/json", id},
		{"/submit", "text/html", "multipart/form-data"},
		{"/healthz", "application/json", `"ok"`},
		{"/metrics", "text/plain", "greenai_board_submissions_total{outcome=\"created\"} 1"},
		{"/static/style.css", "text/css", "dominated"},
		{"/static/board.js", "text/javascript", "data-v"},
		{fontPath, "font/ttf", ""},
	} {
		a := e.get(tc.path)
		resp, _ := http.Get(e.ts.URL + tc.path)
		ct := resp.Header.Get("Content-Type")
		resp.Body.Close()
		if a.code != 200 || !strings.HasPrefix(ct, tc.ctype) || !strings.Contains(a.body, tc.want) {
			t.Errorf("GET %s: %d %s, want 200 %s containing %q; body:\n%.400s", tc.path, a.code, ct, tc.ctype, tc.want, a.body)
		}
	}
	// Not found.
	for _, p := range []string{"/entries/nope", "/entries/nope.json", "/boards/nope", "/boards/nope.csv", "/api/v1/entries/nope", "/api/v1/boards/nope", "/entries/" + id + "/evp.svg", "/entries/" + id + "/curves.svg", "/nowhere"} {
		if a := e.get(p); a.code != 404 {
			t.Errorf("GET %s: %d, want 404", p, a.code)
		}
	}
}

func TestSubmitWithSpecRunsTrials(t *testing.T) {
	e := newEnv(t, nil)
	runs := `[{"id": "20240501T120000-aaaa0001", "status": "finished", "complete": true, "wall_seconds": 7200, "energy_joules": 3.6e6, "carbon_g": 400,
		"energy": [{"component": "gpu", "device": "GPU-0", "joules": 3.0e6, "provenance": "measured-counter", "method": "NVML total energy counter"},
		           {"component": "cpu", "joules": 0.6e6, "provenance": "model-estimate", "method": "TDP × utilization"}],
		"metrics": [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}, {"step": 3, "loss": 1.2}]}]`
	a := e.submit(manifest(func(m map[string]any) {
		m["cost_spec"] = json.RawMessage(`{"inputs": {"input": "batchx3x224x224"}, "train": {"examples": 1281167, "epochs": 90, "batch_size": 256, "optimizer": "sgd"}, "search": {"trials": 3}}`)
		m["runs"] = json.RawMessage(runs)
		m["trials"] = []map[string]any{{"score": 69.1}, {"score": 69.7}, {"score": 68.2}}
	}), readFile(t, modelFile(t, "resnet18")))
	if a.code != 201 {
		t.Fatalf("submit: %d %s", a.code, a.body)
	}
	id := a.js["id"].(string)
	page := e.get("/entries/" + id)
	for _, want := range []string{"training FPO (E·D·H)", "measured-counter", "model-estimate", "evp.svg", "curves.svg", "Price tag", "1 kWh"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("entry page lacks %q", want)
		}
	}
	for _, p := range []string{"/entries/" + id + "/evp.svg", "/entries/" + id + "/curves.svg"} {
		if a := e.get(p); a.code != 200 || !strings.Contains(a.body, "<svg") {
			t.Errorf("GET %s: %d", p, a.code)
		}
	}
	js := e.get("/boards/imagenet.json")
	ent := js.js["entries"].([]any)[0].(map[string]any)
	if ent["energy_kwh"].(float64) != 1 || ent["carbon_g"].(float64) != 400 || ent["hours"].(float64) != 2 || ent["train_fpo"] == nil {
		t.Errorf("board JSON entry = %v", ent)
	}
	if !strings.Contains(ent["energy_provenance"].(string), "mixed") {
		t.Errorf("energy provenance = %v, want mixed", ent["energy_provenance"])
	}
	// Budgets: 1 kWh fits under 2, not under 0.5.
	if n := len(e.get("/boards/imagenet.json?max_kwh=2").js["entries"].([]any)); n != 1 {
		t.Errorf("max_kwh=2: %d entries", n)
	}
	if n := len(e.get("/boards/imagenet.json?max_kwh=0.5").js["entries"].([]any)); n != 0 {
		t.Errorf("max_kwh=0.5: %d entries", n)
	}
	if n := len(e.get("/boards/imagenet.json?max_hours=1").js["entries"].([]any)); n != 0 {
		t.Errorf("max_hours=1: %d entries", n)
	}
	if n := len(e.get("/boards/imagenet.json?max_fpo=1G").js["entries"].([]any)); n != 0 {
		t.Errorf("max_fpo=1G: %d entries", n)
	}
	if n := len(e.get("/boards/imagenet.json?max_fpo=4G&max_train_fpo=10E").js["entries"].([]any)); n != 1 {
		t.Errorf("max_fpo=4G: %d entries", n)
	}
}

func TestValidationErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RatePerMinute, c.Burst = 1e6, 1000 })
	model := readFile(t, modelFile(t, "resnet18"))
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	del := func(k string) func(map[string]any) { return func(m map[string]any) { delete(m, k) } }
	for _, tc := range []struct {
		name  string
		mod   func(map[string]any)
		model string
		code  int
		field string
	}{
		{"format", set("format", "zip"), model, 400, "format"},
		{"version", set("version", 2), model, 400, "version"},
		{"no submission id", del("submission_id"), model, 400, "submission_id"},
		{"bad submission id", set("submission_id", "a b"), model, 400, "submission_id"},
		{"no board", del("board"), model, 400, "board"},
		{"unknown board", set("board", "mnist"), model, 404, "board"},
		{"bad board name", set("board", "Mnist!"), model, 400, "board"},
		{"no model name", set("model", " "), model, 400, "model"},
		{"no metrics", del("metrics"), model, 400, "metrics"},
		{"wrong metric", set("metrics", map[string]any{"top5": 89.0}), model, 422, "metrics.top1"},
		{"metric type", set("metrics", map[string]any{"top1": "high"}), model, 400, "metrics"},
		{"paper", set("paper", "javascript:alert(1)"), model, 400, "paper"},
		{"code", set("code", "ftp://x"), model, 400, "code"},
		{"claimed", set("claimed", map[string]any{"fpo": -1}), model, 400, "claimed.fpo"},
		{"unknown field", set("colour", "green"), model, 400, "colour"},
		{"cost spec type", set("cost_spec", "epochs: 3"), model, 400, "cost_spec"},
		{"cost spec field", set("cost_spec", map[string]any{"train": map[string]any{"epochz": 3}}), model, 422, "cost_spec"},
		{"run id", set("runs", []any{map[string]any{"status": "finished"}}), model, 400, "runs[0].id"},
		{"run provenance", set("runs", []any{map[string]any{"id": "r1", "energy": []any{map[string]any{"component": "gpu", "joules": 1, "provenance": "guess"}}}}), model, 400, "runs[0].energy[0].provenance"},
		{"run energy", set("runs", []any{map[string]any{"id": "r1", "energy_joules": -5}}), model, 400, "runs[0].energy_joules"},
		{"trial hours", set("trials", []any{map[string]any{"score": 1, "hours": -1}}), model, 400, "trials[0].hours"},
		{"sha256 format", set("model_file", map[string]any{"sha256": "abc"}), model, 400, "model_file.sha256"},
		{"sha256 mismatch", set("model_file", map[string]any{"sha256": strings.Repeat("0", 64)}), model, 422, "model_file.sha256"},
		{"model format", set("model_file", map[string]any{"format": "pickle"}), model, 400, "model_file.format"},
		{"not onnx", nil, "PK\x03\x04 definitely a zip file, not a protobuf", 422, "model"},
		{"empty model", nil, "", 400, "model"},
		{"notes control char", set("notes", "a\x00b"), model, 400, "notes"},
	} {
		a := e.submit(manifest(tc.mod), tc.model)
		if a.code != tc.code || a.js["field"] != tc.field {
			t.Errorf("%s: %d %s, want %d naming field %s", tc.name, a.code, a.body, tc.code, tc.field)
		}
	}
	// Malformed requests.
	for _, tc := range []struct {
		name      string
		parts     [][2]string
		ctype     string
		code      int
		field     string
		rawManif  bool
		rawString string
	}{
		{"model before manifest", [][2]string{{"model", model}, {"manifest", string(manifest(nil))}}, "", 400, "manifest", false, ""},
		{"no model", [][2]string{{"manifest", string(manifest(nil))}}, "", 400, "model", false, ""},
		{"no manifest", nil, "", 400, "manifest", false, ""},
		{"manifest twice", [][2]string{{"manifest", string(manifest(nil))}, {"manifest", string(manifest(nil))}}, "", 400, "manifest", false, ""},
		{"extra part", [][2]string{{"manifest", string(manifest(nil))}, {"extra", "x"}}, "", 400, "extra", false, ""},
		{"part after model", [][2]string{{"manifest", string(manifest(nil))}, {"model", model}, {"notes", "x"}}, "", 400, "model", false, ""},
		{"bad json", [][2]string{{"manifest", `{"format": `}, {"model", model}}, "", 400, "manifest", false, ""},
		{"content type", nil, "application/json", 415, "Content-Type", false, ""},
	} {
		b, ct := body(tc.parts...)
		if tc.ctype != "" {
			ct = tc.ctype
		}
		a := e.do("POST", "/api/v1/submissions", b, ct, e.token)
		if a.code != tc.code || a.js["field"] != tc.field {
			t.Errorf("%s: %d %s, want %d naming %s", tc.name, a.code, a.body, tc.code, tc.field)
		}
	}
	// Query parameters of the views.
	for _, tc := range []struct{ path, field string }{
		{"/boards/imagenet?sort=colour", "sort"},
		{"/boards/imagenet.json?order=up", "order"},
		{"/boards/imagenet.csv?max_fpo=lots", "max_fpo"},
		{"/boards/imagenet?max_kwh=-1", "max_kwh"},
		{"/boards/imagenet.json?max_hours=0", "max_hours"},
		{"/boards/imagenet.json?limit=0", "limit"},
		{"/boards/imagenet.json?hide_flagged=maybe", "hide_flagged"},
		{"/boards/imagenet.json?colour=green", "colour"},
		{"/boards/imagenet.json?format=csv", "format"}, // the format is the path's suffix; a parameter would be ignored
		{"/boards/imagenet/pareto.svg?sort=x", "sort"},
	} {
		a := e.get(tc.path)
		if a.code != 400 || (strings.Contains(tc.path, ".json") && a.js["field"] != tc.field) || !strings.Contains(a.body, tc.field) {
			t.Errorf("GET %s: %d %s, want 400 naming %s", tc.path, a.code, a.body, tc.field)
		}
	}
	if n, _ := e.st.Count(context.Background(), ""); n != 0 {
		t.Errorf("%d entries stored by rejected submissions", n)
	}
	ents, _ := os.ReadDir(e.srv.uploadDir())
	if len(ents) != 0 {
		t.Errorf("uploads left behind: %v", ents)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, nil)
	model := readFile(t, modelFile(t, "resnet18"))
	b := func() (io.Reader, string) {
		return body([2]string{"manifest", string(manifest(nil))}, [2]string{"model", model})
	}
	for _, tc := range []struct{ name, header string }{
		{"none", ""}, {"basic", "Basic dXNlcjpwYXNz"}, {"empty bearer", "Bearer "}, {"unknown", "Bearer gai_nottherealtoken"}, {"no prefix", "Bearer abc"},
	} {
		rd, ct := b()
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/submissions", rd)
		req.Header.Set("Content-Type", ct)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d, want 401 with WWW-Authenticate", tc.name, resp.StatusCode)
		}
	}
	// A revoked token stops working at once.
	if err := e.st.RevokeToken(context.Background(), e.tokID); err != nil {
		t.Fatal(err)
	}
	rd, ct := b()
	if a := e.do("POST", "/api/v1/submissions", rd, ct, e.token); a.code != 401 {
		t.Errorf("revoked token: %d %s", a.code, a.body)
	}
	if err := e.st.RevokeToken(context.Background(), e.tokID); err == nil {
		t.Errorf("revoking twice: no error")
	}
	// Tokens are stored hashed: the secret is nowhere in the database.
	dbPath := filepath.Join(filepath.Dir(e.srv.cfg.DataDir), "board.db")
	db := readFile(t, dbPath)
	if wal, err := os.ReadFile(dbPath + "-wal"); err == nil {
		db += string(wal)
	}
	if strings.Contains(db, e.token) || strings.Contains(db, strings.TrimPrefix(e.token, board.TokenPrefix)) {
		t.Errorf("the token's secret is stored in the database")
	}
	if !strings.Contains(db, board.HashToken(e.token)) {
		t.Errorf("the token's hash is not in the database")
	}
}

func TestSizeLimits(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxModelBytes = 10000 })
	model := readFile(t, modelFile(t, "resnet18")) // 12497 bytes
	a := e.submit(manifest(nil), model)
	if a.code != 413 || a.js["field"] != "model" {
		t.Errorf("model over the limit: %d %s", a.code, a.body)
	}
	big := manifest(func(m map[string]any) { m["notes"] = strings.Repeat("x", board.MaxManifestBytes) })
	a = e.submit(big, "x")
	if a.code != 413 || a.js["field"] != "manifest" {
		t.Errorf("manifest over the limit: %d %.300s", a.code, a.body)
	}
	// A body larger than the whole request limit.
	huge := strings.Repeat("y", int(e.srv.cfg.MaxModelBytes)+board.MaxManifestBytes+2<<20)
	b, ct := body([2]string{"manifest", string(manifest(nil))}, [2]string{"model", huge})
	a = e.do("POST", "/api/v1/submissions", b, ct, e.token)
	if a.code != 413 {
		t.Errorf("request over the limit: %d %.300s", a.code, a.body)
	}
	ents, _ := os.ReadDir(e.srv.uploadDir())
	if len(ents) != 0 {
		t.Errorf("uploads left behind: %v", ents)
	}
}

func TestRateLimitAndIdempotency(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RatePerMinute, c.Burst = 1, 3 })
	model := readFile(t, modelFile(t, "resnet18"))
	man := manifest(func(m map[string]any) { m["submission_id"] = "same-id" })
	a1 := e.submit(man, model)
	a2 := e.submit(man, model)
	if a1.code != 201 || a2.code != 200 || a1.js["id"] != a2.js["id"] || a2.js["created"] != false {
		t.Fatalf("resend: %d %v / %d %v", a1.code, a1.js["id"], a2.code, a2.body)
	}
	if n, _ := e.st.Count(context.Background(), "imagenet"); n != 1 {
		t.Errorf("%d entries after a resend, want 1", n)
	}
	e.submit(manifest(nil), model)
	a := e.submit(manifest(nil), model)
	if a.code != 429 || !strings.Contains(a.body, "too many") {
		t.Errorf("over the rate: %d %s", a.code, a.body)
	}
}

func TestHostileCounts(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want string
	}{{"sleep", "longer than"}, {"hog", "more than"}} {
		t.Run(tc.mode, func(t *testing.T) {
			c := child(tc.mode)
			c.Timeout, c.MemoryBytes = 1500*time.Millisecond, 256<<20
			if tc.mode == "hog" {
				c.Timeout = 30 * time.Second
			}
			e := newEnv(t, func(cfg *Config) { cfg.Counter = c })
			start := time.Now()
			a := e.submit(manifest(nil), readFile(t, modelFile(t, "resnet18")))
			if a.code != 422 || a.js["field"] != "model" || !strings.Contains(a.body, tc.want) {
				t.Errorf("%d %s, want 422 on model saying %q", a.code, a.body, tc.want)
			}
			t.Logf("stopped after %v: %s", time.Since(start), a.js["error"])
			if h := e.get("/healthz"); h.code != 200 {
				t.Errorf("server unhealthy after a hostile count: %d", h.code)
			}
		})
	}
}

func TestSlowBody(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.UploadTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", e.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	b, ct := body([2]string{"manifest", string(manifest(nil))}, [2]string{"model", readFile(t, modelFile(t, "resnet18"))})
	fmt.Fprintf(conn, "POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", e.token, ct, b.Len())
	conn.Write(b.Bytes()[:b.Len()/2]) // then stall
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	resp, _ := io.ReadAll(conn)
	if time.Since(start) > 5*time.Second {
		t.Errorf("a stalled body held the connection for %v", time.Since(start))
	}
	if len(resp) > 0 && !strings.Contains(string(resp), "408") {
		t.Errorf("answer to a stalled body: %.200s", resp)
	}
	if n, _ := e.st.Count(context.Background(), ""); n != 0 {
		t.Errorf("a stalled submission was stored")
	}
}

func TestWebFormAndEscaping(t *testing.T) {
	e := newEnv(t, nil)
	model := readFile(t, modelFile(t, "resnet18"))
	evil := `<script>alert("x")</script>`
	form := [][2]string{{"token", e.token}, {"submission_id", "form-1"}, {"board", "imagenet"}, {"model_name", evil}, {"metric", "69.758"},
		{"paper", ""}, {"code", ""}, {"claimed_fpo", "7.3G"}, {"claimed_params", ""}, {"cost_spec", ""}, {"notes", evil}, {"model", model}}
	b, ct := body(form...)
	req, _ := http.NewRequest("POST", e.ts.URL+"/submit", b)
	req.Header.Set("Content-Type", ct)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/entries/") {
		t.Fatalf("form: %d %q", resp.StatusCode, loc)
	}
	page := e.get(loc)
	if strings.Contains(page.body, evil) || !strings.Contains(page.body, "&lt;script&gt;") {
		t.Errorf("the entry page does not escape the model name")
	}
	if !strings.Contains(page.body, "claim") || !strings.Contains(page.body, `id="flags"`) {
		t.Errorf("the form's claimed FPO (2× the truth) is not flagged")
	}
	if bp := e.get("/boards/imagenet"); strings.Contains(bp.body, evil) {
		t.Errorf("the board page does not escape the model name")
	}
	// Errors come back on the form, naming the field, with the input kept.
	form[0][1] = "gai_wrong"
	b, ct = body(form...)
	a := e.do("POST", "/submit", b, ct, "")
	if a.code != 401 || !strings.Contains(a.body, "unknown or revoked token") {
		t.Errorf("bad token on the form: %d", a.code)
	}
	form[0][1] = e.token
	form[1][1] = "form-2"
	form[4][1] = "lots"
	b, ct = body(form...)
	a = e.do("POST", "/submit", b, ct, "")
	if a.code != 400 || !strings.Contains(a.body, "<strong>metric</strong>") || !strings.Contains(a.body, `value="lots"`) {
		t.Errorf("bad metric on the form: %d %.2000s", a.code, a.body)
	}
}

func TestGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	st, err := board.Open(ctx, filepath.Join(dir, "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.CreateBoard(ctx, &board.Board{Name: "imagenet", Metric: "top1", Higher: true, Inputs: map[string]string{"*": "1x3x224x224"}})
	tok, _, _ := st.IssueToken(ctx, "bob")
	srv, err := New(Config{Store: st, Counter: child("slow"), DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l, 30*time.Second) }()
	b, ct := body([2]string{"manifest", string(manifest(nil))}, [2]string{"model", readFile(t, modelFile(t, "resnet18"))})
	req, _ := http.NewRequest("POST", "http://"+l.Addr().String()+"/api/v1/submissions", b)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+tok)
	got := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	time.Sleep(300 * time.Millisecond) // the count is under way
	cancel()
	if code := <-got; code != 201 {
		t.Errorf("in-flight submission during shutdown: %d, want 201", code)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if n, _ := st.Count(context.Background(), ""); n != 1 {
		t.Errorf("%d entries after shutdown, want 1", n)
	}
	if _, err := http.Get("http://" + l.Addr().String() + "/healthz"); err == nil {
		t.Errorf("the server still answers after shutdown")
	}
}

func TestSweepUploads(t *testing.T) {
	dir := t.TempDir()
	up := filepath.Join(dir, "uploads")
	os.MkdirAll(up, 0o700)
	os.WriteFile(filepath.Join(up, "model-123.part"), []byte("half"), 0o600)
	st, err := board.Open(context.Background(), filepath.Join(dir, "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := New(Config{Store: st, Counter: board.InProcess{}, DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(up); len(ents) != 0 {
		t.Errorf("partial upload not swept: %v", ents)
	}
}

// The web form takes its token as a field; a form post that sends a
// manifest part instead of the fields, and no token, is refused (it
// used to reach the store with a nil token and panic).
func TestWebFormManifestWithoutToken(t *testing.T) {
	e := newEnv(t, nil)
	model := readFile(t, modelFile(t, "resnet18"))
	b, ct := body([2]string{"manifest", string(manifest(nil))}, [2]string{"model", model})
	a := e.do("POST", "/submit", b, ct, "")
	if a.code != 401 || !strings.Contains(a.body, "token") {
		t.Errorf("form post with a manifest and no token: %d %.500s", a.code, a.body)
	}
	b, ct = body([2]string{"model", model})
	if a := e.do("POST", "/submit", b, ct, ""); a.code != 401 {
		t.Errorf("form post with only a model: %d %.500s", a.code, a.body)
	}
}
