// Package demo seeds a leaderboard with torchvision's ImageNet classifiers (structure-only ONNX exports bundled in the binary) and their published top-1 accuracies, for "greenai serve --demo" and the tests.
package demo

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/greenai/greenai/board"
)

//go:embed models/*.onnx
var models embed.FS

// Models is the bundled model files (NAME.onnx).
func Models() fs.FS {
	sub, _ := fs.Sub(models, "models")
	return sub
}

// Model is one seeded entry: a torchvision model and its published
// ImageNet-1K top-1 accuracy (torchvision's weights tables).
type Model struct {
	Name    string
	Top1    float64
	Weights string
}

// ImageNet lists the bundled classifiers.
var ImageNet = []Model{
	{Name: "alexnet", Top1: 56.522, Weights: "AlexNet_Weights.IMAGENET1K_V1"},
	{Name: "vgg16", Top1: 71.592, Weights: "VGG16_Weights.IMAGENET1K_V1"},
	{Name: "resnet18", Top1: 69.758, Weights: "ResNet18_Weights.IMAGENET1K_V1"},
	{Name: "resnet34", Top1: 73.314, Weights: "ResNet34_Weights.IMAGENET1K_V1"},
	{Name: "resnet50", Top1: 80.858, Weights: "ResNet50_Weights.IMAGENET1K_V2"},
	{Name: "resnet101", Top1: 81.886, Weights: "ResNet101_Weights.IMAGENET1K_V2"},
	{Name: "resnet152", Top1: 82.284, Weights: "ResNet152_Weights.IMAGENET1K_V2"},
	{Name: "squeezenet1_1", Top1: 58.178, Weights: "SqueezeNet1_1_Weights.IMAGENET1K_V1"},
	{Name: "mobilenet_v2", Top1: 72.154, Weights: "MobileNet_V2_Weights.IMAGENET1K_V2"},
	{Name: "mobilenet_v3_small", Top1: 67.668, Weights: "MobileNet_V3_Small_Weights.IMAGENET1K_V1"},
	{Name: "mobilenet_v3_large", Top1: 75.274, Weights: "MobileNet_V3_Large_Weights.IMAGENET1K_V2"},
	{Name: "mnasnet1_0", Top1: 73.456, Weights: "MNASNet1_0_Weights.IMAGENET1K_V1"},
	{Name: "googlenet", Top1: 69.778, Weights: "GoogLeNet_Weights.IMAGENET1K_V1"},
	{Name: "efficientnet_b0", Top1: 77.692, Weights: "EfficientNet_B0_Weights.IMAGENET1K_V1"},
	{Name: "regnet_y_400mf", Top1: 75.804, Weights: "RegNet_Y_400MF_Weights.IMAGENET1K_V2"},
	{Name: "shufflenet_v2_x1_0", Top1: 69.362, Weights: "ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1"},
	{Name: "densenet121", Top1: 74.434, Weights: "DenseNet121_Weights.IMAGENET1K_V1"},
	{Name: "convnext_tiny", Top1: 82.52, Weights: "ConvNeXt_Tiny_Weights.IMAGENET1K_V1"},
	{Name: "resnext50_32x4d", Top1: 81.198, Weights: "ResNeXt50_32X4D_Weights.IMAGENET1K_V2"},
	{Name: "wide_resnet50_2", Top1: 81.602, Weights: "Wide_ResNet50_2_Weights.IMAGENET1K_V2"},
	{Name: "vit_b_16", Top1: 81.072, Weights: "ViT_B_16_Weights.IMAGENET1K_V1"},
}

// Board is the demo board.
func Board() *board.Board {
	return &board.Board{
		Name: "imagenet-top1", Title: "ImageNet top-1", Task: "image classification", Dataset: "ImageNet-1K (ILSVRC 2012) validation",
		Metric: "top1", Unit: "%", Higher: true, Inputs: map[string]string{"*": "1x3x224x224"},
		Description: "torchvision's classifiers with their published top-1 accuracies. FPO, MACs and parameters are counted by this server from the ONNX exports at 1×3×224×224.",
	}
}

// recipe is torchvision's classification reference recipe for the ResNet,
// VGG and AlexNet weights (90 epochs of SGD, batch 32 on each of 8 GPUs),
// as a greenai cost spec.
const recipe = `{"inputs": {"input": "batchx3x224x224"}, "train": {"examples": 1281167, "epochs": 90, "batch_size": 256, "optimizer": "sgd"},
 "eval": {"examples": 50000, "every_epochs": 1, "batch_size": 256}, "search": {"trials": 1}}`

var recipeModels = map[string]bool{"alexnet": true, "vgg16": true, "resnet18": true, "resnet34": true, "resnet50": true, "resnet101": true, "resnet152": true}

// Seed creates the board b (if missing) and adds one entry per model whose
// NAME.onnx is in fsys, counted with c. It returns a submit token for the
// board's admin and the number of entries added.
func Seed(ctx context.Context, st *board.Store, c board.Counter, b *board.Board, fsys fs.FS, list []Model) (token string, added int, err error) {
	if err := st.CreateBoard(ctx, b); err != nil && !isExists(err) {
		return "", 0, err
	}
	token, tok, err := st.IssueToken(ctx, "torchvision (published numbers)")
	if err != nil {
		return "", 0, err
	}
	dir, err := os.MkdirTemp("", "greenai-demo-")
	if err != nil {
		return "", 0, err
	}
	defer os.RemoveAll(dir)
	for _, m := range list {
		data, err := fs.ReadFile(fsys, m.Name+".onnx")
		if err != nil {
			return token, added, fmt.Errorf("demo: %w", err)
		}
		path := filepath.Join(dir, m.Name+".onnx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return token, added, err
		}
		man := &board.Manifest{Format: board.BundleFormat, Version: board.BundleVersion, SubmissionID: "demo-" + m.Name, Board: b.Name, Model: m.Name,
			Metrics: map[string]float64{b.Metric: m.Top1}, Code: "https://github.com/pytorch/vision",
			Notes: "torchvision " + m.Weights + "; top-1 as published by torchvision."}
		if recipeModels[m.Name] && b.Name == Board().Name {
			man.CostSpec = json.RawMessage(recipe)
		}
		if err := man.Validate(); err != nil {
			return token, added, fmt.Errorf("demo %s: %w", m.Name, err)
		}
		req := board.CountRequest{Model: path, Inputs: b.Inputs, Dims: b.Dims, Spec: man.CostSpec}
		counted, err := c.Count(ctx, req)
		if err != nil {
			return token, added, fmt.Errorf("demo %s: %w", m.Name, err)
		}
		sum := sha256.Sum256(data)
		e := board.NewEntry(man, b, tok, board.ModelFile{Name: m.Name + ".onnx", Format: "onnx", SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(data))}, counted, time.Now())
		if _, created, err := st.AddEntry(ctx, e, tok.ID); err != nil {
			return token, added, err
		} else if created {
			added++
		}
	}
	return token, added, nil
}

func isExists(err error) bool { return errors.Is(err, board.ErrExists) }
