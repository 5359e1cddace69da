/**
 * Runs an approved job on this node (DESIGN.md, "How a job flows", steps
 * 4–6): reads this node's inputs from the data sources its policy bound
 * them to, commits to them (SHA-256 of a fresh 32-byte salt and the encoded
 * columns, exchanged with every party before anything is computed), runs the
 * engine with the other parties over the job's own transport session, and
 * keeps the outputs this node is entitled to. Any failure fails the job here
 * with its typed error; the engine's abort or the closed session makes the
 * other parties fail it too.
 *
 * Engines: two-party jobs run on the garbled engine (semi-honest, the OT
 * extension kept per peer across jobs); jobs of three or more parties, or
 * asking for `sharing` or `replicated`, on the secret-sharing engine
 * (additive with OT-made triples, or 3-party replicated).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Column, formatValue, type Program, typeToString, widthOf } from '@parley/circuit';
import { GarbledSession, garbledJob, OtContextStore, outputColumns } from '@parley/garbled';
import { InvalidInput, ParleyError, ProtocolViolation } from '@parley/interface';
import { SharingSession } from '@parley/sharing';
import type { Session, WsEndpoint } from '@parley/transport';
import type { Logger } from 'pino';
import { readDataSource } from '../data/dataSources.js';
import type { NodeConfig } from '../setup/nodeConfig.js';
import type { InputBinding } from '../setup/policyFile.js';
import type { JobProtocol } from './jobMessages.js';
import { isFinished, type JobRecord, type JobStore } from './jobStore.js';

export interface JobRunnerOptions {
  self: string;
  dir: string;
  config: NodeConfig;
  store: JobStore;
  endpoint: WsEndpoint;
  log: Logger;
  /** How long a job waits for a peer's message (default 60 s). */
  recvTimeoutMs?: number;
}

const COMMITMENT_DOMAIN = 'parley/input-commitment/v1';

export class JobRunner {
  private readonly otContexts = new OtContextStore();

  constructor(private readonly o: JobRunnerOptions) {}

  /** Runs `job` to its end on this node; never throws (a failure fails the job). */
  async run(
    job: JobRecord,
    protocol: JobProtocol,
    program: Program,
    bindings: Record<string, InputBinding>,
  ): Promise<void> {
    const { store, log } = this.o;
    let session: Session | undefined;
    try {
      // The session first: a failure from here on (a bad data source too) aborts it, so every party
      // fails the job at once with the same typed error.
      session = await this.o.endpoint.openSession(`job-${job.id}`, job.parties, {
        recvTimeoutMs: this.o.recvTimeoutMs ?? 60_000,
      });
      const columns = await this.readInputs(program, bindings);
      const commitments = await this.exchangeCommitments(session, job, program, columns);
      store.saveCommitments(job.id, commitments);
      store.transition(job.id, 'inputs-committed');
      store.transition(job.id, 'computing');
      log.info({ job: job.id }, 'job computing');
      const outputs = await this.compute(session, protocol, program, columns);
      store.saveOutputs(
        job.id,
        Object.fromEntries(
          Object.entries(outputs).map(([name, col]) => {
            const node = program.nodes[program.outputs.find((o) => o.name === name)?.node ?? -1];
            return [
              name,
              {
                type: typeToString(node.type),
                values: Array.from({ length: col.length }, (_, i) => formatValue(col[i], node.type)),
              },
            ];
          }),
        ),
      );
      store.transition(job.id, 'delivered');
      log.info({ job: job.id, outputs: Object.keys(outputs) }, 'job outputs delivered');
    } catch (e) {
      const err =
        e instanceof ParleyError ? e : new ProtocolViolation(`job ${job.id} failed: ${(e as Error).message}`);
      session?.abort(err);
      const now = store.find(job.id);
      if (now && !isFinished(now.state)) {
        store.transition(job.id, 'failed', { error: { code: err.code, message: err.message } });
      }
      log.warn({ job: job.id, code: err.code, err: err.message }, 'job failed');
    } finally {
      await session?.close().catch(() => {});
    }
  }

  /** This node's input columns by input node id, from the bound data source columns. */
  private async readInputs(
    program: Program,
    bindings: Record<string, InputBinding>,
  ): Promise<Map<number, Column>> {
    const columns = new Map<number, Column>();
    for (const [id, n] of program.nodes.entries()) {
      if (n.op !== 'input' || n.party !== this.o.self) continue;
      const b = bindings[n.name];
      const source = this.o.config.dataSources[b.source];
      if (!source) {
        throw new InvalidInput(`input ${n.name}: node.json has no data source '${b.source}'`, {
          field: n.name,
        });
      }
      const table = await readDataSource(b.source, source, this.o.dir, [{ column: b.column, type: n.type }]);
      if (table.rows !== n.length) {
        throw new InvalidInput(
          `input ${n.name}: the computation takes ${n.length} value(s), data source ${b.source} has ${table.rows} row(s)`,
          { field: n.name, source: b.source },
        );
      }
      columns.set(id, table.columns.get(b.column) as Column);
    }
    return columns;
  }

  /** Sends this node's commitment to every party and receives theirs; returns all, by party. */
  private async exchangeCommitments(
    session: Session,
    job: JobRecord,
    program: Program,
    columns: Map<number, Column>,
  ): Promise<Record<string, string>> {
    const salt = randomBytes(32);
    const h = createHash('sha256').update(COMMITMENT_DOMAIN).update(job.id).update(salt);
    for (const [id, col] of [...columns].sort(([a], [b]) => a - b)) {
      const n = program.nodes[id];
      h.update(`${n.op === 'input' ? n.name : id}:${typeToString(n.type)}:${col.length};`);
      const bytes = Math.ceil(widthOf(n.type) / 8);
      const buf = Buffer.alloc(bytes * col.length);
      for (let i = 0; i < col.length; i++) {
        let v = col[i];
        for (let k = 0; k < bytes; k++, v >>= 8n) buf[i * bytes + k] = Number(v & 0xffn);
      }
      h.update(buf);
    }
    const mine = h.digest('hex');
    salt.fill(0);
    const others = job.parties.filter((p) => p !== this.o.self);
    await Promise.all(others.map((p) => session.send(p, new TextEncoder().encode(mine))));
    const all: Record<string, string> = { [this.o.self]: mine };
    for (const p of others) {
      const text = new TextDecoder().decode(await session.recv(p));
      if (!/^[0-9a-f]{64}$/.test(text))
        throw new ProtocolViolation(`${p} sent a malformed input commitment`, { party: p });
      all[p] = text;
    }
    return all;
  }

  private async compute(
    session: Session,
    protocol: JobProtocol,
    program: Program,
    columns: Map<number, Column>,
  ): Promise<Record<string, Column>> {
    if (program.parties.length > 2 || protocol === 'sharing' || protocol === 'replicated') {
      const s = new SharingSession(program, this.o.self, columns, (to, bytes) => session.send(to, bytes), {
        protocol: protocol === 'replicated' ? 'replicated' : 'sharing',
        timeoutMs: this.o.recvTimeoutMs ?? 60_000,
        // The transport copies what it is given before send returns.
        sendCopies: true,
      });
      session.onMessage((from, bytes) => s.handleMessage(from, bytes));
      return s.output();
    }
    const s = GarbledSession.forJob(
      garbledJob(program, this.o.self, columns),
      this.o.self,
      (to, bytes) => session.send(to, bytes),
      { timeoutMs: this.o.recvTimeoutMs ?? 60_000, otContexts: this.otContexts },
    );
    session.onMessage((from, bytes) => s.handleMessage(from, bytes));
    return outputColumns(program, await s.output());
  }
}
