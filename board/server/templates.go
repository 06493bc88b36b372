package server

import (
	"html/template"
	"strings"
)

var funcs = template.FuncMap{
	"qty":    qty,
	"small":  small,
	"metric": metric,
	"exact":  exact,
	"join":   strings.Join,
}

func parseTemplates() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, page := range []string{"index", "board", "entry", "submit", "error"} {
		t, err := template.New(page).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return nil, err
		}
		out[page] = t
	}
	return out, nil
}
