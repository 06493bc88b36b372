package main

const manualHeader = `greenai — the computational price of an AI result.

greenai counts floating-point operations (FPO) of ONNX models analytically,
turns them into the price tag of a result (Cost(R) ∝ E·D·H, as proposed in
"Green AI", Schwartz et al., CACM 2020), measures what real runs consumed
(time, energy, carbon), and draws budget/performance reports.

Units: FPO counts one ADD or one MUL as 1. A MAC (multiply-accumulate) is
2 FPO. greenai prints MACs and FPO side by side. SI prefixes are decimal.

`
