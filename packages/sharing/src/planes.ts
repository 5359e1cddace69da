import { InternalError } from '@parley/interface';
import { copyLanes } from './_lanes.js';
import { broadcastLane0, not64, u32, wordsFor, xorWords } from './_words.js';
import type { ShareLayout } from './shares.js';

/** Shares of one bit plane: `words` words of 64 lanes each, of which the first `lanes` are in use. */
export class Plane {
  constructor(
    readonly words: number,
    readonly parts: BigUint64Array[],
    readonly lanes = 64 * words,
  ) {}
}

/** Planes of a shared value, least significant bit first. */
export type Bits = Plane[];

const parts = (L: ShareLayout, make: (k: number) => BigUint64Array): BigUint64Array[] =>
  Array.from({ length: L.partCount }, (_, k) => make(k));

/** The trivial sharing of a public plane (words), or of a constant bit in every lane. */
export function publicPlane(
  L: ShareLayout,
  words: number,
  value: BigUint64Array | 0 | 1,
  lanes = 64 * words,
): Plane {
  return new Plane(
    words,
    parts(L, (k) => {
      if (k !== L.constPart || value === 0) return new BigUint64Array(words);
      if (value === 1) return new BigUint64Array(words).fill(0xffffffffffffffffn);
      return value.slice(0, words);
    }),
    lanes,
  );
}

/** The trivial sharing of public planes (plane-major, `count` planes of `words` words). */
export function publicBits(L: ShareLayout, planes: BigUint64Array, count: number, lanes: number): Bits {
  const words = wordsFor(lanes);
  return planesOf(
    parts(L, (k) => (k === L.constPart ? planes.slice() : new BigUint64Array(count * words))),
    count,
    lanes,
  );
}

export function xorPlanes(a: Plane, b: Plane): Plane {
  return new Plane(
    a.words,
    a.parts.map((p, k) => {
      const o = new BigUint64Array(a.words);
      xorWords(o, p, b.parts[k]);
      return o;
    }),
    a.lanes,
  );
}

export function notPlane(L: ShareLayout, a: Plane): Plane {
  return new Plane(
    a.words,
    a.parts.map((p, k) => {
      if (k !== L.constPart) return p;
      const o = new BigUint64Array(a.words);
      not64(o, p);
      return o;
    }),
    a.lanes,
  );
}

/**
 * The one array that part k of `planes` occupies when they lie back to back
 * in one buffer (the planes of an AND result, of a bit decomposition), or
 * undefined.
 */
export function spanOf(planes: readonly Plane[], k: number): BigUint64Array | undefined {
  if (planes.length === 0) return undefined;
  const first = planes[0].parts[k];
  const words = planes[0].words;
  let at = first.byteOffset;
  for (const p of planes) {
    const q = p.parts[k];
    if (q.buffer !== first.buffer || q.byteOffset !== at || q.length !== words) return undefined;
    at += 8 * words;
  }
  return new BigUint64Array(first.buffer, first.byteOffset, words * planes.length);
}

/** a ⊕ b plane by plane: one kernel call per part when both lie back to back. */
export function xorBits(a: Bits, b: Bits): Bits {
  if (a.length > 1 && a[0].parts.length > 0) {
    const spans = a[0].parts.map((_, k) => [spanOf(a, k), spanOf(b, k)] as const);
    if (spans.every(([x, y]) => x && y)) {
      const blocks = spans.map(([x, y]) => {
        const o = new BigUint64Array((x as BigUint64Array).length);
        xorWords(o, x as BigUint64Array, y as BigUint64Array);
        return o;
      });
      return planesOf(blocks, a.length, a[0].lanes);
    }
  }
  return a.map((p, i) => xorPlanes(p, b[i]));
}

export const notBits = (L: ShareLayout, a: Bits): Bits => a.map((p) => notPlane(L, p));

/**
 * The planes of a value of `from` lanes as planes of `n` lanes: as they are
 * when from = n, lane 0 repeated when from = 1 (a scalar against a vector).
 * Decided by the lengths, not the planes' words: a scalar and a vector of up
 * to 64 lanes both fill one word.
 */
