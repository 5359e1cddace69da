/**
 * The half-gates garbler and evaluator as they were before the WebAssembly
 * kernels and the wire plan (commit e6de413, packages/garbled/src/halfGates.ts
 * and fixedKeyAes.ts, unchanged but for names): plain JS over one label per
 * wire. The oracle of halfGatesKernels.test.ts: the new code must give
 * bit-identical tables and output labels for the same Δ and input labels.
 */
import { type BooleanCircuit, GateOp } from '@parley/circuit';
import { type FixedKeyAes, tccrHash } from '../src/index.js';

/** AND gates hashed per batch (a layer wider than this is split). */
const AND_BATCH = 8192;

/** The public label of constant wires: the evaluator's active label of every constant. */
const CONSTANT_LABEL = Uint32Array.of(0x70617272, 0x6c657920, 0x636f6e73, 0x74616e74);

interface LayeredCircuit {
  circuit: BooleanCircuit;
  layerStarts: Uint32Array;
  layerAnds: Uint32Array;
}

/** Sink of garbled tables; may return a promise to apply back-pressure. */
type TableSink = (tables: Uint32Array) => void | Promise<void>;

/** Streams garbled tables in chunks of `chunkGates` AND gates. */
export class ReferenceGarbler {
  /** Zero labels, 4 words per wire. */
  readonly labels: Uint32Array;
  private readonly delta: Uint32Array;
  private readonly scratch = new Uint32Array(16 * AND_BATCH);
  private table: Uint32Array;
  private tableGates = 0;

  constructor(
    private readonly lc: LayeredCircuit,
    delta: Uint32Array,
    private readonly aes: FixedKeyAes,
    private readonly chunkGates = 32768,
  ) {
    this.labels = new Uint32Array(lc.circuit.wireCount * 4);
    this.delta = delta;
    this.table = new Uint32Array(8 * chunkGates);
  }

  /**
   * Garbles the whole circuit; input wires' zero labels must be set in `labels`
   * first. AND gate j gets tweaks 2(andBase + j) and 2(andBase + j) + 1: a job
   * of several circuits under one Δ continues the count so no tweak repeats.
   */
  async garble(sink: TableSink, andBase = 0): Promise<void> {
    const { circuit, layerStarts, layerAnds } = this.lc;
    let andIndex = andBase;
    for (let d = 0; d < layerStarts.length; d++) {
      const start = layerStarts[d];
      const ands = layerAnds[d];
      const end = d + 1 < layerStarts.length ? layerStarts[d + 1] : circuit.gateCount;
      for (let s = start; s < start + ands; s += AND_BATCH) {
        const n = Math.min(AND_BATCH, start + ands - s);
        await this.garbleAnds(s, n, andIndex, sink);
        andIndex += n;
      }
      this.localGates(start + ands, end);
    }
    if (this.tableGates > 0) await this.flush(sink);
  }

  private async flush(sink: TableSink): Promise<void> {
    const out = this.table.subarray(0, 8 * this.tableGates);
    this.table = new Uint32Array(8 * this.chunkGates);
    this.tableGates = 0;
    await sink(out);
  }

