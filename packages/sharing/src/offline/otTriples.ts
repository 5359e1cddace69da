/**
 * Beaver triples (Beaver, CRYPTO 1991) made pairwise from OT, with no
 * trusted dealer: the offline phase of the n-party additive sharing engine
 * (semi-honest, dishonest majority), as the OT-based triple generation of
 * Demmler, Schneider, Zohner, "ABY", NDSS 2015, extended to n parties
 * pairwise as in the semi-honest SPDZ-family offline phases (MP-SPDZ's
 * semi2k / semi-bin).
 *
 * Party i draws its own a_i, b_i at random. c = (Σa_i)(Σb_j) = Σ_i a_i·b_i +
 * Σ_{i≠j} a_i·b_j: the first sum is local, every cross term a_i·b_j is
 * shared between i and j by one OT-based product (gilboa.ts over Z_2^64,
 * bitProducts.ts for bits, on SoftSpoken or IKNP OT extension, pairwise.ts). Party
 * i's share c_i is a_i·b_i plus its shares of every cross term it is part of.
 *
 * A batch is made in chunks of chunkRows/64 triples (2,048 by default, one
 * OT-extension message and one correction message per pair direction), at most
 * SLOTS chunks in flight, so memory stays bounded for any batch size; calls
 * are processed one at a time in call order. A failure (a malformed message,
 * a closed channel) closes every channel of this source with the error, so
 * every party's pending calls reject instead of waiting; the source stays
 * failed.
 */
import { type RandomSource, systemRandom } from '@parley/crypto';
import { InvalidArgument, MAX_PARTIES, SessionClosed } from '@parley/interface';
import { allocWords, KernelArena } from '@parley/kernels';
import { DEFAULT_CHUNK_ROWS, type OtChannel } from '@parley/ot';
import { bitProducts } from './bitProducts.js';
import { allocHashScratch, PIECE_BLOCKS } from './ccrHash.js';
import { gilboaProducts } from './gilboa.js';
import { type OtExtension, PairProducts, type PairScratch, pairWorkspaceBytes } from './pairwise.js';
import type { ProductKind } from './products.js';
import type { ArithmeticTriples, BooleanTriples, TripleSource } from './tripleSource.js';

/** Largest batch of one call: 2^26 triples (or words), 512 MiB per output array. */
export const MAX_TRIPLES_PER_CALL = 1 << 26;
/** Chunks of a batch in flight at once. */
const SLOTS = 3;

export interface OtTripleSourceOptions {
  /** Randomness for a, b, Δ, the base OTs and the hash keys (default: the OS CSPRNG); tests pass a SeededPrg. */
  random?: RandomSource;
  /** OTs per OT-extension message (a multiple of 128); every party must use the same. Default 2^17 (2,048 triples). */
  chunkRows?: number;
  /** 'softspoken' (default: half the traffic of IKNP, README figures) or 'iknp'; every party must use the same. */
  otExtension?: OtExtension;
}

/** What the offline phase has produced and sent so far (its cost, reported apart from the online phase's). */
export interface OfflineStats {
  arithmeticTriples: number;
  /** Boolean triples (bits): 64 per word. */
  booleanTriples: number;
  bytesSent: number;
  messagesSent: number;
  /** Wall-clock milliseconds spent inside arithmetic() and boolean() calls. */
  busyMs: number;
}

interface Slot {
  a: BigUint64Array;
  b: BigUint64Array;
  c: BigUint64Array;
  /** The receiver shares of each pair, kept between the OT and the corrections. */
  shares: BigUint64Array[];
}

interface Batch {
  a: BigUint64Array;
  b: BigUint64Array;
  c: BigUint64Array;
}

export class OtTripleSource implements TripleSource {
  private readonly random: RandomSource;
  private readonly chunkRows: number;
  private readonly chunkUnits: number;
  private readonly extension: OtExtension;
  private readonly channels: Map<number, OtChannel>;
  private pairs: PairProducts[] = [];
  private slots: Slot[] = [];
  private ready: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  /** The reject functions of the calls waiting in `guarded`: a failure rejects them all. */
  private readonly waiting = new Set<(error: Error) => void>();
  private readonly counts: OfflineStats = {
    arithmeticTriples: 0,
    booleanTriples: 0,
    bytesSent: 0,
    messagesSent: 0,
    busyMs: 0,
  };

