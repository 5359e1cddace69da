/**
 * The semi-honest two-party garbled-circuit protocol (Yao; Lindell–Pinkas
 * 2009 for the proof; half gates and free XOR as in halfGates.ts):
 *
 * 1. Both parties exchange a digest of the circuit, the parties and the
 *    input/output assignment, and abort on a mismatch.
 * 2. The evaluator's input labels come by correlated OT (IKNP): the garbler's
 *    zero labels are the OT sender's messages q_j, the evaluator receives
 *    q_j ⊕ x_j·Δ, and Δ is the OT correlation.
 * 3. The garbler sends its own inputs' active labels, then the garbled tables
 *    in chunks as they are made; the evaluator evaluates them as they arrive.
 * 4. Outputs are decoded only for their recipients: for the evaluator the
 *    garbler sends 64-bit tags of H(W0, t) and H(W1, t) per output wire; for
 *    the garbler the evaluator sends the tag of H(active, t). A label whose tag
 *    matches neither is reported as InvalidOutputLabel, never returned as a value
 *    (a wrong label passes with probability 2^-64 per wire).
 *
 * Security: semi-honest adversary, two parties (one may be corrupt). Each
 * party learns its own outputs and the circuit's size and shape.
 */
import { type BooleanCircuit, layerByAndDepth } from '@parley/circuit';
import { randomBytes, sha256 } from '@parley/crypto';
import {
  type ConsumedListener,
  InternalError,
  InvalidArgument,
  InvalidOutputLabel,
  type ParleyError,
  PeerInbox,
  type SecurityModel,
  SetupMismatchError,
} from '@parley/interface';
import { IknpReceiver, IknpSender, type OtChannel } from '@parley/ot';
import { decodeOutputTags } from './_decode.js';
import { FixedKeyAes, tccrHash } from './fixedKeyAes.js';
import { GarblerPool } from './garblerPool.js';
import { HalfGatesEvaluator, HalfGatesGarbler, type LayeredCircuit, TABLE_BYTES } from './halfGates.js';
import {
  CLAIM_BYTES,
  CONTEXT_ID_BYTES,
  claimOf,
  encodeClaim,
  type OtContext,
  type OtContextStore,
} from './otContexts.js';
import { abortFrame, asWords, frame, frameWords, Tag, type TagCode, unframe } from './wire.js';

export const GARBLED_SECURITY: SecurityModel = { adversary: 'semi-honest', corruption: 'dishonest-majority' };
export const PROTOCOL_VERSION = 'parley-garbled-v1';

export interface TwoPartyCircuit {
  circuit: BooleanCircuit;
  /** [garbler, evaluator]. */
  parties: [string, string];
  /** The party that provides each input group. */
  inputOwners: string[];
  /** The parties that receive each output group. */
  outputRecipients: string[][];
  /** AND-depth layers of `circuit` when its gates are already ordered by layer (else computed). */
  layers?: { layerStarts: Uint32Array; layerAnds: Uint32Array };
}

export interface GarbledStats {
  andGates: number;
  bytesSent: number;
  bytesReceived: number;
  /** True when the session continued the OT extension of an earlier one with the peer (no base OTs). */
  resumedOt: boolean;
}

const gateDigests = new WeakMap<BooleanCircuit, Uint8Array>();

