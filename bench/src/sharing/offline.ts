/**
 * The offline phase of the sharing engine and the kernels both phases use.
 *
 * `sharing.triples_per_s.2pc`: Z_2^64 Beaver triples per second of wall
 * clock made by two parties, each a separate Node process (one per core) with
 * its own identity and TLS 1.3 WebSocket endpoint (packages/transport
 * `WsEndpoint`) on 127.0.0.1, the pair's OT channel being a transport
 * session. Both processes are told to start a batch of `arithmetic(n)` at the
 * same moment; the clock runs until both have their shares (base OTs and a
 * warm-up batch done before). `…bits_2pc` is the same for bit triples
 * (`boolean(words)`, 64 triples per word), `…2pc_iknp` with IKNP instead of
 * SoftSpoken OT extension, `…3pc` for three processes on the two cores.
 * `…2pc_one_thread`: both parties in this process over an in-memory channel
 * (no network, no TLS: the compute alone, both parties' work on one core).
 * `sharing.offline.cpu_us_per_triple.*`: CPU time of the busiest party
 * process per triple (all its threads), which the machine's other load
 * disturbs less than the wall clock; `bytes_per_triple`: both parties' sends.
 *
 * `kernels.wasm_vs_js.NAME`: time of the JS twin over the WebAssembly kernel
 * on vectors of 2^20 words in a KernelArena (median of runs), for the
 * Z_2^64 and bit-sliced kernels of packages/kernels.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Consortium } from '@parley/interface';
import {
  add64,
  add64Js,
  allocWords,
  and64,
  and64Js,
  beaverMul64,
  beaverMul64Js,
  crossMul64,
  crossMul64Js,
  KernelArena,
  mul64,
  mul64Js,
  mulAdd64,
  mulAdd64Js,
} from '@parley/kernels';
import { memoryChannelPair, type OtChannel } from '@parley/ot';
import { type OfflineStats, type OtExtension, OtTripleSource } from '@parley/sharing';
import { createIdentity, type Session, WsEndpoint } from '@parley/transport';
import { type BenchContext, medianMs } from '../harness.js';
import { fromChildren, partyExecArgv } from './_children.js';

type Kind = 'arithmetic' | 'boolean';

/** Set in a child process: the party name it plays. */
const PARTY_ENV = 'PARLEY_OFFLINE_BENCH_PARTY';

type ToParty =
  | { consortium: Consortium; names: string[]; otExtension: OtExtension }
  | { run: Kind; units: number }
  | { stats: true }
  | { exit: true };
type FromParty =
  | { member: { name: string; publicKey: string; address: string } }
  | { ready: number }
  | { done: number; cpuMs: number }
  | { stats: OfflineStats }
  | { error: string };

/** The OT channel to `peer` over a transport session (send copies; back-pressure is bounded by the source's chunks in flight). */
function sessionChannel(session: Session, peer: string): OtChannel {
  return {
    send(bytes) {
      session.send(peer, bytes).catch(() => undefined);
    },
    recv: () => session.recv(peer, { timeoutMs: 0 }),
    close: (error) => session.abort(error),
  };
}

