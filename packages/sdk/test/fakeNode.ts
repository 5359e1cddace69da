/**
 * A fake party node API for the client's tests (the SDK's and `parley job`'s):
 * node:http on 127.0.0.1, an OS-chosen port, the contract of
 * packages/node/README.md ("HTTP API") over canned jobs. A submitted job
 * follows the script named by its job name (`SCRIPTS`), one step per
 * `GET /jobs/:id`, the last step repeated; a recorded job has a real receipt
 * co-signed by the fake consortium. The real end-to-end tests run real nodes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computationId, decodeProgram, type Program } from '@parley/circuit';
import { ed25519KeyPair, toHex } from '@parley/crypto';
import { type Consortium, ParleyError } from '@parley/interface';
import { Ledger, type LedgerSigner, MemoryStore, type ReceiptJSON } from '@parley/ledger';
import type { EncodedOutput, JobStatus } from '../src/index.js';

export type Step = Partial<JobStatus>;

const T0 = 1_760_000_000_000;
const HEX = (c: string) => c.repeat(64);
const computing = (done: number): Step => ({
  state: 'computing',
  progress: { done, total: 4, unit: 'AND layers' },
});

/** Job scripts by job name; other names follow `happy`. */
export const SCRIPTS: Record<string, Step[]> = {
  happy: [
    { state: 'proposed' },
    { state: 'approved' },
    { state: 'inputs-committed', commitments: { bankA: HEX('a'), bankB: HEX('b') } },
    computing(0),
    computing(2),
    computing(4),
    { state: 'delivered' },
    { state: 'recorded', ledger: { seq: 0 } },
  ],
  'refuse-me': [
    { state: 'proposed' },
    {
      state: 'refused',
      error: { code: 'POLICY_REFUSED', message: 'bankB: no rule allows this computation' },
    },
  ],
  'fail-me': [
    { state: 'proposed' },
    { state: 'approved' },
    computing(1),
    { state: 'failed', error: { code: 'PEER_DISCONNECTED', message: 'bankB disconnected' } },
  ],
  'unrecorded-me': [
    { state: 'proposed' },
    { state: 'delivered' },
    { state: 'delivered', ledger: { error: 'bankB did not sign within 20000 ms' } },
  ],
  'slow-me': [{ state: 'proposed' }, computing(1)],
};

interface FakeJob {
  base: JobStatus;
  steps: Step[];
  at: number;
  outputs: Record<string, EncodedOutput>;
  receipt?: ReceiptJSON;
  /** What was submitted. */
  protocol?: string;
  program?: Program;
}

/** A consortium of bankA and bankB with fixed keys, and a ledger receipt for any job. */
export async function fakeLedger(): Promise<{
  consortium: Consortium;
  receipt: (jobId: string) => Promise<ReceiptJSON>;
}> {
  const signers: LedgerSigner[] = [];
  const consortium: Consortium = { name: 'fake', parties: [] };
  for (const [i, name] of ['bankA', 'bankB'].entries()) {
    const kp = ed25519KeyPair(new Uint8Array(32).fill(i + 11));
    signers.push({ name, secretKey: kp.secretKey });
    consortium.parties.push({ name, publicKey: toHex(kp.publicKey), address: `127.0.0.1:${7900 + i}` });
  }
  const receipt = async (jobId: string) => {
    const ledger = await Ledger.open(new MemoryStore(), consortium);
    await ledger.append(
      [
        {
          jobId,
          computationId: HEX('c'),
          parties: ['bankA', 'bankB'],
          inputCommitments: { bankA: HEX('a'), bankB: HEX('b') },
          outputHashes: { total: HEX('d') },
          transcriptHash: HEX('e'),
          outcome: 'succeeded',
          startedAt: T0,
          finishedAt: T0 + 250,
        },
      ],
      signers,
      T0 + 300,
    );
    return ledger.receipt(0);
  };
  return { consortium, receipt };
}

export class FakeNode {
  readonly jobs = new Map<string, FakeJob>();
  /** Every request: method, path and whether it carried the right token. */
  readonly requests: Array<{ method: string; path: string; authorized: boolean }> = [];
  url = '';
  consortium!: Consortium;
  private receiptOf!: (jobId: string) => Promise<ReceiptJSON>;
  private next = 1;
  private server!: Server;

  private constructor(readonly token: string) {}

