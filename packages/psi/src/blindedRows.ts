/**
 * The joined rows without showing any party whose keys it shares outside
 * them: the second half of the ECDH join (ecdhJoin.ts) when a key must be
 * held by three or more parties. Broadcasting the owners' tags, as the join
 * does for smaller thresholds, would show each party which other parties
 * hold each of its keys even where too few hold it to join.
 *
 * A second ring blinds the tags instead, in the way of the re-randomise and
 * shuffle rounds of mix-and-match PSI (the ECDH ring of Huberman, Franklin,
 * Hogg 1999, with the shuffles of Ion et al., EuroS&P 2020): every party
 * applies a fresh scalar r_i to each owner's fully encrypted list and
 * shuffles it with a fresh permutation; after all n hops the list reaches the
 * combiner (parties[0]), which sees equal keys as equal tags
 * H(x)^(∏k_i·∏r_i) but can link none of them to a key, not even its own.
 * It numbers the tags held by at least `minParties` parties in the order of
 * their bytes, sends every party the joined rows' holders, and sends each
 * list's row numbers back along the ring, every party undoing its own
 * shuffle, so each owner gets them in its own order.
 *
 * What each party learns beyond the join's result: the sizes of the key
 * sets (as before), and the combiner the number of keys every group of
 * parties shares (not which keys). Semi-honest, any coalition short of all
 * parties but one, under DDH on Curve25519.
 */
import { randomInt } from 'node:crypto';
import { ProtocolViolation } from '@parley/interface';
import { CommutativeKey, POINT_BYTES } from './commutativeX25519.js';
import type { JoinResult } from './ecdhJoin.js';
import { type JoinChannel, receiveExactly, receiveList, sendList } from './joinLists.js';
import { BLIND_STEP, RETURN_STEP, ROWS_STEP } from './joinWire.js';

const INT_BYTES = 4;

export interface BlindedRowsInput {
  channel: JoinChannel;
  parties: readonly string[];
  me: number;
  /** This party's fully encrypted tags, in the order of `order` (key keys[order[i]] at i). */
  own: Uint8Array;
  order: Uint32Array;
  /** Bytes of every party's list (its key set's size × 32). */
  listBytes: (party: number) => number;
  minParties: number;
  chunkPoints: number;
  /** Called with the number of scalar multiplications done since the last call. */
  progress: (count: number) => void;
}

export async function blindedRows(input: BlindedRowsInput): Promise<JoinResult> {
  const { channel, parties, me, chunkPoints } = input;
  const n = parties.length;
  const next = parties[(me + 1) % n];
  const prev = parties[(me + n - 1) % n];
  const combiner = 0;
  const r = new CommutativeKey();
  // shuffles[h]: this party's permutation at hop h, of the list of owner me − h.
  const shuffles: Uint32Array[] = [];
  let completed: Uint8Array = new Uint8Array(0);
  for (let h = 0; h < n; h++) {
    const owner = (me - h + n) % n;
    const bytes = input.listBytes(owner);
    const list = h === 0 ? input.own : await receiveExactly(channel, prev, BLIND_STEP + h - 1, bytes);
    const blinded = await applyInChunks(r, list, chunkPoints, h === 0 ? undefined : prev, input.progress);
    const sigma = shuffledIndices(bytes / POINT_BYTES);
    shuffles[h] = sigma;
    const out = permute(blinded, sigma, POINT_BYTES);
    if (h < n - 1) await sendList(channel, next, BLIND_STEP + h, out, chunkPoints);
    else if (me !== combiner) await sendList(channel, parties[combiner], BLIND_STEP + h, out, chunkPoints);
    else completed = out;
  }

  let holders: Uint32Array;
  let back: Int32Array;
  if (me === combiner) {
    const numbered = await numberRows(input, completed);
    holders = numbered.holders;
    for (let q = 0; q < n; q++) {
      if (q !== combiner) await sendList(channel, parties[q], ROWS_STEP, bytesOf(holders), chunkPoints);
    }
    // The list of owner q + 1 ends at q: its row numbers start back from there.
    for (let q = 0; q < n; q++) {
      const rows = numbered.rowOf[(q + 1) % n];
      if (q !== combiner)
        await sendList(channel, parties[q], RETURN_STEP + n - 1, bytesOf(rows), chunkPoints);
    }
    back = numbered.rowOf[(me + 1) % n];
  } else {
    const maxRows = Math.floor(totalKeys(input) / input.minParties);
    holders = new Uint32Array(
      aligned(await receiveList(channel, parties[combiner], ROWS_STEP, maxRows * INT_BYTES, INT_BYTES)),
    );
    checkHolders(holders, n, input.minParties, parties[combiner]);
    back = new Int32Array(
      aligned(
        await receiveExactly(
          channel,
          parties[combiner],
          RETURN_STEP + n - 1,
          (input.listBytes((me + 1) % n) / POINT_BYTES) * INT_BYTES,
          INT_BYTES,
        ),
      ),
    );
  }
  // Back along the ring: undo this party's shuffle of each hop, pass the numbers to the hop before.
  for (let h = n - 1; h >= 0; h--) {
    const from = h === n - 1 ? parties[combiner] : next;
    if (h < n - 1) {
      const owner = (me - h + n) % n;
      const bytes = (input.listBytes(owner) / POINT_BYTES) * INT_BYTES;
      back = new Int32Array(aligned(await receiveExactly(channel, next, RETURN_STEP + h, bytes, INT_BYTES)));
    }
    checkRowNumbers(back, holders.length, from);
    const undone = unpermute(back, shuffles[h]);
    if (h > 0) await sendList(channel, prev, RETURN_STEP + h - 1, bytesOf(undone), chunkPoints);
    else back = undone;
  }
  return {
    rows: holders.length,
    ownRows: ownRowsOf(back, input.order, holders, me, parties[combiner]),
    holders,
    sizes: Object.fromEntries(parties.map((p, j) => [p, input.listBytes(j) / POINT_BYTES])),
  };
}

