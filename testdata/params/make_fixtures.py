#!/usr/bin/env python3
"""Small PyTorch exports WITH their weights, for params' tests.

Run with Debian's python3-torch (1.13) and python3-onnx:

    apt-get install -y python3-torch python3-onnx
    /usr/bin/python3 testdata/params/make_fixtures.py

Each model is exported with torch.onnx.export (opset 17, constant folding
on, a dynamic batch and sequence) and PyTorch's parameter count,
sum(p.numel() for p in model.parameters()) (tied weights once), is written
to fixtures.json beside it.

- tied_decoder: a causal decoder whose output projection is the token
  embedding (weight tying). The exporter folds the transposed embedding
  into a second initializer, as GPT-2's export did, and builds the causal
  mask from the input's sequence length (ConstantOfShape of a shape
  computed from the input).
- untied_decoder: the same with a separate output projection: two stored
  matrices of transposed shapes that are NOT copies.
- stacked_encoder: nn.TransformerEncoder of 2 layers, copies of one layer
  at initialization: the exporter stores the equal tensors once and
  aliases them through Identity nodes (as the reference BERT).
- tied_decoder_structure.onnx: tied_decoder with its weights moved to
  external data that is not shipped (a structure-only file): duplicates
  cannot be checked.
"""
import json
import os

import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Decoder(nn.Module):
    def __init__(self, tied, vocab=1000, d=64, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(128, d) * 0.02)
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(nn.ModuleDict({
                "ln": nn.LayerNorm(d),
                "qkv": nn.Linear(d, 3 * d),
                "proj": nn.Linear(d, d),
                "ln2": nn.LayerNorm(d),
                "fc1": nn.Linear(d, 4 * d),
                "fc2": nn.Linear(4 * d, d),
            }))
            # Give every parameter distinct values (as after training), so
            # only a real tie makes two stored tensors equal.
            for p in self.blocks[-1].parameters():
                nn.init.normal_(p, std=0.02)
        self.ln_f = nn.LayerNorm(d)
        nn.init.normal_(self.ln_f.weight, 1.0, 0.02)
        self.tied = tied
        if not tied:
            self.head = nn.Linear(d, vocab, bias=False)
        self.d = d

    def forward(self, x):  # x [batch, sequence]
        t = x.shape[1]
        h = self.emb(x) + self.pos[:t]
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        for b in self.blocks:
            y = b["ln"](h)
            q, k, v = b["qkv"](y).split(self.d, dim=-1)
            a = torch.softmax(q @ k.transpose(1, 2) / self.d ** 0.5 + mask, dim=-1)
            h = h + b["proj"](a @ v)
            h = h + b["fc2"](torch.relu(b["fc1"](b["ln2"](h))))
        h = self.ln_f(h)
        w = self.emb.weight if self.tied else self.head.weight
        return h @ w.t()


def export(model, name, x, axes):
    model.eval()
    path = os.path.join(HERE, name + ".onnx")
    torch.onnx.export(model, (x,), path, opset_version=17, do_constant_folding=True,
                      input_names=["input"], output_names=["output"], dynamic_axes=axes)
    return path


def main():
    torch.manual_seed(0)
    facts = {}
    seq_axes = {"input": {0: "batch", 1: "sequence"}, "output": {0: "batch", 1: "sequence"}}
    for name, model in [("tied_decoder", Decoder(True)), ("untied_decoder", Decoder(False))]:
        export(model, name, torch.zeros(1, 16, dtype=torch.long), seq_axes)
        facts[name] = {"params": sum(p.numel() for p in model.parameters()),
                       "input": {"name": "input", "shape": [1, 16]}}
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, batch_first=True), num_layers=2)
    export(enc, "stacked_encoder", torch.zeros(1, 8, 32), {"input": {0: "batch", 1: "sequence"}})
    facts["stacked_encoder"] = {"params": sum(p.numel() for p in enc.parameters()),
                                "input": {"name": "input", "shape": [1, 8, 32]}}

    # The tied decoder as a structure-only file: every initializer over
    # 1 KiB moved to an external data file that is then deleted.
    m = onnx.load(os.path.join(HERE, "tied_decoder.onnx"))
    onnx.save_model(m, os.path.join(HERE, "tied_decoder_structure.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="tied_decoder_structure.onnx.data", size_threshold=1024)
    os.remove(os.path.join(HERE, "tied_decoder_structure.onnx.data"))
    facts["tied_decoder_structure"] = dict(facts["tied_decoder"])

    with open(os.path.join(HERE, "fixtures.json"), "w") as f:
        json.dump({"generator": "testdata/params/make_fixtures.py", "torch": torch.__version__,
                   "params": "sum(p.numel() for p in model.parameters())", "models": facts}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(facts, indent=1))


if __name__ == "__main__":
    main()
