package ops

import (
	"reflect"
	"testing"

	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

func TestStringConcat(t *testing.T) {
	s := onnx.String
	outs, res := inferNode(t, 20, node("StringConcat"), nnT(s, "N, 1"), nnT(s, "3"))
	nnOK(t, res)
	nnCheck(t, "symbolic", outs[0], s, "N, 3")
	outs, res = inferNode(t, 20, node("StringConcat"), nnStrings([]int64{2, 1}, "a", "b"), nnStrings([]int64{2}, "x", "y"))
	nnOK(t, res)
	nnCheck(t, "values", outs[0], s, "2, 2")
	if outs[0].Const == nil || !reflect.DeepEqual(outs[0].Const.Strs, []string{"ax", "ay", "bx", "by"}) {
		t.Errorf("contents %v", outs[0].Const)
	}
	_, res = inferNode(t, 20, node("StringConcat"), nnT(s, "2"), nnT(s, "3"))
	nnFails(t, res, "broadcast")
}

func TestStringNormalizer(t *testing.T) {
	s := onnx.String
	stop := &onnx.Attribute{Name: "stopwords", Type: onnx.AttrStrings, Strings: []string{"the", "A"}}
	outs, res := inferNode(t, 10, node("StringNormalizer"), nnT(s, "1, C"))
	nnOK(t, res)
	nnCheck(t, "no stopwords", outs[0], s, "1, C")
	outs, _ = inferNode(t, 10, node("StringNormalizer", stop), nnT(s, "C"))
	nnCheck(t, "stopwords", outs[0], s, "*")

	cases := []struct {
		name  string
		attrs []*onnx.Attribute
		dims  []int64
		in    []string
		want  []string
		wdims string
	}{
		{"insensitive upper", []*onnx.Attribute{stop, attrString("case_change_action", "UPPER")}, []int64{4}, []string{"The", "cat", "a", "Dog"}, []string{"CAT", "DOG"}, "2"},
		{"sensitive lower 2d", []*onnx.Attribute{stop, attrInt("is_case_sensitive", 1), attrString("case_change_action", "LOWER")}, []int64{1, 4}, []string{"The", "cat", "a", "A"}, []string{"the", "cat", "a"}, "1, 3"},
		{"all dropped", []*onnx.Attribute{stop}, []int64{1, 2}, []string{"the", "a"}, []string{""}, "1, 1"},
		{"empty input", nil, []int64{0}, []string{}, []string{""}, "1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outs, res := inferNode(t, 10, node("StringNormalizer", tc.attrs...), nnStrings(tc.dims, tc.in...))
			nnOK(t, res)
			nnCheck(t, "Y", outs[0], s, tc.wdims)
			if outs[0].Const == nil || !reflect.DeepEqual(outs[0].Const.Strs, tc.want) {
				t.Errorf("contents %v, want %q", outs[0].Const, tc.want)
			}
		})
	}
	_, res = inferNode(t, 10, node("StringNormalizer"), nnT(s, "2, 3"))
	nnFails(t, res, "[C] or [1, C]")
	_, res = inferNode(t, 10, node("StringNormalizer", attrString("case_change_action", "TITLE")), nnT(s, "3"))
	nnFails(t, res, "case_change_action")
}

