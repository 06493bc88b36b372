package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/greenai/greenai/board"
	"github.com/greenai/greenai/board/demo"
)

// torchvisionModels lists the ImageNet classifiers in testdata/models
// exported at 1×3×224×224, with their published top-1 (from the .json
// beside each export).
func torchvisionModels(t testing.TB) []demo.Model {
	dir := filepath.Join("..", "..", "testdata", "models")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []demo.Model
	for _, f := range files {
		var d struct {
			Name    string   `json:"name"`
			Top1    *float64 `json:"acc@1"`
			Dataset string   `json:"dataset"`
			Weights string   `json:"weights"`
			Input   struct {
				Shape []int `json:"shape"`
			} `json:"input"`
		}
		data, _ := os.ReadFile(f)
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if d.Top1 == nil || d.Dataset != "ImageNet-1K" || fmt.Sprint(d.Input.Shape) != "[1 3 224 224]" {
			continue
		}
		out = append(out, demo.Model{Name: d.Name, Top1: *d.Top1, Weights: d.Weights})
	}
	if len(out) < 20 {
		t.Fatalf("only %d torchvision ImageNet models in %s", len(out), dir)
	}
	return out
}

func findChromium(t *testing.T) string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("GREENAI_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium found and GREENAI_REQUIRE_BROWSER=1 (scripts/test.sh installs Debian's chromium)")
	}
	t.Skip("no Chromium (apt-get install chromium); scripts/test.sh requires it")
	return ""
}

