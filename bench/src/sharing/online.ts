/**
 * The online phase of the sharing engine, each party a separate Node process
 * (child_process.fork of this module) with its own identity and TLS 1.3
 * WebSocket endpoint (packages/transport `WsEndpoint`) on 127.0.0.1, the
 * parties joined by one transport session per run (three processes share the
 * machine's two cores in the three-party runs).
 *
 * Every figure is the time of the computing rounds alone, as each party's
 * session records them (`timeline`): from the end of the input round to the
 * end of the last round before the output is opened — the slowest party's.
 * For the additive scheme the triples are made first (the offline phase,
 * timed apart: `sharing.offline_ms.*`) and are not in the figure.
 *
 * - `sharing.mul64_per_s.*`: int(64) products z = x·y chained over a few
 *   layers of n-element vectors (one round per layer);
 * - `sharing.lt_per_s.3pc_replicated`: x < y on int(32) vectors (the range
 *   analysis proves x − y cannot wrap: one sign extraction, 8 rounds);
 *   `…_int64` on full-range int(64) values (three sign extractions, 9 rounds);
 * - `sharing.sigmoid_per_s.3pc_replicated`: the PLAN sigmoid on fixed(64,16).
 */
import { fork } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CircuitBuilder, fixed, int, type PlainInputs, type Program } from '@parley/circuit';
import type { Consortium } from '@parley/interface';
import { prepareSharing, SharingSession, type SharingStats, schemeOf } from '@parley/sharing';
import { createIdentity, WsEndpoint } from '@parley/transport';
import type { BenchContext } from '../harness.js';
import { fromChildren, partyExecArgv } from './_children.js';

interface Scenario {
  name: string;
  protocol: 'sharing' | 'replicated';
  parties: number;
  kind: 'mul' | 'lt' | 'lt64' | 'sigmoid';
  n: number;
  /** Chained layers (mul only). */
  layers: number;
}

/** The program of a scenario: every party builds the same one. */
function scenarioProgram(s: Scenario): Program {
  const b = new CircuitBuilder(Array.from({ length: s.parties }, (_, i) => `party${i}`));
  const t = s.kind === 'mul' || s.kind === 'lt64' ? int(64) : s.kind === 'lt' ? int(32) : fixed(64, 16);
  const x = b.input('party0', 'x', t, s.n);
  if (s.kind === 'sigmoid') {
    b.output('y', x.sigmoid(), ['party0']);
    return b.build();
  }
  const y = b.input('party1', 'y', t, s.n);
  if (s.kind === 'mul') {
    let z = x;
    for (let l = 0; l < s.layers; l++) z = z.mul(y);
    b.output('sum', z.sum());
  } else {
    b.output('lt', x.lt(y), ['party0']);
  }
  return b.build();
}

/**
 * This party's random inputs, as typed arrays (a million BigInt objects kept
 * alive would make every garbage collection of the run walk them).
 */
function scenarioInputs(s: Scenario, party: string): PlainInputs {
  const words = randomFillSync(new BigInt64Array(s.n));
  let values: BigInt64Array | Float64Array = words;
  if (s.kind === 'sigmoid') values = Float64Array.from(words, (v) => Number(v % 800_000n) / 65536);
  else if (s.kind === 'lt') for (let i = 0; i < s.n; i++) words[i] = BigInt.asIntN(32, words[i]);
  if (party === 'party0') return { party0: { x: values } };
  if (party === 'party1' && s.kind !== 'sigmoid') return { party1: { y: values } };
  return {};
}

const PARTY_ENV = 'PARLEY_ONLINE_BENCH_PARTY';

type ToParty = { consortium: Consortium } | { run: Scenario } | { exit: true };
type FromParty =
  | { member: { name: string; publicKey: string; address: string } }
  | { joined: true }
  | { stats: SharingStats }
  | { error: string };

/** Child process body: one party with its own endpoint, driven by the bench process. */
async function runParty(name: string): Promise<void> {
  const send = (m: FromParty) => process.send?.(m);
  const identity = await createIdentity(name);
  const endpoint = await WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0 });
  let consortium: Consortium | undefined;
  process.on('message', async (m: ToParty) => {
    try {
      if ('consortium' in m) {
        consortium = m.consortium;
        await endpoint.join(consortium);
        send({ joined: true });
      } else if ('run' in m) {
        const s = m.run;
        const names = Array.from({ length: s.parties }, (_, i) => `party${i}`);
        const prepared = prepareSharing(scenarioProgram(s), schemeOf(s.protocol));
        const inputs = scenarioInputs(s, name)[name] ?? {};
        const link = await endpoint.openSession(`online-${s.name}`, names, { recvTimeoutMs: 0 });
        const session = new SharingSession(prepared, name, inputs, (to, bytes) => link.send(to, bytes), {
          protocol: s.protocol,
          timeline: true,
          sendCopies: true,
        });
        link.onMessage((from, bytes) => session.handleMessage(from, bytes));
        await session.output();
        await link.close();
        send({ stats: session.stats() });
      } else {
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

/**
 * Runs scenarios of `parties` parties in one set of child processes, each
 * once to warm up and then `runs` times; returns each party's statistics of
 * every measured run, per scenario.
 */
async function inProcesses(
  parties: number,
  scenarios: Scenario[],
  runs: number,
): Promise<SharingStats[][][]> {
  // PARLEY_BENCH_SCENARIOS=mul-3pc-replicated,… runs only those (profiling); the others report nothing.
  const only = process.env.PARLEY_BENCH_SCENARIOS?.split(',');
  if (only && !scenarios.some((s) => only.includes(s.name))) return scenarios.map(() => []);
  const names = Array.from({ length: parties }, (_, i) => `party${i}`);
  const children = names.map((name) =>
    fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [PARTY_ENV]: name },
      serialization: 'advanced',
      execArgv: partyExecArgv(),
    }),
  );
  try {
    const members = await fromChildren(children, (m: FromParty) => ('member' in m ? m.member : undefined));
    const joined = fromChildren(children, (m: FromParty) => ('joined' in m ? true : undefined));
    for (const c of children)
      c.send({ consortium: { name: 'online-bench', parties: members } } satisfies ToParty);
    await joined;
    const out: SharingStats[][][] = [];
    for (const s of scenarios) {
      const measured: SharingStats[][] = [];
      out.push(measured);
      if (only && !only.includes(s.name)) continue;
      for (let r = 0; r <= runs; r++) {
        const stats = fromChildren(children, (m: FromParty) => ('stats' in m ? m.stats : undefined));
        for (const c of children) c.send({ run: { ...s, name: `${s.name}-${r}` } } satisfies ToParty);
        const got = await stats;
        if (r > 0) measured.push(got);
      }
    }
    return out;
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.send({ exit: true } satisfies ToParty);
          }),
      ),
    );
  }
}

