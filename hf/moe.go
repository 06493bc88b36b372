package hf

import (
	"fmt"
	"math"
)

// moe is a mixture-of-experts block on x [T, hidden]: a router, top-k
// routing and the experts, plus shared experts where the family has them.
//
// Counting routed experts exactly: every token is sent to k experts, so the
// experts together process exactly T·k token-slots whatever the routing.
// The graph expresses that as the expert MLP applied once to all T·k slots
// (the slots are the tokens repeated k times) with the weights of expert 0;
// the other experts' weights are applied to an empty batch (a Sum broadcast
// against a [0, 1, 1] tensor: zero elements). So the count is the active
// (top-k) one, never all experts, while all experts' weights are parameters
// that receive gradients and optimizer updates in training. The per-scope
// breakdown therefore charges the routed compute to expert 0.
func (m *lm) moe(x, mod string, layer int64) string {
	c := m.c
	e := c.MoE
	h := c.Hidden
	var gateMod, expertFmt string
	n := llamaMLP
	switch c.ModelType {
	case "mixtral":
		gateMod = mod + ".block_sparse_moe.gate"
		expertFmt = mod + ".block_sparse_moe.experts.%d"
		n = mlpNames{gate: "w1", up: "w3", down: "w2"}
	default:
		gateMod = mod + ".mlp.gate"
		expertFmt = mod + ".mlp.experts.%d"
	}
	moeMod := gateMod[:len(gateMod)-len(".gate")]
	logits := m.linear(x, gateMod, h, e.Experts, false) // [T, E]
	var weights, idx string
	if e.Sigmoid {
		weights, idx = m.groupedRouting(logits, gateMod)
	} else {
		p := m.op(gateMod, "Softmax", []string{logits}, aInt("axis", 1))
		top := m.node(gateMod, "TopK", []string{p, m.ints(e.TopK)}, 2, aInt("axis", 1))
		weights, idx = top[0], top[1]
		if e.NormTopK {
			weights = m.op(gateMod, "Div", []string{weights, m.op(gateMod, "ReduceSum", []string{weights, m.ints(1)}, aInt("keepdims", 1))})
		}
	}
	_ = idx
	// Token slots: each token repeated k times, [T·k, hidden].
	slots := m.op(moeMod, "Expand", []string{m.op(moeMod, "Unsqueeze", []string{x, m.ints(1)}), m.ints(1, e.TopK, 1)})
	slots = m.op(moeMod, "Reshape", []string{slots, m.ints(-1, h)})
	outs := []string{m.expertMLP(slots, fmt.Sprintf(expertFmt, 0), e.Intermediate, n)}
	if e.Experts > 1 {
		// The other experts see no token-slot: their weights enter one Sum
		// broadcast against an empty [0, 1, 1] batch (no FPO, no bytes),
		// one Sum per weight shape, so they stay parameters that receive
		// gradients and updates.
		empty := m.op(moeMod, "Reshape", []string{m.op(moeMod, "Slice", []string{slots, m.ints(0), m.ints(0), m.ints(0)}), m.ints(-1, 1, 1)})
		in := []string{empty}  // [inter, hidden] weights
		out := []string{empty} // [hidden, inter] weights
		for j := int64(1); j < e.Experts; j++ {
			ex := fmt.Sprintf(expertFmt, j)
			in = append(in, m.param(ex+"."+n.gate+".weight", e.Intermediate, h), m.param(ex+"."+n.up+".weight", e.Intermediate, h))
			out = append(out, m.param(ex+"."+n.down+".weight", h, e.Intermediate))
		}
		idle := moeMod + ".experts"
		outs = append(outs,
			m.op(idle, "Reshape", []string{m.op(idle, "Sum", in), m.ints(-1, h)}),
			m.op(idle, "Reshape", []string{m.op(idle, "Sum", out), m.ints(-1, h)}))
	}
	y := m.op(moeMod, "Concat", outs, aInt("axis", 0)) // [T·k, hidden]
	y = m.op(moeMod, "Reshape", []string{y, m.ints(-1, e.TopK, h)})
	y = m.op(moeMod, "Mul", []string{y, m.op(moeMod, "Unsqueeze", []string{weights, m.ints(2)})})
	y = m.op(moeMod, "ReduceSum", []string{y, m.ints(1)}, aInt("keepdims", 0)) // [T, hidden]
	if e.Shared > 0 {
		name := ".shared_experts"
		if c.ModelType == "qwen2_moe" {
			name = ".shared_expert"
		}
		s := m.mlp(x, moeMod+name, e.Shared, llamaMLP, false)
		if e.SharedGate {
			g := m.op(moeMod, "Sigmoid", []string{m.linear(x, moeMod+".shared_expert_gate", h, 1, false)})
			s = m.op(moeMod, "Mul", []string{s, g})
		}
		y = m.op(moeMod, "Add", []string{y, s})
	}
	return y
}

// expertMLP is one expert's gated MLP.
func (m *lm) expertMLP(x, mod string, inter int64, n mlpNames) string {
	return m.mlp(x, mod, inter, n, false)
}

