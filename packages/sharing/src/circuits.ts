/**
 * Boolean circuits (Bristol Fashion, the IR's call nodes and lowered nodes)
 * on bit-sliced XOR shares: GMW (Goldreich–Micali–Wigderson 1987) with the
 * scheme's AND. Gates run layer by AND depth (layerByAndDepth): every AND of
 * a layer in one round, XOR and INV locally. Each wire is a plane, so one
 * pass evaluates the circuit on every element of a vector (64 per word).
 *
 * Two stores for the wires: when every wire fits in FLAT_STORE_BYTES, one
 * flat array of words per share part, gates working on it in place with no
 * allocation (a single AES, short vectors: millions of tiny gates); otherwise
 * one plane per live wire, dropped after its last use, so memory follows the
 * live wires of a wide evaluation, not the circuit.
 */
import { type BooleanCircuit, GateOp, layerByAndDepth } from '@parley/circuit';
import { copyLanes } from './_lanes.js';
import { u32, wordsFor } from './_words.js';
import type { ShareBackend } from './backend.js';
import type { Proto } from './protocol.js';
import { type Bits, notPlane, Plane, publicPlane, xorPlanes } from './shares.js';

/** Largest flat wire store, per share part. */
export const FLAT_STORE_BYTES = 32 << 20;

interface Prepared {
  circuit: BooleanCircuit;
  layerStarts: Uint32Array;
  layerAnds: Uint32Array;
  /** Index of the last gate reading each wire; −1 for wires that outputs need (never dropped). */
  lastUse: Int32Array;
}

const cache = new WeakMap<BooleanCircuit, Prepared>();

function prepare(c: BooleanCircuit): Prepared {
  let p = cache.get(c);
  if (p) return p;
  const { circuit, layerStarts, layerAnds } = layerByAndDepth(c);
  const lastUse = new Int32Array(circuit.wireCount);
  for (let g = 0; g < circuit.gateCount; g++) {
    const op = circuit.op[g];
    if (op === GateOp.CONST) continue;
    lastUse[circuit.a[g]] = g;
    if (op === GateOp.XOR || op === GateOp.AND) lastUse[circuit.b[g]] = g;
  }
  for (const group of circuit.outputs) for (const w of group.wires) lastUse[w] = -1;
  p = { circuit, layerStarts, layerAnds, lastUse };
  cache.set(c, p);
  return p;
}

const layerEnd = (p: Prepared, d: number) =>
  d + 1 < p.layerStarts.length ? p.layerStarts[d + 1] : p.circuit.gateCount;

/**
 * Evaluates `c` on shared inputs (one Bits per input group, planes of
 * `lanes` lanes) and returns the shared output groups.
 */
export function* evaluateCircuit(
  B: ShareBackend,
  c: BooleanCircuit,
  inputs: Bits[],
  lanes: number,
): Proto<Bits[]> {
  const p = prepare(c);
  const words = wordsFor(lanes);
  if (p.circuit.wireCount * words * 8 <= FLAT_STORE_BYTES) return yield* evaluateFlat(B, p, inputs, lanes);
  return yield* evaluatePlanes(B, p, inputs, lanes);
}

