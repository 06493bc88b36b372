package fpo_test

import (
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/sym"
)

// Selection, scans, linear algebra, signal processing and sampling.
func TestSelectRules(t *testing.T) {
	runOpsCases(t, []opsCase{
		// Rows of 10: ⌈10·log2 10⌉ = 34 comparisons each (sort, upper bound).
		{name: "topk sort bound", node: opNode("", "TopK", []string{"v", "i"}), inputs: vals(f32(2, 10), ints(3)), ops: "cmp=68", bound: "upper bound"},
		// K = 1 is a maximum search: 9 comparisons per row.
		{name: "topk k=1", node: opNode("", "TopK", []string{"v", "i"}), inputs: vals(f32(2, 10), ints(1)), ops: "cmp=18"},
		// 6 elements: ⌈6·log2 6⌉ = 16 + 5 neighbour comparisons.
		{name: "unique flat", node: opNode("", "Unique", nil), inputs: vals(f32(6)), ops: "cmp=21", bound: "upper bound"},
		// 4 slices of 3 along axis 0: (8 + 3) comparisons of 3 elements.
		{name: "unique axis", node: opNode("", "Unique", nil, aInt("axis", 0)), inputs: vals(f32(4, 3)), ops: "cmp=33", bound: "upper bound"},
		{name: "nonzero", node: opNode("", "NonZero", nil), inputs: vals(f32(2, 3)), ops: "cmp=6"},
		// 2 classes of 6 boxes, at most 2 kept: min(15, 6·2) = 12 IoU tests
		// (7 CMP, 4 ADD, 1 MUL, 1 DIV each); sort 16 CMP; areas 2 ADD + 1 MUL per box.
		{name: "non-max suppression", node: opNode("", "NonMaxSuppression", nil),
			inputs: vals(f32(1, 6, 4), f32(1, 2, 6), ints(2)), ops: "add=120, mul=36, div=24, cmp=200", bound: "upper bound"},
		// Rows of 5 along axis 1: 4 ADD each; exclusive: 3.
		{name: "cumsum", node: opNode("", "CumSum", nil), inputs: vals(f32(2, 5), scalarInt(1)), ops: "add=8"},
		{name: "cumsum exclusive", node: opNode("", "CumSum", nil, aInt("exclusive", 1)), inputs: vals(f32(2, 5), scalarInt(1)), ops: "add=6"},
		{name: "cumprod reverse", opsets: map[string]int64{"": 26}, node: opNode("", "CumProd", nil, aInt("reverse", 1)), inputs: vals(f32(2, 5), scalarInt(-1)), ops: "mul=8"},
		// LU of 3×3: 9 CMP, 3 DIV, 5 MUL + 5 ADD; product of pivots 2 MUL; 2 matrices.
		{name: "det", node: opNode("", "Det", nil), inputs: vals(f32(2, 3, 3)), ops: "add=10, mul=14, div=6, cmp=18"},
		// LU and 3 pairs of triangular solves: 18 MUL + 18 ADD + 9 DIV more.
		{name: "inverse", opsets: msOpsets(), node: opNode("com.microsoft", "Inverse", nil), inputs: vals(f32(3, 3)), ops: "add=23, mul=23, div=12, cmp=9"},
	})
}