/** The slowest party's time of the computing rounds (after the input round, before the output round). */
function computeMs(stats: SharingStats[]): number {
  return Math.max(
    ...stats.map((s) => {
      const ends = s.roundEnds ?? [];
      return ends[ends.length - 2] - ends[0];
    }),
  );
}

/** The median over runs of the slowest party's compute time. */
function medianComputeMs(runs: SharingStats[][]): number {
  const ms = runs.map(computeMs).sort((a, b) => a - b);
  return ms[ms.length >> 1];
}

/** The median over runs of the slowest party's offline phase (every measured run makes its own triples). */
function medianOfflineMs(runs: SharingStats[][]): number {
  const ms = runs.map((stats) => Math.max(...stats.map((s) => s.offlineMs))).sort((a, b) => a - b);
  return ms[ms.length >> 1];
}

/** Online multiplications, comparisons and sigmoids in each mode. */
export async function runOnlineBench(ctx: BenchContext): Promise<void> {
  const q = ctx.quick;
  const runs = q ? 1 : 3;
  // The gated three-party figures are the median of 3 measured runs in --quick too: one run moved by ±15 %
  // with the other load on the two cores (8.7–10.4M products/s in session 5).
  const threePartyRuns = 3;
  const M = 1 << 20;
  const three: Scenario[] = [
    { name: 'mul-3pc-replicated', protocol: 'replicated', parties: 3, kind: 'mul', n: M, layers: 5 },
    { name: 'lt-3pc-replicated', protocol: 'replicated', parties: 3, kind: 'lt', n: M, layers: 1 },
    {
      name: 'lt64-3pc-replicated',
      protocol: 'replicated',
      parties: 3,
      kind: 'lt64',
      n: q ? M / 4 : M,
      layers: 1,
    },
    {
      name: 'sigmoid-3pc-replicated',
      protocol: 'replicated',
      parties: 3,
      kind: 'sigmoid',
      n: q ? M / 4 : M,
      layers: 1,
    },
  ];
  const rate = (s: Scenario, r: SharingStats[][]) => (s.n * s.layers) / (medianComputeMs(r) / 1000);
  const record = (name: string, unit: string, r: SharingStats[][], value: () => number) => {
    if (r.length > 0) ctx.record(name, unit, value(), r.length);
  };
  const [mul3, lt3, lt64, sig3] = await inProcesses(3, three, threePartyRuns);
  record('sharing.mul64_per_s.3pc_replicated', 'mul/s', mul3, () => rate(three[0], mul3));
  record('sharing.lt_per_s.3pc_replicated', 'lt/s', lt3, () => rate(three[1], lt3));
  // A count, the same in every run: one sample.
  if (lt3.length > 0) ctx.record('sharing.lt_rounds.3pc_replicated', 'rounds', lt3[0][0].rounds - 2, 1);
  record('sharing.lt_per_s.3pc_replicated_int64', 'lt/s', lt64, () => rate(three[2], lt64));
  record('sharing.sigmoid_per_s.3pc_replicated', 'sigmoid/s', sig3, () => rate(three[3], sig3));

  const two: Scenario = {
    name: 'mul-2pc',
    protocol: 'sharing',
    parties: 2,
    kind: 'mul',
    n: q ? 1 << 16 : 1 << 18,
    layers: 2,
  };
  const [mul2] = await inProcesses(2, [two], runs);
  record('sharing.mul64_per_s.2pc', 'mul/s', mul2, () => rate(two, mul2));
  record('sharing.offline_ms.2pc', 'ms', mul2, () => medianOfflineMs(mul2));

  const five: Scenario = {
    name: 'mul-5pc',
    protocol: 'sharing',
    parties: 5,
    kind: 'mul',
    n: q ? 1 << 13 : 1 << 16,
    layers: 2,
  };
  const [mul5] = await inProcesses(5, [five], runs);
  record('sharing.mul64_per_s.5pc', 'mul/s', mul5, () => rate(five, mul5));
  record('sharing.offline_ms.5pc', 'ms', mul5, () => medianOfflineMs(mul5));
}
