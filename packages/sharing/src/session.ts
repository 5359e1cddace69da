/**
 * One party's side of a secret-sharing computation, behind mpc-framework's
 * engine boundary: constructed with a `send(to, bytes)` callback, fed
 * `handleMessage(from, bytes)`, and `output()` resolves with the outputs this
 * party receives. The session:
 *
 * 1. exchanges the setup digest (program, parties, protocol) with every
 *    peer and aborts with SetupMismatchError on a difference;
 * 2. agrees PRG seeds (replicated: one key with each neighbour; additive:
 *    one per pair);
 * 3. additive scheme only: runs the offline phase, Beaver triples from
 *    pairwise OT (./offline) over OT frames multiplexed on this session's
 *    messages, sized by the plan and timed apart;
 * 4. runs the online phase (evaluator.ts): one message per peer per round.
 *
 * Any failure (a peer's message of the wrong size or kind, a timeout, a
 * failed check) ends the session on this party with a typed error, which it
 * sends to every peer in an abort frame: every party ends with the same error.
 */
import { type Column, encodePartyInputs, type PartyInputs, type Program } from '@parley/circuit';
import {
  type ConsumedListener,
  InvalidArgument,
  type ParleyError,
  PeerInbox,
  ProtocolViolation,
  type SecurityModel,
  SetupMismatchError,
} from '@parley/interface';
import type { OtChannel } from '@parley/ot';
import type { ShareBackend, SharingProtocol } from './backend.js';
import { BeaverAdditive } from './beaverAdditive.js';
import { evaluate } from './evaluator.js';
import { OtTripleSource, type TripleSource } from './offline/index.js';
import { type PreparedSharing, prepareSharing } from './plan.js';
import { drive, exchange, type Proto, type Round } from './protocol.js';
import { Replicated3pc } from './replicated3pc.js';
import { TriplePool } from './triples.js';
import {
  abortError,
  abortFrame,
  frame,
  frameInPlace,
  MAX_FRAME_PAYLOAD,
  RoundReader,
  roundFrames,
  Tag,
} from './wire.js';

const EMPTY = new BigUint64Array(0);

export const ADDITIVE_SECURITY: SecurityModel = {
  adversary: 'semi-honest',
  corruption: 'dishonest-majority',
};
export const REPLICATED_SECURITY: SecurityModel = { adversary: 'semi-honest', corruption: 'honest-majority' };

/** The protocol names users give: `sharing` is the additive n-party scheme. */
export type SharingProtocolName = 'sharing' | 'replicated';

export function schemeOf(protocol: SharingProtocolName | SharingProtocol): SharingProtocol {
  if (protocol === 'sharing' || protocol === 'additive') return 'additive';
  if (protocol === 'replicated') return 'replicated';
  throw new InvalidArgument(`unknown sharing protocol '${protocol}' (sharing, replicated)`, {
    field: 'protocol',
  });
}

export type TripleSourceFactory = (
  me: number,
  parties: number,
  channels: ReadonlyMap<number, OtChannel>,
) => TripleSource;

/** How far a sharing session's online phase is: IR nodes of the program evaluated of all. */
export interface SharingProgress {
  done: number;
  total: number;
  unit: 'operations';
}

export interface SharingOptions {
  /** `sharing` (additive, n ≥ 2 parties, default) or `replicated` (three parties). */
  protocol?: SharingProtocolName;
  /** Receive timeout in ms (0: none). */
  timeoutMs?: number;
  /**
   * Told when the protocol takes a peer's message, with its size as received
   * (PeerInbox `onConsumed`): a party node gives those bytes back to its
   * transport, which holds back-pressure on the peer until then.
   */
  onConsumed?: ConsumedListener;
  /** The offline phase (default: Beaver triples from pairwise OT). */
  tripleSource?: TripleSourceFactory;
  /** Record when each online round ended (stats().roundEnds), for benchmarks. */
  timeline?: boolean;
  /**
   * The `send` callback copies the bytes before it returns, as
   * packages/transport's sessions do: the session may then reuse its send
   * buffers (no fresh buffer per round message). Leave unset for a `send`
   * that keeps the array (mpc-framework's in-memory examples do).
   */
  sendCopies?: boolean;
  /**
   * Called after each online round with the program's IR nodes evaluated so
   * far (when that number grew) of all its nodes, and once more with `done
   * === total` when the session has its outputs (the only call with `done
   * === total`). Called synchronously from the protocol: it must be cheap and
   * must not throw.
   */
  onProgress?: (progress: SharingProgress) => void;
}

