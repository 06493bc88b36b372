package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/greenai/greenai/board"
)

// httpError is an error with its HTTP status and, for validation errors,
// the field at fault.
type httpError struct {
	code  int
	field string
	msg   string
}

func (e *httpError) Error() string {
	if e.field != "" {
		return e.field + ": " + e.msg
	}
	return e.msg
}

func (e *httpError) view() map[string]string {
	return map[string]string{"field": e.field, "msg": e.msg}
}

func badRequest(field, msg string) *httpError {
	return &httpError{code: http.StatusBadRequest, field: field, msg: msg}
}

// asHTTP classifies an error.
func asHTTP(err error, code int) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	var fe *board.FieldError
	if errors.As(err, &fe) {
		return &httpError{code: code, field: fe.Field, msg: fe.Msg}
	}
	if errors.Is(err, board.ErrNotFound) {
		return &httpError{code: http.StatusNotFound, msg: err.Error()}
	}
	if errors.Is(err, context.Canceled) {
		// The client went away (nginx's 499); nobody reads the answer.
		return &httpError{code: 499, msg: "client closed the request"}
	}
	return &httpError{code: http.StatusInternalServerError, msg: err.Error()}
}

func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasSuffix(r.URL.Path, ".json") ||
		strings.Contains(r.Header.Get("Accept"), "application/json")
}

// fail answers with the error as JSON ({"error", "field"}) for API
// requests, else as an HTML page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	he := asHTTP(err, http.StatusBadRequest)
	if he.code >= 500 {
		s.log.Error("request failed", "path", r.URL.Path, "error", he.msg)
		he = &httpError{code: he.code, msg: "internal error: " + he.msg}
	}
	if he.code == http.StatusTooManyRequests || he.code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "10")
	}
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r) || strings.HasSuffix(r.URL.Path, ".csv") || strings.HasSuffix(r.URL.Path, ".svg") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(he.code)
		out := map[string]string{"error": he.Error()}
		if he.field != "" {
			out["field"] = he.field
		}
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(he.code)
	_ = s.tmpl["error"].ExecuteTemplate(w, "layout", map[string]any{"Title": http.StatusText(he.code), "Code": he.code, "Err": he.view()})
}
