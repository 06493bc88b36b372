package ops

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// nnTestImages returns headers (or whole files) of 5×3 images in every
// format ImageDecoder reads sizes from.
func nnTestImages() map[string][]byte {
	img := image.NewRGBA(image.Rect(0, 0, 5, 3))
	out := map[string][]byte{}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	out["png"] = append([]byte(nil), b.Bytes()...)
	b.Reset()
	_ = jpeg.Encode(&b, img, nil)
	out["jpeg"] = append([]byte(nil), b.Bytes()...)
	b.Reset()
	_ = gif.Encode(&b, img, nil)
	out["gif"] = append([]byte(nil), b.Bytes()...)

	le, be := binary.LittleEndian, binary.BigEndian
	bmp := make([]byte, 54)
	copy(bmp, "BM")
	le.PutUint32(bmp[14:], 40)
	le.PutUint32(bmp[18:], 5)
	le.PutUint32(bmp[22:], uint32(0xFFFFFFFD)) // -3: top-down
	out["bmp"] = bmp
	core := make([]byte, 26)
	copy(core, "BM")
	le.PutUint32(core[14:], 12)
	le.PutUint16(core[18:], 5)
	le.PutUint16(core[20:], 3)
	out["bmp core"] = core

	out["ppm"] = []byte("P6\n# a comment\n5 3\n255\n")
	out["pgm ascii"] = []byte("P2 5\t3 255 0 0 0")
	out["pam"] = []byte("P7\nWIDTH 5\nHEIGHT 3\nDEPTH 3\nMAXVAL 255\nENDHDR\n")

	riff := func(chunk string, payload []byte) []byte {
		w := []byte("RIFF\x00\x00\x00\x00WEBP" + chunk + "\x00\x00\x00\x00")
		return append(w, payload...)
	}
	vp8 := make([]byte, 10)
	copy(vp8[3:], "\x9d\x01\x2a")
	le.PutUint16(vp8[6:], 5)
	le.PutUint16(vp8[8:], 3)
	out["webp lossy"] = riff("VP8 ", vp8)
	vp8l := make([]byte, 5)
	vp8l[0] = 0x2f
	le.PutUint32(vp8l[1:], 4|2<<14)
	out["webp lossless"] = append(riff("VP8L", vp8l), 0)
	vp8x := make([]byte, 10)
	vp8x[4], vp8x[7] = 4, 2
	out["webp extended"] = riff("VP8X", vp8x)

	for _, order := range []binary.ByteOrder{le, be} {
		tif := make([]byte, 8+2+3*12)
		if order == le {
			copy(tif, "II*\x00")
		} else {
			copy(tif, "MM\x00*")
		}
		order.PutUint32(tif[4:], 8)
		order.PutUint16(tif[8:], 3)
		e := tif[10:]
		order.PutUint16(e[0:], 256) // ImageWidth, SHORT
		order.PutUint16(e[2:], 3)
		order.PutUint16(e[8:], 5)
		order.PutUint16(e[12:], 257) // ImageLength, LONG
		order.PutUint16(e[14:], 4)
		order.PutUint32(e[20:], 3)
		order.PutUint16(e[24:], 277) // SamplesPerPixel
		order.PutUint16(e[26:], 3)
		order.PutUint16(e[32:], 3)
		out["tiff "+order.String()] = tif
	}

	cs := make([]byte, 24)
	copy(cs, "\xff\x4f\xff\x51")
	be.PutUint32(cs[8:], 7)
	be.PutUint32(cs[12:], 4)
	be.PutUint32(cs[16:], 2)
	be.PutUint32(cs[20:], 1)
	out["j2k codestream"] = cs
	jp2 := []byte("\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x2dihdr")
	jp2 = be.AppendUint32(jp2, 3)
	jp2 = be.AppendUint32(jp2, 5)
	out["jp2"] = jp2
	return out
}

func TestImageSizeErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":          nil,
		"short bmp":      []byte("BM12"),
		"short pnm":      []byte("P6 5"),
		"bad pnm":        []byte("P6 x"),
		"pam":            []byte("P7\nWIDTH 5\nENDHDR\n"),
		"webp chunk":     []byte("RIFF\x00\x00\x00\x00WEBPABCD" + string(make([]byte, 20))),
		"short webp":     []byte("RIFF\x00\x00\x00\x00WEBPVP8 "),
		"short tiff":     []byte("II*\x00\xff\x00\x00\x00"),
		"tiff no size":   []byte("II*\x00\x08\x00\x00\x00\x00\x00"),
		"tiff entries":   []byte("II*\x00\x08\x00\x00\x00\x05\x00"),
		"j2k":            []byte("\xff\x4f\xff\x51\x00"),
		"jp2 without ih": []byte("\x00\x00\x00\x0cjP  \r\n\x87\n"),
	} {
		if w, h, err := imageSize(b); err == nil {
			t.Errorf("%s: size %dx%d, want an error", name, w, h)
		}
	}
}
