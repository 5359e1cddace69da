/**
 * Protocols as generators of rounds. A protocol step computes locally, then
 * yields the exchanges it needs (words to send to and expected from each
 * peer); the driver sends one message per peer for everything yielded in the
 * same round, and resumes each step with its part of the replies. Sub-protocols
 * compose with `yield*`; independent ones run in lockstep with `parallel`, so
 * all the multiplications of a circuit layer share one round (the
 * prepare-many / one-exchange / finalise shape of MP-SPDZ and MOTION).
 *
 * Everything runs synchronously between rounds, in an order that depends on
 * the program only, never on data or timing: so every party draws its PRG
 * streams and triples in the same order, and their messages line up.
 */

/** One party's part of an exchange within a round. */
export interface Exchange<T = unknown> {
  /** Words this party sends to each peer (party index). */
  readonly sends: ReadonlyArray<readonly [peer: number, words: BigUint64Array]>;
  /** Number of words this party receives from each peer. */
  readonly recvs: ReadonlyArray<readonly [peer: number, words: number]>;
  /** Runs when the round's messages have arrived; `received[k]` answers `recvs[k]`. */
  finish(received: readonly BigUint64Array[]): T;
}

export type Round = Exchange[];

/** A protocol returning T: yields rounds, is resumed with the results of their exchanges. */
export type Proto<T> = Generator<Round, T, unknown[]>;

/** A protocol of a single exchange. */
export function* exchange<T>(ex: Exchange<T>): Proto<T> {
  const [result] = yield [ex];
  return result as T;
}

/** Runs protocols in lockstep (their exchanges share rounds); returns their results in order. */
export function* parallel<T>(protos: ReadonlyArray<Proto<T>>): Proto<T[]> {
  const results = new Array<T>(protos.length);
  let active: Array<{ index: number; proto: Proto<T>; round: Round }> = [];
  protos.forEach((proto, index) => {
    const r = proto.next();
    if (r.done) results[index] = r.value;
    else active.push({ index, proto, round: r.value });
  });
  while (active.length > 0) {
    const replies = yield active.flatMap((a) => a.round);
    const next: typeof active = [];
    let offset = 0;
    for (const a of active) {
      const mine = replies.slice(offset, offset + a.round.length);
      offset += a.round.length;
      const r = a.proto.next(mine);
      if (r.done) results[a.index] = r.value;
      else next.push({ index: a.index, proto: a.proto, round: r.value });
    }
    active = next;
  }
  return results;
}

/** Two protocols in lockstep, with their result types kept. */
export function* both<A, B>(a: Proto<A>, b: Proto<B>): Proto<[A, B]> {
  const [ra, rb] = yield* parallel<unknown>([a, b]);
  return [ra as A, rb as B];
}

/** A protocol that needs no round. */
// biome-ignore lint/correctness/useYield: a protocol with no exchange is still a protocol
export function* done<T>(value: T): Proto<T> {
  return value;
}

/** Drives a protocol to the end with `flush` answering each round. */
export async function drive<T>(proto: Proto<T>, flush: (round: Round) => Promise<unknown[]>): Promise<T> {
  let r = proto.next();
  while (!r.done) r = proto.next(await flush(r.value));
  return r.value;
}

/** Answers a round without a network: every exchange gets empty replies (shape-only dry runs). */
export function flushLocally(round: Round): unknown[] {
  const empty = new BigUint64Array(0);
  return round.map((ex) => ex.finish(ex.recvs.map(() => empty)));
}