/** SHA-256 of a circuit's gate arrays, computed once per circuit object. */
function gateDigest(c: BooleanCircuit): Uint8Array {
  let d = gateDigests.get(c);
  if (!d) {
    const bytes = (a: Uint8Array | Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    d = sha256(
      bytes(c.op),
      bytes(c.a),
      bytes(c.b),
      bytes(c.out),
      ...[...c.inputs, ...c.outputs].map((g) => bytes(g.wires)),
    );
    gateDigests.set(c, d);
  }
  return d;
}

/** Digest both parties must agree on before any input is used. */
export function setupDigest(spec: TwoPartyCircuit): Uint8Array {
  const c = spec.circuit;
  const header = new TextEncoder().encode(
    JSON.stringify({
      version: PROTOCOL_VERSION,
      parties: spec.parties,
      wires: c.wireCount,
      gates: c.gateCount,
      inputs: c.inputs.map((g, i) => [g.name, g.wires.length, spec.inputOwners[i]]),
      outputs: c.outputs.map((g, i) => [g.name, g.wires.length, spec.outputRecipients[i]]),
    }),
  );
  return sha256(header, gateDigest(c));
}

/** One chunk of a job: a circuit and this party's input bits for it (by input group). */
export interface GarbledChunk {
  spec: TwoPartyCircuit;
  inputs: Map<number, Uint8Array>;
}

/**
 * A garbled job: one circuit, or a sequence of chunk circuits run one after
 * another under the same OT setup and Δ (streaming: one chunk in memory at a
 * time). Both parties must describe the same job; `digest` is what they check.
 */
export interface GarbledJob {
  parties: [string, string];
  digest: Uint8Array;
  chunks: number;
  /** Builds chunk k (called once per chunk, in order). */
  chunk(k: number): GarbledChunk;
  /** Per output group: concatenate the chunks' bits (vector outputs; default) or keep the first chunk's (scalars). */
  outputIsVector?: boolean[];
}

/** A job of a single circuit. */
export function singleCircuitJob(spec: TwoPartyCircuit, inputs: Map<number, Uint8Array>): GarbledJob {
  return { parties: spec.parties, digest: setupDigest(spec), chunks: 1, chunk: () => ({ spec, inputs }) };
}

function checkInputs(c: GarbledChunk, party: string): void {
  const { spec, inputs } = c;
  spec.inputOwners.forEach((owner, i) => {
    const width = spec.circuit.inputs[i].wires.length;
    if (owner !== party) return;
    const bits = inputs.get(i);
    if (!bits || bits.length !== width) {
      throw new InvalidArgument(`input group ${spec.circuit.inputs[i].name}: expected ${width} bits`, {
        field: spec.circuit.inputs[i].name,
      });
    }
  });
}

/** How far a garbled session is: AND gates garbled (garbler) or evaluated (evaluator) of the job's. */
export interface GarbledProgress {
  done: number;
  total: number;
  unit: 'AND gates';
}

export interface GarbledSessionOptions {
  /** Receive timeout in ms (0: none). */
  timeoutMs?: number;
  /**
   * Told when the protocol takes a peer's message, with its size as received
   * (PeerInbox `onConsumed`): a party node gives those bytes back to its
   * transport, which holds back-pressure on the peer until then.
   */
  onConsumed?: ConsumedListener;
  /**
   * Called after each chunk of garbled tables is sent (garbler) or evaluated
   * (evaluator), never per gate, and once more with `done === total` when the
   * session has its outputs (the only call with `done === total`). Called
   * synchronously from the protocol: it must be cheap and must not throw.
   */
  onProgress?: (progress: GarbledProgress) => void;
  /**
   * Garbler: worker threads that garble the chunks of a streamed job in
   * parallel (garblerPool.ts); 0 (default) garbles in this thread.
   */
  garblingWorkers?: number;
  /**
   * OT extension kept per peer across sessions (otContexts.ts): sessions
   * with a peer after the first skip the base OTs. The caller keeps one
   * store per authenticated identity (a node keeps one for its lifetime).
   */
  otContexts?: OtContextStore;
  /**
   * True when `send` copies what it is given before it returns (a
   * @parley/transport session does): the garbler then reuses its table
   * buffers once sent instead of allocating new ones.
   */
  sendCopies?: boolean;
}

const NONCE_BYTES = 16;
/** Sent table chunks given back to the garbling workers this many at a time. */
const RECYCLE_BATCH = 8;
/** A context is retired after this many gates' tweaks (2j, 2j + 1 for gate j): tweak arithmetic stays exact. */
const MAX_CONTEXT_ANDS = 2 ** 38;

/**
 * One party's side of a garbled-circuit session. `inputs` holds this party's
 * input groups' bits (one byte per bit), keyed by group index. For a streamed
 * job of several chunks use `GarbledSession.forJob`.
 */
export class GarbledSession {
  readonly security = GARBLED_SECURITY;
  private readonly inbox: PeerInbox;
  private readonly peer: string;
  private readonly role: 'garbler' | 'evaluator';
  private readonly result: Promise<Map<number, Uint8Array>>;
  private readonly job: GarbledJob;
  private readonly pool: GarblerPool | undefined;
  private readonly contexts: OtContextStore | undefined;
  private resumed = false;
  private sent = 0;
  private received = 0;
  private andGates = 0;
  private closed = false;
  private readonly onProgress: ((progress: GarbledProgress) => void) | undefined;
  /** AND gates of the job, and those garbled or evaluated so far (for onProgress). */
  private andTotal = 0;
  private andDone = 0;
  /** Set by abort() or a failed send: the session ends with it at its next receive or table chunk. */
  private aborted: Error | undefined;
  /** Sends whose promise has not settled yet: the outputs wait for them. */
  private readonly pending = new Set<Promise<void>>();
  private readonly sendCopies: boolean;

  constructor(
    spec: TwoPartyCircuit | GarbledJob,
    readonly party: string,
    inputs: Map<number, Uint8Array> | undefined,
    /** May return a promise (a transport's back-pressure): table chunks wait for it. */
    private readonly sendBytes: (to: string, bytes: Uint8Array) => void | Promise<void>,
    options: GarbledSessionOptions = {},
  ) {
    this.pool = options.garblingWorkers ? GarblerPool.shared(options.garblingWorkers) : undefined;
    this.contexts = options.otContexts;
    this.onProgress = options.onProgress;
    this.sendCopies = options.sendCopies === true;
    this.job = 'chunk' in spec ? spec : singleCircuitJob(spec, inputs ?? new Map());
    const [g, e] = this.job.parties;
    if (party !== g && party !== e)
      throw new InvalidArgument(`'${party}' is not a party of this circuit (${g}, ${e})`);
    this.role = party === g ? 'garbler' : 'evaluator';
    this.peer = party === g ? e : g;
    if (this.job.chunks === 1) checkInputs(this.job.chunk(0), party);
    this.inbox = new PeerInbox([this.peer], options.timeoutMs ?? 0, options.onConsumed);
    this.result = this.run().catch((e: ParleyError) => {
      if (!this.closed) {
        this.closed = true;
        this.transmit(abortFrame(e));
      }
      this.inbox.fail(e);
      throw e;
    });
    // The caller may never await output(); keep an unhandled rejection from crashing the process.
    this.result.catch(() => {});
  }

  /** A session over a streamed job (several chunk circuits under one OT setup). */
  static forJob(
    job: GarbledJob,
    party: string,
    send: (to: string, bytes: Uint8Array) => void | Promise<void>,
    options: GarbledSessionOptions = {},
  ): GarbledSession {
    return new GarbledSession(job, party, undefined, send, options);
  }

  handleMessage(from: string, bytes: Uint8Array): void {
    this.received += bytes.length;
    this.inbox.deliver(from, bytes);
  }

  /**
   * Ends the session with `error` (a cancelled job): `output()` rejects with
   * it and the peer gets an abort frame carrying it. The garbler stops before
   * its next table chunk, the evaluator at its next receive. No effect once
   * the session has ended.
   */
  abort(error: ParleyError): void {
    if (this.aborted || this.closed) return;
    this.aborted = error;
    this.inbox.fail(error);
  }

  /** This party's output groups' bits, keyed by output group index (chunks joined). */
  output(): Promise<Map<number, Uint8Array>> {
    return this.result;
  }

  stats(): GarbledStats {
    return {
      andGates: this.andGates,
      bytesSent: this.sent,
      bytesReceived: this.received,
      resumedOt: this.resumed,
    };
  }

  private send(tag: TagCode, payload: Uint8Array): void {
    this.transmit(frame(tag, payload));
  }

  private sendWords(tag: TagCode, words: Uint32Array): void {
    this.transmit(frameWords(tag, words));
  }

  /**
   * Hands one message to `send`; every message of the protocol goes through
   * here. A `send` that throws or rejects (a transport that failed) fails the
   * session with its error, as abort() does, so the peer is told and nothing
   * is left as an unhandled rejection. The promise returned (for a `send`
   * that returned one) settles with it and never rejects.
   */
  private transmit(bytes: Uint8Array): Promise<void> | undefined {
    this.sent += bytes.length;
    let result: void | Promise<void>;
    try {
      result = this.sendBytes(this.peer, bytes);
    } catch (e) {
      this.sendFailed(e);
      return undefined;
    }
    if (!result) return undefined;
    const settled = Promise.resolve(result).then(
      () => {
        this.pending.delete(settled);
      },
      (e: unknown) => {
        this.pending.delete(settled);
        this.sendFailed(e);
      },
    );
    this.pending.add(settled);
    return settled;
  }

  private sendFailed(e: unknown): void {
    if (this.aborted || this.closed) return;
    this.aborted = e instanceof Error ? e : new InternalError(`send failed: ${String(e)}`);
    this.inbox.fail(this.aborted);
  }

  private async recv(tag: TagCode): Promise<Uint8Array> {
    return unframe(await this.inbox.recv(this.peer), tag, this.peer);
  }

  private otChannel(): OtChannel {
    return {
      send: (bytes) => {
        this.send(Tag.OT, bytes);
      },
      recv: () => this.recv(Tag.OT),
    };
  }

  private async run(): Promise<Map<number, Uint8Array>> {
    const context = await this.handshake();
    const aes = new FixedKeyAes();
    // Every chunk's inputs are known now: the evaluator's input labels of all chunks come from one
    // correlated OT, so no chunk waits for a round trip and tables stream without a pause between chunks.
    const chunks = Array.from({ length: this.job.chunks }, (_, k) => this.job.chunk(k));
    if (this.job.chunks > 1) for (const c of chunks) checkInputs(c, this.party);
    const [, evaluator] = this.job.parties;
    const evaluatorWires = chunks.map((c) => this.inputWires(c.spec, evaluator).count);
    this.andTotal = chunks.reduce((n, c) => n + countAnds(c.spec.circuit), 0);
    // Each chunk takes its tweaks from the context's count: its AND gates', then its output wires'.
    const results: Array<() => Promise<Map<number, Uint8Array>>> = [];
    let andBase = context.andBase;
    let first = 0;
    if (context.ot instanceof IknpSender) {
      const ot = context.ot;
      const delta = new Uint32Array(ot.delta.slice().buffer);
      const total = evaluatorWires.reduce((a, b) => a + b, 0);
      const q = total > 0 ? new Uint32Array((await ot.correlated(total)).slice().buffer) : new Uint32Array(0);
      const zeros = chunks.map((_, k) => {
        const zero = q.subarray(4 * first, 4 * (first + evaluatorWires[k]));
        first += evaluatorWires[k];
        return zero;
      });
      if (this.pool && chunks.length > 1) {
        results.push(...(await this.garbleInPool(this.pool, chunks, zeros, delta, aes, andBase)));
        andBase += chunks.reduce((n, c) => n + tweakSpan(c.spec.circuit), 0);
      } else {
        for (const [k, chunk] of chunks.entries()) {
          results.push(await this.garbleChunk(chunk, zeros[k], delta, aes, andBase));
          andBase += tweakSpan(chunk.spec.circuit);
        }
      }
    } else {
      const ot = context.ot;
      const bits = concatBytes(chunks.map((c) => this.ownBits(c, this.inputWires(c.spec, evaluator).groups)));
      const t =
        bits.length > 0 ? new Uint32Array((await ot.correlated(bits)).slice().buffer) : new Uint32Array(0);
      for (const [k, chunk] of chunks.entries()) {
        const active = t.subarray(4 * first, 4 * (first + evaluatorWires[k]));
        results.push(await this.evaluateChunk(chunk, active, aes, andBase));
        first += evaluatorWires[k];
        andBase += tweakSpan(chunk.spec.circuit);
      }
    }
    // The garbler's own outputs: the evaluator's tags for every chunk, read after all tables went out.
    const outputs: Array<Map<number, Uint8Array>> = [];
    for (const r of results) outputs.push(await r());
    this.andGates = this.andTotal;
    // A message still in the transport's hands may yet fail (and a failed session keeps no OT
    // context): the outputs wait for every send.
    while (this.pending.size > 0) await Promise.all(this.pending);
    if (this.aborted) throw this.aborted;
    if (this.contexts) {
      context.sessions++;
      context.andBase = andBase;
      this.contexts.give(this.peer, context);
    }
    this.onProgress?.({ done: this.andTotal, total: this.andTotal, unit: 'AND gates' });
    return joinChunks(outputs, this.job.outputIsVector);
  }

  /**
   * HELLO both ways: the job's digest (the parties must run the same job), a
   * fresh nonce, and this party's claim on an OT context with the peer
   * (otContexts.ts). The context is resumed when both claims are the same;
   * otherwise a new one is set up (base OTs) with the id both nonces give.
   */
  private async handshake(): Promise<OtContext> {
    const digest = this.job.digest;
    const held = this.contexts?.take(this.peer, this.role);
    const claim = encodeClaim(claimOf(held));
    const nonce = randomBytes(NONCE_BYTES);
    this.send(Tag.HELLO, concatBytes([digest, nonce, claim]));
    const theirs = await this.recv(Tag.HELLO);
    if (
      theirs.length !== digest.length + NONCE_BYTES + CLAIM_BYTES ||
      !digest.every((b, i) => b === theirs[i])
    ) {
      throw new SetupMismatchError(
        `${this.peer} runs a different circuit or party assignment (setup digests differ)`,
        { party: this.peer },
      );
    }
    const theirClaim = theirs.subarray(digest.length + NONCE_BYTES);
    if (held && held.andBase < MAX_CONTEXT_ANDS && claim.every((b, i) => b === theirClaim[i])) {
      held.ot.useChannel(this.otChannel());
      this.resumed = true;
      return held;
    }
    const theirNonce = theirs.subarray(digest.length, digest.length + NONCE_BYTES);
    const [g, e] = this.role === 'garbler' ? [nonce, theirNonce] : [theirNonce, nonce];
    const id = sha256(new TextEncoder().encode('parley/garbled/ot-context'), g, e).slice(0, CONTEXT_ID_BYTES);
    const ot =
      this.role === 'garbler' ? new IknpSender(this.otChannel()) : new IknpReceiver(this.otChannel());
    await ot.setup();
    return { id, role: this.role, ot, sessions: 0, andBase: 0 };
  }

  private layered(spec: TwoPartyCircuit): LayeredCircuit {
    return spec.layers ? { circuit: spec.circuit, ...spec.layers } : layerByAndDepth(spec.circuit);
  }

  /** The input groups `owner` owns, and how many wires they have. */
  private inputWires(spec: TwoPartyCircuit, owner: string): { count: number; groups: number[] } {
    let count = 0;
    const groups: number[] = [];
    spec.inputOwners.forEach((o, i) => {
      if (o !== owner) return;
      groups.push(i);
      count += spec.circuit.inputs[i].wires.length;
    });
    return { count, groups };
  }

  private ownBits(chunk: GarbledChunk, groups: number[]): Uint8Array {
    const parts = groups.map((g) => chunk.inputs.get(g) as Uint8Array);
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      for (let i = 0; i < p.length; i++) {
        // The index only: the value is this party's input, and the error goes to the peer.
        if (p[i] > 1) throw new InvalidArgument(`input bit ${o} is not 0 or 1`, { index: o });
        out[o++] = p[i];
      }
    }
    return out;
  }

  private outputGroups(spec: TwoPartyCircuit, recipient: string): number[] {
    return spec.outputRecipients.flatMap((r, i) => (r.includes(recipient) ? [i] : []));
  }

  private async garbleChunk(
    chunk: GarbledChunk,
    /** Zero labels of the evaluator's input wires, from correlated OT. */
    theirZero: Uint32Array,
    delta: Uint32Array,
    aes: FixedKeyAes,
    andBase: number,
  ): Promise<() => Promise<Map<number, Uint8Array>>> {
    const { spec } = chunk;
    const g = new HalfGatesGarbler(this.layered(spec), delta, aes, undefined, { prefixBytes: 1 });
    const { inputZero, active } = this.inputLabels(chunk, theirZero, delta);
    g.setInputLabels(inputZero);
    this.sendWords(Tag.GARBLER_INPUTS, active);
    await g.garble((tables) => this.sendTables(tables), andBase);
    return this.outputChecks(spec, g.outputLabels(), delta, aes, outputTweak(spec.circuit, andBase));
  }

  /**
   * The garbler's chunks on the worker pool: up to `pool.size` + 1 chunks are
   * garbled or queued at once, and their messages go out in job order (inputs, tables,
   * output checks per chunk) as in `garbleChunk`.
   */
  private async garbleInPool(
    pool: GarblerPool,
    chunks: GarbledChunk[],
    /** Zero labels of the evaluator's input wires, per chunk. */
    theirZeros: Uint32Array[],
    delta: Uint32Array,
    aes: FixedKeyAes,
    firstAnd: number,
  ): Promise<Array<() => Promise<Map<number, Uint8Array>>>> {
    let nextChunk = 0;
    let andBase = firstAnd;
    const start = () => {
      const k = nextChunk++;
      const { spec } = chunks[k];
      const { inputZero, active } = this.inputLabels(chunks[k], theirZeros[k], delta);
      const tables = new ChunkQueue();
      const tweak = outputTweak(spec.circuit, andBase);
      const outZero = pool.garble(this.layered(spec), { delta, inputZero, andBase, prefixBytes: 1 }, (t) =>
        tables.push(t),
      );
      outZero.then(
        () => tables.end(),
        (e) => tables.fail(e),
      );
      andBase += tweakSpan(spec.circuit);
      return { spec, active, tables, outZero, tweak };
    };
    const running = [];
    // One chunk more than workers: a worker starts its next chunk while this thread still sends the last one.
    while (running.length < pool.size + 1 && nextChunk < chunks.length) running.push(start());
    const results: Array<() => Promise<Map<number, Uint8Array>>> = [];
    while (running.length > 0) {
      const { spec, active, tables, outZero, tweak } = running.shift()!;
      this.sendWords(Tag.GARBLER_INPUTS, active);
      const sent: Uint8Array[] = [];
      for (let t = await tables.next(); t; t = await tables.next()) {
        await this.sendTables(t);
        if (this.sendCopies) sent.push(t);
        if (sent.length === RECYCLE_BATCH) pool.recycle(sent.splice(0));
      }
      pool.recycle(sent);
      const out = await outZero;
      if (nextChunk < chunks.length) running.push(start());
      results.push(this.outputChecks(spec, out, delta, aes, tweak));
    }
    return results;
  }

  /**
   * Zero labels of a chunk's input wires in the order of `circuit.inputs`'
   * wires (the evaluator's from correlated OT, the garbler's fresh), and the
   * active labels of the garbler's own inputs, to send.
   */
  private inputLabels(
    chunk: GarbledChunk,
    theirZero: Uint32Array,
    delta: Uint32Array,
  ): { inputZero: Uint32Array; active: Uint32Array } {
    const { spec } = chunk;
    const mine = this.inputWires(spec, spec.parties[0]).groups;
    const bits = this.ownBits(chunk, mine);
    const wires = spec.circuit.inputs.reduce((n, g) => n + g.wires.length, 0);
    const inputZero = new Uint32Array(4 * wires);
    const fresh = new Uint32Array(randomBytes(16 * bits.length).buffer);
    const active = new Uint32Array(fresh.length);
    let j = 0;
    let own = 0;
    let theirs = 0;
    spec.circuit.inputs.forEach((group, gi) => {
      for (let i = 0; i < group.wires.length; i++, j++) {
        if (!mine.includes(gi)) {
          inputZero.set(theirZero.subarray(4 * theirs, 4 * theirs + 4), 4 * j);
          theirs++;
          continue;
        }
        const m = -(bits[own] & 1); // all ones or zero: no branch on the input bit
        for (let k = 0; k < 4; k++) {
          inputZero[4 * j + k] = fresh[4 * own + k];
          active[4 * own + k] = fresh[4 * own + k] ^ (m & delta[k]);
        }
        own++;
      }
    });
    return { inputZero, active };
  }

  /** Counts `gates` more AND gates done and reports it (the final report is run()'s). */
  private progressed(gates: number): void {
    if (gates === 0) return;
    this.andDone += gates;
    if (this.onProgress && this.andDone < this.andTotal)
      this.onProgress({ done: this.andDone, total: this.andTotal, unit: 'AND gates' });
  }

  /** Sends a table chunk whose first byte the garbler left free for the tag (the chunk is the message). */
  private async sendTables(tables: Uint8Array): Promise<void> {
    if (this.aborted) throw this.aborted;
    this.progressed((tables.length - 1) / TABLE_BYTES);
    tables[0] = Tag.TABLES;
    const sent = this.transmit(tables);
    // Wait for the transport to drain, or at least let the event loop run
    // (and a peer in the same process evaluate) between chunks.
    if (sent) await sent;
    else await new Promise<void>((r) => setImmediate(r));
    if (this.aborted) throw this.aborted;
  }

  /**
   * After a chunk's tables: sends the evaluator the tags of both labels of its
   * output wires, and returns what decodes the garbler's own outputs from the
   * evaluator's tags (read after the last chunk). `outZero` holds the output
   * wires' zero labels in the order of `circuit.outputs`' wires; only tags are
   * kept, so memory stays bounded.
   */
  private outputChecks(
    spec: TwoPartyCircuit,
    outZero: Uint32Array,
    delta: Uint32Array,
    aes: FixedKeyAes,
    /** The tweak of the chunk's first output wire (outputTweak). */
    tweak: number,
  ): () => Promise<Map<number, Uint8Array>> {
    const [garbler, evaluator] = spec.parties;
    const forThem = this.outputGroups(spec, evaluator);
    if (forThem.length > 0) {
      const at = outputPositions(spec, forThem);
      this.sendWords(Tag.OUTPUT_CHECKS, tags(bothLabelHashes(aes, outZero, delta, at, tweak), 2 * at.length));
    }
    const forMe = this.outputGroups(spec, garbler);
    if (forMe.length === 0) return async () => new Map();
    const at = outputPositions(spec, forMe);
    const expected = tags(bothLabelHashes(aes, outZero, delta, at, tweak), 2 * at.length);
    return async () => {
      const got = asWords(await this.recv(Tag.EVALUATOR_OUTPUTS), 'output tags', this.peer, 8);
      if (got.length !== 2 * at.length) {
        throw new InvalidOutputLabel(`expected ${at.length} output tags from ${this.peer}`);
      }
      return splitGroups(spec, forMe, decodeOutputTags(expected, got, at.length));
    };
  }

  private async evaluateChunk(
    chunk: GarbledChunk,
    /** Active labels of this party's input wires, from correlated OT. */
    ownActive: Uint32Array,
    aes: FixedKeyAes,
    andBase: number,
  ): Promise<() => Promise<Map<number, Uint8Array>>> {
    const { spec } = chunk;
    const [garbler, evaluator] = spec.parties;
    const e = new HalfGatesEvaluator(this.layered(spec), aes);
    const L = e.labels;
    L.setInputGroups(this.inputWires(spec, evaluator).groups, ownActive);
    const theirs = this.inputWires(spec, garbler);
    const active = asWords(await this.recv(Tag.GARBLER_INPUTS), 'garbler input labels', this.peer);
    if (active.length !== 4 * theirs.count) {
      throw new InvalidOutputLabel(
        `expected ${theirs.count} input labels from ${this.peer}, got ${active.length / 4}`,
      );
    }
    L.setInputGroups(theirs.groups, active);
    // A table chunk is evaluated when the evaluator asks for the next one (or returns).
    const tweak = outputTweak(spec.circuit, andBase);
    let pending = 0;
    await e.evaluate(async () => {
      this.progressed(pending);
      const tables = await this.recv(Tag.TABLES);
      pending = Math.floor(tables.length / TABLE_BYTES);
      return tables;
    }, andBase);
    this.progressed(pending);
    let result = new Map<number, Uint8Array>();
    const forMe = this.outputGroups(spec, evaluator);
    if (forMe.length > 0) {
      const labels = L.outputGroups(forMe);
      const wires = labels.length / 4;
      const checks = asWords(await this.recv(Tag.OUTPUT_CHECKS), 'output checks', this.peer);
      if (checks.length !== 4 * wires) {
        throw new InvalidOutputLabel(`expected ${wires} output checks`);
      }
      const at = outputPositions(spec, forMe);
      result = splitGroups(
        spec,
        forMe,
        decodeOutputTags(checks, activeHashes(aes, labels, at, tweak), wires),
      );
    }
    const forThem = this.outputGroups(spec, garbler);
    if (forThem.length > 0) {
      const at = outputPositions(spec, forThem);
      this.sendWords(Tag.EVALUATOR_OUTPUTS, activeHashes(aes, L.outputGroups(forThem), at, tweak));
    }
    return async () => result;
  }
}

