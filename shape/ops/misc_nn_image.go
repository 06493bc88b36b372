package ops

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig formats
	_ "image/jpeg"
	_ "image/png"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/sym"
)

// ImageDecoder (20): encoded bytes → (H, W, C) uint8, C = 3 for RGB and
// BGR, 1 for Grayscale. H and W are read from the image's header when the
// bytes are known; otherwise they are fresh symbols.

func init() {
	shape.Register(shape.Op{Type: "ImageDecoder", Since: 20, Infer: inferImageDecoder})
}

func inferImageDecoder(c *shape.Ctx) error {
	x := c.Input(0)
	if x == nil {
		return errMissing(0)
	}
	if x.HasShape() && x.Rank != 1 {
		return fmt.Errorf("encoded_stream has rank %d, want 1", x.Rank)
	}
	var ch int64
	switch f := c.AttrString("pixel_format", "RGB"); f {
	case "RGB", "BGR":
		ch = 3
	case "Grayscale":
		ch = 1
	default:
		return fmt.Errorf("pixel_format %q: want RGB, BGR or Grayscale", f)
	}
	if data, ok := constBytes(c, 0); ok {
		w, h, err := imageSize(data)
		if err == nil {
			c.SetOutput(0, shape.TensorDims(onnx.Uint8, h, w, ch))
			return nil
		}
		c.Note("image size not read (%v): the decoder returns an empty or unknown image", err)
	}
	c.SetOutput(0, shape.Tensor(onnx.Uint8, c.Fresh("height"), c.Fresh("width"), sym.Const(ch)))
	return nil
}

// constBytes returns the contents of a known uint8 input as bytes.
func constBytes(c *shape.Ctx, i int) ([]byte, bool) {
	vals, ok := c.ConstInt64s(i)
	if !ok {
		return nil, false
	}
	out := make([]byte, len(vals))
	for j, v := range vals {
		out[j] = byte(v)
	}
	return out, true
}

