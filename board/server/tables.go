package server

import (
	"strings"

	"github.com/greenai/greenai/report"
)

// tableView is a report.Table for the "rtable" template: the pages show
// the tables package report builds for the command line (the same cells,
// so the same numbers), as HTML.
type tableView struct {
	ID, Class, Caption string
	Header             []cellView
	Rows               [][]cellView
	Notes              []string
}

type cellView struct {
	Text, Raw string
	Num       bool
}

func htmlTable(id, class string, t *report.Table) *tableView {
	v := &tableView{ID: id, Class: class, Caption: t.Caption, Notes: t.Notes}
	num := func(i int) bool { return i < len(t.Align) && t.Align[i] == 'r' && i > 0 }
	for i, h := range t.Header {
		v.Header = append(v.Header, cellView{Text: h, Num: num(i)})
	}
	for _, r := range t.Rows {
		var row []cellView
		for i, c := range r {
			row = append(row, cellView{Text: strings.TrimSpace(c.Text), Raw: c.Raw, Num: num(i)})
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}
