/**
 * One node per node directory: a second start on a running node's directory
 * is refused with a ConfigError naming the directory and the running node's
 * pid, and leaves that node's jobs alone (before, it failed them as if the
 * node had restarted); a clean stop releases the lock, and so does a node
 * killed with SIGKILL (no stale lock). Nodes on 127.0.0.1; the node in
 * another process is `parley node start` from dist (build first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { hasCode } from '@parley/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConsortium,
  ENGINE_V8_FLAGS,
  freePort,
  initNode,
  JobStore,
  NODE_CONFIG_FILE,
  NODE_LOCK_FILE,
  NODE_RUN_FILE,
  PartyNode,
} from '../src/index.js';
import { rejection } from './_helpers.js';

const BIN = fileURLToPath(new URL('../../cli/bin/parley.js', import.meta.url));
/** Log lines of the nodes in this process go nowhere. */
const quiet = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

let root: string;
let dir: string;
let child: ChildProcess | undefined;
const started: PartyNode[] = [];

/** node-b of a two-node consortium (it does not dial node-a, which never runs), on a fixed free party port. */
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parley-lock-'));
  const a = await initNode({ name: 'node-a', dir: join(root, 'a'), port: 9 });
  const b = await initNode({ name: 'node-b', dir: join(root, 'b'), port: await freePort(), apiPort: 0 });
  await writeFile(
    join(b.dir, 'consortium.json'),
    JSON.stringify(await createConsortium([a.publicFile, b.publicFile])),
  );
  dir = b.dir;
});
afterAll(async () => {
  child?.kill('SIGKILL');
  for (const node of started.splice(0)) await node.close().catch(() => {});
  await rm(root, { recursive: true, force: true });
});

async function start(): Promise<PartyNode> {
  const node = await PartyNode.start(dir, { logDestination: quiet() });
  started.push(node);
  return node;
}

async function stop(node: PartyNode): Promise<void> {
  started.splice(started.indexOf(node), 1);
  await node.close();
}

const inUse = (pid: number) =>
  `the node directory ${dir} is in use by a running node (process ${pid}; lock ${join(dir, NODE_LOCK_FILE)}): stop it first`;

describe('the node directory lock', () => {
  it('refuses a second start while the node runs, naming the directory and its pid, and leaves its jobs alone', async () => {
    const node = await start();
    const runFile = await readFile(join(dir, NODE_RUN_FILE), 'utf8');
    // A job in flight on the running node (written through a second connection to its database).
    const db = JobStore.open(join(dir, 'node.db'));
    const job = 'a'.repeat(32);
    db.create({
      id: job,
      computationId: 'c'.repeat(64),
      name: 'x',
      parties: ['node-a', 'node-b'],
      proposer: 'node-a',
    });
    db.transition(job, 'approved');
    try {
      const e = await rejection(PartyNode.start(dir, { logDestination: quiet() }));
      expect(hasCode(e, 'CONFIG')).toBe(true);
      expect(e.message).toBe(inUse(process.pid));
      expect(e.details).toMatchObject({ file: join(dir, NODE_LOCK_FILE), pid: process.pid });
      // The running node's job, its run file and its API are as they were.
      expect(db.get(job)).toMatchObject({ state: 'approved' });
      expect(db.get(job).error).toBeUndefined();
      expect(await readFile(join(dir, NODE_RUN_FILE), 'utf8')).toBe(runFile);
      expect((await fetch(`http://${node.apiAddress}/health`)).status).toBe(200);
    } finally {
      db.close();
    }
    await stop(node);
  }, 30_000);

  it('is released by a clean stop: the node starts again', async () => {
    const node = await start();
    await stop(node);
    const again = await start();
    await stop(again);
    expect(existsSync(join(dir, NODE_RUN_FILE))).toBe(false);
  }, 30_000);

  it("names another process's node, and is not left behind by a node killed with SIGKILL", async () => {
    const config = JSON.parse(await readFile(join(dir, NODE_CONFIG_FILE), 'utf8'));
    expect(config.listen.host).toBe('127.0.0.1');
    child = spawn(process.execPath, [...ENGINE_V8_FLAGS, BIN, 'node', 'start', '--node', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = child;
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        if (JSON.parse(line).msg === 'node started') resolve();
      });
      proc.once('exit', (code) => reject(new Error(`the node exited with ${code}`)));
    });
    const e = await rejection(PartyNode.start(dir, { logDestination: quiet() }));
    expect(e.message).toBe(inUse(proc.pid!));
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
    child = undefined;
    // The lock file is still there, with the dead node's pid in it: it is not what keeps a node out.
    expect(existsSync(join(dir, NODE_LOCK_FILE))).toBe(true);
    const node = await start();
    await stop(node);
  }, 30_000);
});
