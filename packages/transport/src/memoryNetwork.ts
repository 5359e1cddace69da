/**
 * An in-memory network for tests and benchmarks: every party of a fixed list
 * gets an `Endpoint`, connected to every other by a link that behaves like a
 * connection (ordered, back-pressured, pausable, breakable) and can be shaped
 * like a WAN: one-way delay rttMs/2 and a bandwidth at which frames are
 * serialised one after another (e.g. `{ rttMs: 10, bitsPerSecond: 1e9 }`).
 *
 * Frames are not encoded (the header travels as an object) but bodies are
 * copied, as on a real connection, so a sender may reuse its buffer.
 */
import { InvalidArgument, type ParleyError, type PartyName, PeerDisconnected } from '@parley/interface';
import type { FrameHeader } from './frame.js';
import { resolveLimits } from './limits.js';
import { type Link, type LinkHost, RESOLVED, WriteMarks } from './link.js';
import { Multiplexer } from './multiplexer.js';
import type {
  ControlChannel,
  Endpoint,
  EndpointListener,
  Session,
  SessionOptions,
  TransportLimits,
} from './types.js';

export interface LinkShaping {
  /** Round-trip time in ms; each frame arrives rttMs/2 after it was sent. */
  rttMs?: number;
  /** Link bandwidth in bits per second; frames are serialised one after another. */
  bitsPerSecond?: number;
}

export interface MemoryNetworkOptions {
  /** Shaping for every link, or per ordered pair of parties (undefined = unshaped). */
  shaping?: LinkShaping | ((from: PartyName, to: PartyName) => LinkShaping | undefined);
  limits?: Partial<TransportLimits>;
}

/** Bytes a frame header would add on the wire, for the bandwidth model. */
const HEADER_ESTIMATE = 16;

interface QueuedFrame {
  header: FrameHeader;
  body: Uint8Array;
  at: number;
  size: number;
}

/** One direction's sender end: it queues frames and delivers them to the owner of `remote`. */
class MemoryLink implements Link {
  readonly peer: PartyName;
  open = true;
  remote!: MemoryLink;
  readonly #owner: MemoryEndpoint;
  readonly #hwm: number;
  readonly #oneWayMs: number;
  readonly #bytesPerMs: number;
  readonly #queue: QueuedFrame[] = [];
  #head = 0;
  #queuedBytes = 0;
  #queuedTotal = 0;
  #delivered = 0;
  #busyUntil = 0;
  #reading = true;
  #controlSeq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #roomWaiters: Array<() => void> = [];
  readonly #marks = new WriteMarks();

  constructor(owner: MemoryEndpoint, peer: PartyName, hwm: number, shaping: LinkShaping | undefined) {
    this.#owner = owner;
    this.peer = peer;
    this.#hwm = hwm;
    this.#oneWayMs = Math.max(0, shaping?.rttMs ?? 0) / 2;
    this.#bytesPerMs = shaping?.bitsPerSecond ? shaping.bitsPerSecond / 8 / 1000 : 0;
  }

  get outstanding(): number {
    return this.#queuedBytes;
  }

  get queued(): number {
    return this.#queuedTotal;
  }

  write(header: FrameHeader, body: Uint8Array): Promise<void> {
    if (!this.open) return RESOLVED;
    const size = body.length + HEADER_ESTIMATE;
    let at = performance.now();
    if (this.#bytesPerMs > 0) {
      this.#busyUntil = Math.max(at, this.#busyUntil) + size / this.#bytesPerMs;
      at = this.#busyUntil;
    }
    at += this.#oneWayMs;
    const copy = new Uint8Array(body.length);
    copy.set(body);
    this.#queue.push({ header, body: copy, at, size });
    this.#queuedBytes += size;
    this.#queuedTotal += size;
    this.#schedule();
    if (this.#queuedBytes <= this.#hwm) return RESOLVED;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  writtenTo(mark: number): Promise<void> {
    if (!this.open) return RESOLVED;
    return this.#marks.wait(mark, this.#delivered);
  }

  setReading(on: boolean): void {
    this.#reading = on;
    if (on) this.remote.#schedule();
  }

  nextControlSeq(): number {
    return this.#controlSeq++;
  }

  #schedule(): void {
    if (!this.open || this.#timer || this.#immediate || this.#head === this.#queue.length) return;
    const wait = this.#queue[this.#head].at - performance.now();
    if (wait > 0) {
      this.#timer = setTimeout(this.#pump, Math.ceil(wait));
    } else {
      this.#immediate = setImmediate(this.#pump);
    }
  }

  readonly #pump = (): void => {
    this.#timer = undefined;
    this.#immediate = undefined;
    const end = this.#queue.length;
    const now = performance.now();
    while (this.open && this.#head < end && this.remote.#reading) {
      const f = this.#queue[this.#head];
      if (f.at > now) break;
      this.#queue[this.#head++] = undefined as unknown as QueuedFrame;
      this.#queuedBytes -= f.size;
      this.#delivered += f.size;
      this.remote.#owner.mux.handleFrame(this.remote, f.header, f.body);
      if (this.#queuedBytes <= this.#hwm && this.#roomWaiters.length > 0) {
        for (const w of this.#roomWaiters.splice(0)) w();
      }
    }
    this.#marks.advance(this.#delivered);
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.remote.#reading) {
      this.#schedule();
    }
  };

