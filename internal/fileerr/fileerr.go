// Package fileerr formats the named errors of the weights-header readers (gguf, safetensors): the file, where in it, what, and why.
package fileerr

import (
	"fmt"
	"strings"
)

// Format is "FILE[ at byte N][: key "K"][: tensor "T"]: KIND[: DETAIL]";
// offset < 0, key "" and tensor "" leave their part out.
func Format(file string, offset int64, key, tensor string, kind error, detail string) string {
	var b strings.Builder
	b.WriteString(file)
	if offset >= 0 {
		fmt.Fprintf(&b, " at byte %d", offset)
	}
	if key != "" {
		fmt.Fprintf(&b, ": key %q", key)
	}
	if tensor != "" {
		fmt.Fprintf(&b, ": tensor %q", tensor)
	}
	b.WriteString(": ")
	b.WriteString(kind.Error())
	if detail != "" {
		b.WriteString(": ")
		b.WriteString(detail)
	}
	return b.String()
}