/** Child process body: one party with its own endpoint, driven by messages from the bench process. */
async function runParty(name: string): Promise<void> {
  const send = (m: FromParty) => process.send?.(m);
  const identity = await createIdentity(name);
  const endpoint = await WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0 });
  let source: OtTripleSource | undefined;
  process.on('message', async (m: ToParty) => {
    try {
      if ('consortium' in m) {
        await endpoint.join(m.consortium);
        const session = await endpoint.openSession('offline-bench', m.names);
        const me = m.names.indexOf(name);
        const channels = new Map(
          m.names.flatMap((peer, i) => (i === me ? [] : [[i, sessionChannel(session, peer)] as const])),
        );
        source = new OtTripleSource(me, m.names.length, channels, { otExtension: m.otExtension });
        const t0 = performance.now();
        await source.setup();
        send({ ready: performance.now() - t0 });
      } else if ('run' in m) {
        const t0 = performance.now();
        const cpu = process.cpuUsage();
        await source?.[m.run](m.units);
        const used = process.cpuUsage(cpu);
        send({ done: performance.now() - t0, cpuMs: (used.user + used.system) / 1000 });
      } else if ('stats' in m) {
        send({ stats: source!.stats() });
      } else {
        source?.close();
        await endpoint.close();
        process.exit(0);
      }
    } catch (e) {
      send({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  });
  send({ member: { name, publicKey: identity.publicKeyHex, address: endpoint.address } });
}

const partyName = process.env[PARTY_ENV];
if (partyName && process.send) await runParty(partyName);

/** Parties as child processes of this one, joined in one consortium over loopback TLS WebSocket. */
class PartyProcesses {
  setupMs = 0;
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(count: number, otExtension: OtExtension = 'softspoken'): Promise<PartyProcesses> {
    const names = Array.from({ length: count }, (_, i) => `party${i}`);
    const children = names.map((name) =>
      fork(fileURLToPath(import.meta.url), [], {
        env: { ...process.env, [PARTY_ENV]: name },
        execArgv: partyExecArgv(),
      }),
    );
    const parties = new PartyProcesses(children);
    const members = await parties.all<{ name: string; publicKey: string; address: string }>((m) =>
      'member' in m ? m.member : undefined,
    );
    const consortium: Consortium = { name: 'offline-bench', parties: members };
    const ready = parties.all<number>((m) => ('ready' in m ? m.ready : undefined));
    for (const c of children) c.send({ consortium, names, otExtension } satisfies ToParty);
    parties.setupMs = Math.max(...(await ready));
    return parties;
  }

  /**
   * Wall-clock ms from telling every party to start a batch until all have
   * their shares, and the CPU ms of the busiest party (its process, all threads).
   */
  async run(kind: Kind, units: number): Promise<{ ms: number; cpuMs: number }> {
    const done = this.all<number>((m) => ('done' in m ? m.cpuMs : undefined));
    const t0 = performance.now();
    for (const c of this.children) c.send({ run: kind, units } satisfies ToParty);
    const cpu = await done;
    return { ms: performance.now() - t0, cpuMs: Math.max(...cpu) };
  }

  async stats(): Promise<OfflineStats[]> {
    const stats = this.all<OfflineStats>((m) => ('stats' in m ? m.stats : undefined));
    for (const c of this.children) c.send({ stats: true } satisfies ToParty);
    return stats;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once('exit', () => resolve());
            c.send({ exit: true } satisfies ToParty);
          }),
      ),
    );
  }

  /** The next message of each child that `pick` accepts; rejects on a child's error report or exit. */
  private all<T>(pick: (m: FromParty) => T | undefined): Promise<T[]> {
    return fromChildren(this.children, pick);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Triples (or bit triples) per second over processes, and the busiest party's
 * CPU µs per triple (per word for bits): a warm-up batch, then the median of
 * `reps` batches.
 */
async function processRates(
  parties: PartyProcesses,
  kind: Kind,
  units: number,
  reps: number,
): Promise<{ rate: number; cpuUs: number }> {
  await parties.run(kind, units);
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const { ms, cpuMs } = await parties.run(kind, units);
    rates.push(units / (ms / 1000));
    cpu.push((cpuMs * 1000) / units);
  }
  return { rate: median(rates) * (kind === 'boolean' ? 64 : 1), cpuUs: median(cpu) };
}

async function processFigures(ctx: BenchContext): Promise<void> {
  const reps = ctx.quick ? 3 : 7;
  const units = ctx.quick ? 1 << 19 : 1 << 20;
  const two = await PartyProcesses.start(2);
  try {
    ctx.record('sharing.offline.setup_ms.2pc', 'ms', two.setupMs);
    const before = await two.stats();
    const { rate, cpuUs } = await processRates(two, 'arithmetic', units, reps);
    const after = await two.stats();
    ctx.record('sharing.triples_per_s.2pc', 'triples/s', rate, reps);
    ctx.record('sharing.offline.cpu_us_per_triple.2pc', 'µs', cpuUs, reps);
    const bytes = after.reduce((s, x) => s + x.bytesSent, 0) - before.reduce((s, x) => s + x.bytesSent, 0);
    const made = after[0].arithmeticTriples - before[0].arithmeticTriples;
    ctx.record('sharing.offline.bytes_per_triple.2pc', 'B/triple', bytes / made);
    const bits = await processRates(two, 'boolean', units >> 3, reps);
    ctx.record('sharing.triples_per_s.bits_2pc', 'bit triples/s', bits.rate, reps);
    ctx.record('sharing.offline.cpu_us_per_word.bits_2pc', 'µs', bits.cpuUs, reps);
  } finally {
    await two.stop();
  }
  const iknp = await PartyProcesses.start(2, 'iknp');
  try {
    const { rate, cpuUs } = await processRates(iknp, 'arithmetic', units, reps);
    ctx.record('sharing.triples_per_s.2pc_iknp', 'triples/s', rate, reps);
    ctx.record('sharing.offline.cpu_us_per_triple.2pc_iknp', 'µs', cpuUs, reps);
  } finally {
    await iknp.stop();
  }
  const three = await PartyProcesses.start(3);
  try {
    ctx.record('sharing.offline.setup_ms.3pc', 'ms', three.setupMs);
    const { rate, cpuUs } = await processRates(three, 'arithmetic', units >> 2, ctx.quick ? 2 : 5);
    ctx.record('sharing.triples_per_s.3pc', 'triples/s', rate, ctx.quick ? 2 : 5);
    ctx.record('sharing.offline.cpu_us_per_triple.3pc', 'µs', cpuUs, ctx.quick ? 2 : 5);
  } finally {
    await three.stop();
  }
}

