package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/greenai/greenai/board"
)

// A submission is multipart/form-data: part "manifest" (the bundle's JSON)
// and then part "model" (the model file), in that order; see
// docs/leaderboard.md. The web form sends its fields instead of a
// manifest, with the token as field "token".

const maxFieldBytes = 64 << 10

// upload is a received model file: a temporary file, removed when the
// submission ends, whatever the outcome.
type upload struct {
	path   string
	name   string
	sha256 string
	bytes  int64
}

func (s *Server) handleAPISubmit(w http.ResponseWriter, r *http.Request) {
	tok, herr := s.bearer(r)
	if herr != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="greenai"`)
		s.mSubmission.WithLabelValues("rejected").Inc()
		s.fail(w, r, herr)
		return
	}
	e, created, err := s.receive(w, r, tok, nil)
	if err != nil {
		s.failSubmission(w, r, err)
		return
	}
	code := http.StatusCreated
	if !created {
		code = http.StatusOK
	}
	base := s.baseURL(r)
	writeJSON(w, code, map[string]any{
		"id": e.ID, "url": base + "/entries/" + e.ID, "board": e.Board, "created": created,
		"counted": map[string]any{"fpo": e.Counted.FPO, "fpo_exact": e.Counted.FPOExact, "macs": e.Counted.MACs, "params": e.Counted.Params},
		"claimed": e.Claimed, "flags": nonNilFlags(e.Flags),
	})
}

func nonNilFlags(f []board.Flag) []board.Flag {
	if f == nil {
		return []board.Flag{}
	}
	return f
}

func (s *Server) failSubmission(w http.ResponseWriter, r *http.Request, err error) {
	he := asHTTP(err, http.StatusUnprocessableEntity)
	if he.code >= 500 {
		s.mSubmission.WithLabelValues("failed").Inc()
	} else {
		s.mSubmission.WithLabelValues("rejected").Inc()
	}
	s.fail(w, r, he)
}

// bearer authenticates the request's Authorization header.
func (s *Server) bearer(r *http.Request) (*board.Token, *httpError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, &httpError{code: http.StatusUnauthorized, field: "Authorization", msg: "missing: send \"Authorization: Bearer TOKEN\" (tokens are issued by the board's admin: greenai board token issue)"}
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return nil, &httpError{code: http.StatusUnauthorized, field: "Authorization", msg: "want \"Bearer TOKEN\""}
	}
	return s.authenticate(r.Context(), strings.TrimSpace(secret))
}

func (s *Server) authenticate(ctx context.Context, secret string) (*board.Token, *httpError) {
	tok, err := s.st.Authenticate(ctx, secret)
	if errors.Is(err, board.ErrBadToken) {
		return nil, &httpError{code: http.StatusUnauthorized, field: "token", msg: "unknown or revoked token"}
	}
	if err != nil {
		return nil, &httpError{code: http.StatusServiceUnavailable, msg: "cannot check the token now: " + err.Error()}
	}
	if !s.limiter(tok.ID).Allow() {
		return nil, &httpError{code: http.StatusTooManyRequests, msg: fmt.Sprintf("too many submissions with this token (at most %g a minute, bursts of %d); retry later", s.cfg.RatePerMinute, s.cfg.Burst)}
	}
	return tok, nil
}

// receive reads, counts and stores one submission. With tok nil (the web
// form), the token comes as the form's first field. form, when not nil,
// collects the form's fields (to show them again after an error).
func (s *Server) receive(w http.ResponseWriter, r *http.Request, tok *board.Token, form map[string]string) (*board.Entry, bool, error) {
	if s.closing.Load() {
		return nil, false, &httpError{code: http.StatusServiceUnavailable, msg: "the server is shutting down; resend the submission (it is safe: submission ids make resending idempotent)"}
	}
	// Bodies are bounded in size and in time: a slow client cannot hold a
	// connection (and a counting slot) for ever.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.cfg.UploadTimeout))
	_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.UploadTimeout + s.cfg.CountWait + 3*time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxModelBytes+board.MaxManifestBytes+1<<20)
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" || params["boundary"] == "" {
		return nil, false, &httpError{code: http.StatusUnsupportedMediaType, field: "Content-Type", msg: "want multipart/form-data with a boundary (parts: manifest, then model)"}
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var man *board.Manifest
	var b *board.Board
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, bodyError(err, "multipart body")
		}
		name := part.FormName()
		switch {
		case name == "model":
			// The web form's token is a field before the model; whatever
			// else came first, nothing goes on without one.
			if tok == nil {
				return nil, false, &httpError{code: http.StatusUnauthorized, field: "token", msg: "missing: the form's token field"}
			}
			if man == nil {
				if form == nil {
					return nil, false, badRequest("manifest", "missing: the manifest part must come before the model part")
				}
				// The web form's metric is the chosen board's.
				if fb, err := s.st.Board(r.Context(), strings.TrimSpace(fields["board"])); err == nil && strings.TrimSpace(fields["metric_name"]) == "" {
					fields["metric_name"] = fb.Metric
				}
				if man, err = manifestFromForm(fields); err != nil {
					return nil, false, asHTTP(err, http.StatusBadRequest)
				}
			}
			if b, err = s.st.Board(r.Context(), man.Board); err != nil {
				if errors.Is(err, board.ErrNotFound) {
					return nil, false, &httpError{code: http.StatusNotFound, field: "board", msg: fmt.Sprintf("no board %q", man.Board)}
				}
				return nil, false, err
			}
			if err := man.CheckAgainst(b); err != nil {
				return nil, false, err
			}
			// A resent submission is answered with its entry, uncounted.
			if old, err := s.st.EntryBySubmission(r.Context(), tok.ID, man.SubmissionID); err == nil {
				s.mSubmission.WithLabelValues("duplicate").Inc()
				return old, false, nil
			} else if !errors.Is(err, board.ErrNotFound) {
				return nil, false, err
			}
			up, err := s.saveUpload(part, man.ModelFile.Name)
			if up != nil {
				defer os.Remove(up.path)
			}
			if err != nil {
				return nil, false, err
			}
			// Nothing may follow the model.
			if _, err := mr.NextPart(); err != io.EOF {
				if err == nil {
					return nil, false, badRequest("model", "the model must be the last part")
				}
				return nil, false, bodyError(err, "multipart body")
			}
			return s.commit(r.Context(), tok, man, b, up)
		case name == "manifest":
			if man != nil {
				return nil, false, badRequest("manifest", "sent twice")
			}
			data, err := readPart(part, board.MaxManifestBytes, "manifest")
			if err != nil {
				return nil, false, err
			}
			if man, err = board.ParseManifest(data); err != nil {
				return nil, false, asHTTP(err, http.StatusBadRequest)
			}
		case name == "":
			return nil, false, badRequest("multipart body", "a part without a form name")
		default:
			if len(fields) > 32 {
				return nil, false, badRequest(name, "too many form fields")
			}
			if form == nil {
				return nil, false, badRequest(name, "unknown part (want manifest, then model)")
			}
			data, err := readPart(part, maxFieldBytes, name)
			if err != nil {
				return nil, false, err
			}
			fields[name] = string(data)
			form[name] = string(data)
			if name == "token" && tok == nil {
				t, herr := s.authenticate(r.Context(), strings.TrimSpace(string(data)))
				if herr != nil {
					return nil, false, herr
				}
				tok = t
			}
		}
	}
	if man == nil && form == nil {
		return nil, false, badRequest("manifest", "missing part")
	}
	if tok == nil {
		return nil, false, &httpError{code: http.StatusUnauthorized, field: "token", msg: "missing"}
	}
	return nil, false, badRequest("model", "missing part: the model file (ONNX, config.json or GGUF)")
}

func bodyError(err error, what string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &httpError{code: http.StatusRequestEntityTooLarge, field: what, msg: fmt.Sprintf("the request is larger than %d bytes", mbe.Limit)}
	}
	if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() || strings.Contains(err.Error(), "timeout") {
		return &httpError{code: http.StatusRequestTimeout, field: what, msg: "the request body was not received in time"}
	}
	return badRequest(what, "cannot read: "+err.Error())
}

func readPart(p *multipart.Part, max int64, field string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(p, max+1))
	if err != nil {
		return nil, bodyError(err, field)
	}
	if int64(len(data)) > max {
		return nil, &httpError{code: http.StatusRequestEntityTooLarge, field: field, msg: fmt.Sprintf("larger than %d bytes", max)}
	}
	return data, nil
}

// saveUpload streams the model part to a temporary file, hashing it on
// the way; it never holds the file in memory.
func (s *Server) saveUpload(p *multipart.Part, name string) (*upload, error) {
	f, err := os.CreateTemp(s.uploadDir(), "model-*.part")
	if err != nil {
		return nil, fmt.Errorf("store upload: %w", err)
	}
	up := &upload{path: f.Name(), name: name}
	if up.name == "" {
		up.name = p.FileName()
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(p, s.cfg.MaxModelBytes+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("store upload: %w", cerr)
	}
	if err != nil {
		return up, bodyError(err, "model")
	}
	if n > s.cfg.MaxModelBytes {
		return up, &httpError{code: http.StatusRequestEntityTooLarge, field: "model", msg: fmt.Sprintf("the model file is larger than this server's limit of %d bytes", s.cfg.MaxModelBytes)}
	}
	if n == 0 {
		return up, badRequest("model", "empty file")
	}
	up.bytes, up.sha256 = n, hex.EncodeToString(h.Sum(nil))
	return up, nil
}

// commit counts the upload and stores the entry in one transaction.
func (s *Server) commit(ctx context.Context, tok *board.Token, man *board.Manifest, b *board.Board, up *upload) (*board.Entry, bool, error) {
	if man.ModelFile.SHA256 != "" && man.ModelFile.SHA256 != up.sha256 {
		return nil, false, &httpError{code: http.StatusUnprocessableEntity, field: "model_file.sha256", msg: fmt.Sprintf("the manifest says %s but the received file hashes to %s", man.ModelFile.SHA256, up.sha256)}
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CountWait+5*time.Minute)
	defer cancel()
	start := time.Now()
	counted, err := s.pool.Count(cctx, board.CountRequest{Model: up.path, Format: man.ModelFile.Format, Inputs: b.Inputs, Dims: b.Dims, Spec: man.CostSpec})
	s.mCount.Observe(time.Since(start).Seconds())
	if err != nil {
		var fe *board.FieldError
		if errors.As(err, &fe) {
			return nil, false, &httpError{code: http.StatusUnprocessableEntity, field: fe.Field, msg: fe.Msg}
		}
		if ctx.Err() != nil {
			return nil, false, &httpError{code: http.StatusRequestTimeout, msg: "the client went away"}
		}
		return nil, false, err
	}
	e := board.NewEntry(man, b, tok, board.ModelFile{Name: up.name, Format: counted.Format, SHA256: up.sha256, Bytes: up.bytes}, counted, time.Now())
	stored, created, err := s.st.AddEntry(ctx, e, tok.ID)
	if err != nil {
		return nil, false, err
	}
	if created {
		s.showNewEntry(ctx, e.Board)
		s.mSubmission.WithLabelValues("created").Inc()
		s.log.Info("entry created", "id", e.ID, "board", e.Board, "model", e.Model, "submitter", e.Submitter, "token", tok.ID, "fpo", counted.FPO, "flags", len(e.Flags))
	} else {
		s.mSubmission.WithLabelValues("duplicate").Inc()
	}
	return stored, created, nil
}

// showNewEntry marks the board's cached pages (and the index) stale and
// waits, a few seconds at most, for them to be rendered again, so that the
// submitter's next read shows the new entry. Readers meanwhile get the
// previous pages; one refresh round serves any number of submissions.
func (s *Server) showNewEntry(ctx context.Context, boardName string) {
	all := s.cache.invalidate("")
	gen := s.cache.invalidate(boardName)
	wctx, cancel := context.WithTimeout(ctx, freshWait)
	defer cancel()
	if s.cache.waitFresh(wctx, boardName, gen) != nil || s.cache.waitFresh(wctx, "", all) != nil {
		s.log.Warn("the board's pages were not re-rendered in time; the new entry shows on a later read", "board", boardName, "wait", freshWait)
	}
}

// freshWait bounds how long a submission's answer waits for its board's
// pages to show it.
const freshWait = 5 * time.Second

// manifestFromForm builds a manifest from the web form's fields.
func manifestFromForm(f map[string]string) (*board.Manifest, error) {
	m := &board.Manifest{Format: board.BundleFormat, Version: board.BundleVersion, SubmissionID: strings.TrimSpace(f["submission_id"]),
		Board: strings.TrimSpace(f["board"]), Model: strings.TrimSpace(f["model_name"]), Paper: strings.TrimSpace(f["paper"]),
		Code: strings.TrimSpace(f["code"]), Notes: strings.TrimSpace(f["notes"]), Metrics: map[string]float64{}}
	if mk := strings.TrimSpace(f["metric_name"]); mk != "" || strings.TrimSpace(f["metric"]) != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(f["metric"]), 64)
		if err != nil {
			return nil, badRequest("metric", fmt.Sprintf("%q is not a number", f["metric"]))
		}
		m.Metrics[mk] = v
	}
	for _, c := range []struct {
		key string
		dst *float64
	}{{"claimed_fpo", &m.Claimed.FPO}, {"claimed_params", &m.Claimed.Params}} {
		if s := strings.TrimSpace(f[c.key]); s != "" {
			v, err := board.ParseQuantity(s)
			if err != nil {
				return nil, badRequest(c.key, fmt.Sprintf("%q is not a number", s))
			}
			*c.dst = v
		}
	}
	if s := strings.TrimSpace(f["cost_spec"]); s != "" {
		if !json.Valid([]byte(s)) {
			return nil, badRequest("cost_spec", "not valid JSON (paste the spec as JSON, e.g. greenai cost's --json input)")
		}
		m.CostSpec = json.RawMessage(s)
	}
	for _, k := range []string{"token", "submission_id", "board", "model_name", "metric_name", "metric", "paper", "code", "notes", "claimed_fpo", "claimed_params", "cost_spec"} {
		delete(f, k)
	}
	for k := range f {
		return nil, badRequest(k, "unknown form field")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Server) handleSubmitForm(w http.ResponseWriter, r *http.Request) {
	boards, err := s.st.Boards(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sel := r.URL.Query().Get("board")
	s.render(w, r, "submit", http.StatusOK, map[string]any{"Title": "Submit", "Boards": boards, "Selected": sel, "Form": map[string]string{"submission_id": newSubmissionID()}})
}

func newSubmissionID() string { return board.NewEntryID(time.Now()) }

func (s *Server) handleSubmitFormPost(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{}
	e, _, err := s.receive(w, r, nil, form)
	if err != nil {
		he := asHTTP(err, http.StatusUnprocessableEntity)
		if he.code >= 500 {
			s.failSubmission(w, r, err)
			return
		}
		s.mSubmission.WithLabelValues("rejected").Inc()
		boards, _ := s.st.Boards(r.Context())
		delete(form, "token")
		if form["submission_id"] == "" {
			form["submission_id"] = newSubmissionID()
		}
		s.render(w, r, "submit", he.code, map[string]any{"Title": "Submit", "Boards": boards, "Selected": form["board"], "Form": form, "Err": he.view()})
		return
	}
	http.Redirect(w, r, "/entries/"+e.ID, http.StatusSeeOther)
}
