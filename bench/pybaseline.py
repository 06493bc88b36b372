#!/usr/bin/python3
"""Python baseline for bench/compare.sh.

    pybaseline.py inspect MODEL            onnx.load + onnx.shape_inference.infer_shapes
    pybaseline.py fpo MODEL [NAME=DIMS]    the same with data_prop=True, then count
                                           Conv/MatMul/Gemm MACs from the inferred
                                           shapes (onnx-tool style)

For fpo, NAME=DIMS (e.g. input=1x128) fixes a graph input's shape before
inference, as onnx-tool does: MACs need concrete shapes.

Prints one line of key=value pairs on stdout: the seconds spent in
onnx.load, infer_shapes and counting, the node count and, for fpo, the MACs.
Run it under /usr/bin/time -v for wall time and peak RSS of the whole process
(interpreter start and `import onnx` included, as greenai's process start is).
"""

import sys
import time

t0 = time.perf_counter()
import onnx  # noqa: E402
import onnx.shape_inference  # noqa: E402

t_import = time.perf_counter() - t0


def fix_inputs(model, specs):
    """Sets the dims of named graph inputs: specs are NAME=1x128."""
    for spec in specs:
        name, _, dims = spec.partition("=")
        dims = [int(d) for d in dims.split("x")]
        for vi in model.graph.input:
            if vi.name != name:
                continue
            shp = vi.type.tensor_type.shape
            del shp.dim[:]
            for d in dims:
                shp.dim.add().dim_value = d
            break
        else:
            sys.exit("pybaseline: model has no input %r" % name)


def shapes(model):
    """Maps every value name to its inferred dims (None for unknown dims)."""
    out = {}
    g = model.graph
    for t in g.initializer:
        out[t.name] = list(t.dims)
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        tt = vi.type.tensor_type
        if not tt.HasField("shape"):
            continue
        out[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
    return out


def prod(xs):
    p = 1
    for x in xs:
        p *= x
    return p


def known(*dims):
    return all(d is not None for ds in dims for d in ds)


def count_macs(model):
    """MACs of Conv, MatMul and Gemm nodes of the main graph, as onnx-tool
    counts them; returns (macs, nodes counted, nodes skipped for unknown shapes)."""
    shp = shapes(model)
    macs = counted = skipped = 0
    for n in model.graph.node:
        if n.op_type not in ("Conv", "MatMul", "Gemm"):
            continue
        ins = [shp.get(x) for x in n.input if x]
        out = shp.get(n.output[0])
        if out is None or any(s is None for s in ins) or not known(out, *ins):
            skipped += 1
            continue
        if n.op_type == "MatMul":
            k = ins[0][-1]
            m = prod(out) * k
        elif n.op_type == "Gemm":
            trans_a = next((a.i for a in n.attribute if a.name == "transA"), 0)
            k = ins[0][0] if trans_a else ins[0][-1]
            m = prod(out) * k
        else:  # Conv: output elements × input channels per group × kernel size
            group = next((a.i for a in n.attribute if a.name == "group"), 1)
            w = ins[1]
            m = prod(out) * (ins[0][1] // group) * prod(w[2:])
        macs += m
        counted += 1
    return macs, counted, skipped


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("inspect", "fpo"):
        sys.exit(__doc__)
    mode, path = sys.argv[1], sys.argv[2]
    t = time.perf_counter()
    model = onnx.load(path)
    t_load = time.perf_counter() - t
    if mode == "fpo":
        fix_inputs(model, sys.argv[3:])
    t = time.perf_counter()
    # For counting, let inference propagate the values of shape tensors
    # (data_prop), as onnx-tool does: without it the Reshape targets that
    # GPT-2 computes from Shape are unknown and most MatMuls go uncounted.
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=(mode == "fpo"))
    t_infer = time.perf_counter() - t
    res = "import_s=%.3f load_s=%.3f infer_s=%.3f nodes=%d values=%d" % (
        t_import, t_load, t_infer, len(inferred.graph.node), len(inferred.graph.value_info))
    if mode == "fpo":
        t = time.perf_counter()
        macs, counted, skipped = count_macs(inferred)
        res += " count_s=%.3f macs=%d counted=%d skipped=%d" % (time.perf_counter() - t, macs, counted, skipped)
    print(res)


if __name__ == "__main__":
    main()