// TestBrowser drives a real Chromium through the DevTools protocol: a
// board seeded with the torchvision models, sorted by FPO, an entry
// opened, the Pareto front checked, and a submission through the web form.
func TestBrowser(t *testing.T) {
	chrome := findChromium(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := board.Open(ctx, filepath.Join(dir, "board.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := demo.Board()
	token, n, err := demo.Seed(ctx, st, board.InProcess{}, b, os.DirFS(filepath.Join("..", "..", "testdata", "models")), torchvisionModels(t))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, Counter: child("count"), DataDir: filepath.Join(dir, "data"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		CacheTTL: time.Hour}) // only the submission itself can refresh the board's pages
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	// The expected order and front, computed here independently.
	entries, _ := st.Entries(ctx, b.Name)
	if len(entries) != n {
		t.Fatalf("%d entries, seeded %d", len(entries), n)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Counted.FPO < entries[j].Counted.FPO })
	var byFPO, front []string
	for _, e := range entries {
		byFPO = append(byFPO, e.Model)
		dominated := false
		for _, o := range entries {
			if o != e && o.Counted.FPO <= e.Counted.FPO && o.Metric >= e.Metric && (o.Counted.FPO < e.Counted.FPO || o.Metric > e.Metric) {
				dominated = true
			}
		}
		if !dominated {
			front = append(front, e.Model)
		}
	}
	t.Logf("front: %v", front)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(filepath.Join(dir, "chrome")))
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	// The first action starts the browser (with no timeout on its context).
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tctx, cancelT := context.WithTimeout(bctx, 90*time.Second)
	defer cancelT()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	rowModels := func() []string {
		return evalJS[[]string](t, tctx, `Array.from(document.querySelectorAll("#entries tbody tr")).map(r => r.dataset.model)`)
	}

	// The board, sorted by metric: the best first.
	do("open the board", chromedp.Navigate(ts.URL+"/boards/"+b.Name), chromedp.WaitVisible(chromedp.CSS("#entries")))
	top := entries[0]
	for _, e := range entries {
		if e.Metric > top.Metric {
			top = e
		}
	}
	if ms := rowModels(); len(ms) != n || ms[0] != top.Model {
		t.Errorf("by metric: %v (want %d rows, %s first)", ms, n, top.Model)
	}
	// Sort by FPO in the page (JavaScript) by clicking the header.
	do("sort by FPO", chromedp.Click(chromedp.CSS(`th[data-key="fpo"]`)))
	if ms := rowModels(); strings.Join(ms, " ") != strings.Join(byFPO, " ") {
		t.Errorf("sorted by FPO in the page:\n got %v\nwant %v", ms, byFPO)
	}
	// And on the server (the header link, what works without JavaScript).
	do("sort by FPO on the server", chromedp.Navigate(ts.URL+"/boards/"+b.Name+"?sort=fpo"), chromedp.WaitVisible(chromedp.CSS("#entries")))
	if ms := rowModels(); strings.Join(ms, " ") != strings.Join(byFPO, " ") {
		t.Errorf("sorted by FPO on the server:\n got %v\nwant %v", ms, byFPO)
	}
	// The Pareto front: the listed models, the rows marked, the others grey.
	listed := evalJS[[]string](t, tctx, `Array.from(document.querySelectorAll(".front-model")).map(e => e.textContent)`)
	marked := evalJS[[]string](t, tctx, `Array.from(document.querySelectorAll("#entries tr.front")).map(r => r.dataset.model)`)
	grey := evalJS[string](t, tctx, `getComputedStyle(document.querySelector("#entries tr.dominated td")).color`)
	black := evalJS[string](t, tctx, `getComputedStyle(document.querySelector("#entries tr.front td")).color`)
	if strings.Join(listed, " ") != strings.Join(front, " ") || strings.Join(marked, " ") != strings.Join(front, " ") {
		t.Errorf("Pareto front:\n listed %v\n marked %v\n  want %v", listed, marked, front)
	}
	if grey == black {
		t.Errorf("dominated rows are not greyed out (both %s)", grey)
	}
	w, err := chromedp.Run(tctx, chromedp.Poll[int](`document.querySelector("#pareto").complete && document.querySelector("#pareto").naturalWidth`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || w == 0 {
		t.Errorf("the Pareto plot did not load: %v", err)
	}
	// A budget: the best under 1 GFPO per inference.
	do("budget", chromedp.Navigate(ts.URL+"/boards/"+b.Name), chromedp.WaitVisible(chromedp.CSS("#max_fpo")),
		chromedp.SendKeys(chromedp.CSS("#max_fpo"), "1G"), chromedp.Submit(chromedp.CSS("#max_fpo")), chromedp.WaitVisible(chromedp.CSS("#best")))
	best := text("#best")
	wantBest, bestTop1 := "", -1.0
	for _, e := range entries {
		if e.Counted.FPO <= 1e9 && e.Metric > bestTop1 {
			wantBest, bestTop1 = e.Model, e.Metric
		}
	}
	if !strings.Contains(best, wantBest) {
		t.Errorf("best under 1 GFPO: %q, want %s", best, wantBest)
	}

	// Open an entry from the table.
	do("open an entry", chromedp.Navigate(ts.URL+"/boards/"+b.Name), chromedp.WaitVisible(chromedp.CSS("#entries")),
		chromedp.Click(chromedp.CSS(`tr[data-model="resnet50"] td a`)), chromedp.WaitVisible(chromedp.CSS("#card")))
	title, card := text("#model"), text("#card")
	if title != "resnet50" || !strings.Contains(card, "FPO per inference") || !strings.Contains(card, "counted by the server") || !strings.Contains(card, "80.858") {
		t.Errorf("entry page: %q\n%s", title, card)
	}
	if ops := evalJS[int](t, tctx, `document.querySelectorAll("#ops tbody tr").length`); ops < 5 {
		t.Errorf("operator breakdown has %d rows", ops)
	}

	// Submit through the web form, claiming twice the true FPO.
	model, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "models", "resnet18.onnx"))
	truth, err := board.Count(board.CountRequest{Model: model, Inputs: b.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	do("submit through the form", chromedp.Navigate(ts.URL+"/submit?board="+b.Name), chromedp.WaitVisible(chromedp.CSS("#submit-form")),
		chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.SendKeys(chromedp.CSS("#model_name"), "resnet18-form"),
		chromedp.SendKeys(chromedp.CSS("#metric"), "69.758"), chromedp.SendKeys(chromedp.CSS("#claimed_fpo"), fmt.Sprintf("%.0f", 2*truth.FPO)),
		chromedp.SetUploadFiles(chromedp.CSS("#model"), []string{model}), chromedp.Click(chromedp.CSS("#send")),
		chromedp.WaitVisible(chromedp.CSS("#flags")))
	flags := text("#flags")
	if !strings.Contains(flags, qty(2*truth.FPO, "")) || !strings.Contains(flags, qty(truth.FPO, "")) {
		t.Errorf("flags after the form: %q, want %s and %s", flags, qty(2*truth.FPO, ""), qty(truth.FPO, ""))
	}
	if url, _ := chromedp.Run(tctx, chromedp.Location()); !strings.Contains(url, "/entries/") {
		t.Errorf("after the form: at %s", url)
	}
	if c, _ := st.Count(ctx, b.Name); c != n+1 {
		t.Errorf("%d entries after the form, want %d", c, n+1)
	}
	// Back to the board: the new entry is there at once (the pages were
	// cached before the submission, and would be kept for an hour).
	do("back to the board", chromedp.Click(chromedp.CSS(".crumbs a")), chromedp.WaitVisible(chromedp.CSS("#entries")))
	if got := evalJS[int](t, tctx, `document.querySelectorAll('#entries tr[data-model="resnet18-form"]').length`); got != 1 {
		t.Errorf("the board shows the form's entry %d times right after it, want once", got)
	}
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
