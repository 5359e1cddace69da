/**
 * The hash-consing table of BitBuilder: from a gate's two input wires
 * (lo ≤ hi, both ≥ 0) to its output wire, open addressing with linear
 * probing over typed arrays. A V8 Map keyed by lo·2^26 + hi (a heap number
 * per key) spent 77 % of lowering a 6M-gate product sum in its lookups; this
 * table lowers it 2.6× faster (bench/README.md, suite `circuit`, "Lowering").
 */

/** Slots of a new table; it doubles its slots when they are half full. */
const MIN_SLOTS = 1 << 12;

export class GateTable {
  private lo: Int32Array;
  private hi: Int32Array;
  private out: Int32Array;
  private mask: number;
  private entries = 0;

  /** `maxEntries`: past it the table starts afresh (which only loses some sharing), so memory stays bounded. */
  constructor(private readonly maxEntries: number) {
    this.lo = new Int32Array(MIN_SLOTS).fill(-1);
    this.hi = new Int32Array(MIN_SLOTS);
    this.out = new Int32Array(MIN_SLOTS);
    this.mask = MIN_SLOTS - 1;
  }

  get size(): number {
    return this.entries;
  }

  /** The slot that holds (lo, hi), or the empty slot where it would go. */
  slot(lo: number, hi: number): number {
    let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    const { mask } = this;
    let s = h & mask;
    for (;;) {
      const l = this.lo[s];
      if (l === -1 || (l === lo && this.hi[s] === hi)) return s;
      s = (s + 1) & mask;
    }
  }

  /** The output wire in `slot` (from `slot()`), or −1 when it is empty. */
  outputAt(slot: number): number {
    return this.lo[slot] === -1 ? -1 : this.out[slot];
  }

  /** Puts (lo, hi) → out in `slot`, the empty slot `slot(lo, hi)` just gave. */
  insertAt(slot: number, lo: number, hi: number, out: number): void {
    if (this.entries >= this.maxEntries) {
      this.clear();
      this.place(lo, hi, out);
      return;
    }
    this.lo[slot] = lo;
    this.hi[slot] = hi;
    this.out[slot] = out;
    this.entries++;
    if (2 * this.entries > this.mask) this.grow();
  }

  clear(): void {
    this.lo.fill(-1);
    this.entries = 0;
  }

  private place(lo: number, hi: number, out: number): void {
    const s = this.slot(lo, hi);
    this.lo[s] = lo;
    this.hi[s] = hi;
    this.out[s] = out;
    this.entries++;
  }

  private grow(): void {
    const { lo, hi, out } = this;
    const slots = 2 * lo.length;
    this.lo = new Int32Array(slots).fill(-1);
    this.hi = new Int32Array(slots);
    this.out = new Int32Array(slots);
    this.mask = slots - 1;
    this.entries = 0;
    for (let s = 0; s < lo.length; s++) if (lo[s] !== -1) this.place(lo[s], hi[s], out[s]);
  }
}