/**
 * The combiner's numbering, from every owner's blinded list (each from its
 * last hop, the party before the owner): each list's row number per position
 * (−1: not joined), and the joined rows' holders.
 */
async function numberRows(
  input: BlindedRowsInput,
  completed: Uint8Array,
): Promise<{ rowOf: Int32Array[]; holders: Uint32Array }> {
  const { channel, parties } = input;
  const n = parties.length;
  const lists: Uint8Array[] = [];
  lists[1 % n] = completed;
  for (let q = 1; q < n; q++) {
    const owner = (q + 1) % n;
    lists[owner] = await receiveExactly(channel, parties[q], BLIND_STEP + n - 1, input.listBytes(owner));
  }
  const views = lists.map((l) => Buffer.from(l.buffer, l.byteOffset, l.length));
  const tagAt = (j: number, i: number) => views[j].toString('latin1', i * POINT_BYTES, (i + 1) * POINT_BYTES);
  const masks = new Map<string, number>();
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < lists[j].length / POINT_BYTES; i++) {
      const tag = tagAt(j, i);
      const mask = masks.get(tag) ?? 0;
      if (mask & (1 << j)) {
        const from = parties[(j + n - 1) % n];
        throw new ProtocolViolation(`${from} sent the same tag twice`, { party: from });
      }
      masks.set(tag, mask | (1 << j));
    }
  }
  const kept = [...masks].filter(([, mask]) => popCount(mask) >= input.minParties);
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const rowOfTag = new Map<string, number>();
  const holders = new Uint32Array(kept.length);
  kept.forEach(([tag, mask], row) => {
    rowOfTag.set(tag, row);
    holders[row] = mask >>> 0;
  });
  const rowOf = lists.map((list, j) => {
    const rows = new Int32Array(list.length / POINT_BYTES);
    for (let i = 0; i < rows.length; i++) rows[i] = rowOfTag.get(tagAt(j, i)) ?? -1;
    return rows;
  });
  return { rowOf, holders };
}

function totalKeys(input: BlindedRowsInput): number {
  let total = 0;
  for (let j = 0; j < input.parties.length; j++) total += input.listBytes(j) / POINT_BYTES;
  return total;
}

/** r applied to every point of `list`, a chunk at a time with the event loop let run in between. */
async function applyInChunks(
  r: CommutativeKey,
  list: Uint8Array,
  chunkPoints: number,
  from: string | undefined,
  progress: (count: number) => void,
): Promise<Uint8Array> {
  const out = new Uint8Array(list.length);
  const chunkBytes = chunkPoints * POINT_BYTES;
  for (let o = 0; o < list.length; o += chunkBytes) {
    const chunk = list.subarray(o, Math.min(list.length, o + chunkBytes));
    out.set(r.apply(chunk, from), o);
    progress(chunk.length / POINT_BYTES);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}

/** out[k] = in[sigma[k]], for elements of `unit` bytes. */
function permute(list: Uint8Array, sigma: Uint32Array, unit: number): Uint8Array {
  const out = new Uint8Array(list.length);
  for (let k = 0; k < sigma.length; k++)
    out.set(list.subarray(sigma[k] * unit, (sigma[k] + 1) * unit), k * unit);
  return out;
}

/** The inverse of `permute` on row numbers: in[sigma[k]] = out[k]. */
function unpermute(rows: Int32Array, sigma: Uint32Array): Int32Array {
  const out = new Int32Array(rows.length);
  for (let k = 0; k < sigma.length; k++) out[sigma[k]] = rows[k];
  return out;
}

/** A uniformly random permutation of 0 … n−1 (Fisher–Yates with node:crypto's unbiased randomInt). */
export function shuffledIndices(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function bytesOf(a: Int32Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The bytes in a buffer of their own, so a 4-byte view of them is aligned. */
function aligned(bytes: Uint8Array): ArrayBuffer {
  // Not bytes.slice(): on a Buffer that is a view of the same (pooled) memory.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

function checkHolders(holders: Uint32Array, n: number, minParties: number, from: string): void {
  for (let row = 0; row < holders.length; row++) {
    const mask = holders[row];
    if (mask >>> n !== 0 || popCount(mask) < minParties) {
      throw new ProtocolViolation(`${from} sent holders of row ${row} that no joined row can have`, {
        party: from,
      });
    }
  }
}

function checkRowNumbers(rows: Int32Array, count: number, from: string): void {
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] < -1 || rows[i] >= count) {
      throw new ProtocolViolation(`${from} sent row number ${rows[i]} of ${count} rows`, { party: from });
    }
  }
}

/** For each row, this party's row index in its keys (or −1), checked against the row's holders. */
function ownRowsOf(
  back: Int32Array,
  order: Uint32Array,
  holders: Uint32Array,
  me: number,
  combiner: string,
): Int32Array {
  const ownRows = new Int32Array(holders.length).fill(-1);
  for (let i = 0; i < back.length; i++) {
    const row = back[i];
    if (row < 0) continue;
    if (ownRows[row] !== -1) {
      throw new ProtocolViolation(`row ${row} came back twice among this party's keys`, { party: combiner });
    }
    ownRows[row] = order[i];
  }
  for (let row = 0; row < holders.length; row++) {
    if (((holders[row] >>> me) & 1) !== (ownRows[row] >= 0 ? 1 : 0)) {
      throw new ProtocolViolation(`the row numbers that came back do not match the holders of row ${row}`, {
        party: combiner,
      });
    }
  }
  return ownRows;
}

export function popCount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) c++;
  return c;
}
