/** The party node daemon as an operator runs it: `parley node start` in its own process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseConsortium } from '@parley/interface';
import { createConsortium, ENGINE_V8_FLAGS, initNode, NODE_CONFIG_FILE } from '@parley/node';
import { createIdentity, WsEndpoint } from '@parley/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parley, ROOT } from '../helpers.js';

let root: string;
let child: ChildProcess | undefined;
const lines: Array<Record<string, unknown>> = [];

/** Two nodes; only node-b runs (it does not dial node-a: lower names dial). Ports chosen by the OS. */
async function setUp(): Promise<{ dir: string; token: string }> {
  root = await mkdtemp(join(tmpdir(), 'parley-daemon-'));
  const a = await initNode({ name: 'node-a', dir: join(root, 'a'), port: 9 });
  const b = await initNode({ name: 'node-b', dir: join(root, 'b'), port: 9 });
  const consortium = await createConsortium([a.publicFile, b.publicFile]);
  await writeFile(join(b.dir, 'consortium.json'), JSON.stringify(consortium));
  const file = join(b.dir, NODE_CONFIG_FILE);
  const config = JSON.parse(await readFile(file, 'utf8'));
  config.listen.port = 0;
  config.api.port = 0;
  await writeFile(file, JSON.stringify(config));
  return { dir: b.dir, token: config.api.token };
}

function start(dir: string): Promise<string> {
  const bin = `${ROOT}packages/cli/bin/parley.js`;
  child = spawn(process.execPath, [...ENGINE_V8_FLAGS, bin, 'node', 'start', '--node', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = child;
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line);
      lines.push(entry);
      if (entry.msg === 'node started') resolve(entry.api as string);
    });
    proc.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
  });
}

