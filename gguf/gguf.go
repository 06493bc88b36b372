// Package gguf reads the header of GGUF model files (metadata and the tensor-info table, never the weights) and maps it to Hugging Face names and configs.
package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/greenai/greenai/internal/fileerr"
)

// Limits on what an untrusted header may make the reader allocate. Every
// count is also bounded by the bytes left in the file.
const (
	MaxTensors    = 1 << 20 // tensor-info entries (real files: hundreds to a few thousand)
	MaxKVs        = 1 << 16 // metadata key/values (real files: tens)
	MaxKeyLen     = 1 << 16 // bytes in a key or tensor name
	MaxKeptString = 1 << 24 // longer string values are skipped, not kept
	MaxKeptItems  = 1 << 12 // longer arrays keep their length, not their items
	MaxArrayDepth = 4       // arrays of arrays of …
	MaxDims       = 4       // GGML_MAX_DIMS
)

// Magic is the first four bytes of a GGUF file.
const Magic = "GGUF"

// Kinds of error; every error this package returns is an *Error whose Kind
// is one of these (test with errors.Is).
var (
	ErrMagic      = errors.New("not a GGUF file")
	ErrVersion    = errors.New("unsupported GGUF version")
	ErrTruncated  = errors.New("truncated header")
	ErrCount      = errors.New("count out of range")
	ErrString     = errors.New("bad string")
	ErrValueType  = errors.New("unknown metadata value type")
	ErrDuplicate  = errors.New("duplicate name")
	ErrDims       = errors.New("bad dimensions")
	ErrType       = errors.New("unknown tensor type")
	ErrAlignment  = errors.New("bad alignment")
	ErrPastEnd    = errors.New("tensor data past the end of the file")
	ErrOverlap    = errors.New("overlapping tensor data")
	ErrMetadata   = errors.New("bad metadata value")
	ErrMissingKey = errors.New("missing metadata key")
	ErrRead       = errors.New("cannot read")
)

// Error is a named error about a file and, where it applies, the metadata
// key or tensor it concerns and the byte offset where it was found.
type Error struct {
	File   string
	Key    string // metadata key, or ""
	Tensor string // tensor name, or ""
	Offset int64  // byte offset in the file, or -1
	Kind   error
	Detail string
}

func (e *Error) Error() string {
	return fileerr.Format(e.File, e.Offset, e.Key, e.Tensor, e.Kind, e.Detail)
}

// Unwrap lets errors.Is match the error's kind.
func (e *Error) Unwrap() error { return e.Kind }

// Value is a metadata value. Scalars set one of U, I, F, B, S; arrays set
// Elem, Len and, when Len ≤ MaxKeptItems, Items.
type Value struct {
	Type ValueType
	U    uint64
	I    int64
	F    float64
	B    bool
	S    string

	Elem      ValueType
	Len       uint64
	Items     []Value
	Truncated bool // a string longer than MaxKeptString or an array longer than MaxKeptItems was skipped
}

// Int returns an integer value (any integer type, or a bool) as an int64.
func (v *Value) Int() (int64, bool) {
	switch v.Type {
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		if v.U > math.MaxInt64 {
			return 0, false
		}
		return int64(v.U), true
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return v.I, true
	}
	return 0, false
}

// Float returns a numeric value as a float64.
func (v *Value) Float() (float64, bool) {
	switch v.Type {
	case TypeFloat32, TypeFloat64:
		return v.F, true
	}
	if i, ok := v.Int(); ok {
		return float64(i), true
	}
	return 0, false
}

func (v *Value) String() string {
	switch v.Type {
	case TypeString:
		if v.Truncated {
			return "(long string)"
		}
		return v.S
	case TypeBool:
		return fmt.Sprint(v.B)
	case TypeFloat32, TypeFloat64:
		return fmt.Sprint(v.F)
	case TypeArray:
		return fmt.Sprintf("[%d × %s]", v.Len, v.Elem)
	}
	if i, ok := v.Int(); ok {
		return fmt.Sprint(i)
	}
	return fmt.Sprint(v.U)
}

// KV is one metadata entry.
type KV struct {
	Key   string
	Value Value
}

