/**
 * Test helpers: identities, clusters of endpoints (memory or TLS on
 * 127.0.0.1), a member driven by hand over a raw TLS WebSocket, small
 * utilities.
 */
import type { Consortium } from '@parley/interface';
import { Packr } from 'msgpackr';
import { WebSocket } from 'ws';
import {
  createIdentity,
  decodeFrame,
  type Endpoint,
  encodeFrame,
  FrameKind,
  type Identity,
  type LinkShaping,
  MemoryNetwork,
  parseConsortium,
  type TransportLimits,
  WsEndpoint,
} from '../src/index.js';

const identityCache = new Map<string, Promise<Identity>>();

/** One identity per name for the whole test file (key generation is cheap, but there is no need to repeat it). */
export function identityOf(name: string): Promise<Identity> {
  let p = identityCache.get(name);
  if (!p) {
    p = createIdentity(name);
    identityCache.set(name, p);
  }
  return p;
}

export interface Cluster {
  endpoint(name: string): Endpoint;
  close(): Promise<void>;
}

export type ClusterFactory = (names: string[], limits?: Partial<TransportLimits>) => Promise<Cluster>;

export const memoryCluster =
  (shaping?: LinkShaping): ClusterFactory =>
  async (names, limits) => {
    const net = new MemoryNetwork(names, { limits, shaping });
    return { endpoint: (n) => net.endpoint(n), close: () => net.close() };
  };

export interface WsCluster extends Cluster {
  endpoints: WsEndpoint[];
  consortium: Consortium;
}

/** Listens on 127.0.0.1 with OS-chosen ports, writes the consortium, joins every endpoint. */
export async function wsCluster(names: string[], limits?: Partial<TransportLimits>): Promise<WsCluster> {
  const ids = await Promise.all(names.map(identityOf));
  const endpoints = await Promise.all(
    ids.map((identity) => WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0, limits })),
  );
  const consortium = parseConsortium({
    parties: ids.map((id, i) => ({
      name: id.name,
      publicKey: id.publicKeyHex,
      address: endpoints[i].address,
    })),
  });
  for (const e of endpoints) e.join(consortium);
  const byName = new Map(endpoints.map((e) => [e.self, e]));
  return {
    endpoints,
    consortium,
    endpoint: (n) => byName.get(n)!,
    close: async () => {
      await Promise.all(endpoints.map((e) => e.close()));
    },
  };
}

export const wsClusterFactory: ClusterFactory = (names, limits) => wsCluster(names, limits);

export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function textOf(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Deterministic bytes for a label, so that receivers can check exact content. */
export function patterned(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  for (let i = 0; i < length; i++) {
    h = Math.imul(h ^ i, 16777619);
    out[i] = h >>> 24;
  }
  return out;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(
  p: Promise<unknown>,
): Promise<{ code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}

/** How a promise has settled so far. */
export interface Settlement<T> {
  state: 'pending' | 'resolved' | 'rejected';
  value?: T;
  error?: { code?: string; details?: Record<string, unknown> };
}

/** Tracks how `p` settles, without awaiting it (and without leaving its rejection unhandled). */
export function track<T>(p: Promise<T>): Settlement<T> {
  const s: Settlement<T> = { state: 'pending' };
  p.then(
    (value) => {
      s.state = 'resolved';
      s.value = value;
    },
    (error: Settlement<T>['error']) => {
      s.state = 'rejected';
      s.error = error;
    },
  );
  return s;
}

/** Waits until `done()` holds, checking every 10 ms, for at most `ms`; returns whether it held. */
export async function eventually(done: () => boolean, ms: number): Promise<boolean> {
  for (const end = performance.now() + ms; !done(); await delay(10)) {
    if (performance.now() > end) return false;
  }
  return true;
}

const packr = new Packr({ useRecords: false });

/** A member ("aaron") driven by hand over a raw TLS WebSocket: it sends what it likes and records the ABORTs it gets. */
export interface Rogue {
  ws: WebSocket;
  send(kind: number, session: string, seq: number, body?: Uint8Array): void;
  sendRaw(bytes: Uint8Array | string): void;
  abortFor(session: string): Promise<{ code: string; message: string }>;
  /** Stops (false) or resumes (true) reading from its TLS socket. */
  setReading(on: boolean): void;
}

export async function rogueConnect(target: WsEndpoint, targetName: string): Promise<Rogue> {
  const me = await identityOf('aaron');
  const ws = new WebSocket(`wss://${target.address}/parley/v1`, {
    key: me.privateKeyPem,
    cert: me.certificatePem,
    rejectUnauthorized: false,
    perMessageDeflate: false,
    headers: { 'x-parley-party': 'aaron', 'x-parley-peer': targetName },
  });
  const aborts = new Map<string, { code: string; message: string }>();
  const waiting = new Map<string, (a: { code: string; message: string }) => void>();
  ws.on('message', (data: Buffer) => {
    const f = decodeFrame(data, 1 << 30);
    if (!f.ok || f.header.kind !== FrameKind.Abort) return;
    const a = packr.unpack(f.body) as { code: string; message: string };
    aborts.set(f.header.session, a);
    waiting.get(f.header.session)?.(a);
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return {
    ws,
    send: (kind, session, seq, body = new Uint8Array()) =>
      ws.send(encodeFrame({ kind: kind as FrameKind, session, step: 0, seq }, body)),
    sendRaw: (bytes) => ws.send(bytes),
    abortFor: (session) =>
      new Promise((resolve) => {
        const seen = aborts.get(session);
        if (seen) resolve(seen);
        else waiting.set(session, resolve);
      }),
    setReading: (on) => (on ? socket.resume() : socket.pause()),
  };
}
