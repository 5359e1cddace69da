/**
 * An in-memory RFC 9162 Merkle tree over a growing log: every level of
 * perfect subtrees is kept (2 hashes per leaf, 64 bytes), so any root, audit
 * path (§2.1.3.1) or consistency proof (§2.1.4.1) costs O(log n) lookups.
 */
import {
  CompactRange,
  consistencyProof,
  EMPTY_ROOT,
  HASH_SIZE,
  inclusionProof,
  nodeHash,
  splitPoint,
} from './merkle.js';

/** A growable column of 32-byte hashes. */
class HashColumn {
  private buf = new Uint8Array(HASH_SIZE * 64);
  length = 0;

  push(h: Uint8Array): void {
    if ((this.length + 1) * HASH_SIZE > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf.set(h, this.length * HASH_SIZE);
    this.length++;
  }

  get(i: number): Uint8Array {
    return this.buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }

  truncate(n: number): void {
    this.length = Math.min(this.length, n);
  }
}

export class MerkleTree {
  /** levels[k][i] = MTH of leaves [i·2^k, (i+1)·2^k). */
  private readonly levels: HashColumn[] = [new HashColumn()];

  get size(): number {
    return this.levels[0].length;
  }

  /** The leaf hash at `index` (a copy). */
  leaf(index: number): Uint8Array {
    if (index < 0 || index >= this.size)
      throw new RangeError(`leaf ${index} is not in a tree of size ${this.size}`);
    return this.levels[0].get(index).slice();
  }

  push(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE) throw new RangeError('leaf hash must be 32 bytes');
    this.levels[0].push(leaf);
    let k = 0;
    let n = this.levels[0].length;
    while (n % 2 === 0) {
      const level = this.levels[k];
      if (this.levels[k + 1] === undefined) this.levels.push(new HashColumn());
      this.levels[k + 1].push(nodeHash(level.get(n - 2), level.get(n - 1)));
      k++;
      n = this.levels[k].length;
    }
  }

  /** Forgets the leaves from `size` on (undoes pushes that were not committed). */
  truncate(size: number): void {
    for (let k = 0; k < this.levels.length; k++) this.levels[k].truncate(Math.floor(size / 2 ** k));
  }

  /** MTH(D[start:end]). */
  hashRange = (start: number, end: number): Uint8Array => {
    if (start < 0 || end > this.size || start >= end) {
      throw new RangeError(`range [${start}, ${end}) is not within a tree of size ${this.size}`);
    }
    const n = end - start;
    // A perfect, aligned subtree is stored.
    if (isPow2(n) && start % n === 0) {
      const level = this.levels[Math.round(Math.log2(n))];
      if (level !== undefined) return level.get(start / n);
    }
    const k = splitPoint(n);
    return nodeHash(this.hashRange(start, start + k), this.hashRange(start + k, end));
  };

  /** The perfect-subtree roots of the first `size` leaves, largest first. */
  peaks(size = this.size): { hash: Uint8Array; size: number }[] {
    if (size < 0 || size > this.size) throw new RangeError(`size ${size} is beyond the tree (${this.size})`);
    const out: { hash: Uint8Array; size: number }[] = [];
    let offset = 0;
    for (let k = this.levels.length - 1; k >= 0; k--) {
      const s = 2 ** k;
      if (size - offset >= s) {
        out.push({ hash: this.levels[k].get(offset / s), size: s });
        offset += s;
      }
    }
    return out;
  }

  /** MTH of the first `size` leaves. */
  root(size = this.size): Uint8Array {
    if (size === 0) return EMPTY_ROOT;
    return this.compactRange(size).root();
  }

  /** A CompactRange positioned after the first `size` leaves, to extend without changing the tree. */
  compactRange(size = this.size): CompactRange {
    return CompactRange.fromPeaks(this.peaks(size));
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    if (size > this.size) throw new RangeError(`size ${size} is beyond the tree (${this.size})`);
    return inclusionProof(index, size, this.hashRange).map((h) => h.slice());
  }

  consistencyProof(first: number, second = this.size): Uint8Array[] {
    if (second > this.size) throw new RangeError(`size ${second} is beyond the tree (${this.size})`);
    return consistencyProof(first, second, this.hashRange).map((h) => h.slice());
  }
}

function isPow2(n: number): boolean {
  return n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}