// groupedRouting is DeepSeek-V3's router: sigmoid scores, a correction bias
// used for the choice only, group-limited top-k (the best topk_group of
// n_group groups, each group scored by its top-2 sum), weights normalized
// and scaled by routed_scaling_factor.
func (m *lm) groupedRouting(logits, mod string) (string, string) {
	e := m.c.MoE
	s := m.op(mod, "Sigmoid", []string{logits}) // [T, E]
	choice := m.op(mod, "Add", []string{s, m.param(mod+".e_score_correction_bias", e.Experts)})
	if e.Groups > 1 {
		per := e.Experts / e.Groups
		g := m.op(mod, "Reshape", []string{choice, m.ints(-1, e.Groups, per)})
		top2 := m.node(mod, "TopK", []string{g, m.ints(min(2, per))}, 2, aInt("axis", -1))
		gs := m.op(mod, "ReduceSum", []string{top2[0], m.ints(-1)}, aInt("keepdims", 0)) // [T, G]
		// The chosen groups: transformers scatters ones into a zero mask at
		// the top topk_group group indices; here a group is chosen when its
		// score reaches the topk_group-th best (TopK sorts), one comparison
		// per group and token. (A ones tensor sized by the tokens would be
		// a constant that shape inference materializes in every layer.)
		gsel := m.node(mod, "TopK", []string{gs, m.ints(e.TopKGroups)}, 2, aInt("axis", -1))
		kth := m.op(mod, "Gather", []string{gsel[0], m.ints(e.TopKGroups - 1)}, aInt("axis", 1)) // [T, 1]
		gmask := m.op(mod, "GreaterOrEqual", []string{gs, kth})                                  // [T, G] bool
		emask := m.op(mod, "Expand", []string{m.op(mod, "Unsqueeze", []string{gmask, m.ints(-1)}), m.ints(1, 1, per)})
		emask = m.op(mod, "Reshape", []string{emask, m.ints(-1, e.Experts)})
		choice = m.op(mod, "Where", []string{emask, choice, m.scalar(0)})
	}
	top := m.node(mod, "TopK", []string{choice, m.ints(e.TopK)}, 2, aInt("axis", -1))
	w := m.op(mod, "GatherElements", []string{s, top[1]}, aInt("axis", 1))
	if e.NormTopK {
		w = m.op(mod, "Div", []string{w, m.op(mod, "Add", []string{m.op(mod, "ReduceSum", []string{w, m.ints(-1)}, aInt("keepdims", 1)), m.scalar(1e-20)})})
	}
	if e.Scaling != 1 {
		w = m.op(mod, "Mul", []string{w, m.scalar(e.Scaling)})
	}
	return w, top[1]
}

// mla is DeepSeek's multi-head latent attention on [T, hidden]: q through a
// LoRA-compressed projection (q_a_proj → RMSNorm → q_b_proj), k and v from a
// shared compressed latent (kv_a_proj_with_mqa → RMSNorm → kv_b_proj), and a
// decoupled RoPE key shared by all heads. The cache holds the full per-head
// keys and values, as transformers' DeepseekV3Attention does.
func (m *lm) mla(x, mod string, i int64) string {
	c := m.c
	a := c.MLA
	h, H := c.Hidden, c.Heads
	qd := a.QKNopeDim + a.QKRopeDim
	var q string
	if a.QLoraRank > 0 {
		q = m.linear(x, mod+".q_a_proj", h, a.QLoraRank, c.QKVBias)
		q = m.norm(q, mod+".q_a_layernorm", a.QLoraRank)
		q = m.linear(q, mod+".q_b_proj", a.QLoraRank, H*qd, false)
	} else {
		q = m.linear(x, mod+".q_proj", h, H*qd, false)
	}
	q4 := m.heads4(q, mod, H, qd)
	qp := m.node(mod, "Split", []string{q4, m.ints(a.QKNopeDim, a.QKRopeDim)}, 2, aInt("axis", -1))
	kva := m.linear(x, mod+".kv_a_proj_with_mqa", h, a.KVLoraRank+a.QKRopeDim, c.QKVBias)
	kvp := m.node(mod, "Split", []string{kva, m.ints(a.KVLoraRank, a.QKRopeDim)}, 2, aInt("axis", 1))
	ckv := m.norm(kvp[0], mod+".kv_a_layernorm", a.KVLoraRank)
	kv := m.linear(ckv, mod+".kv_b_proj", a.KVLoraRank, H*(a.QKNopeDim+a.VDim), false)
	kv4 := m.heads4(kv, mod, H, a.QKNopeDim+a.VDim)
	kvs := m.node(mod, "Split", []string{kv4, m.ints(a.QKNopeDim, a.VDim)}, 2, aInt("axis", -1))
	kpe := m.heads4(kvp[1], mod, 1, a.QKRopeDim)
	qpe := m.applyRope(qp[1], mod, a.QKRopeDim, a.QKRopeDim, c.RopeTheta)
	kpe = m.applyRope(kpe, mod, a.QKRopeDim, a.QKRopeDim, c.RopeTheta)
	kpe = m.op(mod, "Expand", []string{kpe, m.ints(1, 1, H, 1)})
	q4 = m.op(mod, "Concat", []string{qp[0], qpe}, aInt("axis", -1))
	k4 := m.op(mod, "Concat", []string{kvs[0], kpe}, aInt("axis", -1))
	spec := attnSpec{module: mod, heads: H, kv: H, d: qd, vd: a.VDim, causal: true, scale: 1 / math.Sqrt(float64(qd))}
	m.cacheSpec(&spec, i)
	o := m.attend(spec, q4, k4, kvs[1])
	return m.linear(o, mod+".o_proj", H*a.VDim, h, c.QKVBias) // attention_bias: q_a_proj, kv_a_proj_with_mqa and o_proj
}