func TestSignalRules(t *testing.T) {
	op17 := map[string]int64{"": 17}
	runOpsCases(t, []opsCase{
		// N = 8: radix-2 FFT, 4·3 = 12 butterflies (4 MUL + 6 ADD); twiddles:
		// 8 TRIG, 4 MUL for angles, 1 DIV.
		{name: "dft power of two", opsets: op17, node: opNode("", "DFT", nil), inputs: vals(f32(1, 8, 1)), ops: "add=72, mul=52, div=1, trig=8"},
		// N = 6, complex: 2 direct transforms of 36 complex MACs (4 MUL + 4 ADD),
		// 12 TRIG and 6 MUL for the twiddles, 1 DIV.
		{name: "dft direct", opsets: op17, node: opNode("", "DFT", nil), inputs: vals(f32(2, 6, 2)), ops: "add=288, mul=300, div=2, trig=24"},
		// The inverse scales 2·8·2 = 32 output values.
		{name: "idft", opsets: op17, node: opNode("", "DFT", nil, aInt("inverse", 1)), inputs: vals(f32(2, 8, 2)), ops: "add=144, mul=136, div=2, trig=16"},
		// Hann of 10: 2 MUL + 1 ADD + 1 TRIG per element, 1 DIV.
		{name: "hann window", opsets: op17, node: opNode("", "HannWindow", nil), inputs: vals(scalarInt(10)), ops: "add=10, mul=20, div=1, trig=10"},
		{name: "blackman window", opsets: op17, node: opNode("", "BlackmanWindow", nil), inputs: vals(scalarInt(10)), ops: "add=20, mul=40, div=1, trig=20"},
		// 3 frames of 8 (step 4 over 16): windowed (24 MUL) and FFT each.
		{name: "stft", opsets: op17, node: opNode("", "STFT", nil), inputs: vals(f32(1, 16, 1), scalarInt(4), f32(8)), ops: "add=216, mul=180, div=3, trig=24"},
	})
}

func TestImageRules(t *testing.T) {
	runOpsCases(t, []opsCase{
		// 9 locations × 2 axes: (MUL, ADD) + 2 CMP + (ROUND, ADD); 18 output
		// elements × 3 lerps (2 ADD + 1 MUL).
		{name: "grid sample bilinear", opsets: map[string]int64{"": 16}, node: opNode("", "GridSample", nil),
			inputs: vals(f32(1, 2, 4, 4), f32(1, 3, 3, 2)), ops: "add=144, mul=72, cmp=36, round=18"},
		// 6 grid points × 2² MACs; base coordinates 2 + 3 (MUL + ADD), 2 DIV.
		{name: "affine grid", opsets: map[string]int64{"": 20}, node: opNode("", "AffineGrid", nil),
			inputs: vals(f32(1, 2, 3), ints(1, 1, 2, 3)), ops: "add=29, mul=29, div=2", macs: 24},
		// 3 regions × 4 bins × 4 samples = 48 points, 2 channels.
		{name: "roi align", node: opNode("", "RoiAlign", nil, aInt("output_height", 2), aInt("output_width", 2), aInt("sampling_ratio", 2)),
			inputs: vals(f32(1, 2, 8, 8), f32(3, 4), typed(onnx.Int64, 3)), ops: "add=762, mul=804, div=6, cmp=198, round=96"},
		// Bins of a region spanning 8×8 split 2×2: min(⌈8/2⌉+1, 8) = 5 rows and
		// columns: 24 CMP per output (16 outputs).
		{name: "max roi pool", node: opNode("", "MaxRoiPool", nil, aInts("pooled_shape", 2, 2)),
			inputs: vals(f32(1, 2, 8, 8), f32(2, 5)), ops: "add=36, mul=40, div=4, cmp=452, round=40", bound: "upper bound"},
		// 36 column elements accumulated.
		{name: "col2im", opsets: map[string]int64{"": 18}, node: opNode("", "Col2Im", nil),
			inputs: vals(f32(1, 4, 9), ints(4, 4), ints(2, 2)), ops: "add=36", bound: "upper bound"},
		{name: "max unpool", node: opNode("", "MaxUnpool", nil, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)),
			inputs: vals(f32(1, 1, 2, 2), typed(onnx.Int64, 1, 1, 2, 2)), ops: "", kind: fpo.Movement, bytes: 128},
	})
}

// TestSortOfSymbolicLength: a logarithm of a symbolic length is not a
// polynomial; the sort is then bounded by n(n−1)/2 comparisons.
func TestSortOfSymbolicLength(t *testing.T) {
	cost := costOf(t, nil, opNode("", "TopK", []string{"v", "i"}), symF32("n"), ints(3))
	got, err := cost.Ops[fpo.Cmp].Eval(map[string]int64{"n": 10})
	if err != nil || got != 45 {
		t.Errorf("comparisons at n = 10: %d (%v), want 45", got, err)
	}
	if !cost.Ops[fpo.Cmp].Equal(sym.FloorDiv(sym.MustParse("n^2 - n"), sym.Const(2))) {
		t.Errorf("comparisons = %s", cost.Ops[fpo.Cmp])
	}
}
