/**
 * The job: the pooled statistics submitted to running hospital nodes with
 * the SDK client (`connect({ node: DIR })`), followed to its ledger record;
 * then each hospital's outputs, read from its own node and checked against
 * the plaintext reference, the table of results, and the receipt, verified
 * offline against the consortium file with `verifyReceipt`. The nodes are
 * the ones this example started, or an operator's (`--node DIR`).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type PartyNode, readNodePolicy, readPartyNodes, reportReceipt, submitAndFollow } from '@parley/cli';
import { InvalidArgument } from '@parley/interface';
import { NODE_CONFIG_FILE, readDataSource } from '@parley/node';
import { type Computation, connect, type ParleyClient } from '@parley/sdk';
import {
  COLUMNS,
  COMPUTATION_NAME,
  compareStatistics,
  decodeColumn,
  type GroupStatistics,
  HOSPITALS,
  type Hospital,
  type HospitalPatients,
  readStatistics,
  TABLE_OF,
} from './clinicalStats.js';
import { printStatistics, say } from './report.js';

/**
 * The nodes of these directories: each a node directory (with node.json) of
 * one of the hospitals, or a set-up directory holding hospitalA/,
 * hospitalB/ and hospitalC/ node directories. At most one node per hospital.
 */
export async function partyNodes(dirs: readonly string[]): Promise<PartyNode<Hospital>[]> {
  const expanded = dirs.flatMap((d) => {
    const dir = resolve(d);
    if (existsSync(join(dir, NODE_CONFIG_FILE))) return [dir];
    const inside = HOSPITALS.map((h) => join(dir, h)).filter((n) => existsSync(join(n, NODE_CONFIG_FILE)));
    if (inside.length === 0) {
      throw new InvalidArgument(
        `--node ${dir}: neither a node directory (no ${NODE_CONFIG_FILE}) nor a directory holding ${HOSPITALS.join(', ')}`,
        { field: 'node' },
      );
    }
    return inside;
  });
  return readPartyNodes(expanded, HOSPITALS);
}

/**
 * Whether the node's policy has a rule for this computation (by name or
 * id); throws when the policy cannot be read here.
 */
export async function policyAllows(node: PartyNode<Hospital>, computation: Computation): Promise<boolean> {
  const { policy } = await readNodePolicy(node);
  return policy.allow.some((r) => r.computation === COMPUTATION_NAME || r.computation === computation.id);
}

/**
 * The patients a node will read for its table: the data source and columns
 * its policy binds the table to. Only for the plaintext check when the node
 * directories are on this machine; throws when it cannot tell.
 */
export async function patientsOnNode(
  node: PartyNode<Hospital>,
  computation: Computation,
): Promise<HospitalPatients> {
  const { config, policy } = await readNodePolicy(node);
  const table = TABLE_OF[node.name];
  const rule = policy.allow.find(
    (r) => (r.computation === COMPUTATION_NAME || r.computation === computation.id) && r.tables[table],
  );
  const binding = rule?.tables[table];
  const source = binding && config.dataSources[binding.source];
  if (!binding || !source)
    throw new InvalidArgument(`${node.name}'s policy binds no data source to table ${table}`);
  const columnOf = (c: keyof typeof COLUMNS) => binding.columns[c] ?? c;
  const data = await readDataSource(
    binding.source,
    source,
    node.dir,
    [
      { column: columnOf('diagnosis'), type: COLUMNS.diagnosis },
      { column: columnOf('value'), type: COLUMNS.value },
    ],
    { keyColumn: binding.key },
  );
  const column = (c: keyof typeof COLUMNS) => decodeColumn(data.columns.get(columnOf(c))!, COLUMNS[c]);
  return { ids: data.keys ?? [], diagnosis: column('diagnosis'), hba1c: column('value') };
}

export interface NodeJobOptions {
  /** The plaintext reference, when known: every node's outputs are checked against it. */
  expected?: GroupStatistics;
  /** Where to save the receipt. */
  receiptFile?: string;
  /** Time the job may take. */
  timeoutMs: number;
}

/** Runs the job on `nodes` (submitted to the first); returns what went wrong, one line each. */
export async function runNodeJob(
  nodes: readonly PartyNode<Hospital>[],
  computation: Computation,
  options: NodeJobOptions,
): Promise<string[]> {
  const clients = new Map<Hospital, ParleyClient>(nodes.map((n) => [n.name, connect({ node: n.dir })]));
  const proposer = nodes[0];
  const { job, problems } = await submitAndFollow(clients.get(proposer.name)!, computation, {
    proposer: proposer.name,
    computationId: computation.id,
    timeoutMs: options.timeoutMs,
  });

  let shown: GroupStatistics | undefined;
  for (const node of nodes) {
    const handle = clients.get(node.name)!.job(job.id);
    // Another hospital's node may record the job a moment after the proposer's.
    await handle.wait({ timeoutMs: options.timeoutMs });
    const got = readStatistics(await handle.outputs());
    shown ??= got;
    if (!options.expected) {
      say(node.name, `${node.name}'s node got count, suppressed, mean, variance and histogram`);
      continue;
    }
    const c = compareStatistics(got, options.expected);
    if (c.problems.length === 0) {
      say(
        node.name,
        `${node.name}'s node: every output equals plaintext (counts, suppression and histograms exactly; ` +
          `means within ${c.meanError.toExponential(1)}, variances within ${c.varianceError.toExponential(1)})`,
      );
    } else {
      say(node.name, `${node.name}'s node: MISMATCH`);
      for (const p of c.problems) {
        say('', p);
        problems.push(`${node.name}'s node: ${p}`);
      }
    }
  }
  if (shown) {
    console.log('');
    printStatistics(shown);
    console.log('');
  }

  const receipt = await reportReceipt(await job.receipt(), {
    computationId: computation.id,
    consortiumFile: proposer.consortiumFile,
    receiptFile: options.receiptFile,
  });
  return [...problems, ...receipt.problems];
}