  static async start(token: string): Promise<FakeNode> {
    const node = new FakeNode(token);
    const ledger = await fakeLedger();
    node.consortium = ledger.consortium;
    node.receiptOf = ledger.receipt;
    node.server = createServer((req, res) => {
      node.handle(req, res).catch((e: Error) => send(res, 500, { code: 'INTERNAL', message: e.message }));
    });
    await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', resolve));
    node.url = `http://127.0.0.1:${(node.server.address() as AddressInfo).port}`;
    return node;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Adds a job that follows `steps` (for jobs the tests do not submit). */
  addJob(id: string, steps: Step[], outputs: Record<string, EncodedOutput> = {}): void {
    this.jobs.set(id, { base: baseRecord(id, 'added', ['bankA', 'bankB'], HEX('f')), steps, at: 0, outputs });
  }

  /** The job as it is now (without advancing it). */
  current(id: string): JobStatus {
    const j = this.jobs.get(id)!;
    return view(j, Math.max(0, j.at - 1));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const authorized = req.headers.authorization === `Bearer ${this.token}`;
    this.requests.push({ method: req.method ?? '', path, authorized });
    if (path === '/health') return send(res, 200, { status: 'ok', node: 'bankA', uptimeMs: 1 });
    if (!authorized)
      return send(res, 401, { code: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
    if (req.method === 'POST' && path === '/jobs') return this.submit(await readBody(req), res);
    if (req.method === 'GET' && path === '/jobs') {
      const state = url.searchParams.get('state');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const jobs = [...this.jobs.keys()]
        .map((id) => this.current(id))
        .filter((j) => state === null || j.state === state)
        .reverse()
        .slice(0, limit)
        .map(({ events: _e, commitments: _c, progress: _p, ...record }) => record);
      return send(res, 200, { jobs });
    }
    if (path === '/jobs/not-json') return send(res, 200, 'this is not JSON');
    if (path === '/jobs/null') return send(res, 200, null);
    if (path === '/jobs/boom') return send(res, 500, { code: 'INTERNAL', message: 'internal error' });
    const m = /^\/jobs\/([^/]+)(\/outputs|\/cancel|\/receipt)?$/.exec(path);
    const job = m ? this.jobs.get(decodeURIComponent(m[1])) : undefined;
    if (!m || !job) return send(res, 404, { code: 'NOT_FOUND', message: `job ${m?.[1] ?? path} not found` });
    const id = decodeURIComponent(m[1]);
    switch (`${req.method} ${m[2] ?? ''}`) {
      case 'GET ':
        job.at++;
        return send(res, 200, this.current(id));
      case 'GET /outputs':
        return send(res, 200, { job: id, outputs: job.outputs });
      case 'GET /receipt': {
        const now = this.current(id);
        if (now.ledger === undefined || !('seq' in now.ledger))
          return send(res, 404, { code: 'NOT_FOUND', message: `job ${id} is not on the ledger yet` });
        job.receipt ??= await this.receiptOf(id);
        return send(res, 200, job.receipt);
      }
      case 'POST /cancel': {
        const now = this.current(id);
        if (['recorded', 'refused', 'failed', 'cancelled', 'delivered'].includes(now.state))
          return send(res, 409, { code: 'CONFLICT', message: `job ${id} has already ended (${now.state})` });
        job.base = { ...now };
        job.steps = [
          { state: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled by the operator of bankA' } },
        ];
        job.at = 1;
        const { events: _e, commitments: _c, progress: _p, ...record } = this.current(id);
        return send(res, 200, record);
      }
      default:
        return send(res, 404, { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` });
    }
  }

  private submit(body: unknown, res: ServerResponse): void {
    const b = body as { name?: unknown; protocol?: unknown; program?: unknown };
    if (typeof b?.name !== 'string' || typeof b.program !== 'string') {
      send(res, 400, { code: 'INVALID_REQUEST', message: 'body must have name and program' });
      return;
    }
    let program: Program;
    try {
      program = decodeProgram(new Uint8Array(Buffer.from(b.program, 'base64')));
    } catch (e) {
      const err = e as ParleyError;
      send(res, 400, { code: err instanceof ParleyError ? err.code : 'INVALID_INPUT', message: err.message });
      return;
    }
    const protocol = typeof b.protocol === 'string' ? b.protocol : 'auto';
    const id = `job-${this.next++}`;
    const cid = computationId(program, { name: b.name, protocol });
    const outputs: Record<string, EncodedOutput> = { total: { type: 'uint(32)', values: ['311'] } };
    this.jobs.set(id, {
      base: baseRecord(id, b.name, [...program.parties], cid),
      steps: SCRIPTS[b.name] ?? SCRIPTS.happy,
      at: 0,
      outputs,
      protocol,
      program,
    });
    const { events: _e, commitments: _c, ...record } = view(this.jobs.get(id)!, 0);
    send(res, 202, record);
  }
}

function baseRecord(id: string, name: string, parties: string[], cid: string): JobStatus {
  return {
    id,
    computationId: cid,
    name,
    parties,
    proposer: parties[0],
    state: 'proposed',
    createdAt: T0,
    updatedAt: T0,
    events: [],
    commitments: {},
  };
}

/** The job at step `at`: the base with the steps so far applied, and one event per state reached. */
function view(job: FakeJob, at: number): JobStatus {
  const upTo = job.steps.slice(0, Math.min(at, job.steps.length - 1) + 1);
  const s: JobStatus = { ...job.base, events: [...job.base.events] };
  delete s.progress;
  for (const [i, step] of upTo.entries()) {
    const moved = step.state !== undefined && step.state !== s.state;
    Object.assign(s, step);
    if (step.progress === undefined) delete s.progress;
    if (moved || (i === 0 && s.events.length === 0)) {
      s.events.push({
        state: s.state,
        at: T0 + 1000 * i,
        ...(step.error ? { detail: step.error.message } : {}),
      });
      s.updatedAt = T0 + 1000 * i;
    }
  }
  return s;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}
