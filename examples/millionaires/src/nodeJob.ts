/**
 * Part 2, the job: the millionaires' computation submitted to running party
 * nodes with the SDK client (`connect({ node: DIR })`), followed to its
 * ledger record, then each node's output and the receipt, verified offline
 * against the consortium file with `verifyReceipt`. The nodes are the ones
 * this example started, or an operator's (`--node DIR`).
 */
import { uint } from '@parley/circuit';
import { type PartyNode, readNodePolicy, readPartyNodes, reportReceipt, submitAndFollow } from '@parley/cli';
import { InvalidArgument } from '@parley/interface';
import { readDataSource } from '@parley/node';
import { connect, type ParleyClient } from '@parley/sdk';
import {
  COMPUTATION_NAME,
  INPUT_OF,
  type Millionaires,
  OUTPUT,
  PARTIES,
  type Party,
  PROTOCOL,
  say,
  verdict,
  WIDTH,
} from './millionaires.js';

/** The nodes of these directories (their node.json); each must be alice's or bob's, at most one each. */
export function partyNodes(dirs: readonly string[]): Promise<PartyNode<Party>[]> {
  return readPartyNodes(dirs, PARTIES);
}

/**
 * The wealth a node will read for its input: the column its policy binds the
 * input to, in the data source node.json names. Only for the plaintext check
 * when both node directories are on this machine; throws when it cannot tell.
 */
export async function wealthOnNode(node: PartyNode<Party>, computation: Millionaires): Promise<number> {
  const { config, policy } = await readNodePolicy(node);
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
  nodes: readonly PartyNode<Party>[],
  computation: Millionaires,
  options: NodeJobOptions,
): Promise<string[]> {
  const clients = new Map<Party, ParleyClient>(nodes.map((n) => [n.name, connect({ node: n.dir })]));
  const proposer = nodes[0];
  const { job, problems } = await submitAndFollow(
    clients.get(proposer.name)!,
    { name: COMPUTATION_NAME, program: computation.program, protocol: PROTOCOL },
    { proposer: proposer.name, computationId: computation.id, timeoutMs: options.timeoutMs },
  );

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

  const receipt = await reportReceipt(await job.receipt(), {
    computationId: computation.id,
    consortiumFile: proposer.consortiumFile,
    receiptFile: options.receiptFile,
  });
  return [...problems, ...receipt.problems];
}
