/**
 * Part 2, set-up: alice's and bob's party nodes in DIR/alice and DIR/bob, as
 * two operators would make them with `parley init` and `parley consortium
 * create` (@parley/cli's setUpPartyNodes, over @parley/node's initNode and
 * createConsortium):
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
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { refuseNonEmptyDirectory, setUpPartyNodes } from '@parley/cli';
import { INPUT_OF, type Millionaires, PARTIES, type Party, type Wealth } from './millionaires.js';

/** The data source each node's input is bound to. */
const SOURCE = 'wealth';

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

/** Sets up both nodes under `dir` (new or empty); returns their directories. */
export async function setUpNodes(
  dir: string,
  computation: Millionaires,
  wealth: Wealth,
): Promise<Record<Party, string>> {
  await refuseNonEmptyDirectory(dir, 'choose a new directory (or run against its nodes with --node)');
  return setUpPartyNodes(dir, PARTIES, 'millionaires', async (party, nodeDir) => ({
    dataSources: { [SOURCE]: await writeWealth(party, nodeDir, wealth[party]) },
    policy: {
      version: 1,
      allow: [
        {
          computation: computation.id,
          dataSources: [SOURCE],
          inputs: { [INPUT_OF[party]]: { source: SOURCE, column: 'wealth' } },
          outputRecipients: [...PARTIES],
        },
      ],
    },
  }));
}
