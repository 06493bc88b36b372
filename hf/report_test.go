package hf

import (
	"testing"
)

// GPT-2 small: N = 124,439,808 − 50257·768 (wte) − 1024·768 (wpe) =
// 85,056,000 non-embedding parameters (Kaplan et al.'s 85M).
func TestRulesOfThumb(t *testing.T) {
	c := loadConfig(t, "gpt2")
	res, _ := count(t, c, BuildOptions{Phase: Train})
	s := Summarize(c, res)
	if s.NonEmbedding != 85056000 {
		t.Fatalf("non-embedding params %d, want 85,056,000", s.NonEmbedding)
	}
	want := map[bool]map[string]string{
		false: {
			"Kaplan":   "170112000*batch*sequence",
			"PaLM":     "170112000*batch*sequence + 36864*batch*sequence^2",
			"Megatron": "169869312*batch*sequence + 36864*batch*sequence^2 + 77194752*batch*sequence",
		},
		true: {
			"Kaplan":   "510336000*batch*sequence",
			"PaLM":     "510336000*batch*sequence + 110592*batch*sequence^2",
			"Megatron": "679477248*batch*sequence + 147456*batch*sequence^2 + 231584256*batch*sequence",
		},
	}
	for training, w := range want {
		got := RulesOfThumb(c, s, training)
		if len(got) != 3 {
			t.Fatalf("training %v: %d rules", training, len(got))
		}
		for _, a := range got {
			if !a.FPO.Equal(mustParse(t, w[a.Name])) {
				t.Errorf("training %v %s: %v, want %s", training, a.Name, a.FPO, w[a.Name])
			}
		}
	}
	// Decode: one token per sequence with past+1 keys; no Megatron rule.
	res, _ = count(t, c, BuildOptions{Phase: Decode})
	got := RulesOfThumb(c, Summarize(c, res), false)
	if len(got) != 2 || !got[1].FPO.Equal(mustParse(t, "170112000*batch + 36864*batch*(past+1)")) {
		t.Errorf("decode rules %+v", got)
	}
	b := Subst(got, map[string]int64{DimBatch: 2, DimPast: 9})
	if v, ok := b[0].FPO.IsConst(); !ok || v != 340224000 {
		t.Errorf("bound Kaplan %v", b[0].FPO)
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{tinyLlama, `{"model_type": "gpt2"}`, `{"model_type": "t5", "d_model": -1}`, `[]`, `{"model_type": "deepseek_v3", "n_group": 0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		// Small configs also build; large ones are only parsed.
		if c.Layers*c.Hidden > 1<<16 || c.Vocab > 1<<16 || c.Intermediate > 1<<16 || c.DecoderLayers > 64 || (c.MoE != nil && c.MoE.Experts > 64) {
			return
		}
		for _, ph := range []Phase{Train, Decode} {
			_, _ = Build(c, BuildOptions{Phase: ph})
		}
	})
}
