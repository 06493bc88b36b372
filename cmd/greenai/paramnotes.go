package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/greenai/greenai/params"
)

// printParamNotes prints how the parameter headline relates to the stored
// tensors (params.Stats.Notes), wrapped to 80 columns.
func printParamNotes(w io.Writer, ps *params.Stats) {
	notes := ps.Notes()
	if len(notes) == 0 {
		return
	}
	fmt.Fprintln(w, "\nParams notes")
	for _, n := range notes {
		line := " "
		for _, word := range strings.Fields(n) {
			if len(line) > 2 && len([]rune(line))+1+len([]rune(word)) > 78 {
				fmt.Fprintln(w, line)
				line = "   "
			}
			line += " " + word
		}
		fmt.Fprintln(w, line)
	}
}