// imageSize reads the width and height from an encoded image's header: PNG,
// JPEG and GIF (through the standard library), BMP, PNM, WebP, TIFF and
// JPEG 2000.
func imageSize(b []byte) (w, h int64, err error) {
	switch {
	case len(b) >= 2 && b[0] == 'B' && b[1] == 'M':
		return bmpSize(b)
	case len(b) >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7':
		return pnmSize(b)
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return webpSize(b)
	case len(b) >= 4 && (string(b[0:4]) == "II*\x00" || string(b[0:4]) == "MM\x00*"):
		return tiffSize(b)
	case len(b) >= 12 && string(b[4:8]) == "jP  ", len(b) >= 2 && b[0] == 0xFF && b[1] == 0x4F:
		return jp2Size(b)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	return int64(cfg.Width), int64(cfg.Height), nil
}

var errTruncated = fmt.Errorf("truncated header")

func bmpSize(b []byte) (int64, int64, error) {
	if len(b) < 26 {
		return 0, 0, errTruncated
	}
	if binary.LittleEndian.Uint32(b[14:]) == 12 { // BITMAPCOREHEADER
		return int64(binary.LittleEndian.Uint16(b[18:])), int64(binary.LittleEndian.Uint16(b[20:])), nil
	}
	w := int64(int32(binary.LittleEndian.Uint32(b[18:])))
	h := int64(int32(binary.LittleEndian.Uint32(b[22:])))
	if h < 0 {
		h = -h // top-down rows
	}
	if w < 0 {
		return 0, 0, fmt.Errorf("negative BMP width")
	}
	return w, h, nil
}

// pnmSize reads "P<n> width height" (or a PAM header's WIDTH and HEIGHT),
// skipping comments.
func pnmSize(b []byte) (int64, int64, error) {
	if b[1] == '7' {
		var w, h int64 = -1, -1
		for _, line := range bytes.Split(b, []byte("\n")) {
			f := bytes.Fields(line)
			if len(f) == 2 && string(f[0]) == "WIDTH" {
				fmt.Sscan(string(f[1]), &w)
			}
			if len(f) == 2 && string(f[0]) == "HEIGHT" {
				fmt.Sscan(string(f[1]), &h)
			}
			if len(f) == 1 && string(f[0]) == "ENDHDR" {
				break
			}
		}
		if w < 0 || h < 0 {
			return 0, 0, fmt.Errorf("PAM header without WIDTH and HEIGHT")
		}
		return w, h, nil
	}
	var nums []int64
	i := 2
	for len(nums) < 2 && i < len(b) {
		switch ch := b[i]; {
		case ch == '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case ch >= '0' && ch <= '9':
			var v int64
			for i < len(b) && b[i] >= '0' && b[i] <= '9' && v < 1<<40 {
				v = v*10 + int64(b[i]-'0')
				i++
			}
			nums = append(nums, v)
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f':
			i++
		default:
			return 0, 0, fmt.Errorf("bad PNM header")
		}
	}
	if len(nums) < 2 {
		return 0, 0, errTruncated
	}
	return nums[0], nums[1], nil
}

func webpSize(b []byte) (int64, int64, error) {
	need := map[string]int{"VP8 ": 30, "VP8L": 25, "VP8X": 30}[string(b[12:min(16, len(b))])]
	if need == 0 {
		return 0, 0, fmt.Errorf("unknown WebP chunk %q", b[12:min(16, len(b))])
	}
	if len(b) < need {
		return 0, 0, errTruncated
	}
	switch string(b[12:16]) {
	case "VP8 ":
		return int64(binary.LittleEndian.Uint16(b[26:]) & 0x3fff), int64(binary.LittleEndian.Uint16(b[28:]) & 0x3fff), nil
	case "VP8L":
		v := binary.LittleEndian.Uint32(b[21:])
		return int64(v&0x3fff) + 1, int64(v>>14&0x3fff) + 1, nil
	default: // VP8X
		w := uint32(b[24]) | uint32(b[25])<<8 | uint32(b[26])<<16
		h := uint32(b[27]) | uint32(b[28])<<8 | uint32(b[29])<<16
		return int64(w) + 1, int64(h) + 1, nil
	}
}

// tiffSize reads ImageWidth (256) and ImageLength (257) from the first IFD.
func tiffSize(b []byte) (int64, int64, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if b[0] == 'M' {
		bo = binary.BigEndian
	}
	if len(b) < 8 {
		return 0, 0, errTruncated
	}
	off := int64(bo.Uint32(b[4:]))
	if off+2 > int64(len(b)) {
		return 0, 0, errTruncated
	}
	n := int64(bo.Uint16(b[off:]))
	var w, h int64 = -1, -1
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > int64(len(b)) {
			return 0, 0, errTruncated
		}
		tag, typ := bo.Uint16(b[e:]), bo.Uint16(b[e+2:])
		var v int64
		switch typ {
		case 3: // SHORT
			v = int64(bo.Uint16(b[e+8:]))
		case 4: // LONG
			v = int64(bo.Uint32(b[e+8:]))
		default:
			continue
		}
		switch tag {
		case 256:
			w = v
		case 257:
			h = v
		}
	}
	if w < 0 || h < 0 {
		return 0, 0, fmt.Errorf("TIFF without ImageWidth and ImageLength")
	}
	return w, h, nil
}

// jp2Size reads a JP2 file's ihdr box or a raw codestream's SIZ marker.
func jp2Size(b []byte) (int64, int64, error) {
	if b[0] == 0xFF { // codestream: FF4F FF51 Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz
		if len(b) < 24 || b[2] != 0xFF || b[3] != 0x51 {
			return 0, 0, errTruncated
		}
		be := binary.BigEndian
		xs, ys, xo, yo := be.Uint32(b[8:]), be.Uint32(b[12:]), be.Uint32(b[16:]), be.Uint32(b[20:])
		if xo > xs || yo > ys {
			return 0, 0, fmt.Errorf("bad SIZ marker")
		}
		return int64(xs - xo), int64(ys - yo), nil
	}
	i := bytes.Index(b, []byte("ihdr"))
	if i < 0 || i+12 > len(b) {
		return 0, 0, fmt.Errorf("JP2 without ihdr box")
	}
	return int64(binary.BigEndian.Uint32(b[i+8:])), int64(binary.BigEndian.Uint32(b[i+4:])), nil
}
