/**
 * The wires a Bristol file has set so far (its inputs, then each gate's
 * output), held in memory in proportion to those wires and not to the wire
 * count the header declares: a header of a few bytes may declare 2^31 wires.
 * Wires below a bound are bytes of an array that doubles as the wires set
 * justify it; the others (a sparse file's, whose outputs are its last wires)
 * go to a hash set.
 */

/** Wires the array covers before any gate is read. */
const MIN_DENSE = 1 << 16;

export class WireSet {
  /** One byte per wire below its length: 1 when set. */
  private dense: Uint8Array;
  /** Open addressing with linear probing: wire + 1 per slot, 0 when empty. */
  private table = new Uint32Array(16);
  private shift = 28;
  private sparse = 0;
  private count: number;

  /** Wires 0…inputs−1 are set; every wire is below `wires`. */
  constructor(
    private readonly wires: number,
    inputs: number,
  ) {
    this.count = inputs;
    this.dense = new Uint8Array(Math.min(wires, Math.max(inputs, MIN_DENSE)));
    this.dense.fill(1, 0, inputs);
  }

  has(w: number): boolean {
    if (w < this.dense.length) return this.dense[w] === 1;
    return this.sparse > 0 && this.table[this.slot(w + 1)] !== 0;
  }

  /** Marks `w` (below `wires`) set; false, changing nothing, when it already was. */
  add(w: number): boolean {
    if (w < this.dense.length) {
      if (this.dense[w] === 1) return false;
      this.dense[w] = 1;
      this.count++;
      return true;
    }
    if (this.has(w)) return false;
    this.count++;
    this.growFor(w);
    if (w < this.dense.length) this.dense[w] = 1;
    else this.insert(w + 1);
    return true;
  }

  /**
   * Doubles the array (at least up to `w`) while it stays within 4 bytes per
   * wire set (past its first MIN_DENSE): the hash set holds only wires far
   * beyond those set.
   */
  private growFor(w: number): void {
    const size = Math.min(this.wires, Math.max(2 * this.dense.length, w + 1));
    if (size > 4 * this.count + MIN_DENSE) return;
    const dense = new Uint8Array(size);
    dense.set(this.dense);
    this.dense = dense;
    if (this.sparse > 0) this.rehash(this.table.length);
  }

  private slot(key: number): number {
    const mask = this.table.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.table[i] !== 0 && this.table[i] !== key) i = (i + 1) & mask;
    return i;
  }

  private insert(key: number): void {
    if (2 * (this.sparse + 1) > this.table.length) this.rehash(2 * this.table.length);
    this.table[this.slot(key)] = key;
    this.sparse++;
  }

  /**
   * A table of `size` slots holding the keys the array does not cover (the
   * keys fit: at most half the old table's slots are used).
   */
  private rehash(size: number): void {
    const old = this.table;
    this.table = new Uint32Array(size);
    this.shift = 32 - Math.log2(size);
    this.sparse = 0;
    for (const key of old) {
      if (key === 0) continue;
      if (key - 1 < this.dense.length) {
        this.dense[key - 1] = 1;
      } else {
        this.table[this.slot(key)] = key;
        this.sparse++;
      }
    }
  }
}
