/**
 * The wire plan of a layered circuit: where each wire's label lives while the
 * circuit is garbled or evaluated. A circuit of N wires needs N labels in the
 * plain layout (16N bytes, 75 MB for AES-128 over 128 blocks, touched in an
 * order that misses the caches and faults in fresh pages on every run), but
 * only as many at once as there are live wires. The plan gives each wire a
 * slot from a free list when it is written and returns the slot after the
 * wire's last read (register allocation on the gate list), so the labels of a
 * run fit in a few slots (about 2 MB for that circuit), stay in cache, and
 * can be reused run after run.
 *
 * The plan also compiles every free gate to the one form L[out] = L[a] ⊕ L[b]
 * over slots, with reserved slots ZERO (a zero block), CONSTANT (the constant
 * wires' label) and INV (Δ for the garbler, zero for the evaluator):
 *   XOR a b → (a, b)   INV a → (a, INV)   COPY a → (a, ZERO)
 *   CONST v → (CONSTANT, v ? INV : ZERO)
 * which is exactly what halfGates.ts computed gate by gate before.
 *
 * AND gates of one layer are hashed in batches whose post-pass reads the
 * inputs again, so slots freed by a layer's AND gates are returned only when
 * the layer's AND block ends. Output wires keep their slots to the end.
 * Wires read before any gate writes them (the inputs) are loaded from the
 * caller's `labels` at the start; output wires are stored back at the end.
 *
 * Planning checks the circuit: every wire index below wireCount, AND gates
 * exactly in the layers' AND blocks, known opcodes, no wire written twice or
 * read before the gate that writes it. It costs about 28 ns per gate (130 ms
 * for AES-128 × 128, whose garbling then takes ~60 ms), once per circuit:
 * plans are cached per circuit object (the session makes a LayeredCircuit per
 * run but reuses the circuit and its layers; a streamed job reuses its chunk
 * circuit). A plan holds 12 bytes per gate.
 */
import { type BooleanCircuit, GateOp } from '@parley/circuit';
import { InvalidCircuit, type ParleyError } from '@parley/interface';

/** Reserved slots. */
export const SLOT_ZERO = 0;
export const SLOT_CONSTANT = 1;
export const SLOT_INV = 2;
const RESERVED = 3;

export interface PlannedCircuit {
  circuit: BooleanCircuit;
  layerStarts: Uint32Array;
  layerAnds: Uint32Array;
}

export interface WirePlan {
  /** Slots needed (reserved ones included). */
  slots: number;
  /** Per gate, in the circuit's order: the slots of its operands and output (see the header). */
  a: Uint32Array;
  b: Uint32Array;
  out: Uint32Array;
  /** (wire, slot) pairs of the wires read before written: loaded from the caller's labels. */
  loads: Uint32Array;
  /** (wire, slot) pairs of the output wires that have a slot: stored to the caller's labels. */
  stores: Uint32Array;
}

const cache = new WeakMap<
  BooleanCircuit,
  { layerStarts: Uint32Array; layerAnds: Uint32Array; plan: WirePlan }
>();

/** The plan of `lc`, from the cache when the same circuit and layers were planned before. */
export function wirePlan(lc: PlannedCircuit): WirePlan {
  const hit = cache.get(lc.circuit);
  if (hit && hit.layerStarts === lc.layerStarts && hit.layerAnds === lc.layerAnds) return hit.plan;
  const plan = makePlan(lc);
  cache.set(lc.circuit, { layerStarts: lc.layerStarts, layerAnds: lc.layerAnds, plan });
  return plan;
}

function invalid(i: number, reason: string): ParleyError {
  return new InvalidCircuit(`gate ${i}: ${reason}`, { field: 'gates' });
}

