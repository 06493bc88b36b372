package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/greenai/greenai/cost"
	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/modelfile"
	"github.com/greenai/greenai/shape"
	"github.com/greenai/greenai/tracker"
)

// recordFPO is the cost calculator of run records (tracker.Config.FPO):
// "greenai run --model M --spec S" records the FPO of one training trial
// under the spec (its per-example cost is E_train); with --model alone, the
// FPO of one forward pass of one example.
func recordFPO(ctx context.Context, model, specPath string) (*tracker.FPOInfo, error) {
	if specPath != "" {
		spec, err := cost.ReadSpec(specPath)
		if err != nil {
			return nil, err
		}
		// The model path comes from the command line: relative to the
		// working directory, not to the spec file.
		if abs, err := filepath.Abs(model); err == nil {
			model = abs
		}
		spec.Model = model
		pt, err := cost.Compute(spec)
		if err != nil {
			return nil, err
		}
		total, _ := pt.TrialFPO.Float64()
		per, _ := pt.ETrain.Float64()
		macs, _ := pt.TrialMACs.Float64()
		return &tracker.FPOInfo{Model: model, Spec: specPath, TotalFPO: total, PerExampleFPO: per, MACs: macs,
			Source: "greenai " + version + " cost: one training trial (forward, backward, optimizer, validation)"}, nil
	}
	mf, err := modelfile.Open(model, modelfile.Options{})
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	res, err := shape.Infer(mf.Graph, shape.Options{Dims: map[string]int64{"batch": 1}})
	if err != nil {
		return nil, err
	}
	rep, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		return nil, err
	}
	f, ok := rep.FPO.IsConst()
	mac, _ := rep.MACs.IsConst()
	if !ok {
		return nil, fmt.Errorf("the model's FPO depends on %v: give a --spec with dims", rep.FPO.Vars())
	}
	return &tracker.FPOInfo{Model: model, TotalFPO: float64(f), PerExampleFPO: float64(f), MACs: float64(mac),
		Source: "greenai " + version + " fpo: one forward pass, batch 1"}, nil
}