/** Both parties in this process over an in-memory channel: the compute of both on one core, no network. */
async function oneThreadFigure(ctx: BenchContext): Promise<void> {
  const [x, y] = memoryChannelPair();
  const sources = [new OtTripleSource(0, 2, new Map([[1, x]])), new OtTripleSource(1, 2, new Map([[0, y]]))];
  const units = ctx.quick ? 1 << 17 : 1 << 18;
  const ms = await medianMs(() => Promise.all(sources.map((s) => s.arithmetic(units))), ctx.quick ? 3 : 5, 1);
  ctx.record('sharing.triples_per_s.2pc_one_thread', 'triples/s', units / (ms / 1000), ctx.quick ? 3 : 5);
  for (const s of sources) s.close();
}

/** WebAssembly (vectors in a KernelArena) against the JS twins on 2^20 words. */
async function kernelFigures(ctx: BenchContext): Promise<void> {
  const n = 1 << 20;
  const arena = new KernelArena(64 * n);
  const words = () => {
    const w = allocWords(arena, n);
    randomFillSync(new Uint8Array(w.buffer, w.byteOffset, 8 * n));
    return w;
  };
  const [a, b, c, d, e, out] = [words(), words(), words(), words(), words(), words()];
  const plain = [a, b, c, d, e].map((w) => w.slice());
  const plainOut = new BigUint64Array(n);
  const reps = ctx.quick ? 7 : 15;
  const kernels: [string, () => void, () => void][] = [
    ['mul64', () => mul64(out, a, b), () => mul64Js(plainOut, plain[0], plain[1])],
    ['mul_add64', () => mulAdd64(out, a, b), () => mulAdd64Js(plainOut, plain[0], plain[1])],
    ['add64', () => add64(out, a, b), () => add64Js(plainOut, plain[0], plain[1])],
    [
      'cross_mul64',
      () => crossMul64(out, a, b, c, d),
      () => crossMul64Js(plainOut, plain[0], plain[1], plain[2], plain[3]),
    ],
    [
      'beaver_mul64',
      () => beaverMul64(out, a, b, c, d, e, true),
      () => beaverMul64Js(plainOut, plain[0], plain[1], plain[2], plain[3], plain[4], true),
    ],
    ['and64', () => and64(out, a, b), () => and64Js(plainOut, plain[0], plain[1])],
  ];
  for (const [name, wasm, js] of kernels) {
    const wasmMs = await medianMs(wasm, reps, 2);
    const jsMs = await medianMs(js, reps, 2);
    ctx.record(`kernels.${name}.wasm_ns_per_word`, 'ns/word', (wasmMs * 1e6) / n, reps);
    ctx.record(`kernels.${name}.js_ns_per_word`, 'ns/word', (jsMs * 1e6) / n, reps);
    ctx.record(`kernels.wasm_vs_js.${name}`, 'x', jsMs / wasmMs, reps);
  }
  // The dispatching mul64 on ordinary arrays (copied through the scratch arena).
  const copyMs = await medianMs(() => mul64(plainOut, plain[0], plain[1]), reps, 2);
  ctx.record('kernels.mul64.wasm_copy_ns_per_word', 'ns/word', (copyMs * 1e6) / n, reps);
}

/** Triples per second (2 and 3 parties over TLS WebSocket, one thread in memory) and the kernels' WebAssembly-vs-JS ratios. */
export async function runOfflineBench(ctx: BenchContext): Promise<void> {
  await kernelFigures(ctx);
  await oneThreadFigure(ctx);
  await processFigures(ctx);
}
