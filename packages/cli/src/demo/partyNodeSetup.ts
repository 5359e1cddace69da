/**
 * Party nodes set up in one directory (DIR/NAME for each party), as their
 * operators would with `parley init` and `parley consortium create`
 * (@parley/node's initNode and createConsortium), for the examples and
 * `parley demo`: fresh Ed25519 identities, a free party port on 127.0.0.1,
 * the API on port 0 (the node writes the port it got to node.run.json), the
 * data sources and policy the caller gives each party, and the consortium of
 * them all (DIR/consortium.json, and a copy in each node directory where
 * node.json expects it).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument } from '@parley/interface';
import {
  createConsortium,
  type DataSourceConfig,
  freePort,
  initNode,
  NODE_CONFIG_FILE,
  type PolicyFile,
} from '@parley/node';

/** What one party's node reads and allows. */
export interface PartyNodeData {
  /** The data sources node.json lists, by name (paths relative to the node directory). */
  dataSources: Record<string, DataSourceConfig>;
  /** The node's policy.json. */
  policy: PolicyFile;
}

/** The names of what `dir` holds; none when it does not exist. */
export async function directoryEntries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Refuses a directory that has anything in it (a set-up never overwrites), saying what to do instead. */
export async function refuseNonEmptyDirectory(dir: string, advice: string): Promise<void> {
  if ((await directoryEntries(dir)).length > 0) {
    throw new InvalidArgument(`--dir ${dir} is not empty: ${advice}`, { field: 'dir' });
  }
}

/**
 * Sets up one node per party under `dir`, in the parties' order. `writeData`
 * writes the party's data files into its new node directory and returns
 * what its node reads and allows. Returns the node directories by party.
 */
export async function setUpPartyNodes<Party extends string>(
  dir: string,
  parties: readonly Party[],
  consortiumName: string,
  writeData: (party: Party, nodeDir: string) => Promise<PartyNodeData>,
): Promise<Record<Party, string>> {
  const dirs = {} as Record<Party, string>;
  const publicFiles: string[] = [];
  for (const party of parties) {
    const nodeDir = join(dir, party);
    const r = await initNode({ name: party, dir: nodeDir, port: await freePort(), apiPort: 0 });
    publicFiles.push(r.publicFile);
    const { dataSources, policy } = await writeData(party, nodeDir);
    await writeFile(join(nodeDir, 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    const configFile = join(nodeDir, NODE_CONFIG_FILE);
    const config = JSON.parse(await readFile(configFile, 'utf8'));
    config.dataSources = dataSources;
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    dirs[party] = nodeDir;
  }
  const consortium = `${JSON.stringify(await createConsortium(publicFiles, consortiumName), null, 2)}\n`;
  await writeFile(join(dir, 'consortium.json'), consortium);
  for (const party of parties) await writeFile(join(dirs[party], 'consortium.json'), consortium);
  return dirs;
}