func TestStringSplit(t *testing.T) {
	s := onnx.String
	n := node("StringSplit")
	n.Outputs = nnOuts(2)
	outs, res := inferNode(t, 20, n, nnT(s, "N, 2"))
	nnOK(t, res)
	nnCheck(t, "Y", outs[0], s, "N, 2, *")
	nnCheck(t, "Z", outs[1], onnx.Int64, "N, 2")

	// The examples of the operator's documentation.
	cases := []struct {
		name   string
		attrs  []*onnx.Attribute
		dims   []int64
		in     []string
		want   []string
		counts []int64
		ydims  string
	}{
		{"basic", []*onnx.Attribute{attrString("delimiter", ".")}, []int64{2}, []string{"abc.com", "def.net"},
			[]string{"abc", "com", "def", "net"}, []int64{2, 2}, "2, 2"},
		{"consecutive delimiters", []*onnx.Attribute{attrString("delimiter", "-")}, []int64{2}, []string{"o-n-n--x-", "o-n----nx"},
			[]string{"o", "n", "n", "", "x", "", "o", "n", "", "", "", "nx"}, []int64{6, 6}, "2, 6"},
		{"whitespace", []*onnx.Attribute{attrString("delimiter", "")}, []int64{3}, []string{"hello world !", "  hello   world !", " hello world   ! "},
			[]string{"hello", "world", "!", "hello", "world", "!", "hello", "world", "!"}, []int64{3, 3, 3}, "3, 3"},
		{"empty tensor", nil, []int64{0}, []string{}, []string{}, []int64{}, "0, 0"},
		{"maxsplit", []*onnx.Attribute{attrInt("maxsplit", 2)}, []int64{2, 2}, []string{"hello world", "def.net", "o n n x", "the quick brown fox"},
			[]string{"hello", "world", "", "def.net", "", "", "o", "n", "n x", "the", "quick", "brown fox"}, []int64{2, 1, 3, 3}, "2, 2, 3"},
		{"maxsplit delimiter", []*onnx.Attribute{attrInt("maxsplit", 1), attrString("delimiter", ",")}, []int64{2}, []string{"a,b,c", ""},
			[]string{"a", "b,c", "", ""}, []int64{2, 1}, "2, 2"},
		{"maxsplit keeps trailing space", []*onnx.Attribute{attrInt("maxsplit", 1)}, []int64{2}, []string{" a b c ", "   "},
			[]string{"a", "b c ", "", ""}, []int64{2, 0}, "2, 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := node("StringSplit", tc.attrs...)
			n.Outputs = nnOuts(2)
			outs, res := inferNode(t, 20, n, nnStrings(tc.dims, tc.in...))
			nnOK(t, res)
			nnCheck(t, "Y", outs[0], s, tc.ydims)
			if outs[0].Const == nil || !reflect.DeepEqual(outs[0].Const.Strs, tc.want) {
				t.Errorf("substrings %v, want %q", outs[0].Const, tc.want)
			}
			if outs[1].Const == nil || len(outs[1].Const.Ints) != len(tc.counts) {
				t.Fatalf("counts %v, want %v", outs[1].Const, tc.counts)
			}
			for i, c := range tc.counts {
				if !outs[1].Const.Ints[i].Equal(sym.Const(c)) {
					t.Errorf("count %d: %s, want %d", i, outs[1].Const.Ints[i], c)
				}
			}
		})
	}
}

func TestRegexFullMatch(t *testing.T) {
	outs, res := inferNode(t, 20, node("RegexFullMatch", attrString("pattern", `www\.[\w.-]+\.\bcom\b`)),
		nnStrings([]int64{3}, "www.google.com", "www.facebook.com", "www.bbc.co.uk"))
	nnOK(t, res)
	nnCheck(t, "Y", outs[0], onnx.Bool, "3")
	want := []int64{1, 1, 0}
	for i, w := range want {
		if outs[0].Const == nil || !outs[0].Const.Ints[i].Equal(sym.Const(w)) {
			t.Fatalf("contents %v, want %v", outs[0].Const, want)
		}
	}
	// A full match, not a search: "a|ab" must match all of "ab".
	outs, _ = inferNode(t, 20, node("RegexFullMatch", attrString("pattern", "a|ab")), nnStrings([]int64{1, 2}, "ab", "xab"))
	nnCheck(t, "alternation", outs[0], onnx.Bool, "1, 2")
	if !outs[0].Const.Ints[0].Equal(sym.Const(1)) || !outs[0].Const.Ints[1].Equal(sym.Const(0)) {
		t.Errorf("alternation: %v", outs[0].Const.Ints)
	}
	outs, _ = inferNode(t, 20, node("RegexFullMatch", attrString("pattern", ".*")), nnT(onnx.String, "N"))
	nnCheck(t, "symbolic", outs[0], onnx.Bool, "N")
	_, res = inferNode(t, 20, node("RegexFullMatch", attrString("pattern", "(")), nnT(onnx.String, "N"))
	nnFails(t, res, "pattern")
	_, res = inferNode(t, 20, node("RegexFullMatch"), nnT(onnx.String, "N"))
	nnFails(t, res, "pattern")
}

func TestTfIdfVectorizer(t *testing.T) {
	attrs := []*onnx.Attribute{attrString("mode", "TF"), attrInt("min_gram_length", 2), attrInt("max_gram_length", 2), attrInt("max_skip_count", 0),
		attrInts("ngram_counts", 0, 4), attrInts("ngram_indexes", 0, 1, 2, 3, 4, 5, 6), attrInts("pool_int64s", 2, 3, 5, 4, 5, 6, 7, 8, 6, 7)}
	outs, res := inferNode(t, 9, node("TfIdfVectorizer", attrs...), nnT(onnx.Int32, "N, 6"))
	nnOK(t, res)
	nnCheck(t, "2d", outs[0], onnx.Float, "N, 7")
	outs, _ = inferNode(t, 9, node("TfIdfVectorizer", attrs...), nnT(onnx.String, "12"))
	nnCheck(t, "1d", outs[0], onnx.Float, "7")
	_, res = inferNode(t, 9, node("TfIdfVectorizer", attrs...), nnT(onnx.Int64, "1, 2, 3"))
	nnFails(t, res, "rank 3")
	_, res = inferNode(t, 9, node("TfIdfVectorizer"), nnT(onnx.Int64, "3"))
	nnFails(t, res, "ngram_indexes")
}
