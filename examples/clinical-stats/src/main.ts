/**
 * examples/clinical-stats: three hospitals pool the mean, variance and a
 * histogram of HbA1c per diagnosis group, with groups of fewer than 20
 * patients suppressed inside the computation (src/clinicalStats.ts).
 *
 * By default it makes synthetic patients for each hospital, sets the three
 * hospitals' party nodes up in a fresh directory (each with its patients in
 * a CSV data source of its own and a policy allowing exactly this
 * computation), starts them as real `parley node start` processes talking
 * mutual TLS on 127.0.0.1, submits the job with the SDK client, checks every
 * hospital's outputs against the plaintext reference, prints the results,
 * verifies the ledger receipt offline and stops the nodes.
 *
 *   npm run example -- clinical-stats [--patients N] [--seed N] [--protocol P] [--dir DIR] [--keep]
 *   npm run example -- clinical-stats --setup-only --dir DIR [--patients N] [--seed N] [--protocol P]
 *   npm run example -- clinical-stats --node DIR [--node DIR …] [--patients N] [--protocol P]
 *
 * Exit status 0 when every output equals the plaintext reference and the
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
  type PartyNode,
  runExample,
  UsageError,
} from '@parley/cli';
import { InvalidArgument } from '@parley/interface';
import type { Computation } from '@parley/sdk';
import {
  BINS,
  clinicalStatsComputation,
  DIAGNOSES,
  GROUPS,
  type GroupStatistics,
  HOSPITALS,
  type Hospital,
  type HospitalPatients,
  MIN_GROUP_SIZE,
  PROTOCOLS,
  type Protocol,
  plaintextStatistics,
} from './clinicalStats.js';
import { partyNodes, patientsOnNode, policyAllows, runNodeJob } from './nodeJob.js';
import { SOURCE_FILE, setUpNodes } from './nodeSetup.js';
import { displayPath, say, secondsSince } from './report.js';
import { syntheticPatients } from './syntheticPatients.js';

const USAGE = `usage: npm run example -- clinical-stats [options]
  --patients N     the public bound on each hospital's patients (rows of its table; default 2000, 50..200000);
                   hospitalA holds N synthetic patients, hospitalB 85 % of N, hospitalC 70 %
  --seed N         seed of the synthetic patients (default 1)
  --protocol P     replicated (default: 3-party honest majority) or sharing (additive, dishonest majority; slow)
  --dir DIR        set the three nodes up in DIR (new or empty; kept) instead of a temporary directory
  --keep           keep the temporary directory
  --setup-only     only set the three nodes up in --dir DIR and print how to start them
  --node DIR       run the job on already-running nodes instead: a hospital's node directory, or a directory
                   holding hospitalA/, hospitalB/ and hospitalC/ (repeatable; the job is submitted to the first
                   node). Give the --patients and --protocol the nodes' policies were set up for
  --help           this text`;

const DEFAULT_PATIENTS = 2000;
const MAX_PATIENTS = 200_000;
/** Fewer, and hospitalC (70 %) could hold fewer rows than its policy's minRows (MIN_GROUP_SIZE). */
const MIN_PATIENTS = 50;

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`--${flag}: expected a whole number ${min}..${max}, got '${text}'`);
  }
  return n;
}

/** The command line, checked; any problem is a UsageError (exit status 2). */
function parseFlags() {
  try {
    const { values: flags } = parseArgs({
      options: {
        patients: { type: 'string', default: String(DEFAULT_PATIENTS) },
        seed: { type: 'string', default: '1' },
        protocol: { type: 'string', default: 'replicated' },
        ...PARTY_NODE_OPTIONS,
      },
    });
    const patients = wholeNumber('patients', flags.patients as string, MIN_PATIENTS, MAX_PATIENTS);
    const seed = wholeNumber('seed', flags.seed as string, 0, 2 ** 31 - 1);
    const protocol = flags.protocol as Protocol;
    if (!PROTOCOLS.includes(protocol)) {
      throw new UsageError(`--protocol: expected ${PROTOCOLS.join(' or ')}, got '${flags.protocol}'`);
    }
    checkPartyNodeFlags(flags);
    return { ...flags, patients, seed, protocol, node: flags.node ?? [] };
  } catch (e) {
    throw asUsageError(e);
  }
}