export interface SharingStats {
  protocol: SharingProtocol;
  parties: number;
  /** Rounds of the online phase. */
  rounds: number;
  multiplications: number;
  /** AND gates (bit-sliced, 64 to a word). */
  andGates: number;
  bytesSent: number;
  bytesReceived: number;
  /** Of the bytes sent, those of the offline phase. */
  offlineBytesSent: number;
  offlineMs: number;
  onlineMs: number;
  /** With the `timeline` option: ms from the start of the online phase to the end of each of its rounds. */
  roundEnds?: number[];
}

async function otTripleSource(
  me: number,
  parties: number,
  channels: ReadonlyMap<number, OtChannel>,
): Promise<TripleSource> {
  const source = new OtTripleSource(me, parties, channels);
  await source.setup();
  return source;
}

export class SharingSession {
  readonly security: SecurityModel;
  readonly prepared: PreparedSharing;
  private readonly me: number;
  private readonly peers: string[];
  private readonly inbox: PeerInbox;
  private readonly otInbox: PeerInbox;
  /** Offline-phase (OT) messages are expected: in the additive scheme, until its triples are made. */
  private otOpen: boolean;
  private readonly result: Promise<Record<string, Column>>;
  private readonly inputs: Map<number, Column>;
  private source: TripleSource | undefined;
  private backend: ShareBackend | undefined;
  private round = 0;
  private failed = false;
  /** Set once the outputs are in: closing the offline phase then is not a failure. */
  private finished = false;
  private readonly counts = { rounds: 0, sent: 0, received: 0, offlineSent: 0, offlineMs: 0, onlineMs: 0 };
  private onlineStart = 0;
  private readonly frameBuffer = { buffer: new Uint8Array(0) };
  private roundEnds: number[] | undefined;

  constructor(
    program: Program | PreparedSharing,
    readonly party: string,
    /** Plain values by input name, or encoded columns by input node id (`PartyInputs` of @parley/circuit). */
    inputs: PartyInputs,
    private readonly sendBytes: (to: string, bytes: Uint8Array) => void | Promise<void>,
    private readonly options: SharingOptions = {},
  ) {
    const scheme = schemeOf(options.protocol ?? 'sharing');
    this.prepared = 'digest' in program ? program : prepareSharing(program, scheme);
    if (this.prepared.protocol !== scheme) {
      throw new InvalidArgument(`the program was prepared for ${this.prepared.protocol}, not ${scheme}`, {
        field: 'protocol',
      });
    }
    const parties = this.prepared.program.parties;
    this.me = parties.indexOf(party);
    if (this.me < 0)
      throw new InvalidArgument(`'${party}' is not a party of this computation (${parties.join(', ')})`, {
        party,
      });
    this.security = scheme === 'additive' ? ADDITIVE_SECURITY : REPLICATED_SECURITY;
    this.inputs = encodePartyInputs(this.prepared.program, party, inputs);
    this.peers = parties.filter((p) => p !== party);
    this.inbox = new PeerInbox(this.peers, options.timeoutMs ?? 0, options.onConsumed);
    this.otInbox = new PeerInbox(this.peers, options.timeoutMs ?? 0, options.onConsumed);
    this.otOpen = scheme === 'additive';
    this.result = this.run().catch((e: ParleyError) => {
      this.fail(e, true);
      throw e;
    });
    // The caller may never await output(); keep an unhandled rejection from crashing the process.
    this.result.catch(() => {});
  }

