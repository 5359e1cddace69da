/**
 * Real party nodes for end-to-end tests: `parley init` for each bank in a
 * temporary directory, one consortium, and each node started as its own
 * `parley node start` process on 127.0.0.1 (party port chosen free, API on
 * port 0). Helpers talk to the nodes' HTTP APIs with their tokens.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcesses } from '@parley/cli';
import { type Consortium, loadConsortium } from '@parley/interface';
import { createConsortium, freePort, initNode, NODE_CONFIG_FILE } from '@parley/node';

export interface ClusterNode {
  dir: string;
  api: string;
  token: string;
}

export class Cluster {
  readonly nodes: Record<string, ClusterNode> = {};
  private readonly processes = new NodeProcesses();
  consortium!: Consortium;

  private constructor(readonly root: string) {}

  /**
   * Sets up `banks` (node directories, one consortium); `configure` writes each
   * bank's data, policy and node.json changes; then starts every node.
   */
  static async start(
    banks: string[],
    configure: (bank: string, dir: string, config: Record<string, unknown>) => Promise<void>,
  ): Promise<Cluster> {
    const cluster = new Cluster(await mkdtemp(join(tmpdir(), 'parley-nodes-')));
    try {
      const pubs: string[] = [];
      for (const bank of banks) {
        const r = await initNode({
          name: bank,
          dir: join(cluster.root, bank),
          port: await freePort(),
          apiPort: 0,
        });
        pubs.push(r.publicFile);
      }
      const members = await createConsortium(pubs);
      for (const bank of banks) {
        const dir = join(cluster.root, bank);
        await writeFile(join(dir, 'consortium.json'), JSON.stringify(members));
        const config = JSON.parse(await readFile(join(dir, NODE_CONFIG_FILE), 'utf8'));
        await configure(bank, dir, config);
        await writeFile(join(dir, NODE_CONFIG_FILE), JSON.stringify(config));
        cluster.nodes[bank] = { dir, api: '', token: config.api.token };
      }
      cluster.consortium = await loadConsortium(join(cluster.root, banks[0], 'consortium.json'));
      // allSettled: every start has ended (up or failed) before a failure stops the ones that came up.
      const started = await Promise.allSettled(banks.map((b) => cluster.startNode(b)));
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      return cluster;
    } catch (e) {
      // Nothing is left behind when the cluster cannot start: no node process, no directory.
      await cluster.stop();
      throw e;
    }
  }

  /** Starts (or restarts) `bank`'s node process (logs in its directory's node.log); resolves once it is up. */
  async startNode(bank: string): Promise<void> {
    this.nodes[bank].api = await this.processes.start(bank, this.nodes[bank].dir);
  }

  /** Kills `bank`'s node at once (SIGKILL) and waits for the process to end. */
  kill(bank: string): Promise<void> {
    return this.processes.kill(bank);
  }

  async stop(): Promise<void> {
    await this.processes.stopAll();
    await rm(this.root, { recursive: true, force: true });
  }

  async api(
    bank: string,
    path: string,
    init: { method?: string; body?: unknown; token?: string | null } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const node = this.nodes[bank];
    const token = init.token === undefined ? node.token : init.token;
    const res = await fetch(`http://${node.api}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Polls job `id` on `bank` until `until` holds (for up to `timeoutMs`); returns the job. */
  async waitFor(
    bank: string,
    id: string,
    until: (job: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    let last: unknown;
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const r = await this.api(bank, `/jobs/${id}`);
      last = r.body;
      if (r.status === 200 && until(r.body)) return r.body;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`job ${id} on ${bank} never got there: ${JSON.stringify(last)}`);
  }

  /** Polls until the job's state is one of `states`. */
  stateOn(bank: string, id: string, states: string[], timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.waitFor(bank, id, (j) => states.includes(j.state as string), timeoutMs);
  }

  /** The job's ledger note on `bank` (its entry's seq, or why it is not recorded), once it has one. */
  async ledgerOf(bank: string, id: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return (await this.waitFor(bank, id, (j) => j.ledger !== undefined, timeoutMs)).ledger as Record<
      string,
      unknown
    >;
  }

  async submit(bank: string, body: { name: string; program: string; protocol?: string }): Promise<string> {
    const r = await this.api(bank, '/jobs', { method: 'POST', body });
    if (r.status !== 202) throw new Error(`submit on ${bank}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id as string;
  }
}
