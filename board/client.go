package board

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// HashFile returns a file's SHA-256 (hex) and size, reading it in a
// stream.
func HashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// WriteBundle writes a bundle as multipart/form-data: the manifest part,
// then the model file, streamed from disk.
func WriteBundle(mw *multipart.Writer, man *Manifest, modelPath string) error {
	js, err := json.Marshal(man)
	if err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="manifest"; filename="manifest.json"`)
	h.Set("Content-Type", "application/json")
	pw, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := pw.Write(js); err != nil {
		return err
	}
	fw, err := mw.CreateFormFile("model", filepath.Base(modelPath))
	if err != nil {
		return err
	}
	f, err := os.Open(modelPath)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(fw, f); err != nil {
		return err
	}
	return mw.Close()
}

// SubmitResult is the server's answer to a submission.
type SubmitResult struct {
	ID      string  `json:"id"`
	URL     string  `json:"url"`
	Board   string  `json:"board"`
	Created bool    `json:"created"`
	Claimed Claimed `json:"claimed"`
	Flags   []Flag  `json:"flags"`
	Counted struct {
		FPO      float64 `json:"fpo"`
		FPOExact string  `json:"fpo_exact"`
		MACs     float64 `json:"macs"`
		Params   int64   `json:"params"`
	} `json:"counted"`
}

// APIError is an error answer of the server.
type APIError struct {
	Status int
	Field  string `json:"field"`
	Msg    string `json:"error"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("server answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
}

// Submit posts a bundle to server (its base URL) with a bearer token.
// Network errors, 429 and 5xx answers are retried with the same
// submission id, which makes a resend safe (the server answers with the
// entry it made the first time).
func Submit(ctx context.Context, client *http.Client, server, token string, man *Manifest, modelPath string) (*SubmitResult, error) {
	if client == nil {
		client = http.DefaultClient
	}
	url := strings.TrimRight(server, "/") + "/api/v1/submissions"
	var last error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			d := time.Duration(500*(1<<attempt))*time.Millisecond + rand.N(250*time.Millisecond)
			select {
			case <-ctx.Done():
				return nil, errors.Join(last, ctx.Err())
			case <-time.After(d):
			}
		}
		res, retry, err := submitOnce(ctx, client, url, token, man, modelPath)
		if err == nil {
			return res, nil
		}
		last = err
		if !retry {
			return nil, err
		}
	}
	return nil, last
}

// maxForeignAnswer bounds how much of a non-JSON error answer an
// APIError quotes.
const maxForeignAnswer = 300

func submitOnce(ctx context.Context, client *http.Client, url, token string, man *Manifest, modelPath string) (*SubmitResult, bool, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() { pw.CloseWithError(WriteBundle(mw, man, modelPath)) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
	if err != nil {
		pr.Close()
		return nil, false, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		pr.Close()
		return nil, ctx.Err() == nil, fmt.Errorf("submit to %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, true, fmt.Errorf("submit to %s: reading the answer: %w", url, err)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		ae := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(body, ae) != nil || ae.Msg == "" {
			// Not a greenai answer (a proxy's HTML page, say): its
			// start is enough to tell what answered.
			ae.Msg = strings.TrimSpace(string(body))
			if len(ae.Msg) > maxForeignAnswer {
				ae.Msg = strings.ToValidUTF8(ae.Msg[:maxForeignAnswer], "") + " …"
			}
			if ae.Msg == "" {
				ae.Msg = "an empty answer"
			}
		}
		return nil, resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500, ae
	}
	var res SubmitResult
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, false, fmt.Errorf("submit to %s: the answer is not the expected JSON: %w", url, err)
	}
	return &res, false, nil
}
