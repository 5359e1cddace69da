/**
 * Suite `transport`: throughput and round-trip latency of a session between
 * two parties, for payloads of 64 B, 4 KiB, 64 KiB, 1 MiB and 16 MiB.
 *
 * - transport.memory.*: the in-memory network (unshaped), both parties in
 *   this thread.
 * - transport.ws_tls.*: WebSocket over mutual TLS 1.3 on 127.0.0.1; the peer
 *   runs in a worker thread (its own event loop and core, as a separate node
 *   would), this thread sends.
 *
 * mb_per_s.<size>: one party sends a fixed volume as messages of that size
 * (awaiting each `send`, i.e. under back-pressure) and the other receives all
 * of them and acknowledges; MB = 10^6 bytes; median of the samples.
 * rtt_ms.<size>: median time for a message to go and come back (echo).
 * cpu_ns_per_byte.1mb: CPU time of this process (both parties' threads) per
 * byte while the 1 MiB samples ran.
 * - transport.node_tls.*: the same 1 MiB stream over a bare node:tls socket
 *   (../transport/nodeTlsBaseline.ts), the floor under ws_tls;
 *   transport.ws_tls_vs_node_tls.1mb is the ratio of their MB/s.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  createIdentity,
  loadIdentity,
  MemoryNetwork,
  parseConsortium,
  type Session,
  WsEndpoint,
} from '@parley/transport';
import type { BenchContext, BenchSuite } from '../harness.js';
import { nodeTlsStream, type TlsStreamFigure } from '../transport/nodeTlsBaseline.js';

const SIZES: Array<[string, number]> = [
  ['64b', 64],
  ['4kb', 4 << 10],
  ['64kb', 64 << 10],
  ['1mb', 1 << 20],
  ['16mb', 16 << 20],
];

interface Plan {
  volume: number;
  maxMessages: number;
  samples: number;
  rttRounds: number;
}

/** The message size of the CPU figures and of the node:tls baseline. */
const BASELINE_SIZE = 1 << 20;

const QUICK: Plan = { volume: 96 << 20, maxMessages: 20_000, samples: 3, rttRounds: 200 };
const FULL: Plan = { volume: 512 << 20, maxMessages: 200_000, samples: 5, rttRounds: 1000 };

type Command = { op: 'sink'; count: number } | { op: 'echo'; count: number } | { op: 'end' };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** The peer's side: obeys commands from `from` until told to end. */
async function serve(s: Session, from: string): Promise<void> {
  for (;;) {
    const cmd = JSON.parse(decoder.decode(await s.recv(from, { timeoutMs: 0 }))) as Command;
    if (cmd.op === 'end') return;
    if (cmd.op === 'sink') {
      for (let i = 0; i < cmd.count; i++) await s.recv(from, { timeoutMs: 0 });
      await s.send(from, new Uint8Array(1));
    } else {
      for (let i = 0; i < cmd.count; i++) await s.send(from, await s.recv(from, { timeoutMs: 0 }));
    }
  }
}

function command(s: Session, to: string, cmd: Command): Promise<void> {
  return s.send(to, encoder.encode(JSON.stringify(cmd)));
}

/** MB/s of `count` messages of `size` bytes from this side to `to`, acknowledged at the end. */
async function throughput(s: Session, to: string, size: number, count: number): Promise<number> {
  const payload = new Uint8Array(size).fill(0x5a);
  await command(s, to, { op: 'sink', count });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await s.send(to, payload);
  await s.recv(to, { timeoutMs: 0 });
  const seconds = (performance.now() - t0) / 1000;
  return (size * count) / 1e6 / seconds;
}

async function roundTrips(s: Session, to: string, size: number, rounds: number): Promise<number> {
  const payload = new Uint8Array(size).fill(0xa5);
  await command(s, to, { op: 'echo', count: rounds });
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await s.send(to, payload);
    await s.recv(to, { timeoutMs: 0 });
    times.push(performance.now() - t0);
  }
  return median(times.slice(Math.min(5, rounds >> 2)));
}

/**
 * Runs every size against a peer serving `s` and records `transport.<label>.*`;
 * returns the MB/s of BASELINE_SIZE messages.
 */
