package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// IndexName is the file that maps tensor names to shards in a sharded folder.
const IndexName = "model.safetensors.index.json"

// maxIndexSize bounds the index file read into memory (DeepSeek-V3's is
// about 9 MB).
const maxIndexSize = 256 << 20

// Set is the weights of one model: a single file, or the shards of a
// folder with an index.
type Set struct {
	Dir     string
	Index   string         // the index file's path; "" for a single file
	Meta    map[string]any // the index's "metadata" (e.g. total_size)
	Files   []*File        // in file-name order
	Tensors []Tensor       // every tensor, sorted by name
	byName  map[string]*Tensor
}

// Tensor returns the tensor named name, or nil.
func (s *Set) Tensor(name string) *Tensor {
	return s.byName[name]
}

// Stats are the totals of a set of tensors.
type Stats struct {
	Tensors  int
	Elements int64            // parameters: the sum of numel, as PyTorch counts
	Bytes    int64            // bytes of tensor data
	ByDType  map[string]Count // per dtype
}

// Count is the elements and bytes of one dtype.
type Count struct {
	Tensors  int
	Elements int64
	Bytes    int64
}

// Stats sums elements and bytes, overall and by dtype. Sums are checked
// for overflow (they cannot overflow for data that fits on a disk, but a
// caller may build a Set by hand).
func (s *Set) Stats() Stats {
	return Sum(s.Tensors)
}

// Sum totals a list of tensors.
func Sum(ts []Tensor) Stats {
	st := Stats{ByDType: map[string]Count{}}
	for _, t := range ts {
		st.Tensors++
		st.Elements = satAdd(st.Elements, t.Elements)
		st.Bytes = satAdd(st.Bytes, t.Bytes())
		c := st.ByDType[t.DType]
		c.Tensors++
		c.Elements = satAdd(c.Elements, t.Elements)
		c.Bytes = satAdd(c.Bytes, t.Bytes())
		st.ByDType[t.DType] = c
	}
	return st
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// OpenFile reads one .safetensors file as a Set.
func OpenFile(path string) (*Set, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := &Set{Dir: filepath.Dir(path), Files: []*File{f}}
	if err := s.collect(); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenDir reads the weights of a model folder: the shards listed by
// model.safetensors.index.json when it exists (every listed shard must be
// present and hold exactly the tensors the index assigns to it), else the
// folder's single *.safetensors file. It returns (nil, nil) when the
// folder has no safetensors at all.
func OpenDir(dir string) (*Set, error) {
	idx := filepath.Join(dir, IndexName)
	if _, err := os.Stat(idx); err == nil {
		return OpenIndex(idx)
	}
	matches, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	switch len(matches) {
	case 0:
		return nil, nil
	case 1:
		return OpenFile(matches[0])
	}
	return nil, errf(dir, "", ErrIndex, "%d .safetensors files (%s, …) but no %s to say which tensors each holds", len(matches), filepath.Base(matches[0]), IndexName)
}

type rawIndex struct {
	Metadata  map[string]any     `json:"metadata"`
	WeightMap *map[string]string `json:"weight_map"`
}

// OpenIndex reads a model.safetensors.index.json and the headers of the
// shards it names (resolved relative to its folder).
func OpenIndex(path string) (*Set, error) {
	data, err := readLimited(path, maxIndexSize)
	if err != nil {
		return nil, err
	}
	return openIndex(path, data, func(p string) (*File, error) { return ReadFile(p) })
}

func readLimited(path string, max int64) ([]byte, error) {
	fh, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if size > max {
		return nil, errf(path, "", ErrIndex, "%d bytes, more than the %d-byte limit", size, max)
	}
	buf := make([]byte, size)
	if _, err := fh.ReadAt(buf, 0); err != nil && len(buf) > 0 {
		return nil, &Error{File: path, Kind: ErrRead, Detail: err.Error()}
	}
	return buf, nil
}

func openIndex(path string, data []byte, read func(string) (*File, error)) (*Set, error) {
	var ri rawIndex
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&ri); err != nil {
		return nil, errf(path, "", ErrIndex, "malformed JSON: %v", err)
	}
	if ri.WeightMap == nil {
		return nil, errf(path, "", ErrIndex, "no weight_map")
	}
	dir := filepath.Dir(path)
	s := &Set{Dir: dir, Index: path, Meta: ri.Metadata}
	want := map[string]map[string]bool{} // shard → tensors the index puts there
	for name, shard := range *ri.WeightMap {
		if shard == "" || filepath.IsAbs(shard) || strings.Contains(shard, "..") || strings.ContainsAny(shard, `/\`) {
			return nil, errf(path, name, ErrIndex, "shard %q must be a file name in the index's folder", shard)
		}
		if want[shard] == nil {
			want[shard] = map[string]bool{}
		}
		want[shard][name] = true
	}
	shards := make([]string, 0, len(want))
	for sh := range want {
		shards = append(shards, sh)
	}
	sort.Strings(shards)
	for _, sh := range shards {
		p := filepath.Join(dir, sh)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			var one string
			for n := range want[sh] {
				if one == "" || n < one {
					one = n
				}
			}
			return nil, errf(path, one, ErrMissingShard, "the index puts it (and %d other tensor(s)) in %s, which does not exist", len(want[sh])-1, sh)
		}
		f, err := read(p)
		if err != nil {
			return nil, err
		}
		for _, t := range f.Tensors {
			if !want[sh][t.Name] {
				return nil, errf(p, t.Name, ErrIndex, "the shard holds a tensor the index does not assign to it")
			}
			delete(want[sh], t.Name)
		}
		if len(want[sh]) > 0 {
			var left []string
			for n := range want[sh] {
				left = append(left, n)
			}
			sort.Strings(left)
			return nil, errf(path, left[0], ErrIndex, "the index puts it (and %d other tensor(s)) in %s, which does not hold it", len(left)-1, sh)
		}
		s.Files = append(s.Files, f)
	}
	if err := s.collect(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Set) collect() error {
	s.byName = map[string]*Tensor{}
	s.Tensors = s.Tensors[:0]
	for _, f := range s.Files {
		s.Tensors = append(s.Tensors, f.Tensors...)
	}
	sort.Slice(s.Tensors, func(i, j int) bool { return s.Tensors[i].Name < s.Tensors[j].Name })
	for i := range s.Tensors {
		t := &s.Tensors[i]
		if prev, ok := s.byName[t.Name]; ok {
			return errf(t.File, t.Name, ErrIndex, "the tensor is also in %s", prev.File)
		}
		s.byName[t.Name] = t
	}
	return nil
}

// String summarizes a set in one line.
func (s *Set) String() string {
	st := s.Stats()
	return fmt.Sprintf("%d tensors in %d file(s), %d parameters, %d bytes", st.Tensors, len(s.Files), st.Elements, st.Bytes)
}
