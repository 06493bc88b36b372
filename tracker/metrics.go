package tracker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
)

// MaxMetrics caps the metric lines kept from one run.
const MaxMetrics = 100000

// readMetrics reads the JSON-lines file the command appended to: every
// line holding one JSON object is kept (compacted); other lines, such as a
// half-written last line of a killed command, are counted as skipped.
func readMetrics(path string) ([]json.RawMessage, int) {
	out := []json.RawMessage{}
	if path == "" {
		return out, 0
	}
	f, err := os.Open(path)
	if err != nil {
		return out, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	skipped := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var buf bytes.Buffer
		if line[0] != '{' || json.Compact(&buf, line) != nil {
			skipped++
			continue
		}
		if len(out) >= MaxMetrics {
			skipped++
			continue
		}
		out = append(out, json.RawMessage(buf.Bytes()))
	}
	if sc.Err() != nil {
		skipped++
	}
	return out, skipped
}
