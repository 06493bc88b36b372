// Command figure4 reproduces Green AI's Figure 4 from greenai's own counts:
// parameters, FPO (and MACs) and ImageNet top-1 accuracy of leading
// torchvision models and of a ResNet depth sweep, with the Pareto front.
//
//	go run ./examples/figure4            # writes examples/figure4/out/
//	go run ./examples/figure4 -models testdata/models -out /tmp/fig4
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/greenai/greenai/fpo"
	"github.com/greenai/greenai/onnx"
	"github.com/greenai/greenai/report"
	"github.com/greenai/greenai/shape"
	_ "github.com/greenai/greenai/shape/ops"
	"github.com/greenai/greenai/sym"
)

// The models of the figure: the paper's ResNet depth sweep, and leading
// architectures of several families.
var (
	resnets = []string{"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"}
	leading = []string{"alexnet", "vgg16", "googlenet", "inception_v3", "resnext50_32x4d", "resnext101_32x8d",
		"wide_resnet50_2", "densenet121", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
		"mnasnet1_0", "shufflenet_v2_x1_0", "squeezenet1_1", "regnet_y_400mf", "efficientnet_b0",
		"efficientnet_v2_s", "convnext_tiny", "vit_b_16", "swin_t", "maxvit_t"}
)

// Row is one model's counts at batch 1.
type Row struct {
	Model, Group string
	Params       int64 // parameters stored in the ONNX graph (BatchNorm folded)
	TorchParams  int64 // PyTorch's count, from the model's .json
	MACs, FPO    int64
	Acc1         float64
}

func main() {
	models := flag.String("models", "testdata/models", "folder with the reference models and their .json facts")
	out := flag.String("out", "examples/figure4/out", "output folder")
	flag.Parse()
	rows, err := Count(*models)
	if err != nil {
		fail(err)
	}
	if err := Write(rows, *out); err != nil {
		fail(err)
	}
	fmt.Printf("wrote %s (models.csv, figure4.png, figure4.svg, figure4.pdf)\n", *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "figure4:", err)
	os.Exit(1)
}

// Count counts every model of the figure at batch 1.
func Count(dir string) ([]Row, error) {
	var rows []Row
	for _, group := range []struct {
		name   string
		models []string
	}{{"ResNet depth", resnets}, {"leading models", leading}} {
		for _, name := range group.models {
			r, err := countOne(dir, name)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			r.Group = group.name
			rows = append(rows, r)
		}
	}
	return rows, nil
}

func countOne(dir, name string) (Row, error) {
	var facts struct {
		Params int64   `json:"params"`
		Acc1   float64 `json:"acc@1"`
		Input  struct {
			Name  string  `json:"name"`
			Shape []int64 `json:"shape"`
		} `json:"input"`
	}
	data, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		return Row{}, err
	}
	if err := json.Unmarshal(data, &facts); err != nil {
		return Row{}, err
	}
	if facts.Acc1 == 0 {
		return Row{}, fmt.Errorf("no acc@1 recorded")
	}
	m, err := onnx.Open(filepath.Join(dir, name+".onnx"))
	if err != nil {
		return Row{}, err
	}
	defer m.Close()
	res, err := shape.Infer(m, shape.Options{Inputs: map[string][]sym.Expr{facts.Input.Name: shape.Dims(facts.Input.Shape...)}})
	if err != nil {
		return Row{}, err
	}
	if len(res.Failures) > 0 || len(res.Unsupported) > 0 {
		return Row{}, fmt.Errorf("inference incomplete: %v %v", res.Failures, res.Unsupported)
	}
	rep, err := fpo.Count(res, fpo.Options{})
	if err != nil {
		return Row{}, err
	}
	f, ok1 := rep.FPO.IsConst()
	mac, ok2 := rep.MACs.IsConst()
	if !ok1 || !ok2 || len(rep.Uncounted) > 0 {
		return Row{}, fmt.Errorf("count incomplete: %s FPO, %d uncounted", rep.FPO, len(rep.Uncounted))
	}
	return Row{Model: name, Params: rep.Params.Params, TorchParams: facts.Params, MACs: mac, FPO: f, Acc1: facts.Acc1}, nil
}

// Write writes models.csv and the figure in PNG, SVG and PDF.
func Write(rows []Row, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(out, "models.csv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"model", "group", "params", "torch_params", "macs", "fpo", "acc1"})
	for _, r := range rows {
		w.Write([]string{r.Model, r.Group, strconv.FormatInt(r.Params, 10), strconv.FormatInt(r.TorchParams, 10),
			strconv.FormatInt(r.MACs, 10), strconv.FormatInt(r.FPO, 10), strconv.FormatFloat(r.Acc1, 'f', -1, 64)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	in, err := report.ReadFile(path)
	if err != nil {
		return err
	}
	models, err := report.ModelsFromInput(in)
	if err != nil {
		return err
	}
	cmp := &report.ModelComparison{Models: models, Connect: map[string]bool{"ResNet depth": true}}
	views, _, err := cmp.Views([]string{"fpo", "macs", "params"})
	if err != nil {
		return err
	}
	fig := report.Figure(views)
	for _, ext := range []string{"png", "svg", "pdf"} {
		if err := fig.Save(filepath.Join(out, "figure4."+ext)); err != nil {
			return err
		}
	}
	return nil
}
