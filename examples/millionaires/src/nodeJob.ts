/**
 * Part 2, the job: the millionaires' computation submitted to running party
 * nodes with the SDK client (`connect({ node: DIR })`), followed to its
 * ledger record, then each node's output and the receipt, verified offline
 * against the consortium file with `verifyReceipt`. The nodes are the ones
 * this example started, or an operator's (`--node DIR`).
 */
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { uint } from '@parley/circuit';
import { InvalidArgument, loadConsortium } from '@parley/interface';
import { loadNodeConfig, loadPolicy, readDataSource } from '@parley/node';
import { connect, type ParleyClient, verifyReceipt } from '@parley/sdk';
import {
  COMPUTATION_NAME,
  INPUT_OF,
  type Millionaires,
  OUTPUT,
  PARTIES,
  type Party,
  PROTOCOL,
  say,
  secondsSince,
  verdict,
  WIDTH,
} from './millionaires.js';

export interface PartyNode {
  name: Party;
  dir: string;
  /** The consortium file the node's node.json names. */
  consortiumFile: string;
}

const inDir = (dir: string, path: string): string => (isAbsolute(path) ? path : join(dir, path));

/** The nodes of these directories (their node.json); each must be alice's or bob's, at most one each. */
export async function partyNodes(dirs: readonly string[]): Promise<PartyNode[]> {
  const nodes: PartyNode[] = [];
  for (const d of dirs) {
    const dir = resolve(d);
    const config = await loadNodeConfig(dir);
    const name = config.name as Party;
    if (!PARTIES.includes(name)) {
      throw new InvalidArgument(
        `--node ${dir}: the node is '${config.name}', but the program's parties are ${PARTIES.join(' and ')}`,
        { field: 'node' },
      );
    }
    if (nodes.some((n) => n.name === name)) {
      throw new InvalidArgument(`--node ${dir}: ${name}'s node is given twice`, { field: 'node' });
    }
    nodes.push({ name, dir, consortiumFile: inDir(dir, config.consortium) });
  }
  return nodes;
}

/**
 * The wealth a node will read for its input: the column its policy binds the
 * input to, in the data source node.json names. Only for the plaintext check
 * when both node directories are on this machine; throws when it cannot tell.
 */
export async function wealthOnNode(node: PartyNode, computation: Millionaires): Promise<number> {
  const config = await loadNodeConfig(node.dir);
  const policy = await loadPolicy(inDir(node.dir, config.policy));
  const rule = policy.allow.find(
    (r) => r.computation === COMPUTATION_NAME || r.computation === computation.id,
  );
  const binding = rule?.inputs[INPUT_OF[node.name]];
  const source = binding && config.dataSources[binding.source];
  if (!binding || !source)
    throw new InvalidArgument(`${node.name}'s policy binds no data source to its input`);
  const type = uint(WIDTH);
  const data = await readDataSource(binding.source, source, node.dir, [{ column: binding.column, type }]);
  const column = data.columns.get(binding.column);
  if (data.rows !== 1 || !column) {
    throw new InvalidArgument(`${node.name}'s data source ${binding.source} has ${data.rows} rows, not one`);
  }
  return Number(column[0]);
}

export interface NodeJobOptions {
  /** The plaintext answer, when known: every node's output is checked against it. */
  expected?: number;
  /** Where to save the receipt. */
  receiptFile?: string;
  /** Time the job may take. */
  timeoutMs: number;
}

/** Runs the job on `nodes` (submitted to the first); returns what went wrong, one line each. */
export async function runNodeJob(
  nodes: readonly PartyNode[],
  computation: Millionaires,
  options: NodeJobOptions,
): Promise<string[]> {
  const problems: string[] = [];
  const clients = new Map<Party, ParleyClient>(nodes.map((n) => [n.name, connect({ node: n.dir })]));
  const proposer = nodes[0];
  const t0 = performance.now();
  const job = await clients.get(proposer.name)!.submit({
    name: COMPUTATION_NAME,
    program: computation.program,
    protocol: PROTOCOL,
  });
  say('job', `${job.id}, submitted to ${proposer.name}'s node; waiting for it to be recorded`);
  const status = await job.wait({ timeoutMs: options.timeoutMs });
  // The job's transitions as the proposer's node logged them, timed from the proposal.
  const start = status.events[0]?.at ?? status.createdAt;
  for (const e of status.events) {
    say(
      '',
      `${e.state.padEnd(17)} +${((e.at - start) / 1000).toFixed(2)} s${e.detail ? `  ${e.detail}` : ''}`,
    );
  }
  if (status.computationId !== computation.id) {
    problems.push(`the nodes computed ${status.computationId}, not ${computation.id}`);
  }
  say('', `submit to recorded in ${secondsSince(t0)}`);

  for (const node of nodes) {
    const handle = clients.get(node.name)!.job(job.id);
    // The other party's node may record the job a moment after the proposer's.
    await handle.wait({ timeoutMs: options.timeoutMs });
    const bit = Number((await handle.outputs())[OUTPUT]);
    const check =
      options.expected === undefined ? '' : bit === options.expected ? ' (plaintext agrees)' : ' MISMATCH';
    say(node.name, `${node.name}'s node got ${OUTPUT} = ${bit}: ${verdict(bit)}${check}`);
    if (options.expected !== undefined && bit !== options.expected) {
      problems.push(`${node.name}'s node got ${OUTPUT} = ${bit}, plaintext says ${options.expected}`);
    }
  }

  const receipt = await job.receipt();
  if (options.receiptFile) await writeFile(options.receiptFile, `${JSON.stringify(receipt, null, 2)}\n`);
  const checked = verifyReceipt(receipt, await loadConsortium(proposer.consortiumFile));
  const signers = Object.keys(receipt.treeHead.signatures).join(', ');
  say(
    'receipt',
    `ledger entry ${receipt.leafIndex} of ${receipt.treeHead.size}, outcome ${receipt.entry.outcome}, head signed by ${signers}`,
  );
  if (receipt.entry.computationId !== computation.id) {
    problems.push(`the receipt is for computation ${receipt.entry.computationId}, not ${computation.id}`);
  }
  if (options.receiptFile) say('', `saved to ${options.receiptFile}`);
  if (checked.ok) {
    say('verifier', `VALID: the receipt verifies offline against ${proposer.consortiumFile}`);
  } else {
    say('verifier', `INVALID: ${checked.problems.join('; ')}`);
    problems.push(`the receipt does not verify: ${checked.problems.join('; ')}`);
  }
  return problems;
}
