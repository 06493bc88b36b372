package fileerr

import (
	"errors"
	"testing"
)

func TestFormat(t *testing.T) {
	kind := errors.New("bad shape")
	for _, tc := range []struct {
		offset      int64
		key, tensor string
		detail      string
		want        string
	}{
		{-1, "", "", "", `m.gguf: bad shape`},
		{12, "", "", "dims overflow", `m.gguf at byte 12: bad shape: dims overflow`},
		{-1, "llama.block_count", "", "want an integer", `m.gguf: key "llama.block_count": bad shape: want an integer`},
		{40, "", "blk.0.attn_q.weight", "x", `m.gguf at byte 40: tensor "blk.0.attn_q.weight": bad shape: x`},
	} {
		if got := Format("m.gguf", tc.offset, tc.key, tc.tensor, kind, tc.detail); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}
