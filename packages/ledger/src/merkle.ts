/**
 * Merkle hash trees as in RFC 9162 (Certificate Transparency v2) §2.1:
 *
 *   MTH({})       = SHA-256()
 *   MTH({d(0)})   = SHA-256(0x00 || d(0))                      leaf hash
 *   MTH(D[n])     = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  node hash,
 *                   k the largest power of two smaller than n
 *
 * Proof generation follows the recursive definitions PATH (§2.1.3.1) and
 * PROOF/SUBPROOF (§2.1.4.1) over a `RangeHasher` that returns MTH of any
 * range of leaves; verification follows the iterative algorithms of §2.1.3.2
 * and §2.1.4.2 step by step. `CompactRange` folds leaves one at a time into
 * the roots of their perfect subtrees, so a log is replayed in one pass.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from '@parley/crypto';

export const HASH_SIZE = 32;
const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

/** RFC 9162 §2.1.1: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** RFC 9162 §2.1.1: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = createHash('sha256').digest();

/** The largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Returns MTH(D[start:end]) for 0 <= start < end <= the tree's size. */
export type RangeHasher = (start: number, end: number) => Uint8Array;

/**
 * The perfect-subtree roots covering leaves [0, size), largest first: the
 * state from which the root of the log (and of every longer log) follows.
 */
export class CompactRange {
  private hashes: Uint8Array[] = [];
  private sizes: number[] = [];
  private count = 0;

  /** Leaves folded in so far. */
  get size(): number {
    return this.count;
  }

  /** Appends one leaf hash; amortised one node hash per leaf. */
  push(leaf: Uint8Array): void {
    let h = leaf;
    let s = 1;
    const hashes = this.hashes;
    const sizes = this.sizes;
    while (sizes.length > 0 && sizes[sizes.length - 1] === s) {
      h = nodeHash(hashes.pop()!, h);
      sizes.pop();
      s *= 2;
    }
    hashes.push(h);
    sizes.push(s);
    this.count++;
  }

  /** MTH of the leaves pushed so far. */
  root(): Uint8Array {
    const n = this.hashes.length;
    if (n === 0) return EMPTY_ROOT;
    let h = this.hashes[n - 1];
    for (let i = n - 2; i >= 0; i--) h = nodeHash(this.hashes[i], h);
    return h;
  }

  clone(): CompactRange {
    const c = new CompactRange();
    c.hashes = [...this.hashes];
    c.sizes = [...this.sizes];
    c.count = this.count;
    return c;
  }

  /** The compact range of a log given the roots of its perfect subtrees, largest first (as from `MerkleTree`). */
  static fromPeaks(peaks: { hash: Uint8Array; size: number }[]): CompactRange {
    const c = new CompactRange();
    for (const p of peaks) {
      c.hashes.push(p.hash);
      c.sizes.push(p.size);
      c.count += p.size;
    }
    return c;
  }
}

/** MTH of a list of leaf hashes. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  const c = new CompactRange();
  for (const h of leafHashes) c.push(h);
  return c.root();
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(index: number, size: number, hashRange: RangeHasher): Uint8Array[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`inclusion proof: leaf ${index} is not in a tree of size ${size}`);
  }
  const path: Uint8Array[] = [];
  // Walk down from the root, remembering the sibling subtrees; PATH lists them leaf-first.
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push(hashRange(start + k, end));
      end = start + k;
    } else {
      path.push(hashRange(start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) for 0 < m < n: proves the tree of size m is a prefix of the one of size n. */
export function consistencyProof(m: number, n: number, hashRange: RangeHasher): Uint8Array[] {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) {
    throw new RangeError(`consistency proof: sizes ${m} and ${n} are not 0 <= m <= n`);
  }
  if (m === 0 || m === n) return [];
  const proof: Uint8Array[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled; proof items are produced deepest-first, so collect and reverse.
  let start = 0;
  let end = n;
  let mm = m;
  let b = true;
  while (mm !== end - start) {
    const k = splitPoint(end - start);
    if (mm <= k) {
      proof.push(hashRange(start + k, end));
      end = start + k;
    } else {
      proof.push(hashRange(start, start + k));
      start += k;
      mm -= k;
      b = false;
    }
  }
  if (!b) proof.push(hashRange(start, end));
  return proof.reverse();
}

function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_SIZE;
}

/**
 * RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its audit path.
 * Returns undefined when the path has the wrong shape for (index, size).
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return undefined;
  if (!isHash(leaf) || !path.every(isHash)) return undefined;
  // Numbers up to 2^53 do not fit 32-bit shifts: halve with Math.floor.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** RFC 9162 §2.1.3.2: true when `path` proves leaf hash `leaf` sits at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const r = rootFromInclusionProof(index, size, leaf, path);
  return r !== undefined && isHash(root) && constantTimeEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: true when `proof` shows the tree of size `first` with
 * root `firstRoot` is a prefix of the tree of size `second` with `secondRoot`.
 * The cases the RFC leaves to the caller: first = 0 (always consistent, empty
 * proof) and first = second (equal roots, empty proof).
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    return false;
  if (!isHash(firstRoot) || !isHash(secondRoot) || !proof.every(isHash)) return false;
  if (first === 0) return proof.length === 0;
  if (first === second) return proof.length === 0 && constantTimeEqual(firstRoot, secondRoot);
  // 1. An empty proof cannot prove anything for 0 < first < second.
  if (proof.length === 0) return false;
  // 2. If first is an exact power of 2, prepend first_hash.
  const path = isPow2(first) ? [firstRoot, ...proof] : [...proof];
  // 3.
  let fn = first - 1;
  let sn = second - 1;
  // 4. While LSB(fn) is set, shift both right.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5.
  let fr = path[0];
  let sr = path[0];
  // 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7.
  return sn === 0 && constantTimeEqual(fr, firstRoot) && constantTimeEqual(sr, secondRoot);
}

function isPow2(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
