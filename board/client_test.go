package board

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An error answer that is not the server's JSON (a proxy's HTML page) is
// quoted, but only its start; an empty one says so.
func TestSubmitForeignErrorAnswer(t *testing.T) {
	page := "<html><body>" + strings.Repeat("Not Found. ", 1000) + "</body></html>"
	empty := false
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		if !empty {
			w.Write([]byte(page))
		}
	}))
	defer ts.Close()
	model := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(model, []byte("model"), 0o644); err != nil {
		t.Fatal(err)
	}
	man := &Manifest{Format: BundleFormat, Version: BundleVersion, SubmissionID: "s1", Board: "b", Model: "m", Metrics: map[string]float64{"top1": 1}}
	_, err := Submit(context.Background(), ts.Client(), ts.URL, "tok", man, model)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 404 || !strings.HasPrefix(ae.Msg, "<html><body>Not Found.") || len(ae.Msg) > maxForeignAnswer+10 {
		t.Errorf("HTML 404: %v", err)
	}
	empty = true
	_, err = Submit(context.Background(), ts.Client(), ts.URL, "tok", man, model)
	if !errors.As(err, &ae) || ae.Msg != "an empty answer" {
		t.Errorf("empty 404: %v", err)
	}
}