  handleMessage(from: string, bytes: Uint8Array): void {
    this.counts.received += bytes.length;
    if (bytes.length > 0 && bytes[0] === Tag.ABORT && this.peers.includes(from)) {
      this.fail(abortError(bytes.subarray(1), from), false);
      return;
    }
    if (bytes.length > 0 && bytes[0] === Tag.OT) {
      // Held until the offline phase reads them (a peer may start it first); outside it, nothing would
      // read them, and a peer held back by them would stall: a violation.
      if (!this.otOpen) {
        this.fail(
          new ProtocolViolation(`${from} sent an offline-phase message outside the offline phase`, {
            party: from,
          }),
          true,
        );
        return;
      }
      this.otInbox.deliver(from, bytes.subarray(1), bytes.length);
    } else if ((bytes.length > 0 && bytes[0] === Tag.ROUND) || !this.peers.includes(from)) {
      this.inbox.deliver(from, bytes);
    } else {
      // Nothing reads an empty message or an unknown kind: held in the inbox (during the additive
      // offline phase nothing reads it at all) the peers would wait for each other for ever.
      const got = bytes.length === 0 ? 'an empty message' : `tag ${bytes[0]}`;
      this.fail(
        new ProtocolViolation(`expected a share message from ${from}, got ${got}`, { party: from }),
        true,
      );
    }
  }

  /**
   * Ends the session with `error` (a cancelled job): `output()` rejects with
   * it and every peer gets an abort frame carrying it. Takes effect at this
   * party's next receive. No effect once the session has ended.
   */
  abort(error: ParleyError): void {
    this.fail(error, true);
  }

  /** The outputs this party receives, by name. */
  output(): Promise<Record<string, Column>> {
    return this.result;
  }

  stats(): SharingStats {
    const c = this.backend?.counters ?? { multiplications: 0, andWords: 0, andGates: 0 };
    return {
      protocol: this.prepared.protocol,
      parties: this.prepared.program.parties.length,
      rounds: this.counts.rounds,
      multiplications: c.multiplications,
      andGates: c.andGates,
      bytesSent: this.counts.sent,
      bytesReceived: this.counts.received,
      offlineBytesSent: this.counts.offlineSent,
      offlineMs: this.counts.offlineMs,
      onlineMs: this.counts.onlineMs,
      ...(this.roundEnds ? { roundEnds: [...this.roundEnds] } : {}),
    };
  }

  /** Ends the session with `error`; tells the peers unless the error came from one of them. */
  private fail(error: Error, tellPeers: boolean): void {
    if (this.failed || this.finished) return;
    this.failed = true;
    if (tellPeers) {
      const f = abortFrame(error);
      for (const p of this.peers) Promise.resolve(this.sendBytes(p, f)).catch(() => {});
    }
    this.inbox.fail(error);
    this.otInbox.fail(error);
    this.source?.close(error);
  }

  private send(to: string, bytes: Uint8Array): void {
    this.counts.sent += bytes.length;
    // The other peers are told: they would otherwise wait for this party until their timeout.
    Promise.resolve(this.sendBytes(to, bytes)).catch((e: Error) => this.fail(e, true));
  }

  private async run(): Promise<Record<string, Column>> {
    const { program, protocol, digest, plans, preprocessing } = this.prepared;
    const n = program.parties.length;
    await drive(this.hello(digest), (r) => this.flush(r));
    const setup: Proto<ShareBackend> =
      protocol === 'replicated' ? Replicated3pc.setup(this.me) : BeaverAdditive.setup(this.me, n);
    const backend = await drive(setup, (r) => this.flush(r));
    if (backend instanceof BeaverAdditive) {
      const t0 = performance.now();
      const sentBefore = this.counts.sent;
      const factory = this.options.tripleSource;
      const channels = this.otChannels();
      this.source = factory ? factory(this.me, n, channels) : await otTripleSource(this.me, n, channels);
      backend.useTriples(
        await TriplePool.fill(this.source, preprocessing.multiplications, preprocessing.andWords),
      );
      this.otOpen = false;
      this.counts.offlineMs = performance.now() - t0;
      this.counts.offlineSent = this.counts.sent - sentBefore;
    }
    this.backend = backend;
    const t0 = performance.now();
    const rounds = this.round;
    this.onlineStart = t0;
    if (this.options.timeline) this.roundEnds = [];
    const { onProgress } = this.options;
    const total = program.nodes.length;
    const onRound =
      onProgress &&
      ((done: number) => {
        if (done < total) onProgress({ done, total, unit: 'operations' });
      });
    const evaluation = evaluate(backend, { program, plans, inputs: this.inputs, onRound });
    const outputs = await drive(evaluation, async (r) => {
      const replies = await this.flush(r);
      this.roundEnds?.push(performance.now() - this.onlineStart);
      return replies;
    });
    this.counts.onlineMs = performance.now() - t0;
    this.counts.rounds = this.round - rounds;
    this.finished = true;
    this.source?.close();
    const named: Record<string, Column> = {};
    for (const [index, col] of outputs) named[program.outputs[index].name] = col;
    onProgress?.({ done: total, total, unit: 'operations' });
    return named;
  }