const andCounts = new WeakMap<BooleanCircuit, number>();

/**
 * The tweaks a chunk takes from its context's count, in gates of two tweaks
 * each: one gate per AND gate (2j, 2j + 1), then one per two output wires.
 * Output wire p of a chunk whose first gate is `andBase` is hashed under
 * outputTweak + p, so no tweak repeats under one Δ: not across chunks, nor
 * sessions resuming the context, nor the two parties' outputs.
 */
function tweakSpan(c: BooleanCircuit): number {
  return countAnds(c) + Math.ceil(outputWires(c) / 2);
}

function outputTweak(c: BooleanCircuit, andBase: number): number {
  return 2 * (andBase + countAnds(c));
}

function outputWires(c: BooleanCircuit): number {
  return c.outputs.reduce((n, g) => n + g.wires.length, 0);
}

/** Positions, among all the circuit's output wires, of the wires of `groups` (ascending). */
function outputPositions(spec: TwoPartyCircuit, groups: number[]): number[] {
  const at: number[] = [];
  let p = 0;
  spec.circuit.outputs.forEach((g, gi) => {
    if (groups.includes(gi)) for (let i = 0; i < g.wires.length; i++) at.push(p + i);
    p += g.wires.length;
  });
  return at;
}

/**
 * In place: the two blocks (8 words) of each output wire in `h` hashed under
 * the tweak of its position `at[j]`, tweak + at[j]: one hash call per run of
 * consecutive positions.
 */
