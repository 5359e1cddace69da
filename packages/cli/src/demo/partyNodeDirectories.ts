/**
 * Party nodes known by their directories, as the examples take them with
 * `--node DIR`: each directory's node.json says whose node it is and names
 * its consortium file, policy and data sources (paths relative to the
 * directory).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { InvalidArgument } from '@parley/interface';
import { loadNodeConfig, loadPolicy, type NodeConfig, type Policy } from '@parley/node';

export interface PartyNode<Party extends string = string> {
  name: Party;
  /** The node directory (absolute). */
  dir: string;
  /** The consortium file the node's node.json names. */
  consortiumFile: string;
}

/** A path node.json gives, as seen from here. */
export function inNodeDirectory(dir: string, path: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}

/** The nodes of these directories (their node.json); each must be one of `parties`' node, at most once. */
export async function readPartyNodes<Party extends string>(
  dirs: readonly string[],
  parties: readonly Party[],
): Promise<PartyNode<Party>[]> {
  const nodes: PartyNode<Party>[] = [];
  for (const d of dirs) {
    const dir = resolve(d);
    const config = await loadNodeConfig(dir);
    const name = config.name as Party;
    if (!parties.includes(name)) {
      throw new InvalidArgument(
        `--node ${dir}: the node is '${config.name}', but the computation's parties are ${parties.join(', ')}`,
        { field: 'node' },
      );
    }
    if (nodes.some((n) => n.name === name)) {
      throw new InvalidArgument(`--node ${dir}: ${name}'s node is given twice`, { field: 'node' });
    }
    nodes.push({ name, dir, consortiumFile: inNodeDirectory(dir, config.consortium) });
  }
  return nodes;
}

/** The node's configuration and policy, read from its directory. */
export async function readNodePolicy(node: PartyNode): Promise<{ config: NodeConfig; policy: Policy }> {
  const config = await loadNodeConfig(node.dir);
  return { config, policy: await loadPolicy(inNodeDirectory(node.dir, config.policy)) };
}