  /**
   * Round 0: every party sends its setup digest to every other; on a
   * difference every party sees all digests and so reports the same error,
   * naming the parties that differ from party 0.
   */
  private *hello(digest: Uint8Array): Proto<void> {
    const words = new BigUint64Array(digest.slice().buffer);
    const parties = this.prepared.program.parties;
    const peers = parties.map((_, j) => j).filter((j) => j !== this.me);
    const theirs = yield* exchange({
      sends: peers.map((j) => [j, words] as const),
      recvs: peers.map((j) => [j, words.length] as const),
      finish: (got) => got,
    });
    const all = parties.map((_, j) => (j === this.me ? words : theirs[peers.indexOf(j)]));
    const same = (a: BigUint64Array, b: BigUint64Array) => a.every((v, i) => v === b[i]);
    const odd = parties.filter((_, j) => !same(all[j], all[0]));
    if (odd.length > 0) {
      throw new SetupMismatchError(
        `${odd.join(', ')} run${odd.length === 1 ? 's' : ''} a different computation, party list or protocol than ${parties[0]} (setup digests differ)`,
        { party: odd[0] },
      );
    }
  }

  private otChannels(): Map<number, OtChannel> {
    const parties = this.prepared.program.parties;
    const channels = new Map<number, OtChannel>();
    parties.forEach((peer, j) => {
      if (j === this.me) return;
      channels.set(j, {
        send: (bytes) => this.send(peer, frame(Tag.OT, bytes)),
        recv: () => this.otInbox.recv(peer),
        close: (error) => this.fail(error, true),
      });
    });
    return channels;
  }

  /** Sends this party's words of a round to each peer and collects what each peer owes it. */
  private async flush(round: Round): Promise<unknown[]> {
    const r = this.round++;
    const parties = this.prepared.program.parties;
    const out = new Map<number, BigUint64Array[]>();
    const expected = new Map<number, number>();
    for (const ex of round) {
      for (const [peer, words] of ex.sends) {
        if (words.length === 0) continue;
        const list = out.get(peer) ?? [];
        out.set(peer, list);
        list.push(words);
      }
      for (const [peer, words] of ex.recvs) expected.set(peer, (expected.get(peer) ?? 0) + words);
    }
    const reuse = this.options.sendCopies ? this.frameBuffer : undefined;
    for (const [peer, list] of out) {
      const inPlace = list.length === 1 ? frameInPlace(r, list[0]) : undefined;
      if (inPlace) this.send(parties[peer], inPlace);
      else if (reuse && list.reduce((s, w) => s + w.byteLength, 0) > MAX_FRAME_PAYLOAD) {
        // A reused buffer holds one frame at a time.
        for (const f of roundFrames(r, list, MAX_FRAME_PAYLOAD)) this.send(parties[peer], f);
      } else for (const f of roundFrames(r, list, MAX_FRAME_PAYLOAD, reuse)) this.send(parties[peer], f);
    }
    const got = new Map<number, BigUint64Array>();
    await Promise.all(
      [...expected].map(async ([peer, words]) => {
        if (words === 0) return;
        const name = parties[peer];
        const reader = new RoundReader(name, r, 8 * words);
        for (;;) {
          const done = reader.add(await this.inbox.recv(name));
          if (done) {
            got.set(peer, done);
            return;
          }
        }
      }),
    );
    const offsets = new Map<number, number>();
    return round.map((ex) =>
      ex.finish(
        ex.recvs.map(([peer, words]) => {
          if (words === 0) return EMPTY;
          const at = offsets.get(peer) ?? 0;
          offsets.set(peer, at + words);
          return (got.get(peer) as BigUint64Array).subarray(at, at + words);
        }),
      ),
    );
  }
}