  private async garbleAnds(first: number, n: number, andIndex: number, sink: TableSink): Promise<void> {
    const { a, b, out } = this.lc.circuit;
    const L = this.labels;
    const D = this.delta;
    const h = this.scratch;
    const d0 = D[0];
    const d1 = D[1];
    const d2 = D[2];
    const d3 = D[3];
    for (let g = 0, w = 0; g < n; g++, w += 16) {
      const ia = a[first + g] * 4;
      const ib = b[first + g] * 4;
      h[w] = L[ia];
      h[w + 1] = L[ia + 1];
      h[w + 2] = L[ia + 2];
      h[w + 3] = L[ia + 3];
      h[w + 4] = L[ia] ^ d0;
      h[w + 5] = L[ia + 1] ^ d1;
      h[w + 6] = L[ia + 2] ^ d2;
      h[w + 7] = L[ia + 3] ^ d3;
      h[w + 8] = L[ib];
      h[w + 9] = L[ib + 1];
      h[w + 10] = L[ib + 2];
      h[w + 11] = L[ib + 3];
      h[w + 12] = L[ib] ^ d0;
      h[w + 13] = L[ib + 1] ^ d1;
      h[w + 14] = L[ib + 2] ^ d2;
      h[w + 15] = L[ib + 3] ^ d3;
    }
    tccrHash(this.aes, h, 4 * n, 2 * andIndex, 1);
    let g = 0;
    while (g < n) {
      const T = this.table;
      let t = 8 * this.tableGates;
      const room = Math.min(n - g, this.chunkGates - this.tableGates);
      for (let k = 0; k < room; k++, g++, t += 8) {
        const w = 16 * g;
        const ia = a[first + g] * 4;
        const ib = b[first + g] * 4;
        const pa = -(L[ia] & 1);
        const pb = -(L[ib] & 1);
        const oc = out[first + g] * 4;
        const a0 = L[ia];
        const a1 = L[ia + 1];
        const a2 = L[ia + 2];
        const a3 = L[ia + 3];
        const tg0 = h[w] ^ h[w + 4] ^ (pb & d0);
        const tg1 = h[w + 1] ^ h[w + 5] ^ (pb & d1);
        const tg2 = h[w + 2] ^ h[w + 6] ^ (pb & d2);
        const tg3 = h[w + 3] ^ h[w + 7] ^ (pb & d3);
        const te0 = h[w + 8] ^ h[w + 12] ^ a0;
        const te1 = h[w + 9] ^ h[w + 13] ^ a1;
        const te2 = h[w + 10] ^ h[w + 14] ^ a2;
        const te3 = h[w + 11] ^ h[w + 15] ^ a3;
        T[t] = tg0;
        T[t + 1] = tg1;
        T[t + 2] = tg2;
        T[t + 3] = tg3;
        T[t + 4] = te0;
        T[t + 5] = te1;
        T[t + 6] = te2;
        T[t + 7] = te3;
        L[oc] = h[w] ^ (pa & tg0) ^ h[w + 8] ^ (pb & (te0 ^ a0));
        L[oc + 1] = h[w + 1] ^ (pa & tg1) ^ h[w + 9] ^ (pb & (te1 ^ a1));
        L[oc + 2] = h[w + 2] ^ (pa & tg2) ^ h[w + 10] ^ (pb & (te2 ^ a2));
        L[oc + 3] = h[w + 3] ^ (pa & tg3) ^ h[w + 11] ^ (pb & (te3 ^ a3));
      }
      this.tableGates += room;
      if (this.tableGates === this.chunkGates) await this.flush(sink);
    }
  }

  private localGates(from: number, to: number): void {
    const { op, a, b, out } = this.lc.circuit;
    const L = this.labels;
    const D = this.delta;
    for (let i = from; i < to; i++) {
      const o = out[i] * 4;
      const x = a[i] * 4;
      switch (op[i]) {
        case GateOp.XOR: {
          const y = b[i] * 4;
          L[o] = L[x] ^ L[y];
          L[o + 1] = L[x + 1] ^ L[y + 1];
          L[o + 2] = L[x + 2] ^ L[y + 2];
          L[o + 3] = L[x + 3] ^ L[y + 3];
          break;
        }
        case GateOp.INV:
          L[o] = L[x] ^ D[0];
          L[o + 1] = L[x + 1] ^ D[1];
          L[o + 2] = L[x + 2] ^ D[2];
          L[o + 3] = L[x + 3] ^ D[3];
          break;
        case GateOp.CONST: {
          const m = a[i] ? -1 : 0;
          for (let k = 0; k < 4; k++) L[o + k] = CONSTANT_LABEL[k] ^ (m & D[k]);
          break;
        }
        case GateOp.COPY:
          L.copyWithin(o, x, x + 4);
          break;
        default:
          throw new RangeError(`gate ${i}: an AND gate outside its layer's AND block`);
      }
    }
  }
}

/** Source of garbled tables: resolves to the next chunk as it arrives. */
type TableSource = () => Promise<Uint32Array>;