// Tensor is one entry of the tensor-info table.
type Tensor struct {
	Name     string
	Dims     []int64 // GGUF order: Dims[0] varies fastest (PyTorch's last dimension)
	Type     Type
	Offset   int64 // relative to the start of the data section
	Elements int64
	Bytes    int64
}

// Shape is the PyTorch shape: the dims reversed.
func (t *Tensor) Shape() []int64 {
	s := make([]int64, len(t.Dims))
	for i, d := range t.Dims {
		s[len(t.Dims)-1-i] = d
	}
	return s
}

// File is a GGUF header.
type File struct {
	Path      string
	Size      int64
	Version   uint32
	BigEndian bool
	Metadata  []KV
	Tensors   []Tensor // in table order
	Alignment int64
	DataStart int64 // file offset of the data section
	// Parts are the files of a split model joined by Merge (nil for one file).
	Parts []string

	meta   map[string]int
	tensor map[string]int
}

// Get returns the metadata value of key.
func (f *File) Get(key string) (*Value, bool) {
	i, ok := f.meta[key]
	if !ok {
		return nil, false
	}
	return &f.Metadata[i].Value, true
}

// Tensor returns the tensor named name, or nil.
func (f *File) Tensor(name string) *Tensor {
	i, ok := f.tensor[name]
	if !ok {
		return nil
	}
	return &f.Tensors[i]
}

// ReadFile reads the header of the GGUF file at path. It reads the
// metadata and the tensor-info table sequentially and stops there; the
// weights are never read (a 64 kB read-ahead buffer may touch the first
// bytes after the table, which are discarded).
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Offset: -1, Kind: ErrRead, Detail: err.Error()}
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, &Error{File: path, Offset: -1, Kind: ErrRead, Detail: err.Error()}
	}
	if st.IsDir() {
		return nil, &Error{File: path, Offset: -1, Kind: ErrRead, Detail: "is a directory"}
	}
	return Read(fh, st.Size(), path)
}

// IsGGUF reports whether data starts with the GGUF magic.
func IsGGUF(prefix []byte) bool {
	return len(prefix) >= 4 && string(prefix[:4]) == Magic
}

// Read reads a GGUF header from r, a file of size bytes called name.
func Read(r io.ReaderAt, size int64, name string) (*File, error) {
	d := &reader{r: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10), size: size, name: name, bo: binary.LittleEndian}
	f, err := d.file()
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, &Error{File: name, Offset: d.pos, Kind: ErrRead, Detail: err.Error()}
	}
	return f, nil
}

type reader struct {
	r    *bufio.Reader
	pos  int64
	size int64
	name string
	bo   binary.ByteOrder
	buf  [8]byte
}