/** The first log line (so far or within 10 s) that `match` accepts. */
async function waitForLine(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const line = lines.find(match);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no such log line in: ${lines.map((l) => l.msg).join(', ')}`);
}

let api: string;
let token: string;
let nodeDir: string;
beforeAll(async () => {
  const s = await setUp();
  token = s.token;
  nodeDir = s.dir;
  api = await start(s.dir);
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

describe('parley node start', () => {
  it('serves health and its OpenAPI document openly, everything else only with the token', async () => {
    const health = await fetch(`http://${api}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', node: 'node-b' });
    const doc = await (await fetch(`http://${api}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/metrics');
    expect((await fetch(`http://${api}/metrics`)).status).toBe(401);
    const wrong = await fetch(`http://${api}/metrics`, {
      headers: { authorization: `Bearer ${token.slice(1)}x` },
    });
    expect(wrong.status).toBe(401);
    const metrics = await fetch(`http://${api}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('parley_node_consortium_parties 2');
    // Unknown routes and over-long path parameters get the API's error shape, without echoing the whole URL.
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const unknown = await fetch(`http://${api}/jobs`, { ...auth, method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ code: 'NOT_FOUND', message: 'no route DELETE /jobs' });
    const long = await fetch(`http://${api}/jobs/${'a'.repeat(5000)}`, auth);
    expect(long.status).toBe(400);
    const body = (await long.json()) as { code: string; message: string };
    expect(body.code).toBe('INVALID_REQUEST');
    expect(body.message.length).toBeLessThan(260);
  });

  it('refuses an impostor claiming a member’s name, logs and counts it, and keeps serving', async () => {
    const dir = join(root, 'b');
    const members = JSON.parse(await readFile(join(dir, 'consortium.json'), 'utf8')).parties as Array<{
      name: string;
      publicKey: string;
    }>;
    const health = (await (await fetch(`http://${api}/health`)).json()) as { parties: string };
    // A fresh key that calls itself node-a dials node-b (the lower name dials).
    const fake = await createIdentity('node-a');
    const impostor = await WsEndpoint.listen({ identity: fake, host: '127.0.0.1', port: 0 });
    try {
      impostor.join(
        parseConsortium({
          parties: [
            { name: 'node-a', publicKey: fake.publicKeyHex, address: impostor.address },
            { ...members.find((p) => p.name === 'node-b')!, address: health.parties },
          ],
        }),
      );
      const refused = await impostor.openSession('x', ['node-a', 'node-b']).then(
        () => undefined,
        (e) => e,
      );
      expect(refused?.code).toBe('PEER_NOT_AUTHORIZED');
    } finally {
      await impostor.close();
    }
    const logged = await waitForLine((l) => l.msg === 'party connection refused');
    expect(logged).toMatchObject({ level: 40, peer: 'node-a', code: 'PEER_NOT_AUTHORIZED' });
    expect(String(logged.err)).toMatch(/not in the consortium/);
    expect((await fetch(`http://${api}/health`)).status).toBe(200);
    const metrics = await fetch(`http://${api}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(await metrics.text()).toMatch(/parley_node_link_events_total\{event="peer-refused"\} 1/);
  });

  it('refuses a second start on its directory in one CONFIG line naming it and its pid, and keeps serving', async () => {
    const before = lines.length;
    const r = await parley(['node', 'start', '--node', nodeDir], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      `parley: CONFIG: the node directory ${nodeDir} is in use by a running node (process ${child!.pid}; lock ${join(nodeDir, 'node.lock')}): stop it first\n`,
    );
    expect((await fetch(`http://${api}/health`)).status).toBe(200);
    // The running node noticed nothing: no warning or error since.
    expect(lines.slice(before).filter((l) => (l.level as number) >= 40)).toEqual([]);
  }, 40_000);

  it('logs JSON lines without the token, and stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l.msg === 'node stopped')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(token);
    child = undefined;
  });

  it('refuses a node directory whose identity the consortium does not list', async () => {
    const dir = join(root, 'c');
    await initNode({ name: 'node-c', dir });
    const other = await createConsortium([
      join(root, 'a', 'node-a.pub.json'),
      join(root, 'b', 'node-b.pub.json'),
    ]);
    await writeFile(join(dir, 'consortium.json'), JSON.stringify(other));
    const r = await parley(['node', 'start', '--node', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CONFIG: .*not a party of the consortium/);
  });

  it('names the port in use (party or API) and a job database that is not one, and exits', async () => {
    // node-a, set up beside node-b, is pointed at ports this test holds, then at a bad database.
    const dir = join(root, 'a');
    await writeFile(join(dir, 'consortium.json'), await readFile(join(root, 'b', 'consortium.json')));
    const file = join(dir, NODE_CONFIG_FILE);
    const config = JSON.parse(await readFile(file, 'utf8'));
    const host = '127.0.0.1';
    const held = createServer();
    await new Promise<void>((resolve) => held.listen(0, host, resolve));
    const port = (held.address() as AddressInfo).port;
    try {
      const attempts: Array<[Record<string, unknown>, RegExp]> = [
        [
          { listen: { host, port }, api: { ...config.api, host, port: 0 } },
          new RegExp(`CONFIG: listen\\.port: ${host}:${port} is in use`),
        ],
        [
          { listen: { host, port: 0 }, api: { ...config.api, host, port } },
          new RegExp(`CONFIG: api\\.port: ${host}:${port} is in use`),
        ],
      ];
      for (const [change, message] of attempts) {
        await writeFile(file, JSON.stringify({ ...config, ...change }));
        const r = await parley(['node', 'start', '--node', dir], { timeoutMs: 30_000 });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
      }
    } finally {
      held.close();
    }
    await writeFile(
      file,
      JSON.stringify({ ...config, listen: { host, port: 0 }, api: { ...config.api, host, port: 0 } }),
    );
    await writeFile(join(dir, config.database), 'not a database, a text file');
    const r = await parley(['node', 'start', '--node', dir], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/CONFIG: the job database .* cannot be opened/);
  }, 90_000);
});