export class ReferenceEvaluator {
  /** Active labels, 4 words per wire. */
  readonly labels: Uint32Array;
  private readonly scratch = new Uint32Array(8 * AND_BATCH);
  private chunk: Uint32Array = new Uint32Array(0);
  private offset = 0;

  constructor(
    private readonly lc: LayeredCircuit,
    private readonly aes: FixedKeyAes,
  ) {
    this.labels = new Uint32Array(lc.circuit.wireCount * 4);
  }

  /** Evaluates the whole circuit; input wires' active labels must be set in `labels` first (tweaks as in garble). */
  async evaluate(next: TableSource, andBase = 0): Promise<void> {
    const { circuit, layerStarts, layerAnds } = this.lc;
    let andIndex = andBase;
    for (let d = 0; d < layerStarts.length; d++) {
      const start = layerStarts[d];
      const ands = layerAnds[d];
      const end = d + 1 < layerStarts.length ? layerStarts[d + 1] : circuit.gateCount;
      let s = start;
      while (s < start + ands) {
        if (this.offset === this.chunk.length) {
          this.chunk = await next();
          this.offset = 0;
        }
        const available = (this.chunk.length - this.offset) >>> 3;
        const n = Math.min(AND_BATCH, start + ands - s, available);
        this.evaluateAnds(s, n, andIndex);
        s += n;
        andIndex += n;
      }
      this.localGates(start + ands, end);
    }
  }

  private evaluateAnds(first: number, n: number, andIndex: number): void {
    const { a, b, out } = this.lc.circuit;
    const L = this.labels;
    const h = this.scratch;
    for (let g = 0, w = 0; g < n; g++, w += 8) {
      const ia = a[first + g] * 4;
      const ib = b[first + g] * 4;
      h[w] = L[ia];
      h[w + 1] = L[ia + 1];
      h[w + 2] = L[ia + 2];
      h[w + 3] = L[ia + 3];
      h[w + 4] = L[ib];
      h[w + 5] = L[ib + 1];
      h[w + 6] = L[ib + 2];
      h[w + 7] = L[ib + 3];
    }
    tccrHash(this.aes, h, 2 * n, 2 * andIndex, 0);
    const T = this.chunk;
    let t = this.offset;
    for (let g = 0, w = 0; g < n; g++, w += 8, t += 8) {
      const ia = a[first + g] * 4;
      const ib = b[first + g] * 4;
      const sa = -(L[ia] & 1);
      const sb = -(L[ib] & 1);
      const oc = out[first + g] * 4;
      const a0 = L[ia];
      const a1 = L[ia + 1];
      const a2 = L[ia + 2];
      const a3 = L[ia + 3];
      L[oc] = h[w] ^ (sa & T[t]) ^ h[w + 4] ^ (sb & (T[t + 4] ^ a0));
      L[oc + 1] = h[w + 1] ^ (sa & T[t + 1]) ^ h[w + 5] ^ (sb & (T[t + 5] ^ a1));
      L[oc + 2] = h[w + 2] ^ (sa & T[t + 2]) ^ h[w + 6] ^ (sb & (T[t + 6] ^ a2));
      L[oc + 3] = h[w + 3] ^ (sa & T[t + 3]) ^ h[w + 7] ^ (sb & (T[t + 7] ^ a3));
    }
    this.offset = t;
  }

  private localGates(from: number, to: number): void {
    const { op, a, b, out } = this.lc.circuit;
    const L = this.labels;
    for (let i = from; i < to; i++) {
      const o = out[i] * 4;
      const x = a[i] * 4;
      switch (op[i]) {
        case GateOp.XOR: {
          const y = b[i] * 4;
          L[o] = L[x] ^ L[y];
          L[o + 1] = L[x + 1] ^ L[y + 1];
          L[o + 2] = L[x + 2] ^ L[y + 2];
          L[o + 3] = L[x + 3] ^ L[y + 3];
          break;
        }
        case GateOp.CONST:
          L.set(CONSTANT_LABEL, o);
          break;
        case GateOp.INV:
        case GateOp.COPY:
          L.copyWithin(o, x, x + 4);
          break;
        default:
          throw new RangeError(`gate ${i}: an AND gate outside its layer's AND block`);
      }
    }
  }
}
