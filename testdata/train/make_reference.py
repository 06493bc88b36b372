#!/usr/bin/env python3
"""PyTorch's dispatch-level count of one training step, for train's tests.

Run with Debian's python3-torch (1.13) and python3-onnx:

    apt-get install -y python3-torch python3-onnx
    /usr/bin/python3 testdata/train/make_reference.py

It rebuilds the two recurrent reference models of testdata/models
(lstm_tagger, gru_lm: same layers and sizes as their ONNX graphs) and
exports two small recurrent models with the layers the issue describes
(an LSTM classifier, a 1-D convolution + GRU audio model) to
testdata/train/*.onnx. For each it runs one training step (forward, cross
entropy, backward, SGD update) at the recorded input shape under a
TorchDispatchMode that counts the multiply-accumulates of every matrix
product and convolution the kernels dispatch (aten.mm, addmm, bmm, baddbmm,
convolution and convolution_backward), split into forward and backward.
Elementwise work (activations, gates, bias adds, the loss, the update) is
not counted: the comparison is of MACs of linear, recurrent and
convolution ops. It writes reference.json beside this script.

The initial hidden states are zeros that need no gradient, as in any
PyTorch model that does not pass (or learn) them.
"""
import json
import os

import torch
import torch.nn as nn
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten
HERE = os.path.dirname(os.path.abspath(__file__))


def prod(xs):
    p = 1
    for x in xs:
        p *= int(x)
    return p


def mm_macs(a, b):
    return prod(a.shape[:-1]) * int(a.shape[-1]) * int(b.shape[-1])


def conv_macs(x_shape, w_shape, out_shape, transposed):
    # Every output element of a (grouped) convolution takes Cin/groups × kernel
    # products; a transposed one: every input element.
    if transposed:
        return prod(x_shape) * prod(w_shape[1:])
    return prod(out_shape) * prod(w_shape[1:])


class Counter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.phase = "forward"
        self.macs = {"forward": 0, "backward": 0}
        self.by_op = {}

    def add(self, name, n):
        self.macs[self.phase] += n
        k = self.phase + "/" + name
        self.by_op[k] = self.by_op.get(k, 0) + n

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        p = func.overloadpacket
        if p is aten.mm:
            self.add("mm", mm_macs(args[0], args[1]))
        elif p is aten.addmm:
            self.add("addmm", mm_macs(args[1], args[2]))
        elif p is aten.bmm:
            self.add("bmm", mm_macs(args[0], args[1]))
        elif p is aten.baddbmm:
            self.add("baddbmm", mm_macs(args[1], args[2]))
        elif p in (aten.convolution, aten._convolution):
            x, w = args[0], args[1]
            self.add("convolution", conv_macs(x.shape, w.shape, out.shape, bool(args[6])))
        elif p is aten.convolution_backward:
            grad_out, x, w = args[0], args[1], args[2]
            transposed = bool(args[7])
            mask = args[10]
            n = conv_macs(x.shape, w.shape, grad_out.shape, transposed)
            # grad_input and grad_weight each pair the forward's products.
            self.add("convolution_backward", n * (int(mask[0]) + int(mask[1])))
        return out


class Tagger(nn.Module):
    """testdata/models/lstm_tagger: embedding, 2-layer bidirectional LSTM, linear."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10000, 256)
        self.lstm = nn.LSTM(256, 512, num_layers=2, bidirectional=True)
        self.out = nn.Linear(1024, 17)

    def forward(self, x):  # x [batch, sequence]
        h, _ = self.lstm(self.emb(x).transpose(0, 1))
        return self.out(h.transpose(0, 1))


class GRULM(nn.Module):
    """testdata/models/gru_lm: embedding, one GRU layer, linear to the vocabulary."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10000, 256)
        self.gru = nn.GRU(256, 512)
        self.out = nn.Linear(512, 10000)

    def forward(self, x):
        h, _ = self.gru(self.emb(x).transpose(0, 1))
        return self.out(h.transpose(0, 1))


class LSTMClassifier(nn.Module):
    """An LSTM sentence classifier: embedding, 1-layer LSTM, last state → classes."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(1000, 32)
        self.lstm = nn.LSTM(32, 48, batch_first=True)
        self.fc = nn.Linear(48, 5)

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        return self.fc(h[:, -1])


class ConvGRUAudio(nn.Module):
    """A 1-D convolution front end over a waveform, a GRU, a classifier."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(1, 16, kernel_size=9, stride=4, padding=4)
        self.conv2 = nn.Conv1d(16, 32, kernel_size=5, stride=2, padding=2)
        self.gru = nn.GRU(32, 40, batch_first=True)
        self.fc = nn.Linear(40, 10)

    def forward(self, x):  # x [batch, 1, samples]
        y = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        h, _ = self.gru(y.transpose(1, 2))
        return self.fc(h[:, -1])


def step(model, x, classes, per_position):
    torch.manual_seed(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    c = Counter()
    with c:
        y = model(x)
        if per_position:
            target = torch.zeros(y.shape[:-1], dtype=torch.long)
            loss = nn.functional.cross_entropy(y.reshape(-1, classes), target.reshape(-1))
        else:
            loss = nn.functional.cross_entropy(y, torch.zeros(y.shape[0], dtype=torch.long))
        c.phase = "backward"
        loss.backward()
        c.phase = "update"
        c.macs["update"] = 0
        opt.step()
    return c


def main():
    torch.manual_seed(0)
    # PyTorch's CPU RNNs run on the native kernels (one matrix product per
    # step for the recurrence) with mkldnn off.
    torch.backends.mkldnn.enabled = False
    out = {}
    cases = [
        ("lstm_tagger", Tagger(), torch.zeros(1, 64, dtype=torch.long), 17, True, None),
        ("gru_lm", GRULM(), torch.zeros(1, 64, dtype=torch.long), 10000, True, None),
        ("lstm_classifier", LSTMClassifier(), torch.randint(0, 1000, (2, 20)), 5, False, "lstm_classifier.onnx"),
        ("conv_gru_audio", ConvGRUAudio(), torch.randn(2, 1, 800), 10, False, "conv_gru_audio.onnx"),
    ]
    for name, model, x, classes, per_pos, onnx_file in cases:
        c = step(model, x, classes, per_pos)
        params = sum(p.numel() for p in model.parameters())
        out[name] = {
            "input_shape": list(x.shape),
            "params": params,
            "forward_macs": c.macs["forward"],
            "backward_macs": c.macs["backward"],
            "update_macs": c.macs["update"],
            "by_op": c.by_op,
        }
        if onnx_file:
            model.eval()
            torch.onnx.export(model, (x,), os.path.join(HERE, onnx_file), opset_version=17,
                              input_names=["input"], output_names=["output"], do_constant_folding=True)
        print(name, out[name])
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"generator": "testdata/train/make_reference.py",
                   "torch": torch.__version__,
                   "counted": "multiply-accumulates of aten.mm/addmm/bmm/baddbmm/convolution/convolution_backward "
                              "dispatched during one training step (forward, cross-entropy loss, backward, SGD step); "
                              "no elementwise work",
                   "models": out}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