function* evaluateFlat(B: ShareBackend, p: Prepared, inputs: Bits[], lanes: number): Proto<Bits[]> {
  const { circuit, layerStarts, layerAnds } = p;
  const { op, a, b, out } = circuit;
  const W = wordsFor(lanes);
  const S = 2 * W; // 32-bit words per wire
  const full = lanes === 64 * W;
  const stores = Array.from({ length: B.partCount }, () => new BigUint64Array(circuit.wireCount * W));
  const s32 = stores.map(u32);
  circuit.inputs.forEach((g, i) => {
    g.wires.forEach((w, j) => {
      inputs[i][j].parts.forEach((q, k) => {
        s32[k].set(u32(q).subarray(0, S), w * S);
      });
    });
  });
  for (let d = 0; d < layerStarts.length; d++) {
    const start = layerStarts[d];
    const ands = layerAnds[d];
    if (ands > 0) {
      const size = wordsFor(ands * lanes);
      const gather = (wires: Uint32Array) =>
        s32.map((s) => {
          const block = new BigUint64Array(size);
          const b32 = u32(block);
          for (let g = 0; g < ands; g++) {
            const from = wires[start + g] * S;
            if (full) for (let j = 0; j < S; j++) b32[g * S + j] = s[from + j];
            else copyLanes(b32, g * lanes, s, from * 32, lanes);
          }
          return block;
        });
      const r = yield* B.andPacked(gather(a), gather(b), ands * lanes);
      r.forEach((block, k) => {
        const b32 = u32(block);
        const s = s32[k];
        for (let g = 0; g < ands; g++) {
          const to = out[start + g] * S;
          if (full) for (let j = 0; j < S; j++) s[to + j] = b32[g * S + j];
          else copyLanes(s, to * 32, b32, g * lanes, lanes);
        }
      });
    }
    for (let g = start + ands; g < layerEnd(p, d); g++) {
      const o = out[g] * S;
      const x = a[g] * S;
      for (let k = 0; k < s32.length; k++) {
        const s = s32[k];
        switch (op[g]) {
          case GateOp.XOR: {
            const y = b[g] * S;
            for (let j = 0; j < S; j++) s[o + j] = s[x + j] ^ s[y + j];
            break;
          }
          case GateOp.INV:
            if (k === B.constPart) for (let j = 0; j < S; j++) s[o + j] = ~s[x + j];
            else for (let j = 0; j < S; j++) s[o + j] = s[x + j];
            break;
          case GateOp.CONST:
            s.fill(k === B.constPart && a[g] ? 0xffffffff : 0, o, o + S);
            break;
          default:
            for (let j = 0; j < S; j++) s[o + j] = s[x + j];
        }
      }
    }
  }
  return circuit.outputs.map((g) =>
    Array.from(
      g.wires,
      (w) =>
        new Plane(
          W,
          stores.map((s) => s.slice(w * W, (w + 1) * W)),
          lanes,
        ),
    ),
  );
}

function* evaluatePlanes(B: ShareBackend, p: Prepared, inputs: Bits[], lanes: number): Proto<Bits[]> {
  const { circuit, layerStarts, layerAnds, lastUse } = p;
  const { op, a, b, out } = circuit;
  const wires: Array<Plane | undefined> = new Array(circuit.wireCount);
  circuit.inputs.forEach((g, i) => {
    g.wires.forEach((w, j) => {
      wires[w] = inputs[i][j];
    });
  });
  const words = wordsFor(lanes);
  const constants = [publicPlane(B, words, 0, lanes), publicPlane(B, words, 1, lanes)];
  const release = (w: number, g: number): void => {
    if (lastUse[w] === g) wires[w] = undefined;
  };
  for (let d = 0; d < layerStarts.length; d++) {
    const start = layerStarts[d];
    const ands = layerAnds[d];
    if (ands > 0) {
      const xs: Plane[] = [];
      const ys: Plane[] = [];
      for (let g = start; g < start + ands; g++) {
        xs.push(wires[a[g]] as Plane);
        ys.push(wires[b[g]] as Plane);
        release(a[g], g);
        release(b[g], g);
      }
      const r = yield* B.and(xs, ys);
      for (let g = start; g < start + ands; g++) wires[out[g]] = r[g - start];
    }
    for (let g = start + ands; g < layerEnd(p, d); g++) {
      const x = wires[a[g]] as Plane;
      switch (op[g]) {
        case GateOp.XOR:
          wires[out[g]] = xorPlanes(x, wires[b[g]] as Plane);
          release(b[g], g);
          break;
        case GateOp.INV:
          wires[out[g]] = notPlane(B, x);
          break;
        case GateOp.CONST:
          wires[out[g]] = constants[a[g] ? 1 : 0];
          continue;
        default:
          wires[out[g]] = x;
      }
      release(a[g], g);
    }
  }
  return circuit.outputs.map((g) => Array.from(g.wires, (w) => wires[w] as Plane));
}
