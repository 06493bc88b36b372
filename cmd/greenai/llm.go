package main

import (
	"strconv"
	"strings"
)

// dimBindings turns --dim name=value flags (already validated) into a map.
func dimBindings(dims []string) map[string]int64 {
	bind := map[string]int64{}
	for _, d := range dims {
		name, val, _ := strings.Cut(d, "=")
		if n, err := strconv.ParseInt(val, 10, 64); err == nil {
			bind[name] = n
		}
	}
	return bind
}