export function broadcastBits(bits: Bits, from: number, n: number): Bits {
  if (from === n) return bits;
  if (from !== 1) throw new InternalError(`cannot broadcast ${from} lanes to ${n}`);
  const words = wordsFor(n);
  return bits.map(
    (p) =>
      new Plane(
        words,
        p.parts.map((q) => broadcastLane0(q, words)),
        n,
      ),
  );
}

/** Copies planes into one block per part (plane-major). */
export function gatherPlanes(L: ShareLayout, planes: readonly Plane[], words: number): BigUint64Array[] {
  return parts(L, (k) => gatherPart(planes, k, words));
}

function gatherPart(planes: readonly Plane[], k: number, words: number): BigUint64Array {
  const o = new BigUint64Array(planes.length * words);
  planes.forEach((p, i) => {
    o.set(p.parts[k], i * words);
  });
  return o;
}

/** `count` planes of `lanes` lanes viewing consecutive slices of one block per part. */
export function planesOf(blocks: readonly BigUint64Array[], count: number, lanes: number): Bits {
  const words = wordsFor(lanes);
  return Array.from(
    { length: count },
    (_, i) =>
      new Plane(
        words,
        blocks.map((b) => b.subarray(i * words, (i + 1) * words)),
        lanes,
      ),
  );
}

/**
 * The lanes in use of `planes` (all with the same lanes), packed back to back
 * into as few words as possible, one block per part: an AND or an opening of
 * many narrow planes (a single AES, a short vector) then costs words for the
 * bits in use, not one word per plane.
 */
export function packPlanes(L: ShareLayout, planes: readonly Plane[]): BigUint64Array[] {
  if (planes.length === 0) return parts(L, () => new BigUint64Array(0));
  const { lanes, words } = planes[0];
  if (lanes === 64 * words) return parts(L, (k) => spanOf(planes, k) ?? gatherPart(planes, k, words));
  if (words === 1) return parts(L, (k) => packWords(planes, k, lanes));
  return parts(L, (k) => {
    const o = new BigUint64Array(wordsFor(lanes * planes.length));
    const ow = u32(o);
    planes.forEach((p, i) => {
      copyLanes(ow, i * lanes, u32(p.parts[k]), 0, lanes);
    });
    return o;
  });
}

/** The inverse of packPlanes: `count` planes of `lanes` lanes. */
export function unpackPlanes(blocks: readonly BigUint64Array[], count: number, lanes: number): Bits {
  const words = wordsFor(lanes);
  if (lanes === 64 * words) return planesOf(blocks, count, lanes);
  if (words === 1) return unpackWords(blocks, count, lanes);
  return Array.from({ length: count }, (_, i) => {
    const ps = blocks.map((b) => {
      const o = new BigUint64Array(words);
      copyLanes(u32(o), 0, u32(b), i * lanes, lanes);
      return o;
    });
    return new Plane(words, ps, lanes);
  });
}

/** packPlanes for one-word planes, on 64-bit words (no 32-bit views: these planes are many and tiny). */
function packWords(planes: readonly Plane[], k: number, lanes: number): BigUint64Array {
  const o = new BigUint64Array(wordsFor(lanes * planes.length));
  const mask = (1n << BigInt(lanes)) - 1n;
  let at = 0;
  for (const p of planes) {
    const v = p.parts[k][0] & mask;
    const w = at >>> 6;
    const b = BigInt(at & 63);
    o[w] |= v << b;
    if ((at & 63) + lanes > 64) o[w + 1] |= v >> (64n - b);
    at += lanes;
  }
  return o;
}

function unpackWords(blocks: readonly BigUint64Array[], count: number, lanes: number): Bits {
  const mask = (1n << BigInt(lanes)) - 1n;
  const out: Bits = [];
  for (let i = 0, at = 0; i < count; i++, at += lanes) {
    const w = at >>> 6;
    const b = BigInt(at & 63);
    const ps = blocks.map((q) => {
      let v = q[w] >> b;
      if ((at & 63) + lanes > 64) v |= q[w + 1] << (64n - b);
      return BigUint64Array.of(v & mask);
    });
    out.push(new Plane(1, ps, lanes));
  }
  return out;
}
