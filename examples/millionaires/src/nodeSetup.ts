/**
 * Part 2, set-up: alice's and bob's party nodes in DIR/alice and DIR/bob, as
 * two operators would make them with `parley init` and `parley consortium
 * create` (@parley/node's initNode and createConsortium):
 *
 * - fresh Ed25519 identities, a free party port on 127.0.0.1, the API on
 *   port 0 (the node writes the port it got to node.run.json);
 * - each party's wealth in a one-row data source of its own: alice's in
 *   wealth.csv, bob's in wealth.json (both kinds a node reads);
 * - a policy that allows exactly this computation, by its 64-hex id (so a
 *   different program under the same name is refused), binding the party's
 *   input to the `wealth` column, with both parties as output recipients;
 * - the consortium of the two (DIR/consortium.json, and a copy in each node
 *   directory where node.json expects it).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument } from '@parley/interface';
import { createConsortium, freePort, initNode, NODE_CONFIG_FILE, type PolicyFile } from '@parley/node';
import { INPUT_OF, type Millionaires, PARTIES, type Party, type Wealth } from './millionaires.js';

/** The data source each node's input is bound to. */
const SOURCE = 'wealth';

/** Refuses a directory that has anything in it: the set-up never overwrites. */
async function checkEmpty(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  if (entries.length > 0) {
    throw new InvalidArgument(
      `--dir ${dir} is not empty: choose a new directory (or run against its nodes with --node)`,
      { field: 'dir' },
    );
  }
}

/** Writes the party's wealth as a one-row data source; returns its node.json entry. */
async function writeWealth(
  party: Party,
  nodeDir: string,
  wealth: number,
): Promise<{ type: 'csv' | 'json'; path: string }> {
  if (party === 'alice') {
    await writeFile(join(nodeDir, 'wealth.csv'), `wealth\n${wealth}\n`);
    return { type: 'csv', path: 'wealth.csv' };
  }
  await writeFile(join(nodeDir, 'wealth.json'), `${JSON.stringify([{ wealth }])}\n`);
  return { type: 'json', path: 'wealth.json' };
}

/** Sets up both nodes under `dir`; returns their directories. */
export async function setUpNodes(
  dir: string,
  computation: Millionaires,
  wealth: Wealth,
): Promise<Record<Party, string>> {
  await checkEmpty(dir);
  const dirs = {} as Record<Party, string>;
  const publicFiles: string[] = [];
  for (const party of PARTIES) {
    const nodeDir = join(dir, party);
    const r = await initNode({ name: party, dir: nodeDir, port: await freePort(), apiPort: 0 });
    publicFiles.push(r.publicFile);
    const source = await writeWealth(party, nodeDir, wealth[party]);
    const policy: PolicyFile = {
      version: 1,
      allow: [
        {
          computation: computation.id,
          dataSources: [SOURCE],
          inputs: { [INPUT_OF[party]]: { source: SOURCE, column: 'wealth' } },
          outputRecipients: [...PARTIES],
        },
      ],
    };
    await writeFile(join(nodeDir, 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    const configFile = join(nodeDir, NODE_CONFIG_FILE);
    const config = JSON.parse(await readFile(configFile, 'utf8'));
    config.dataSources = { [SOURCE]: source };
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    dirs[party] = nodeDir;
  }
  const consortium = `${JSON.stringify(await createConsortium(publicFiles, 'millionaires'), null, 2)}\n`;
  await writeFile(join(dir, 'consortium.json'), consortium);
  for (const party of PARTIES) await writeFile(join(dirs[party], 'consortium.json'), consortium);
  return dirs;
}
