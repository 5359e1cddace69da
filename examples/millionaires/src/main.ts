/**
 * examples/millionaires: Yao's millionaires' problem. Alice and bob learn
 * which of them is richer and nothing else about each other's wealth
 * (circuits/summon/millionaires.summon.ts, on Parley's two-party garbled
 * engine).
 *
 *   1. In memory: the summon circuit through mpc-framework's `Protocol` with
 *      two `ParleyEngine` sessions, for a few wealth pairs, each checked
 *      against the plaintext answer.
 *   2. On two party nodes: alice's and bob's nodes set up in a fresh
 *      directory (each with its wealth in a data source of its own and a
 *      policy allowing exactly this computation), started as real
 *      `parley node start` processes talking mutual TLS on 127.0.0.1; the job
 *      submitted with the SDK client, each node's output checked, the ledger
 *      receipt verified offline, the nodes stopped.
 *
 *   npm run example -- millionaires [--alice N] [--bob N] [--dir DIR] [--keep]
 *   npm run example -- millionaires --setup-only --dir DIR
 *   npm run example -- millionaires --node DIR/alice --node DIR/bob
 *
 * Exit status 0 when every output equals the plaintext answer and the
 * receipt verifies; 1 otherwise; 2 for bad arguments.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  asUsageError,
  checkPartyNodeFlags,
  finishExample,
  onLocalNodes,
  PARTY_NODE_OPTIONS,
  runExample,
} from '@parley/cli';
import { runInMemory } from './inMemory.js';
import {
  aliceIsRicher,
  compileMillionaires,
  displayPath,
  type Millionaires,
  PARTIES,
  parseWealth,
  say,
  secondsSince,
  type Wealth,
} from './millionaires.js';
import { partyNodes, runNodeJob, wealthOnNode } from './nodeJob.js';
import { setUpNodes } from './nodeSetup.js';

const USAGE = `usage: npm run example -- millionaires [options]
  --alice N        alice's wealth on her node (default 3100000; 0..4294967295)
  --bob N          bob's wealth on his node (default 2750000)
  --dir DIR        set the two nodes up in DIR (new or empty; kept) instead of a temporary directory
  --keep           keep the temporary directory
  --setup-only     only set the two nodes up in --dir DIR and print how to start them
  --node DIR       run the job on an already-running node instead (give alice's and bob's directories;
                   the job is submitted to the first); repeatable
  --help           this text`;

/** The pairs part 1 runs: richer alice, richer bob, a tie. */
const IN_MEMORY_PAIRS: readonly Wealth[] = [
  { alice: 1_200_000, bob: 950_000 },
  { alice: 40_000, bob: 2_500_000 },
  { alice: 777_777, bob: 777_777 },
];

/** Time the node job may take, submit to recorded. */
const JOB_TIMEOUT_MS = 120_000;

/** The command line, checked; any problem is a UsageError (exit status 2). */
function parseFlags() {
  try {
    const { values: flags } = parseArgs({
      options: {
        alice: { type: 'string', default: '3100000' },
        bob: { type: 'string', default: '2750000' },
        ...PARTY_NODE_OPTIONS,
      },
    });
    const wealth: Wealth = {
      alice: parseWealth('alice', flags.alice),
      bob: parseWealth('bob', flags.bob),
    };
    checkPartyNodeFlags(flags);
    return { ...flags, wealth, node: flags.node ?? [] };
  } catch (e) {
    throw asUsageError(e);
  }
}

/**
 * Part 2 on nodes this example sets up and starts itself, in --dir or a
 * temporary directory (removed unless --keep), stopped however it ends;
 * returns the problems found.
 */
async function onFreshNodes(
  computation: Millionaires,
  wealth: Wealth,
  flags: { dir?: string; keep: boolean },
): Promise<string[]> {
  return onLocalNodes({ name: 'millionaires', dir: flags.dir, keep: flags.keep }, async (nodes) => {
    let t0 = performance.now();
    const dirs = await setUpNodes(nodes.dir, computation, wealth);
    say(
      'set-up',
      `${nodes.dir}: alice (wealth.csv) and bob (wealth.json), one consortium, in ${secondsSince(t0)}`,
    );
    say('', `each policy allows computation ${computation.id} and nothing else`);
    t0 = performance.now();
    const apis = await Promise.all(PARTIES.map((p) => nodes.start(p, dirs[p])));
    say('nodes', `${PARTIES.map((p, i) => `${p} (api ${apis[i]})`).join(', ')} up in ${secondsSince(t0)}`);
    say('', 'the parties talk mutual TLS on 127.0.0.1; logs in each node directory (node.log)');
    const targets = await partyNodes(PARTIES.map((p) => dirs[p]));
    return await runNodeJob(targets, computation, {
      expected: aliceIsRicher(wealth),
      receiptFile: nodes.kept ? join(nodes.dir, 'receipt.json') : undefined,
      timeoutMs: JOB_TIMEOUT_MS,
    });
  });
}