function hashOutputWires(aes: FixedKeyAes, h: Uint32Array, at: number[], tweak: number): void {
  for (let from = 0; from < at.length; ) {
    let to = from + 1;
    while (to < at.length && at[to] === at[to - 1] + 1) to++;
    tccrHash(aes, h.subarray(8 * from, 8 * to), 2 * (to - from), tweak + at[from], 1);
    from = to;
  }
}

/** AND gates of `c` (counted once per circuit object). */
function countAnds(c: BooleanCircuit): number {
  const known = andCounts.get(c);
  if (known !== undefined) return known;
  let n = 0;
  for (let i = 0; i < c.gateCount; i++) if (c.op[i] === 1) n++;
  andCounts.set(c, n);
  return n;
}

/** Splits decoded output bits back into their groups. */
function splitGroups(spec: TwoPartyCircuit, groups: number[], bits: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let o = 0;
  for (const g of groups) {
    const n = spec.circuit.outputs[g].wires.length;
    out.set(g, bits.slice(o, o + n));
    o += n;
  }
  return out;
}

/** Joins the chunks' outputs: vector groups concatenated in chunk order, scalar groups from the first chunk. */
/** Table chunks of one chunk circuit, from a worker to the sending loop, in order. */
class ChunkQueue {
  private readonly items: Uint8Array[] = [];
  private done = false;
  private error: unknown;
  private waiter: (() => void) | undefined;

