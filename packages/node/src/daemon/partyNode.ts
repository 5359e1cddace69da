/**
 * The party node daemon (`parley node start`): one per organisation. It loads
 * the node directory (node.json, identity, consortium, policy), checks that
 * the consortium lists this node under its own key, listens for the other
 * parties (mutual-TLS WebSocket, packages/transport) and serves the
 * operator's HTTP API. Logs are JSON lines (pino); secrets never reach them:
 * the logger redacts token and key fields, and nothing logs inputs, shares or
 * labels. One node runs per directory: the start takes the directory's lock
 * (nodeLock.ts) before it opens the job database or the ledger, and releases
 * it once a clean stop has closed them.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, type Consortium, loadConsortium, NodeRestarted, ParleyError } from '@parley/interface';
import { Ledger, openLedgerStore } from '@parley/ledger';
import { identitySecretKey, loadIdentity, WsEndpoint } from '@parley/transport';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { EnginePool } from '../jobs/enginePool.js';
import { JobCoordinator } from '../jobs/jobCoordinator.js';
import { JobRunner } from '../jobs/jobRunner.js';
import { JobStore } from '../jobs/jobStore.js';
import { LedgerRecorder } from '../jobs/ledgerRecorder.js';
import { type LogLevel, loadNodeConfig, type NodeConfig } from '../setup/nodeConfig.js';
import { loadPolicy, type Policy } from '../setup/policyFile.js';
import { createHttpApi } from './httpApi.js';
import { watchLinks } from './linkEvents.js';
import { lockNodeDirectory, type NodeLock } from './nodeLock.js';

export { NODE_LOCK_FILE } from './nodeLock.js';

/** Written in the node directory while the node runs: where its API listens (for the CLI and SDK). */
export const NODE_RUN_FILE = 'node.run.json';

export interface PartyNodeOptions {
  /** Overrides node.json's logLevel. */
  logLevel?: LogLevel;
  /** Where log lines go (default: standard output). */
  logDestination?: NodeJS.WritableStream;
}

/** Fields no log line may carry (pino redaction paths). */
const REDACTED = [
  'token',
  '*.token',
  'api.token',
  'privateKey',
  '*.privateKey',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
];

export class PartyNode {
  private constructor(
    readonly dir: string,
    readonly config: NodeConfig,
    readonly consortium: Consortium,
    readonly policy: Policy,
    readonly log: Logger,
    private readonly endpoint: WsEndpoint,
    private readonly api: FastifyInstance,
    readonly jobs: JobCoordinator,
    private readonly store: JobStore,
    readonly ledger: Ledger,
    private readonly recorder: LedgerRecorder,
    private readonly engines: EnginePool,
    /** Where the API listens (host:port, the port the OS chose when node.json says 0). */
    readonly apiAddress: string,
    private readonly lock: NodeLock,
  ) {}