/** Time the node job may take, submit to recorded: generous, the additive scheme's triples are slow. */
function jobTimeoutMs(patients: number, protocol: Protocol): number {
  return 120_000 + patients * (protocol === 'sharing' ? 100 : 5);
}

/** One line on the hospitals' data. */
function describeData(data: Record<Hospital, HospitalPatients>, patients: number, seed: number): void {
  const held = HOSPITALS.map((h) => `${h} ${data[h].ids.length.toLocaleString('en')}`).join(', ');
  say('data', `synthetic patients (seed ${seed}): ${held}; each node reads only its own ${SOURCE_FILE}`);
  say('', `each table's bound of ${patients.toLocaleString('en')} rows is public, its real size is not`);
  // The groups that pooling releases: too small at every hospital alone, large enough together.
  DIAGNOSES.forEach((name, code) => {
    const counts = HOSPITALS.map((h) => data[h].diagnosis.filter((d) => d === code).length);
    const pooled = counts.reduce((s, c) => s + c, 0);
    if (counts.every((c) => c < MIN_GROUP_SIZE) && pooled >= MIN_GROUP_SIZE) {
      say(
        '',
        `${name}: ${counts.join(' + ')} = ${pooled} patients; no hospital alone reaches ${MIN_GROUP_SIZE}, together they do`,
      );
    }
  });
}

/**
 * The job on nodes this example sets up and starts itself, in --dir or a
 * temporary directory (removed unless --keep), stopped however it ends;
 * returns the problems found.
 */
async function onFreshNodes(
  computation: Computation,
  data: Record<Hospital, HospitalPatients>,
  expected: GroupStatistics,
  flags: { dir?: string; keep: boolean; timeoutMs: number },
): Promise<string[]> {
  return onLocalNodes({ name: 'clinical-stats', dir: flags.dir, keep: flags.keep }, async (nodes) => {
    let t0 = performance.now();
    const dirs = await setUpNodes(nodes.dir, computation, data);
    say('set-up', `${nodes.dir}: ${HOSPITALS.join(', ')}, one consortium, in ${secondsSince(t0)}`);
    say('', `each policy allows computation ${computation.id} and nothing else`);
    t0 = performance.now();
    const apis = await Promise.all(HOSPITALS.map((h) => nodes.start(h, dirs[h])));
    say('nodes', `${HOSPITALS.map((h, i) => `${h} (api ${apis[i]})`).join(', ')} up in ${secondsSince(t0)}`);
    say('', 'the parties talk mutual TLS on 127.0.0.1; logs in each node directory (node.log)');
    const targets = await partyNodes(HOSPITALS.map((h) => dirs[h]));
    return await runNodeJob(targets, computation, {
      expected,
      receiptFile: nodes.kept ? join(nodes.dir, 'receipt.json') : undefined,
      timeoutMs: flags.timeoutMs,
    });
  });
}

/**
 * The job on an operator's running nodes; checked against plaintext when
 * all three nodes' data can be read here. Returns the problems found, and
 * whether the outputs were checked.
 */
async function onRunningNodes(
  computation: Computation,
  dirs: readonly string[],
  options: { timeoutMs: number; settings: string },
): Promise<{ problems: string[]; checked: boolean }> {
  const nodes = await partyNodes(dirs);
  say('nodes', nodes.map((n) => `${n.name} (${displayPath(n.dir)})`).join(', '));
  for (const node of nodes) await checkPolicy(node, computation, options.settings);
  let expected: GroupStatistics | undefined;
  try {
    const missing = HOSPITALS.filter((h) => !nodes.some((n) => n.name === h));
    if (missing.length > 0) throw new Error(`no node given for ${missing.join(', ')}`);
    const data = {} as Record<Hospital, HospitalPatients>;
    for (const node of nodes) data[node.name] = await patientsOnNode(node, computation);
    expected = plaintextStatistics(computation, data);
    say('check', "the three nodes' data are readable here: their outputs are checked against plaintext");
  } catch (e) {
    say('check', `outputs not checked against plaintext (${(e as Error).message})`);
  }
  const problems = await runNodeJob(nodes, computation, { expected, timeoutMs: options.timeoutMs });
  return { problems, checked: expected !== undefined };
}

