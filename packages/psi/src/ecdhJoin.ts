/**
 * The n-party ECDH private join (semi-honest, any number of colluding
 * parties short of all but one learn nothing beyond the output below): the
 * multiparty Diffie–Hellman PSI of Meadows (1986) and Huberman–Franklin–Hogg
 * (1999) run around a ring, as in Google's private join and compute (Ion et
 * al., "On Deploying Secure Computing: Private Intersection-Sum-with-
 * Cardinality", EuroS&P 2020), for any number of parties.
 *
 * Every party i shuffles its keys with a secret permutation, hashes them to
 * points and applies its scalar k_i (commutativeX25519.ts). The lists travel
 * around the ring parties[0] → parties[1] → … → parties[0]: at step t each
 * party applies its scalar to the list that started t hops back and passes
 * it on, so after n−1 steps every list carries all n scalars and has come
 * back to its owner, in the owner's shuffled order. Each owner then sends
 * its fully encrypted tags to every party. All parties now hold the same
 * tags, know which parties hold each one, and keep those held by at least
 * `minParties` parties, in the order of the tags' bytes: the joined table's
 * rows, the same at every party. Each party maps the rows it holds back to
 * its own rows through its permutation.
 *
 * What each party learns: the size of every party's key set; for every
 * joined row, which parties hold it; which of its own keys are in the join.
 * Up to minParties = 2 the owners' tags go to every party, which shows who
 * holds each key, and that is no more: a key two parties hold is joined. From
 * minParties = 3 that would show a party who holds its keys outside the join,
 * so the tags go blinded to one combiner instead (blindedRows.ts), which
 * learns how many keys each group of parties shares but not which. Nobody
 * learns another party's keys outside its own set, nor where another party's
 * keys sit in that party's table. The payload columns never cross here: the
 * node aligns them to the joined rows and secret-shares them into the engine.
 *
 * Every message goes to the next party of the ring and comes from the
 * previous one, in chunks of at most `chunkPoints` points; the owners' final
 * tags go to everyone.
 */
import { InvalidArgument, InvalidInput, ProtocolViolation } from '@parley/interface';
import { blindedRows, popCount, shuffledIndices } from './blindedRows.js';
import { CommutativeKey, hashToPoints, POINT_BYTES } from './commutativeX25519.js';
import { type JoinChannel, MAX_CHUNK_POINTS, receiveExactly, relayList, sendList } from './joinLists.js';
import { FINAL_STEP } from './joinWire.js';

export interface JoinOptions {
  /** Binds the tags to one job: the same keys give unrelated tags in another context. */
  context: string;
  /** A key is in the join when at least this many parties hold it (default: all of them, the intersection; 1 is the union). */
  minParties?: number;
  /** Points per message (default 4096, at most MAX_CHUNK_POINTS). */
  chunkPoints?: number;
  /**
   * The most keys any party may hold (default MAX_KEYS), a bound every party
   * knows (not a joined table's rows: a party may hold more keys than join
   * rows). A list that grows past it is refused as it arrives, so no peer can
   * make this party work or hold without end.
   */
  maxKeys?: number;
  /** Called with the scalar multiplications done of the total this party has to do. */
  onProgress?: (done: number, total: number) => void;
}

export interface JoinResult {
  /** Rows of the joined table: the same number at every party. */
  rows: number;
  /** For each joined row, this party's row index (into its `keys`), or -1 where it does not hold the key. */
  ownRows: Int32Array;
  /** For each joined row, the parties holding it: bit j set for parties[j]. */
  holders: Uint32Array;
  /** Size of each party's key set, by party name. */
  sizes: Record<string, number>;
}

const MAX_PARTIES = 32;

export { type JoinChannel, MAX_CHUNK_POINTS };
/** The default bound on any party's keys (2^24: 512 MiB of points). */
export const MAX_KEYS = 1 << 24;

/** Throws InvalidInput naming the rows (never the values) of the first repeated key. */
export function checkDistinctKeys(keys: readonly Uint8Array[], what = 'key column'): void {
  const seen = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) {
    const k = Buffer.from(keys[i].buffer, keys[i].byteOffset, keys[i].length).toString('latin1');
    const first = seen.get(k);
    if (first !== undefined) {
      throw new InvalidInput(
        `${what}: rows ${first + 1} and ${i + 1} have the same key; join keys must be unique`,
        {
          field: what,
          line: i + 1,
        },
      );
    }
    seen.set(k, i);
  }
}

