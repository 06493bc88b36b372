package bench

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/hf"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/safetensors"
	"github.com/greenai/greenai/shape"
)

// llmConfigs are the configs of issue 10's speed target, as published
// (testdata/*.json), with the parameter counts they must give.
var llmConfigs = []struct {
	name   string
	params int64
}{
	{"llama-3-70b", 70_553_706_496},
	{"deepseek-v3", 671_026_419_200}, // without the multi-token-prediction layer
}

// countConfig does what `greenai fpo CONFIG` does: detect and open the
// input, build the graph, infer every shape, count FPO (symbolic in batch,
// sequence and past unless dims are given).
func countConfig(path string, phase hf.Phase, dims map[string]int64) (*fpo.Report, error) {
	m, err := modelfile.Open(path, modelfile.Options{Build: hf.BuildOptions{Phase: phase}})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	res, err := shape.Infer(m.Graph, shape.Options{Dims: dims})
	if err != nil {
		return nil, err
	}
	if len(res.Failures) > 0 {
		return nil, fmt.Errorf("%s: inference failed at %s: %s", path, res.Failures[0].Node, res.Failures[0].Err)
	}
	return fpo.Count(res, fpo.Options{})
}

// BenchmarkConfigCount times counting Llama-3-70B and DeepSeek-V3 from
// their config.json, per phase, symbolic and at batch 1 × 4096 tokens
// (target: under 1 s and 100 MB RSS). peak-RSS-MB is the test process's
// (see measure); bench/llm.sh measures the CLI as a separate process.
func BenchmarkConfigCount(b *testing.B) {
	for _, c := range llmConfigs {
		path := filepath.Join("testdata", c.name+".json")
		for _, ph := range []hf.Phase{hf.Train, hf.Prefill, hf.Decode} {
			for _, bound := range []bool{false, true} {
				dims := map[string]int64(nil)
				label := "symbolic"
				if bound {
					dims = map[string]int64{"batch": 1, "sequence": 4096}
					if ph == hf.Decode {
						dims = map[string]int64{"batch": 1, "past": 4096}
					}
					label = "1x4096"
				}
				b.Run(fmt.Sprintf("%s/%s/%s", c.name, ph, label), func(b *testing.B) {
					measure(b, path, func(p string) (any, error) {
						rep, err := countConfig(p, ph, dims)
						if err == nil && rep.Params.Params != c.params {
							err = fmt.Errorf("%s: %d params, want %d", p, rep.Params.Params, c.params)
						}
						return rep, err
					})
				})
			}
		}
	}
}

// BenchmarkFolderCheck times inspecting a Llama-3-70B folder: the config,
// 30 sparse safetensors shards (headers only on disk) and their check
// against the graph.
func BenchmarkFolderCheck(b *testing.B) {
	dir := b.TempDir()
	data, err := readFile(filepath.Join("testdata", "llama-3-70b.json"))
	if err != nil {
		b.Fatal(err)
	}
	if err := writeFile(filepath.Join(dir, "config.json"), data); err != nil {
		b.Fatal(err)
	}
	m, err := modelfile.Open(filepath.Join(dir, "config.json"), modelfile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var specs []safetensors.Spec
	for _, t := range m.Graph.Graph.Initializers {
		specs = append(specs, safetensors.Spec{Name: t.Name, DType: "BF16", Shape: t.Dims})
	}
	if err := writeShards(dir, specs, 30); err != nil {
		b.Fatal(err)
	}
	measure(b, filepath.Join(dir, "config.json"), func(string) (any, error) {
		m, err := modelfile.Open(dir, modelfile.Options{})
		if err == nil && !m.Check.Agrees {
			err = fmt.Errorf("check: %s", m.Check.Summary())
		}
		return m, err
	})
}