/** Refuses, before submitting, a node whose policy (when readable here) does not allow this computation. */
async function checkPolicy(
  node: PartyNode<Hospital>,
  computation: Computation,
  settings: string,
): Promise<void> {
  let allowed: boolean;
  try {
    allowed = await policyAllows(node, computation);
  } catch {
    return; // not readable here: the node itself decides
  }
  if (!allowed) {
    throw new InvalidArgument(
      `${node.name}'s policy does not allow computation ${computation.id} (the one of ${settings}): give the --patients and --protocol the nodes were set up with`,
      { field: 'node' },
    );
  }
}

/** `--setup-only`: the three node directories, and the commands an operator runs next. */
async function setUpOnly(
  computation: Computation,
  data: Record<Hospital, HospitalPatients>,
  dir: string,
  extra: string,
): Promise<void> {
  const dirs = await setUpNodes(resolve(dir), computation, data);
  say('set-up', `${resolve(dir)}: ${HOSPITALS.join(', ')} (each with ${SOURCE_FILE}), one consortium`);
  say('', `each policy allows computation ${computation.id}`);
  console.log('\nstart the three nodes (each in its own terminal, or in the background):');
  for (const h of HOSPITALS) console.log(`  npx parley node start --node ${displayPath(dirs[h])}`);
  console.log('then run the job on them:');
  console.log(`  npm run example -- clinical-stats --node ${displayPath(resolve(dir))}${extra}`);
}

async function main(): Promise<number> {
  const flags = parseFlags();
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const tAll = performance.now();
  let t0 = performance.now();
  const computation = clinicalStatsComputation(flags.patients, flags.protocol);
  say(
    'program',
    `clinical-stats: ${HOSPITALS.length} tables of up to ${flags.patients.toLocaleString('en')} rows, ${GROUPS} diagnosis groups ` +
      `(suppressed below ${MIN_GROUP_SIZE}), ${BINS} bins, protocol ${flags.protocol}; built in ${secondsSince(t0)}`,
  );
  // The flags that change the computation id, for the commands printed after a set-up.
  const extra =
    (flags.patients !== DEFAULT_PATIENTS ? ` --patients ${flags.patients}` : '') +
    (flags.protocol !== 'replicated' ? ` --protocol ${flags.protocol}` : '');
  const timeoutMs = jobTimeoutMs(flags.patients, flags.protocol);

  if (flags.node.length > 0) {
    console.log('\nOn running nodes: the SDK client submits the job; the nodes compute it and record it');
    const settings = `--patients ${flags.patients} --protocol ${flags.protocol}`;
    const run = await onRunningNodes(computation, flags.node, { timeoutMs, settings });
    return finish(run.problems, run.checked, tAll);
  }
  const data = syntheticPatients(flags.patients, flags.seed);
  if (flags['setup-only']) {
    await setUpOnly(computation, data, flags.dir as string, extra);
    return 0;
  }
  describeData(data, flags.patients, flags.seed);
  t0 = performance.now();
  const expected = plaintextStatistics(computation, data);
  say('reference', `the plaintext reference (evaluateTables, all data in one place) in ${secondsSince(t0)}`);
  console.log('\nOn three party nodes: real `parley node start` processes over mutual TLS on 127.0.0.1');
  const problems = await onFreshNodes(computation, data, expected, { ...flags, timeoutMs });
  return finish(problems, true, tAll);
}

/** The closing line, or what failed; returns the exit status. */
function finish(problems: readonly string[], checked: boolean, tAll: number): number {
  const outcome = checked
    ? 'every output equals plaintext'
    : "the receipt verifies; the nodes' outputs were not checked against plaintext";
  return finishExample('clinical-stats', problems, tAll, outcome);
}

runExample('clinical-stats', USAGE, main);
