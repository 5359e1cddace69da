/** Test helpers: identities, clusters of endpoints (memory or TLS on 127.0.0.1), small utilities. */
import type { Consortium } from '@parley/interface';
import {
  createIdentity,
  type Endpoint,
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