/** Runs the join as party `self` of `parties` over `channel`; every party calls it with its own keys. */
export async function ecdhJoin(
  channel: JoinChannel,
  self: string,
  parties: readonly string[],
  keys: readonly Uint8Array[],
  options: JoinOptions,
): Promise<JoinResult> {
  const n = parties.length;
  const me = parties.indexOf(self);
  if (me < 0) throw new InvalidArgument(`'${self}' is not one of the join's parties`, { party: self });
  if (n < 2 || n > MAX_PARTIES)
    throw new InvalidArgument(`a join takes 2 to ${MAX_PARTIES} parties, not ${n}`);
  const minParties = options.minParties ?? n;
  if (!Number.isInteger(minParties) || minParties < 1 || minParties > n) {
    throw new InvalidArgument(`minParties must be a whole number in 1..${n}, not ${minParties}`, {
      field: 'minParties',
    });
  }
  const chunkPoints = options.chunkPoints ?? 4096;
  if (!Number.isInteger(chunkPoints) || chunkPoints < 1 || chunkPoints > MAX_CHUNK_POINTS) {
    throw new InvalidArgument(
      `chunkPoints must be a whole number in 1..${MAX_CHUNK_POINTS}, not ${chunkPoints}`,
      {
        field: 'chunkPoints',
      },
    );
  }
  const maxKeys = options.maxKeys ?? MAX_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < keys.length) {
    throw new InvalidArgument(`maxKeys must be a whole number of at least this party's ${keys.length} keys`, {
      field: 'maxKeys',
    });
  }
  checkDistinctKeys(keys);
  const next = parties[(me + 1) % n];
  const prev = parties[(me + n - 1) % n];
  const key = new CommutativeKey();

  // Step 0: this party's keys, shuffled, hashed and under its own scalar.
  const order = shuffledIndices(keys.length);
  const points = hashToPoints(
    options.context,
    Array.from(order, (i) => keys[i]),
  );
  let done = 0;
  let total = keys.length;
  const progress = (count: number) => {
    done += count;
    options.onProgress?.(done, total);
  };
  await sendList(channel, next, 0, points, chunkPoints, (chunk) => {
    const out = key.apply(chunk);
    progress(chunk.length / POINT_BYTES);
    return out;
  });
  // Steps 1 … n−1: the list that started t hops back gets this party's scalar and moves on.
  // Its length is noted: the owner's final list must have the same.
  const listBytes = new Map<string, number>();
  for (let step = 1; step < n; step++) {
    let bytes = 0;
    await relayList(channel, prev, next, step, (chunk) => {
      total += chunk.length / POINT_BYTES;
      bytes += chunk.length;
      if (bytes > maxKeys * POINT_BYTES) {
        throw new ProtocolViolation(`${prev} sent a list of more than the ${maxKeys} keys a party may hold`, {
          party: prev,
          step,
        });
      }
      const out = key.apply(chunk, prev);
      progress(chunk.length / POINT_BYTES);
      return out;
    });
    listBytes.set(parties[(me + n - step) % n], bytes);
  }
  // This party's own list, back with every scalar on it, in its shuffled order.
  const own = await receiveExactly(channel, prev, n - 1, points.length);
  // A key held by three or more parties to join: blinded, so no party sees who holds its other keys.
  if (minParties >= 3) {
    total += keys.length + [...listBytes.values()].reduce((a, b) => a + b, 0) / POINT_BYTES;
    return blindedRows({
      channel,
      parties,
      me,
      own,
      order,
      listBytes: (j) => (j === me ? own.length : (listBytes.get(parties[j]) ?? 0)),
      minParties,
      chunkPoints,
      progress,
    });
  }
  // Every owner's tags to every party.
  for (const p of parties) {
    if (p !== self) await sendList(channel, p, FINAL_STEP, own, chunkPoints);
  }
  const lists = new Map<string, Uint8Array>([[self, own]]);
  for (const p of parties) {
    if (p === self) continue;
    lists.set(p, await receiveExactly(channel, p, FINAL_STEP, listBytes.get(p) ?? 0));
  }
  return joinRows(parties, self, lists, order, minParties);
}

/** The joined table from every party's tags (each list in its owner's shuffled order). */
function joinRows(
  parties: readonly string[],
  self: string,
  lists: Map<string, Uint8Array>,
  order: Uint32Array,
  minParties: number,
): JoinResult {
  const holders = new Map<string, { mask: number; own: number }>();
  const sizes: Record<string, number> = {};
  parties.forEach((p, j) => {
    const tags = lists.get(p) as Uint8Array;
    const view = Buffer.from(tags.buffer, tags.byteOffset, tags.length);
    const count = tags.length / POINT_BYTES;
    sizes[p] = count;
    for (let i = 0; i < count; i++) {
      const tag = view.toString('latin1', i * POINT_BYTES, (i + 1) * POINT_BYTES);
      const h = holders.get(tag);
      const own = p === self ? order[i] : -1;
      if (!h) holders.set(tag, { mask: 1 << j, own });
      else if (h.mask & (1 << j)) {
        throw new ProtocolViolation(`${p} sent the same tag twice`, { party: p });
      } else {
        h.mask |= 1 << j;
        if (own >= 0) h.own = own;
      }
    }
  });
  const kept: Array<[string, { mask: number; own: number }]> = [];
  for (const entry of holders) if (popCount(entry[1].mask) >= minParties) kept.push(entry);
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const ownRows = new Int32Array(kept.length);
  const masks = new Uint32Array(kept.length);
  kept.forEach(([, h], r) => {
    ownRows[r] = h.own;
    masks[r] = h.mask >>> 0;
  });
  return { rows: kept.length, ownRows, holders: masks, sizes };
}