  /** Delivers everything still queued at once (used when the sender closes politely). */
  flushNow(): void {
    while (this.open && this.#head < this.#queue.length) {
      const f = this.#queue[this.#head++];
      this.#queuedBytes -= f.size;
      this.#delivered += f.size;
      this.remote.#owner.mux.handleFrame(this.remote, f.header, f.body);
    }
    this.#marks.advance(this.#delivered);
  }

  /** Breaks this direction: drops queued frames, releases waiters and timers. */
  shut(): void {
    if (!this.open) return;
    this.open = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#queue.length = 0;
    this.#head = 0;
    this.#queuedBytes = 0;
    for (const w of this.#roomWaiters.splice(0)) w();
    this.#marks.releaseAll();
  }
}

class MemoryEndpoint implements Endpoint, LinkHost {
  readonly self: PartyName;
  readonly parties: readonly PartyName[];
  readonly mux: Multiplexer;
  readonly links = new Map<PartyName, MemoryLink>();
  readonly #network: MemoryNetwork;

  constructor(
    network: MemoryNetwork,
    self: PartyName,
    parties: readonly PartyName[],
    limits: TransportLimits,
  ) {
    this.#network = network;
    this.self = self;
    this.parties = parties;
    this.mux = new Multiplexer(self, parties, limits, this);
  }

  get control(): ControlChannel {
    return this.mux.control;
  }

  openSession(id: string, parties: readonly PartyName[], options?: SessionOptions): Promise<Session> {
    return this.mux.openSession(id, parties, options);
  }

  onEvent(listener: EndpointListener): () => void {
    return this.mux.onEvent(listener);
  }

  currentLink(peer: PartyName): Link | undefined {
    const link = this.links.get(peer);
    return link?.open ? link : undefined;
  }

  awaitLink(peer: PartyName): Promise<Link> {
    const link = this.currentLink(peer);
    if (link) return Promise.resolve(link);
    return Promise.reject(
      new PeerDisconnected(`'${this.self}' is not connected to '${peer}'`, { party: peer }),
    );
  }

  async close(): Promise<void> {
    if (this.mux.closed) return;
    this.mux.close();
    for (const link of this.links.values()) link.flushNow();
    this.#network.disconnect(this.self, undefined, `'${this.self}' closed its endpoint`);
  }
}

export class MemoryNetwork {
  readonly parties: readonly PartyName[];
  readonly limits: TransportLimits;
  readonly #endpoints = new Map<PartyName, MemoryEndpoint>();

  constructor(parties: readonly PartyName[], options: MemoryNetworkOptions = {}) {
    if (!Array.isArray(parties) || parties.length < 1 || new Set(parties).size !== parties.length) {
      throw new InvalidArgument('parties must be a non-empty list of distinct names', { field: 'parties' });
    }
    this.parties = Object.freeze([...parties]);
    this.limits = resolveLimits(options.limits);
    const shapingFor = (from: PartyName, to: PartyName): LinkShaping | undefined =>
      typeof options.shaping === 'function' ? options.shaping(from, to) : options.shaping;
    for (const p of parties) this.#endpoints.set(p, new MemoryEndpoint(this, p, this.parties, this.limits));
    for (const a of parties) {
      for (const b of parties) {
        if (a >= b) continue;
        const ea = this.#endpoints.get(a)!;
        const eb = this.#endpoints.get(b)!;
        const ab = new MemoryLink(ea, b, this.limits.sendHighWaterMark, shapingFor(a, b));
        const ba = new MemoryLink(eb, a, this.limits.sendHighWaterMark, shapingFor(b, a));
        ab.remote = ba;
        ba.remote = ab;
        ea.links.set(b, ab);
        eb.links.set(a, ba);
      }
    }
  }

  /** The endpoint of party `name`. */
  endpoint(name: PartyName): Endpoint {
    const e = this.#endpoints.get(name);
    if (!e) throw new InvalidArgument(`unknown party '${name}'`, { field: 'name', party: name });
    return e;
  }

  /**
   * Breaks the links of `a` (to `b` only, if given), as if the connection died:
   * both ends see `PeerDisconnected` in every session that used them.
   */
  disconnect(a: PartyName, b?: PartyName, reason = 'link cut'): void {
    const ea = this.#endpoints.get(a);
    if (!ea) throw new InvalidArgument(`unknown party '${a}'`, { party: a });
    for (const [peer, link] of ea.links) {
      if ((b !== undefined && peer !== b) || !link.open) continue;
      link.shut();
      link.remote.shut();
      const eb = this.#endpoints.get(peer)!;
      const error: ParleyError = new PeerDisconnected(reason, { party: a });
      ea.mux.linkDown(link, new PeerDisconnected(reason, { party: peer }));
      eb.mux.linkDown(link.remote, error);
    }
  }

  /** Closes every endpoint. */
  async close(): Promise<void> {
    await Promise.all([...this.#endpoints.values()].map((e) => e.close()));
  }
}