/**
 * Part 2 on an operator's running nodes; checked against plaintext when both
 * nodes' data can be read here. Returns the problems found, and whether the
 * outputs were checked.
 */
async function onRunningNodes(
  computation: Millionaires,
  dirs: readonly string[],
): Promise<{ problems: string[]; checked: boolean }> {
  const nodes = await partyNodes(dirs);
  let expected: number | undefined;
  try {
    if (nodes.length < PARTIES.length) throw new Error('only one node given');
    const wealth = {} as Wealth;
    for (const node of nodes) wealth[node.name] = await wealthOnNode(node, computation);
    expected = aliceIsRicher(wealth);
    say('check', "both nodes' data are readable here: their outputs are checked against plaintext");
  } catch (e) {
    say('check', `outputs not checked against plaintext (${(e as Error).message})`);
  }
  say('nodes', nodes.map((n) => `${n.name} (${n.dir})`).join(', '));
  const problems = await runNodeJob(nodes, computation, { expected, timeoutMs: JOB_TIMEOUT_MS });
  return { problems, checked: expected !== undefined };
}

/** `--setup-only`: the two node directories, and the commands an operator runs next. */
async function setUpOnly(computation: Millionaires, wealth: Wealth, dir: string): Promise<void> {
  const dirs = await setUpNodes(resolve(dir), computation, wealth);
  say('set-up', `${resolve(dir)}: alice (wealth.csv) and bob (wealth.json), one consortium`);
  say('', `each policy allows computation ${computation.id}`);
  console.log('\nstart the two nodes (each in its own terminal, or in the background):');
  for (const p of PARTIES) console.log(`  npx parley node start --node ${displayPath(dirs[p])}`);
  console.log('then run the job on them:');
  console.log(
    `  npm run example -- millionaires ${PARTIES.map((p) => `--node ${displayPath(dirs[p])}`).join(' ')}`,
  );
}

async function main(): Promise<number> {
  const flags = parseFlags();
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const tAll = performance.now();
  let t0 = performance.now();
  const computation = await compileMillionaires();
  const ands = computation.summon.bristol.split('\n').filter((l) => l.trim().endsWith(' AND')).length;
  say('program', `${displayPath(computation.source)}: ${ands} AND gates, compiled in ${secondsSince(t0)}`);
  if (flags['setup-only']) {
    await setUpOnly(computation, flags.wealth, flags.dir as string);
    return 0;
  }

  console.log('\n1. In memory: mpc-framework Protocol, two ParleyEngine sessions (garbled circuits)');
  t0 = performance.now();
  const problems = await runInMemory(computation.summon, IN_MEMORY_PAIRS);
  say('', `part 1 done in ${secondsSince(t0)}`);

  t0 = performance.now();
  let checked = true;
  if (flags.node.length > 0) {
    console.log('\n2. On running nodes: the SDK client submits the job; the nodes compute it and record it');
    const run = await onRunningNodes(computation, flags.node);
    problems.push(...run.problems);
    checked = run.checked;
  } else {
    console.log('\n2. On two party nodes: real `parley node start` processes over mutual TLS on 127.0.0.1');
    say(
      'data',
      `alice holds ${flags.wealth.alice.toLocaleString('en')}, bob ${flags.wealth.bob.toLocaleString('en')}; each node reads only its own`,
    );
    problems.push(...(await onFreshNodes(computation, flags.wealth, flags)));
  }
  say('', `part 2 done in ${secondsSince(t0)}`);

  const outcome = checked
    ? 'every output equals plaintext'
    : "part 1's outputs equal plaintext; the nodes' were not checked";
  return finishExample('millionaires', problems, tAll, outcome);
}

runExample('millionaires', USAGE, main);