  push(chunk: Uint8Array): void {
    this.items.push(chunk);
    this.wake();
  }

  end(): void {
    this.done = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.error = error;
    this.done = true;
    this.wake();
  }

  /** The next chunk, or undefined after the last. */
  async next(): Promise<Uint8Array | undefined> {
    while (this.items.length === 0 && !this.done) await new Promise<void>((r) => (this.waiter = r));
    if (this.items.length > 0) return this.items.shift();
    if (this.error !== undefined) throw this.error;
    return undefined;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function joinChunks(results: Array<Map<number, Uint8Array>>, isVector?: boolean[]): Map<number, Uint8Array> {
  if (results.length === 1) return results[0];
  const out = new Map<number, Uint8Array>();
  for (const g of results[0].keys()) {
    if (isVector && isVector[g] === false) {
      out.set(g, results[0].get(g) as Uint8Array);
      continue;
    }
    out.set(g, concatBytes(results.map((r) => r.get(g) as Uint8Array)));
  }
  return out;
}

/** H(W0, t), H(W1, t) of each output wire at position w in `wires`, 8 words per wire; t = tweak + w. */
function bothLabelHashes(
  aes: FixedKeyAes,
  L: Uint32Array,
  delta: Uint32Array,
  wires: number[],
  tweak: number,
): Uint32Array {
  const h = new Uint32Array(8 * wires.length);
  wires.forEach((w, j) => {
    for (let k = 0; k < 4; k++) {
      h[8 * j + k] = L[4 * w + k];
      h[8 * j + 4 + k] = L[4 * w + k] ^ delta[k];
    }
  });
  hashOutputWires(aes, h, wires, tweak);
  return h;
}

/** The 64-bit tags (first two words) of `n` hashed blocks laid out 4 words apart. */
function tags(h: Uint32Array, n: number): Uint32Array {
  const out = new Uint32Array(2 * n);
  for (let j = 0; j < n; j++) {
    out[2 * j] = h[4 * j];
    out[2 * j + 1] = h[4 * j + 1];
  }
  return out;
}

/** Tags of H(active label, t) for each wire (at positions `wires`), with the garbler's tweak for the same wire. */
function activeHashes(aes: FixedKeyAes, labels: Uint32Array, wires: number[], tweak: number): Uint32Array {
  // The garbler hashes (W0, W1) of the wire at position p under tweak + p: lay the active label twice.
  const count = labels.length / 4;
  if (count !== wires.length) throw new InternalError(`${count} output labels for ${wires.length} wires`);
  const h = new Uint32Array(8 * count);
  for (let j = 0; j < count; j++) {
    for (let k = 0; k < 4; k++) {
      h[8 * j + k] = labels[4 * j + k];
      h[8 * j + 4 + k] = labels[4 * j + k];
    }
  }
  hashOutputWires(aes, h, wires, tweak);
  const out = new Uint32Array(2 * count);
  for (let j = 0; j < count; j++) {
    out[2 * j] = h[8 * j];
    out[2 * j + 1] = h[8 * j + 1];
  }
  return out;
}
