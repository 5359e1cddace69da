/**
 * Circuit statistics (gate counts, AND depth, layer widths) and reordering of
 * gates into layers by AND depth: the shape the engines execute, where one
 * layer of AND gates costs one round of communication.
 */
import { type BooleanCircuit, GateOp } from './circuit.js';

export interface CircuitStats {
  gates: number;
  and: number;
  xor: number;
  inv: number;
  /** EQ gates (constants) and EQW gates (copies). */
  const: number;
  copy: number;
  wires: number;
  inputs: Array<{ name: string; width: number }>;
  outputs: Array<{ name: string; width: number }>;
  /** Longest chain of AND gates from an input to an output. */
  andDepth: number;
  /** Number of AND gates at each AND depth 1..andDepth. */
  layerWidths: number[];
}

/** AND depth of each gate's output (XOR, INV and copies add nothing; an AND adds one). */
export function gateAndDepths(c: BooleanCircuit): Uint32Array {
  const wireDepth = new Uint32Array(c.wireCount);
  const depth = new Uint32Array(c.gateCount);
  const { op, a, b, out } = c;
  for (let i = 0; i < c.gateCount; i++) {
    let d = 0;
    switch (op[i]) {
      case GateOp.AND:
        d = Math.max(wireDepth[a[i]], wireDepth[b[i]]) + 1;
        break;
      case GateOp.XOR:
        d = Math.max(wireDepth[a[i]], wireDepth[b[i]]);
        break;
      case GateOp.CONST:
        d = 0;
        break;
      default:
        d = wireDepth[a[i]];
    }
    wireDepth[out[i]] = d;
    depth[i] = d;
  }
  return depth;
}

export function circuitStats(c: BooleanCircuit): CircuitStats {
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < c.gateCount; i++) counts[c.op[i]]++;
  const depth = gateAndDepths(c);
  let andDepth = 0;
  for (let i = 0; i < c.gateCount; i++)
    if (c.op[i] === GateOp.AND && depth[i] > andDepth) andDepth = depth[i];
  const layerWidths = new Array<number>(andDepth).fill(0);
  for (let i = 0; i < c.gateCount; i++) if (c.op[i] === GateOp.AND) layerWidths[depth[i] - 1]++;
  return {
    gates: c.gateCount,
    and: counts[GateOp.AND],
    xor: counts[GateOp.XOR],
    inv: counts[GateOp.INV],
    const: counts[GateOp.CONST],
    copy: counts[GateOp.COPY],
    wires: c.wireCount,
    inputs: c.inputs.map((g) => ({ name: g.name, width: g.wires.length })),
    outputs: c.outputs.map((g) => ({ name: g.name, width: g.wires.length })),
    andDepth,
    layerWidths,
  };
}

/**
 * Returns `c` with its gates reordered layer by layer: layer d holds the AND
 * gates of depth d, then the other gates whose output has depth d, in their
 * original relative order (a valid topological order). `layerStarts[d]` is
 * the index of the first gate of layer d; the AND gates of layer d are
 * `layerStarts[d]`…`layerStarts[d] + layerAnds[d] - 1`.
 */
export function layerByAndDepth(c: BooleanCircuit): {
  circuit: BooleanCircuit;
  layerStarts: Uint32Array;
  layerAnds: Uint32Array;
} {
  const depth = gateAndDepths(c);
  const n = c.gateCount;
  const op = c.op;
  let maxDepth = 0;
  for (let i = 0; i < n; i++) if (depth[i] > maxDepth) maxDepth = depth[i];
  // Bucket key: 2*d for AND gates of depth d, 2*d+1 for the other gates of depth d.
  const buckets = 2 * maxDepth + 2;
  const keys = depth; // reused in place: depth is not needed once the keys are made
  for (let i = 0; i < n; i++) keys[i] = 2 * depth[i] + (op[i] === GateOp.AND ? 0 : 1);
  const counts = new Uint32Array(buckets + 1);
  for (let i = 0; i < n; i++) counts[keys[i] + 1]++;
  for (let k = 0; k < buckets; k++) counts[k + 1] += counts[k];
  const next = counts.slice();
  const nop = new Uint8Array(n);
  const na = new Uint32Array(n);
  const nb = new Uint32Array(n);
  const nout = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const j = next[keys[i]]++;
    nop[j] = op[i];
    na[j] = c.a[i];
    nb[j] = c.b[i];
    nout[j] = c.out[i];
  }
  const layerStarts = new Uint32Array(maxDepth + 1);
  const layerAnds = new Uint32Array(maxDepth + 1);
  for (let d = 0; d <= maxDepth; d++) {
    layerStarts[d] = counts[2 * d];
    layerAnds[d] = counts[2 * d + 1] - counts[2 * d];
  }
  return { circuit: { ...c, op: nop, a: na, b: nb, out: nout }, layerStarts, layerAnds };
}