func (d *reader) fail(kind error, format string, args ...any) *Error {
	return &Error{File: d.name, Offset: d.pos, Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

func (d *reader) left() int64 { return d.size - d.pos }

func (d *reader) read(n int) ([]byte, error) {
	if int64(n) > d.left() {
		return nil, d.fail(ErrTruncated, "%d bytes needed, %d left in the file", n, d.left())
	}
	b := d.buf[:n]
	if _, err := io.ReadFull(d.r, b); err != nil {
		return nil, d.fail(ErrTruncated, "%v", err)
	}
	d.pos += int64(n)
	return b, nil
}

func (d *reader) u32() (uint32, error) {
	b, err := d.read(4)
	if err != nil {
		return 0, err
	}
	return d.bo.Uint32(b), nil
}

func (d *reader) u64() (uint64, error) {
	b, err := d.read(8)
	if err != nil {
		return 0, err
	}
	return d.bo.Uint64(b), nil
}

func (d *reader) skip(n int64) error {
	if n > d.left() {
		return d.fail(ErrTruncated, "%d bytes needed, %d left in the file", n, d.left())
	}
	for n > 0 {
		k, err := d.r.Discard(int(min(n, 1<<30)))
		d.pos += int64(k)
		n -= int64(k)
		if err != nil {
			return d.fail(ErrTruncated, "%v", err)
		}
	}
	return nil
}

// str reads a gguf_string (uint64 length, bytes). Strings longer than keep
// are skipped; truncated reports that.
func (d *reader) str(what string, keep int64) (s string, truncated bool, err error) {
	start := d.pos
	n, err := d.u64()
	if err != nil {
		return "", false, err
	}
	if n > uint64(d.left()) {
		d.pos = start
		return "", false, d.fail(ErrString, "%s claims %d bytes, %d left in the file", what, n, d.left())
	}
	if int64(n) > keep {
		return "", true, d.skip(int64(n))
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		return "", false, d.fail(ErrTruncated, "%v", err)
	}
	d.pos += int64(n)
	return string(b), false, nil
}

func (d *reader) file() (*File, error) {
	f := &File{Path: d.name, Size: d.size, Alignment: 32, meta: map[string]int{}, tensor: map[string]int{}}
	b, err := d.read(4)
	if err != nil || string(b) != Magic {
		d.pos = 0
		return nil, d.fail(ErrMagic, "the file does not start with %q", Magic)
	}
	vb, err := d.read(4)
	if err != nil {
		return nil, err
	}
	v := binary.LittleEndian.Uint32(vb)
	if v&0xFFFF == 0 && v != 0 {
		// A big-endian file (gguf v3 allows them) stores 3 as 00 00 00 03.
		d.bo = binary.BigEndian
		f.BigEndian = true
		v = binary.BigEndian.Uint32(vb)
	}
	f.Version = v
	if v != 2 && v != 3 {
		return nil, d.fail(ErrVersion, "version %d (versions 2 and 3 are read; version 1 files predate 2023 and must be converted)", v)
	}
	nt, err := d.u64()
	if err != nil {
		return nil, err
	}
	nkv, err := d.u64()
	if err != nil {
		return nil, err
	}
	// Each key/value takes at least 13 bytes, each tensor info at least 24.
	if nkv > MaxKVs || nkv > uint64(d.left())/13 {
		return nil, d.fail(ErrCount, "%d metadata entries (limit %d; %d bytes left)", nkv, MaxKVs, d.left())
	}
	if nt > MaxTensors || nt > uint64(d.left())/24 {
		return nil, d.fail(ErrCount, "%d tensors (limit %d; %d bytes left)", nt, MaxTensors, d.left())
	}
	f.Metadata = make([]KV, 0, nkv)
	for i := uint64(0); i < nkv; i++ {
		kpos := d.pos
		key, long, err := d.str("key", MaxKeyLen)
		if err != nil {
			return nil, err
		}
		if long {
			d.pos = kpos
			return nil, d.fail(ErrString, "key longer than %d bytes", MaxKeyLen)
		}
		if _, dup := f.meta[key]; dup {
			return nil, &Error{File: d.name, Offset: kpos, Key: key, Kind: ErrDuplicate, Detail: "the key appears twice"}
		}
		vt, err := d.u32()
		if err != nil {
			return nil, withKey(err, key)
		}
		val, err := d.value(ValueType(vt), 0)
		if err != nil {
			return nil, withKey(err, key)
		}
		f.meta[key] = len(f.Metadata)
		f.Metadata = append(f.Metadata, KV{key, val})
	}
	if a, ok := f.Get("general.alignment"); ok {
		if a.Type != TypeUint32 || a.U == 0 || a.U&(a.U-1) != 0 {
			return nil, &Error{File: d.name, Offset: -1, Key: "general.alignment", Kind: ErrAlignment, Detail: fmt.Sprintf("want a uint32 power of two, got %s %s", a.Type, a.String())}
		}
		f.Alignment = int64(a.U)
	}
	f.Tensors = make([]Tensor, 0, nt)
	for i := uint64(0); i < nt; i++ {
		t, err := d.tensorInfo()
		if err != nil {
			return nil, err
		}
		if _, dup := f.tensor[t.Name]; dup {
			return nil, &Error{File: d.name, Offset: -1, Tensor: t.Name, Kind: ErrDuplicate, Detail: "the tensor appears twice"}
		}
		f.tensor[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	f.DataStart = alignUp(d.pos, f.Alignment)
	return f, f.checkLayout()
}

func withKey(err error, key string) error {
	var e *Error
	if errors.As(err, &e) && e.Key == "" {
		e.Key = key
	}
	return err
}

func alignUp(x, a int64) int64 {
	if r := x % a; r != 0 {
		if x > math.MaxInt64-(a-r) {
			return math.MaxInt64
		}
		return x + a - r
	}
	return x
}

func (d *reader) value(t ValueType, depth int) (Value, error) {
	v := Value{Type: t}
	switch t {
	case TypeUint8, TypeInt8, TypeBool, TypeUint16, TypeInt16, TypeUint32, TypeInt32, TypeUint64, TypeInt64, TypeFloat32, TypeFloat64:
		b, err := d.read(int(t.size()))
		if err != nil {
			return v, err
		}
		switch t {
		case TypeUint8:
			v.U = uint64(b[0])
		case TypeInt8:
			v.I = int64(int8(b[0]))
		case TypeBool:
			if b[0] > 1 {
				d.pos--
				return v, d.fail(ErrMetadata, "bool value %d (want 0 or 1)", b[0])
			}
			v.B = b[0] == 1
		case TypeUint16:
			v.U = uint64(d.bo.Uint16(b))
		case TypeInt16:
			v.I = int64(int16(d.bo.Uint16(b)))
		case TypeUint32:
			v.U = uint64(d.bo.Uint32(b))
		case TypeInt32:
			v.I = int64(int32(d.bo.Uint32(b)))
		case TypeUint64:
			v.U = d.bo.Uint64(b)
		case TypeInt64:
			v.I = int64(d.bo.Uint64(b))
		case TypeFloat32:
			v.F = float64(math.Float32frombits(d.bo.Uint32(b)))
		case TypeFloat64:
			v.F = math.Float64frombits(d.bo.Uint64(b))
		}
		return v, nil
	case TypeString:
		s, long, err := d.str("string value", MaxKeptString)
		v.S, v.Truncated = s, long
		return v, err
	case TypeArray:
		if depth >= MaxArrayDepth {
			return v, d.fail(ErrMetadata, "arrays nested more than %d deep", MaxArrayDepth)
		}
		et, err := d.u32()
		if err != nil {
			return v, err
		}
		v.Elem = ValueType(et)
		n, err := d.u64()
		if err != nil {
			return v, err
		}
		v.Len = n
		minSize := v.Elem.size()
		switch v.Elem {
		case TypeString:
			minSize = 8
		case TypeArray:
			minSize = 12
		case TypeUint8, TypeInt8, TypeBool, TypeUint16, TypeInt16, TypeUint32, TypeInt32, TypeUint64, TypeInt64, TypeFloat32, TypeFloat64:
		default:
			return v, d.fail(ErrValueType, "array of value type %d", et)
		}
		if n > uint64(d.left())/uint64(minSize) {
			return v, d.fail(ErrCount, "array of %d %s needs at least %d bytes each, %d bytes left", n, v.Elem, minSize, d.left())
		}
		if n > MaxKeptItems {
			v.Truncated = true
			if s := v.Elem.size(); s > 0 {
				return v, d.skip(int64(n) * s)
			}
			if v.Elem == TypeString {
				// Skip the strings without keeping them (a tokenizer's
				// token list and merges: hundreds of thousands).
				for i := uint64(0); i < n; i++ {
					if _, _, err := d.str("string value", -1); err != nil {
						return v, err
					}
				}
				return v, nil
			}
		} else {
			v.Items = make([]Value, 0, n)
		}
		for i := uint64(0); i < n; i++ {
			item, err := d.value(v.Elem, depth+1)
			if err != nil {
				return v, err
			}
			if !v.Truncated {
				v.Items = append(v.Items, item)
			}
		}
		return v, nil
	}
	d.pos -= 4
	return v, d.fail(ErrValueType, "value type %d", uint32(t))
}

func (d *reader) tensorInfo() (Tensor, error) {
	start := d.pos
	var t Tensor
	name, long, err := d.str("tensor name", MaxKeyLen)
	if err != nil {
		return t, err
	}
	if long {
		d.pos = start
		return t, d.fail(ErrString, "tensor name longer than %d bytes", MaxKeyLen)
	}
	t.Name = name
	fail := func(kind error, format string, args ...any) error {
		e := d.fail(kind, format, args...)
		e.Tensor = name
		return e
	}
	nd, err := d.u32()
	if err != nil {
		return t, withTensor(err, name)
	}
	if nd > MaxDims {
		return t, fail(ErrDims, "%d dimensions (at most %d)", nd, MaxDims)
	}
	t.Dims = make([]int64, nd)
	n := uint64(1)
	for i := range t.Dims {
		x, err := d.u64()
		if err != nil {
			return t, withTensor(err, name)
		}
		if x > math.MaxInt64 {
			return t, fail(ErrDims, "dimension %d is %d", i, x)
		}
		t.Dims[i] = int64(x)
		hi, lo := bits.Mul64(n, x)
		if hi != 0 || lo > math.MaxInt64 {
			return t, fail(ErrDims, "dimensions %v: the element count overflows", t.Dims[:i+1])
		}
		n = lo
	}
	t.Elements = int64(n)
	ty, err := d.u32()
	if err != nil {
		return t, withTensor(err, name)
	}
	t.Type = Type(ty)
	ti, ok := t.Type.Info()
	if !ok {
		return t, fail(ErrType, "ggml type %d", ty)
	}
	if nd > 0 && t.Dims[0]%ti.BlockSize != 0 {
		return t, fail(ErrDims, "the first dimension %d is not a multiple of %s's block of %d", t.Dims[0], ti.Name, ti.BlockSize)
	}
	if nd == 0 && ti.BlockSize != 1 {
		return t, fail(ErrDims, "a scalar cannot be %s", ti.Name)
	}
	blocks := n / uint64(ti.BlockSize)
	hi, lo := bits.Mul64(blocks, uint64(ti.BlockBytes))
	if hi != 0 || lo > math.MaxInt64 {
		return t, fail(ErrDims, "dimensions %v: the byte size overflows", t.Dims)
	}
	t.Bytes = int64(lo)
	off, err := d.u64()
	if err != nil {
		return t, withTensor(err, name)
	}
	if off > math.MaxInt64 {
		return t, fail(ErrPastEnd, "offset %d", off)
	}
	t.Offset = int64(off)
	return t, nil
}

func withTensor(err error, name string) error {
	var e *Error
	if errors.As(err, &e) && e.Tensor == "" {
		e.Tensor = name
	}
	return err
}

// checkLayout checks each tensor's data: aligned, inside the file, and not
// overlapping another tensor's.
func (f *File) checkLayout() error {
	if len(f.Tensors) == 0 {
		return nil
	}
	if f.DataStart > f.Size {
		return &Error{File: f.Path, Offset: -1, Kind: ErrPastEnd, Detail: fmt.Sprintf("the data section would start at byte %d, after the end of the %d-byte file", f.DataStart, f.Size)}
	}
	dataLen := f.Size - f.DataStart
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return f.Tensors[order[i]].Offset < f.Tensors[order[j]].Offset })
	var end int64
	prev := ""
	for _, i := range order {
		t := &f.Tensors[i]
		if t.Offset%f.Alignment != 0 {
			return &Error{File: f.Path, Offset: -1, Tensor: t.Name, Kind: ErrAlignment, Detail: fmt.Sprintf("offset %d is not a multiple of the alignment %d", t.Offset, f.Alignment)}
		}
		if t.Offset > dataLen || t.Bytes > dataLen-t.Offset {
			return &Error{File: f.Path, Offset: -1, Tensor: t.Name, Kind: ErrPastEnd, Detail: fmt.Sprintf("%d bytes at data offset %d (file offset %d) but the file has %d bytes", t.Bytes, t.Offset, f.DataStart+t.Offset, f.Size)}
		}
		if t.Offset < end {
			return &Error{File: f.Path, Offset: -1, Tensor: t.Name, Kind: ErrOverlap, Detail: fmt.Sprintf("data offset %d lies inside %q, which ends at %d", t.Offset, prev, end)}
		}
		if t.Bytes > 0 {
			end, prev = t.Offset+t.Bytes, t.Name
		}
	}
	return nil
}

// Stats are totals over a file's tensors.
type Stats struct {
	Tensors  int
	Elements int64 // parameters (numel sum)
	Bytes    int64
	ByType   map[string]Count
}

// Count is the tensors, elements and bytes of one ggml type.
type Count struct {
	Tensors       int
	Elements      int64
	Bytes         int64
	BitsPerWeight float64 // the type's storage per element
}

// Stats sums elements and bytes overall and by ggml type.
func (f *File) Stats() Stats {
	st := Stats{ByType: map[string]Count{}}
	for _, t := range f.Tensors {
		ti, _ := t.Type.Info()
		st.Tensors++
		st.Elements += t.Elements // bounded: each tensor's bytes lie inside the file
		st.Bytes += t.Bytes
		c := st.ByType[ti.Name]
		c.Tensors++
		c.Elements += t.Elements
		c.Bytes += t.Bytes
		c.BitsPerWeight = ti.BitsPerWeight()
		st.ByType[ti.Name] = c
	}
	return st
}

// splitName matches llama.cpp's split files, PREFIX-00001-of-00003.gguf.
var splitName = regexp.MustCompile(`^(.*)-(\d{5})-of-(\d{5})\.gguf$`)

// ReadSplit reads a GGUF model that llama.cpp's gguf-split cut into files
// (metadata split.count > 1, names PREFIX-0000N-of-0000M.gguf): path may be
// any of them, and the files are returned in order, the first holding the
// model's metadata. A file that is not split is returned alone. Every file
// must exist and say it is part N of the same count; the tensor names must
// be unique across files, and split.tensors.count, when given, must match.
func ReadSplit(path string) ([]*File, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	count, ok, err := f.splitKey("split.count")
	if err != nil || !ok || count <= 1 {
		return []*File{f}, err
	}
	m := splitName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return nil, f.metaErr(ErrMetadata, "split.count", "the file is part of %d splits, but its name is not PREFIX-0000N-of-%05d.gguf, so the others cannot be found", count, count)
	}
	if n, _ := strconv.Atoi(m[3]); int64(n) != count {
		return nil, f.metaErr(ErrMetadata, "split.count", "%d splits, but the name says %s", count, m[3])
	}
	files := make([]*File, count)
	names := map[string]string{}
	for i := int64(0); i < count; i++ {
		p := filepath.Join(filepath.Dir(path), fmt.Sprintf("%s-%05d-of-%05d.gguf", m[1], i+1, count))
		g := f
		if p != path {
			if g, err = ReadFile(p); err != nil {
				return nil, err
			}
		}
		no, ok, err := g.splitKey("split.no")
		if err != nil {
			return nil, err
		}
		if !ok || no != i {
			return nil, g.metaErr(ErrMetadata, "split.no", "want split %d of %d", i, count)
		}
		if c, _, _ := g.splitKey("split.count"); c != count {
			return nil, g.metaErr(ErrMetadata, "split.count", "%d, but the first split says %d", c, count)
		}
		for _, t := range g.Tensors {
			if other, dup := names[t.Name]; dup {
				return nil, &Error{File: g.Path, Offset: -1, Tensor: t.Name, Kind: ErrDuplicate, Detail: "also in " + other}
			}
			names[t.Name] = g.Path
		}
		files[i] = g
	}
	if n, ok, err := files[0].splitKey("split.tensors.count"); err != nil {
		return nil, err
	} else if ok && n != int64(len(names)) {
		return nil, files[0].metaErr(ErrMetadata, "split.tensors.count", "%d, but the %d files hold %d tensors", n, count, len(names))
	}
	return files, nil
}

func (f *File) splitKey(key string) (int64, bool, error) {
	return f.intKey(key)
}

// Merge joins the files of a split model into one header: the first file's
// metadata and every file's tensors (each tensor's Offset stays relative to
// its own file's data section; each file's layout was checked on reading).
// Parts lists the files; Size is their total.
func Merge(files []*File) *File {
	if len(files) == 1 {
		return files[0]
	}
	first := files[0]
	m := &File{Path: first.Path, Version: first.Version, BigEndian: first.BigEndian, Metadata: first.Metadata,
		Alignment: first.Alignment, DataStart: first.DataStart, meta: first.meta, tensor: map[string]int{}}
	for _, f := range files {
		m.Parts = append(m.Parts, f.Path)
		m.Size += f.Size
		for _, t := range f.Tensors {
			m.tensor[t.Name] = len(m.Tensors)
			m.Tensors = append(m.Tensors, t)
		}
	}
	return m
}
