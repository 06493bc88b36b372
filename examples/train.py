#!/usr/bin/env python3
"""A small, real training run for trying greenai on a fresh machine.

It trains the two-layer perceptron of examples/mlp.onnx (8 inputs, 16
hidden ReLU units, 2 classes) with minibatch SGD on a synthetic, seeded
classification problem, in pure Python (standard library only), and
reports its metrics the way `greenai run` reads them: one JSON object per
line appended to the file named by $GREENAI_METRICS (printed on standard
output when it is not set).

    greenai run --experiment demo --param lr=0.1 -- python3 examples/train.py --lr 0.1

Takes about a second. The sizes match examples/cost.yaml (1000 training
examples, 200 validation examples, batch 32), so the FPO that
`greenai run --model examples/mlp.onnx --spec examples/cost.yaml` records is
the FPO of this run.
"""
import argparse
import json
import math
import os
import random

IN, HIDDEN, OUT = 8, 16, 2


def dataset(n, rng, w):
    """n examples of IN features; the label is the sign of a fixed
    nonlinear function of them, with 5% label noise."""
    xs, ys = [], []
    for _ in range(n):
        x = [rng.gauss(0, 1) for _ in range(IN)]
        s = sum(wi * xi for wi, xi in zip(w, x)) + 0.5 * x[0] * x[1]
        y = 1 if s > 0 else 0
        if rng.random() < 0.05:
            y = 1 - y
        xs.append(x)
        ys.append(y)
    return xs, ys


def forward(p, x):
    h = [max(0.0, p["b1"][j] + sum(x[i] * p["w1"][i][j] for i in range(IN))) for j in range(HIDDEN)]
    z = [p["b2"][k] + sum(h[j] * p["w2"][j][k] for j in range(HIDDEN)) for k in range(OUT)]
    m = max(z)
    e = [math.exp(v - m) for v in z]
    s = sum(e)
    return h, [v / s for v in e]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lr", type=float, default=0.1, help="learning rate")
    ap.add_argument("--epochs", type=int, default=3, help="passes over the training set")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0, help="seed of the initialisation and batch order")
    a = ap.parse_args()
    if a.lr <= 0 or a.epochs < 1 or a.batch_size < 1:
        ap.error("--lr, --epochs and --batch-size must be positive")

    data = random.Random(1234)  # the data set is the same for every run
    w = [data.gauss(0, 1) for _ in range(IN)]
    xtr, ytr = dataset(1000, data, w)
    xva, yva = dataset(200, data, w)

    rng = random.Random(a.seed)
    p = {
        "w1": [[rng.gauss(0, math.sqrt(2 / IN)) for _ in range(HIDDEN)] for _ in range(IN)],
        "b1": [0.0] * HIDDEN,
        "w2": [[rng.gauss(0, math.sqrt(1 / HIDDEN)) for _ in range(OUT)] for _ in range(HIDDEN)],
        "b2": [0.0] * OUT,
    }
    path = os.environ.get("GREENAI_METRICS")
    out = open(path, "a") if path else None

    def report(obj):
        line = json.dumps(obj)
        if out:
            out.write(line + "\n")
            out.flush()
        else:
            print(line)

    order = list(range(len(xtr)))
    step = 0
    for epoch in range(1, a.epochs + 1):
        rng.shuffle(order)
        total = 0.0
        for b0 in range(0, len(order), a.batch_size):
            batch = order[b0:b0 + a.batch_size]
            g = {"w1": [[0.0] * HIDDEN for _ in range(IN)], "b1": [0.0] * HIDDEN,
                 "w2": [[0.0] * OUT for _ in range(HIDDEN)], "b2": [0.0] * OUT}
            for n in batch:
                x, y = xtr[n], ytr[n]
                h, q = forward(p, x)
                total -= math.log(max(q[y], 1e-12))
                dz = [q[k] - (1.0 if k == y else 0.0) for k in range(OUT)]
                for k in range(OUT):
                    g["b2"][k] += dz[k]
                dh = [0.0] * HIDDEN
                for j in range(HIDDEN):
                    for k in range(OUT):
                        g["w2"][j][k] += h[j] * dz[k]
                        dh[j] += p["w2"][j][k] * dz[k]
                    if h[j] <= 0:
                        dh[j] = 0.0
                    g["b1"][j] += dh[j]
                    for i in range(IN):
                        g["w1"][i][j] += x[i] * dh[j]
            s = a.lr / len(batch)
            for i in range(IN):
                for j in range(HIDDEN):
                    p["w1"][i][j] -= s * g["w1"][i][j]
            for j in range(HIDDEN):
                p["b1"][j] -= s * g["b1"][j]
                for k in range(OUT):
                    p["w2"][j][k] -= s * g["w2"][j][k]
            for k in range(OUT):
                p["b2"][k] -= s * g["b2"][k]
            step += 1
        correct = sum(1 for x, y in zip(xva, yva) if max(range(OUT), key=forward(p, x)[1].__getitem__) == y)
        report({"step": step, "epoch": epoch, "loss": round(total / len(xtr), 6),
                "val_acc": round(correct / len(xva), 4)})
    if out:
        out.close()


if __name__ == "__main__":
    main()
