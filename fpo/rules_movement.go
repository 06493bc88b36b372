package fpo

func init() {
	Register("", viewRule, "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Shape", "Size",
		"Constant", "Optional", "OptionalHasElement", "OptionalGetElement", "SequenceEmpty",
		"SequenceLength", "SequenceAt", "BitCast")
	Register("", movementRule, "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND",
		"Scatter", "ScatterElements", "ScatterND", "Expand", "Tile", "Pad", "DepthToSpace", "SpaceToDepth",
		"Cast", "CastLike", "ReverseSequence", "ConstantOfShape", "EyeLike", "OneHot", "CenterCropPad",
		"SequenceConstruct", "SequenceInsert", "SequenceErase", "SplitToSequence", "ConcatFromSequence",
		"Compress", "TensorScatter")
	Register("", controlRule, "If", "Loop", "Scan", "SequenceMap")
}

// viewRule: operators that only change metadata or pass a value through.
func viewRule(n *Node) (Cost, error) {
	return Cost{Kind: View}, nil
}

// movementRule: operators that copy data: 0 FPO; bytes moved = bytes read
// (inputs other than small index/shape tensors are counted as read in the
// amount written) plus bytes written.
func movementRule(n *Node) (Cost, error) {
	var written = zero
	for _, v := range n.Outputs {
		if b, ok := bytesOf(v); ok {
			written = written.Add(b)
		}
	}
	return Cost{Kind: Movement, Bytes: written.MulInt(2)}, nil
}

// controlRule: the node itself does no arithmetic; its bodies are counted
// with their trip counts.
func controlRule(n *Node) (Cost, error) {
	return Cost{Kind: Control}, nil
}