  /** me: this party's index; channels: one OtChannel per other party index (pairwise, already ordered in both directions). */
  constructor(
    readonly me: number,
    readonly parties: number,
    channels: ReadonlyMap<number, OtChannel>,
    options: OtTripleSourceOptions = {},
  ) {
    if (!Number.isSafeInteger(parties) || parties < 1 || parties > MAX_PARTIES) {
      throw new InvalidArgument(`parties must be an integer in 1..${MAX_PARTIES}, got ${parties}`, {
        field: 'parties',
      });
    }
    if (!Number.isSafeInteger(me) || me < 0 || me >= parties) {
      throw new InvalidArgument(`me must be a party index in 0..${parties - 1}, got ${me}`, { field: 'me' });
    }
    this.channels = checkChannels(me, parties, channels);
    this.random = options.random ?? systemRandom;
    this.chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    this.extension = options.otExtension ?? 'softspoken';
    if (this.extension !== 'softspoken' && this.extension !== 'iknp') {
      throw new InvalidArgument(`otExtension must be 'softspoken' or 'iknp', got ${String(this.extension)}`, {
        field: 'otExtension',
      });
    }
    pairWorkspaceBytes(this.extension, this.chunkRows); // validates chunkRows
    this.chunkUnits = this.chunkRows / 64;
  }

  /** Runs the base OTs with every peer (can be awaited ahead of use; arithmetic()/boolean() call it if needed). */
  setup(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.ready ??= this.guarded(this.connect());
    return this.ready;
  }

  /** This party's shares of n fresh Beaver triples over Z_2^64. */
  arithmetic(n: number): Promise<ArithmeticTriples> {
    checkCount(n, 'n');
    return this.serial(async () => {
      const batch = await this.produce(gilboaProducts, n);
      this.counts.arithmeticTriples += n;
      return batch;
    });
  }

  /** This party's shares of words×64 fresh bit-sliced boolean triples. */
  boolean(words: number): Promise<BooleanTriples> {
    checkCount(words, 'words');
    return this.serial(async () => {
      const batch = await this.produce(bitProducts, words);
      this.counts.booleanTriples += 64 * words;
      return batch;
    });
  }

  /** Closes every channel with `error` (default SessionClosed); pending and later calls reject with it. */
  close(error?: Error): void {
    this.fail(error ?? new SessionClosed('the offline triple source was closed', { reason: 'closed' }));
    this.pairs = [];
    this.slots = [];
  }

  stats(): OfflineStats {
    return { ...this.counts };
  }

  private async connect(): Promise<void> {
    const peers = [...this.channels.keys()].sort((x, y) => x - y);
    const units = this.chunkUnits;
    const maxBody = Math.max(gilboaProducts.unitBytes, bitProducts.unitBytes) * units;
    const perPair = pairWorkspaceBytes(this.extension, this.chunkRows);
    const perSlot = 8 * units * (3 + peers.length) + 64 * (3 + peers.length);
    const arena = new KernelArena(
      peers.length * perPair + SLOTS * perSlot + 2 * maxBody + 8 * units + 2 * 16 * PIECE_BLOCKS + (64 << 10),
    );
    const scratch: PairScratch = {
      hash: allocHashScratch(arena),
      share: allocWords(arena, units),
      sendBody: arena.alloc(maxBody, false),
      receiveBody: arena.alloc(maxBody, false),
    };
    this.slots = Array.from({ length: SLOTS }, () => ({
      a: allocWords(arena, units),
      b: allocWords(arena, units),
      c: allocWords(arena, units),
      shares: peers.map(() => allocWords(arena, units)),
    }));
    const options = {
      random: this.random,
      chunkRows: this.chunkRows,
      extension: this.extension,
      arena,
      scratch,
    };
    this.pairs = peers.map((peer) => new PairProducts(peer, this.counted(this.channels.get(peer)!), options));
    await Promise.all(this.pairs.map((p) => p.setup()));
  }

  /** `channel` with its sends counted in the stats. */
  private counted(channel: OtChannel): OtChannel {
    const counts = this.counts;
    return {
      send(bytes) {
        counts.bytesSent += bytes.length;
        counts.messagesSent++;
        channel.send(bytes);
      },
      recv: () => channel.recv(),
      close: channel.close ? (error) => channel.close?.(error) : undefined,
    };
  }