/** A growable list of u32 pairs. */
class Pairs {
  data = new Uint32Array(64);
  length = 0;
  push(x: number, y: number): void {
    if (this.length + 2 > this.data.length) {
      const d = new Uint32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
    this.data[this.length++] = y;
  }
  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

function makePlan(lc: PlannedCircuit): WirePlan {
  const c = lc.circuit;
  checkLayers(lc);
  const { last, seen, written } = lastReads(c);
  return assignSlots(lc, last, seen, written);
}

/**
 * Pass 1, backwards: a read is a wire's last read when no later gate reads it. Per gate, bits:
 * 1 a's last read, 2 b's last read, 4 the output is never read (a dead gate). Bitsets over
 * wires: seen (read by some gate, or an output), written (by some gate).
 */
function lastReads(c: BooleanCircuit): { last: Uint8Array; seen: Int32Array; written: Int32Array } {
  const { op, a, b, out } = c;
  const n = c.gateCount;
  const wires = c.wireCount;
  const last = new Uint8Array(n);
  const seen = new Int32Array((wires + 31) >>> 5);
  const written = new Int32Array((wires + 31) >>> 5);
  for (const group of c.outputs) {
    for (const w of group.wires) {
      if (w >= wires) throw new InvalidCircuit(`output wire ${w} past the circuit's ${wires} wires`);
      seen[w >>> 5] |= 1 << (w & 31);
    }
  }
  // The loop only detects a fault; `fault` names it (throw sites in the loop slow it down 6×).
  for (let i = n - 1; i >= 0; i--) {
    const o = op[i];
    const z = out[i];
    const zw = z >>> 5;
    const zb = 1 << (z & 31);
    if (z >= wires || written[zw] & zb) throw fault(c, i, written, false);
    written[zw] |= zb;
    let f = seen[zw] & zb ? 0 : 4;
    if (o !== GateOp.CONST) {
      const x = a[i];
      const xw = x >>> 5;
      const xb = 1 << (x & 31);
      if (x >= wires || written[xw] & xb) throw fault(c, i, written, true);
      if (!(seen[xw] & xb)) {
        f |= 1;
        seen[xw] |= xb;
      }
      if (o === GateOp.XOR || o === GateOp.AND) {
        const y = b[i];
        const yw = y >>> 5;
        const yb = 1 << (y & 31);
        if (y >= wires || written[yw] & yb) throw fault(c, i, written, true);
        if (!(seen[yw] & yb)) {
          f |= 2;
          seen[yw] |= yb;
        }
      }
    }
    last[i] = f;
  }
  return { last, seen, written };
}

/**
 * The error for gate i of the backward pass. `written` marks the wires written by gates after i,
 * and by gate i too when `operand` (the fault is in an operand: its output was fine).
 */
function fault(c: BooleanCircuit, i: number, written: Int32Array, operand: boolean): ParleyError {
  const wires = c.wireCount;
  const z = c.out[i];
  if (z >= wires) return invalid(i, `output wire ${z} past the circuit's ${wires} wires`);
  if (!operand) return invalid(i, `wire ${z} is written twice`);
  const o = c.op[i];
  const ins = o === GateOp.XOR || o === GateOp.AND ? [c.a[i], c.b[i]] : [c.a[i]];
  for (const w of ins) if (w >= wires) return invalid(i, `input wire ${w} past the circuit's ${wires} wires`);
  const w = ins.find((x) => (written[x >>> 5] & (1 << (x & 31))) !== 0) ?? ins[0];
  return invalid(i, `wire ${w} is read before the gate that writes it`);
}

/**
 * Pass 2, forwards: slots. slotOf[w] = slot + 1 while w holds one, else 0. Inputs (read, never
 * written) hold theirs from the start, as they are loaded before the first gate. Free slots
 * are a LIFO stack, so a slot given back is the next one taken, still in cache. (Keeping a
 * gate's output in its operand's region of 32 slots measured no faster on AES-128 × 128 and
 * made planning 1.3× slower; a branch-free version of this loop was 1.15× slower.)
 */
function assignSlots(lc: PlannedCircuit, last: Uint8Array, seen: Int32Array, written: Int32Array): WirePlan {
  const c = lc.circuit;
  const { op, a, b, out } = c;
  const n = c.gateCount;
  const wires = c.wireCount;
  const layers = lc.layerStarts.length;
  const slotOf = new Uint32Array(wires);
  // At most `wires` slots are ever free; only the pages the stack reaches are touched.
  const free = new Uint32Array(wires + RESERVED);
  let freeTop = 0;
  let next = RESERVED;
  const loads = new Pairs();
  for (let k = 0; k < seen.length; k++) {
    let m = seen[k] & ~written[k];
    while (m !== 0) {
      const bit = 31 - Math.clz32(m & -m);
      m &= m - 1;
      const w = 32 * k + bit;
      slotOf[w] = next + 1;
      loads.push(w, next++);
    }
  }
  let widest = 1;
  for (let layer = 0; layer < layers; layer++) widest = Math.max(widest, lc.layerAnds[layer]);
  const pending = new Uint32Array(3 * widest);
  const pa = new Uint32Array(n);
  const pb = new Uint32Array(n);
  const pout = new Uint32Array(n);

  for (let layer = 0; layer < layers; layer++) {
    const start = lc.layerStarts[layer];
    const ands = start + lc.layerAnds[layer];
    const end = layer + 1 < layers ? lc.layerStarts[layer + 1] : n;
    // AND gates: slots given back in the block are reused only after it (see the header).
    let pendingTop = 0;
    for (let i = start; i < ands; i++) {
      const f = last[i];
      const x = a[i];
      const y = b[i];
      pa[i] = slotOf[x] - 1;
      pb[i] = slotOf[y] - 1;
      if (f & 1) {
        pending[pendingTop++] = slotOf[x] - 1;
        slotOf[x] = 0;
      }
      if (f & 2 && y !== x) {
        pending[pendingTop++] = slotOf[y] - 1;
        slotOf[y] = 0;
      }
      const t = freeTop > 0 ? free[--freeTop] : next++;
      pout[i] = t;
      if (f & 4) pending[pendingTop++] = t;
      else slotOf[out[i]] = t + 1;
    }
    while (pendingTop > 0) free[freeTop++] = pending[--pendingTop];
    // Free gates: a slot given back is reused at once, even by the gate's own output (the
    // kernels read both operands before writing).
    for (let i = ands; i < end; i++) {
      const o = op[i];
      const f = last[i];
      const x = a[i];
      if (o === GateOp.CONST) {
        pa[i] = SLOT_CONSTANT;
        pb[i] = x ? SLOT_INV : SLOT_ZERO;
      } else {
        pa[i] = slotOf[x] - 1;
        if (o === GateOp.XOR) {
          const y = b[i];
          pb[i] = slotOf[y] - 1;
          if (f & 2 && y !== x) {
            free[freeTop++] = slotOf[y] - 1;
            slotOf[y] = 0;
          }
        } else pb[i] = o === GateOp.INV ? SLOT_INV : SLOT_ZERO;
        if (f & 1) {
          free[freeTop++] = slotOf[x] - 1;
          slotOf[x] = 0;
        }
      }
      const t = freeTop > 0 ? free[--freeTop] : next++;
      pout[i] = t;
      if (f & 4) free[freeTop++] = t;
      else slotOf[out[i]] = t + 1;
    }
  }

  const stores = new Pairs();
  for (const group of c.outputs)
    for (const w of group.wires) if (slotOf[w] !== 0) stores.push(w, slotOf[w] - 1);
  return { slots: next, a: pa, b: pb, out: pout, loads: loads.finish(), stores: stores.finish() };
}

/** Checks that the layers cover the gates in order with AND gates exactly in their AND blocks. */
function checkLayers(lc: PlannedCircuit): void {
  const { op } = lc.circuit;
  const n = lc.circuit.gateCount;
  const layers = lc.layerStarts.length;
  if (n > 0 && (layers === 0 || lc.layerStarts[0] !== 0)) throw invalid(0, 'not in any layer');
  for (let d = 0; d < layers; d++) {
    const start = lc.layerStarts[d];
    const ands = start + lc.layerAnds[d];
    const end = d + 1 < layers ? lc.layerStarts[d + 1] : n;
    if (!(start <= ands && ands <= end && end <= n)) {
      throw new InvalidCircuit(
        `layer ${d}: its gates ${start}…${end} and ${lc.layerAnds[d]} AND gates do not fit`,
      );
    }
    // Find a bad gate first, name it after (throw sites in these loops slow them down).
    let bad = -1;
    for (let i = start; i < ands && bad < 0; i++) if (op[i] !== GateOp.AND) bad = i;
    for (let i = ands; i < end && bad < 0; i++) if (op[i] === GateOp.AND || op[i] > GateOp.COPY) bad = i;
    if (bad >= 0) {
      const o = op[bad];
      throw invalid(
        bad,
        bad < ands
          ? 'not an AND gate'
          : o === GateOp.AND
            ? "an AND gate outside its layer's AND block"
            : `unknown gate op ${o}`,
      );
    }
  }
}