async function measure(ctx: BenchContext, label: string, s: Session, to: string): Promise<number> {
  const plan = ctx.quick ? QUICK : FULL;
  let baselineRate = 0;
  for (const [name, size] of SIZES) {
    const count = Math.max(4, Math.min(plan.maxMessages, Math.floor(plan.volume / size)));
    await throughput(s, to, size, Math.max(2, count >> 2));
    const rates: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < plan.samples; i++) rates.push(await throughput(s, to, size, count));
    ctx.record(`transport.${label}.mb_per_s.${name}`, 'MB/s', median(rates), plan.samples);
    if (size === BASELINE_SIZE) {
      baselineRate = median(rates);
      const used = process.cpuUsage(cpu);
      const ns = ((used.user + used.system) * 1000) / (size * count * plan.samples);
      ctx.record(`transport.${label}.cpu_ns_per_byte.${name}`, 'ns/B', ns, plan.samples);
    }
    const rounds = Math.max(8, Math.min(plan.rttRounds, Math.floor((plan.volume >> 3) / size)));
    ctx.record(`transport.${label}.rtt_ms.${name}`, 'ms', await roundTrips(s, to, size, rounds), rounds);
  }
  await command(s, to, { op: 'end' });
  return baselineRate;
}

async function memoryBench(ctx: BenchContext): Promise<void> {
  const net = new MemoryNetwork(['alice', 'bob']);
  const [a, b] = await Promise.all(
    ['alice', 'bob'].map((n) => net.endpoint(n).openSession('bench', ['alice', 'bob'])),
  );
  const peer = serve(b, 'alice');
  await measure(ctx, 'memory', a, 'bob');
  await peer;
  await net.close();
}

interface PeerData {
  parleyTransportBench: true;
  privateKeyPem: string;
  certificatePem: string;
}

/** Records `transport.ws_tls.*`; returns the MB/s of 1 MiB messages. */
async function wsBench(ctx: BenchContext): Promise<number> {
  const [alice, bob] = await Promise.all([createIdentity('alice'), createIdentity('bob')]);
  const here = await WsEndpoint.listen({ identity: alice, host: '127.0.0.1', port: 0 });
  const data: PeerData = {
    parleyTransportBench: true,
    privateKeyPem: bob.privateKeyPem,
    certificatePem: bob.certificatePem,
  };
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const exited = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', () => resolve());
  });
  try {
    const bobAddress = await new Promise<string>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const consortium = parseConsortium({
      parties: [
        { name: 'alice', publicKey: alice.publicKeyHex, address: here.address },
        { name: 'bob', publicKey: bob.publicKeyHex, address: bobAddress },
      ],
    });
    worker.postMessage(consortium);
    here.join(consortium);
    const s = await here.openSession('bench', ['alice', 'bob']);
    const rate = await measure(ctx, 'ws_tls', s, 'bob');
    await exited;
    return rate;
  } finally {
    await worker.terminate();
    await here.close();
  }
}

/** The peer thread of the WebSocket bench. */
async function workerMain(data: PeerData): Promise<void> {
  const identity = loadIdentity('bob', data);
  const ep = await WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0 });
  parentPort!.postMessage(ep.address);
  const consortium = await new Promise((resolve) => parentPort!.once('message', resolve));
  ep.join(parseConsortium(consortium));
  const s = await ep.openSession('bench', ['alice', 'bob']);
  await serve(s, 'alice');
  await s.close();
  await ep.close();
}

if (!isMainThread && (workerData as PeerData | undefined)?.parleyTransportBench) {
  await workerMain(workerData as PeerData);
}

/** The bare node:tls stream under the WebSocket figures, for 1 MiB messages, and the ratio of the two. */
async function nodeTlsBench(ctx: BenchContext, wsMbPerS: number): Promise<void> {
  const plan = ctx.quick ? QUICK : FULL;
  const count = Math.floor(plan.volume / BASELINE_SIZE);
  await nodeTlsStream(BASELINE_SIZE, Math.max(2, count >> 2));
  const runs: TlsStreamFigure[] = [];
  for (let i = 0; i < plan.samples; i++) runs.push(await nodeTlsStream(BASELINE_SIZE, count));
  const rate = median(runs.map((r) => r.mbPerS));
  ctx.record('transport.node_tls.mb_per_s.1mb', 'MB/s', rate, plan.samples);
  ctx.record(
    'transport.node_tls.cpu_ns_per_byte.1mb',
    'ns/B',
    median(runs.map((r) => r.cpuNsPerByte)),
    plan.samples,
  );
  ctx.record('transport.ws_tls_vs_node_tls.1mb', 'ratio', wsMbPerS / rate);
}

const suite: BenchSuite = {
  name: 'transport',
  async run(ctx) {
    await memoryBench(ctx);
    await nodeTlsBench(ctx, await wsBench(ctx));
  },
};

export default suite;