  /** One batch of `units` triples (or words), chunk by chunk with up to SLOTS chunks in flight. */
  private async produce(kind: ProductKind, units: number): Promise<Batch> {
    await this.setup();
    const t0 = performance.now();
    const out: Batch = {
      a: new BigUint64Array(units),
      b: new BigUint64Array(units),
      c: new BigUint64Array(units),
    };
    const inFlight: (Promise<void> | undefined)[] = [];
    for (let i = 0, offset = 0; offset < units; i++, offset += this.chunkUnits) {
      const s = i % SLOTS;
      if (inFlight[s]) await this.guarded(inFlight[s]);
      const chunk = this.chunk(kind, this.slots[s], Math.min(this.chunkUnits, units - offset), offset, out);
      chunk.catch(() => undefined);
      inFlight[s] = chunk;
    }
    await this.guarded(Promise.all(inFlight));
    this.counts.busyMs += performance.now() - t0;
    return out;
  }

  /** One chunk: fresh a, b; c = a·b plus both cross terms with every peer; then copied into the batch. */
  private async chunk(
    kind: ProductKind,
    slot: Slot,
    units: number,
    offset: number,
    out: Batch,
  ): Promise<void> {
    const a = slot.a.subarray(0, units);
    const b = slot.b.subarray(0, units);
    const c = slot.c.subarray(0, units);
    this.random.fill(new Uint8Array(a.buffer, a.byteOffset, 8 * units));
    this.random.fill(new Uint8Array(b.buffer, b.byteOffset, 8 * units));
    kind.localProduct(c, a, b);
    const tasks = this.pairs.flatMap((pair, p) => {
      const sending = pair.sendChunk(kind, a, units, c);
      const receiving = pair.receiveChunk(kind, b, units, slot.shares[p], pair.nextMessage(), c);
      return [sending, receiving];
    });
    await Promise.all(tasks.map((t) => t.catch((e: unknown) => this.fail(e))));
    if (this.failure) throw this.failure;
    out.a.set(a, offset);
    out.b.set(b, offset);
    out.c.set(c, offset);
  }

  /** Runs calls one at a time in call order; a failed source rejects every call with its failure. */
  private serial<T>(body: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => {
      if (this.failure) throw this.failure;
      return this.guarded(body());
    });
    // The tail keeps neither the batch nor the error alive.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * `p`, or the source's failure as soon as there is one; a rejection of `p`
   * fails the source. (Not a race against one long-lived promise: every
   * reaction on it would keep its call's result alive.)
   */
  private guarded<T>(p: Promise<T>): Promise<T> {
    if (this.failure) {
      p.catch(() => undefined);
      return Promise.reject(this.failure);
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      p.then(
        (value) => {
          this.waiting.delete(reject);
          resolve(value);
        },
        (e: unknown) => {
          this.waiting.delete(reject);
          this.fail(e);
          reject(this.failure);
        },
      );
    });
  }

  /** The first failure wins: it closes every channel (peers' pending receives reject) and every pending call. */
  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new SessionClosed(String(error));
    for (const pair of this.pairs) pair.close(this.failure);
    if (this.pairs.length === 0) for (const channel of this.channels.values()) channel.close?.(this.failure);
    for (const reject of this.waiting) reject(this.failure);
    this.waiting.clear();
  }
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_TRIPLES_PER_CALL) {
    throw new InvalidArgument(`${what} must be an integer in 0..${MAX_TRIPLES_PER_CALL}, got ${n}`, {
      field: what,
    });
  }
}

function checkChannels(
  me: number,
  parties: number,
  channels: ReadonlyMap<number, OtChannel>,
): Map<number, OtChannel> {
  if (!(channels instanceof Map)) {
    throw new InvalidArgument('channels must be a Map from party index to OtChannel', { field: 'channels' });
  }
  const out = new Map<number, OtChannel>();
  for (let p = 0; p < parties; p++) {
    if (p === me) continue;
    const channel = channels.get(p);
    if (!channel || typeof channel.send !== 'function' || typeof channel.recv !== 'function') {
      throw new InvalidArgument(`channels has no OtChannel for party ${p}`, {
        field: 'channels',
        party: String(p),
      });
    }
    out.set(p, channel);
  }
  if (channels.size !== out.size) {
    throw new InvalidArgument(`channels must hold exactly the ${parties - 1} other parties`, {
      field: 'channels',
    });
  }
  return out;
}