  static async start(dirPath: string, options: PartyNodeOptions = {}): Promise<PartyNode> {
    const dir = resolve(dirPath);
    const config = await loadNodeConfig(dir);
    // Before anything opens the job database: a second start on a running node's directory must not fail
    // that node's jobs as if it had restarted (NODE_RESTARTED), nor touch its ledger. Refused here instead.
    const lock = lockNodeDirectory(dir);
    try {
      return await PartyNode.open(dir, config, lock, options);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** The node of directory `dir`, whose lock this process holds. */
  private static async open(
    dir: string,
    config: NodeConfig,
    lock: NodeLock,
    options: PartyNodeOptions,
  ): Promise<PartyNode> {
    const log = pino(
      { level: options.logLevel ?? config.logLevel, base: { node: config.name }, redact: REDACTED },
      options.logDestination ?? process.stdout,
    );
    const identity = loadIdentity(config.name, {
      privateKeyPem: await readConfigFile(join(dir, config.identity.key)),
      certificatePem: await readConfigFile(join(dir, config.identity.certificate)),
    });
    const consortium = await loadConsortium(join(dir, config.consortium));
    const policy = await loadPolicy(join(dir, config.policy));
    const ledgerTarget = config.ledger.includes('://') ? config.ledger : join(dir, config.ledger);
    const ledgerStore = await openLedgerStore(ledgerTarget);
    const ledger = await Ledger.open(ledgerStore, consortium).catch(async (e) => {
      await ledgerStore.close();
      throw e;
    });
    let opened: JobStore | undefined;
    try {
      opened = openJobStore(join(dir, config.database));
      const restarted = new NodeRestarted(`${config.name} restarted while the job was in flight`);
      const failedAtStart = opened.failInFlight({ code: restarted.code, message: restarted.message });
      for (const job of failedAtStart) log.warn({ job: job.id }, 'job failed: the node restarted');
    } catch (e) {
      opened?.close();
      await ledger.close();
      throw e;
    }
    const store = opened;
    const endpoint = await WsEndpoint.listen({
      identity,
      host: config.listen.host,
      port: config.listen.port,
    }).catch(async (e) => {
      store.close();
      await ledger.close();
      throw listenError(e, 'listen', config.listen);
    });
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'parley_node_' });
    watchLinks(endpoint, log, metrics);
    new Gauge({
      name: 'parley_node_consortium_parties',
      help: 'parties in the consortium',
      registers: [metrics],
    }).set(consortium.parties.length);
    const started = Date.now();
    let api: FastifyInstance | undefined;
    let recorder: LedgerRecorder | undefined;
    const engines = EnginePool.create();
    try {
      // Checks that the consortium lists this node under this identity's key.
      endpoint.join(consortium);
      const runner = new JobRunner({ self: config.name, dir, config, store, endpoint, log, engines });
      const rec = new LedgerRecorder({
        self: config.name,
        consortium,
        ledger,
        signer: { name: config.name, secretKey: identitySecretKey(identity) },
        endpoint,
        store,
        log,
      });
      recorder = rec;
      const jobs = new JobCoordinator({
        self: config.name,
        consortium,
        policy,
        store,
        control: endpoint.control,
        log,
        onApproved: (job, protocol, program, bindings, tables) => {
          void runner.run(job, protocol, program, bindings, tables);
        },
        onLedgerMessage: (from, m) => rec.handle(from, m),
      });
      api = createHttpApi({
        jobs,
        store,
        runner,
        ledger,
        nodeName: config.name,
        token: config.api.token,
        logger: log,
        metrics,
        health: () => ({
          parties: endpoint.address,
          uptimeSeconds: Math.round((Date.now() - started) / 1000),
        }),
      });
      const apiAddress = await api
        .listen({ host: config.api.host, port: config.api.port })
        .catch((e: unknown) => {
          throw listenError(e, 'api', config.api);
        });
      const node = new PartyNode(
        dir,
        config,
        consortium,
        policy,
        log,
        endpoint,
        api,
        jobs,
        store,
        ledger,
        rec,
        engines,
        new URL(apiAddress).host,
        lock,
      );
      await writeFile(
        join(dir, NODE_RUN_FILE),
        `${JSON.stringify({ pid: process.pid, api: `http://${node.apiAddress}`, startedAt: started })}\n`,
        { mode: 0o600 },
      );
      void rec.resume();
      log.info(
        {
          parties: endpoint.address,
          api: node.apiAddress,
          consortium: consortium.parties.map((p) => p.name),
        },
        'node started',
      );
      return node;
    } catch (e) {
      recorder?.close();
      await engines.close();
      await api?.close();
      await endpoint.close();
      store.close();
      await ledger.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    this.log.info('node stopping');
    await rm(join(this.dir, NODE_RUN_FILE), { force: true });
    await this.api.close();
    this.recorder.close();
    this.jobs.close();
    await this.engines.close();
    await this.endpoint.close();
    this.store.close();
    await this.ledger.close();
    // Last: another start may open the database and the ledger from here on.
    this.lock.release();
    this.log.info('node stopped');
    this.log.flush();
  }
}

/** The job database, opened and checked; a file that cannot be one gets a ConfigError naming `database`. */
function openJobStore(file: string): JobStore {
  try {
    return JobStore.open(file);
  } catch (e) {
    if (e instanceof ParleyError) throw e;
    throw new ConfigError(`the job database ${file} cannot be opened: ${(e as Error).message}`, {
      field: 'database',
      file,
    });
  }
}

/** A listen failure as a ConfigError naming the config field (`listen.port`, `api.port`), or as it was. */
function listenError(e: unknown, field: 'listen' | 'api', at: { host: string; port: number }): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  const where = `${at.host}:${at.port}`;
  if (code === 'EADDRINUSE')
    return new ConfigError(`${field}.port: ${where} is in use by another process`, {
      field: `${field}.port`,
    });
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES')
    return new ConfigError(`${field}: cannot listen on ${where} (${code})`, { field: `${field}.host` });
  return e;
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new ConfigError(`${file} cannot be read`, { file });
  }
}
