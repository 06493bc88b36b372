package hf

import (
	"regexp"
	"strconv"

	"github.com/greenai/greenai/onnx"
)

// ParamCounts are a built model's parameter counts (PyTorch numel sums; a
// tied weight counts once).
type ParamCounts struct {
	// Total is every parameter.
	Total int64 `json:"total"`
	// Active is what one token uses: for mixture-of-experts models, the
	// routed experts count top-k times one expert (the rest idle); otherwise
	// Total.
	Active int64 `json:"active"`
	// Embedding is the input embedding table(s) and an untied LM head.
	Embedding int64 `json:"embedding"`
}

var expertName = regexp.MustCompile(`\.experts\.(\d+)\.`)

// CountParams counts the parameters of a model built by Build for cfg.
func CountParams(cfg *Config, m *onnx.Model) ParamCounts {
	var p ParamCounts
	for _, t := range m.Graph.Initializers {
		n, err := t.NumElements()
		if err != nil {
			continue
		}
		p.Total += n
		switch t.Name {
		case "transformer.wte.weight", "transformer.wpe.weight", "model.embed_tokens.weight", "lm_head.weight", "shared.weight",
			"bert.embeddings.word_embeddings.weight", "roberta.embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight",
			"transformer.word_embeddings.weight":
			p.Embedding += n
		}
		if cfg.MoE != nil {
			if mm := expertName.FindStringSubmatch(t.Name); mm != nil {
				if j, _ := strconv.Atoi(mm[1]); j == 0 {
					p.Active += n * cfg.MoE.TopK
				}
				continue
			}
		}
		p.Active += n
	}
	return p
}
