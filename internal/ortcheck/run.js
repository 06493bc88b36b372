// Runs ONNX models in ONNX Runtime (onnxruntime-node, CPU) and prints the
// real type and dims of their outputs, for greenai's ORT conformance test.
//
// usage: node run.js MANIFEST.json  (GREENAI_ORT_DIR: the node_modules
// folder that holds onnxruntime-node)
//
// The manifest is [{"id", "model", "inputs": [{"name", "type", "dims",
// "values"?}]}]. Inputs without values get deterministic data: floats in
// [0.1, 0.9), integers 0, booleans false, strings "a". The output is one JSON
// object: {"id": {"outputs": {"name": {"type", "dims"}}} or {"error": "..."}}.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.env.GREENAI_ORT_DIR;
const ort = require(dir ? path.join(dir, 'onnxruntime-node') : 'onnxruntime-node');

function fill(type, n, values) {
  const pick = (i, d) => (values && values.length ? values[i % values.length] : d(i));
  const fl = (i) => 0.1 + ((i * 7919) % 800) / 1000;
  switch (type) {
    case 'float32': return Float32Array.from({ length: n }, (_, i) => pick(i, fl));
    case 'float64': return Float64Array.from({ length: n }, (_, i) => pick(i, fl));
    case 'float16': {
      // IEEE half bit patterns of the float values.
      const f = new Float32Array(1), u = new Uint32Array(f.buffer);
      return Uint16Array.from({ length: n }, (_, i) => {
        f[0] = pick(i, fl);
        const x = u[0], s = (x >>> 16) & 0x8000, e = ((x >>> 23) & 0xff) - 112, m = (x >>> 13) & 0x3ff;
        return e <= 0 ? s : e >= 31 ? s | 0x7c00 : s | (e << 10) | m;
      });
    }
    case 'int8': return Int8Array.from({ length: n }, (_, i) => pick(i, () => 0));
    case 'uint8': return Uint8Array.from({ length: n }, (_, i) => pick(i, () => 0));
    case 'int16': return Int16Array.from({ length: n }, (_, i) => pick(i, () => 0));
    case 'uint16': return Uint16Array.from({ length: n }, (_, i) => pick(i, () => 0));
    case 'int32': return Int32Array.from({ length: n }, (_, i) => pick(i, () => 0));
    case 'uint32': return Uint32Array.from({ length: n }, (_, i) => pick(i, () => 0));
    case 'int64': return BigInt64Array.from({ length: n }, (_, i) => BigInt(pick(i, () => 0)));
    case 'uint64': return BigUint64Array.from({ length: n }, (_, i) => BigInt(pick(i, () => 0)));
    case 'bool': return Uint8Array.from({ length: n }, (_, i) => (pick(i, () => 0) ? 1 : 0));
    case 'string': return Array.from({ length: n }, (_, i) => String(pick(i, () => 'a')));
    default: throw new Error('unsupported input type ' + type);
  }
}

async function main() {
  const manifest = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const out = {};
  for (const c of manifest) {
    try {
      const s = await ort.InferenceSession.create(c.model, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
      const feeds = {};
      for (const inp of c.inputs) {
        const n = inp.dims.reduce((a, b) => a * b, 1);
        feeds[inp.name] = new ort.Tensor(inp.type, fill(inp.type, n, inp.values), inp.dims);
      }
      const res = await s.run(feeds);
      const o = {};
      for (const name of s.outputNames) {
        const t = res[name];
        o[name] = t && t.dims ? { type: t.type, dims: Array.from(t.dims, Number) } : { type: 'non-tensor', dims: [] };
      }
      out[c.id] = { outputs: o };
      if (s.release) await s.release();
    } catch (e) {
      out[c.id] = { error: String(e && e.message ? e.message : e) };
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
