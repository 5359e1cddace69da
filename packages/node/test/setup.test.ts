/**
 * Node set-up: init writes a node directory once, or nothing, configs are
 * checked field by field, consortium files join members. A full disk is
 * played by the real file system wrapped so that writing one chosen file fails.
 */
import { type FileHandle, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode, loadConsortium, type ParleyError } from '@parley/interface';
import { loadIdentity } from '@parley/transport';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createConsortium, initNode, loadNodeConfig, loadPolicy, parseNodeConfig } from '../src/index.js';
import { rejection } from './_helpers.js';

/**
 * The file whose writing fails with ENOSPC once it is created, if any: by
 * `open` then the handle's `writeFile`, or by `writeFile` alone, the file is
 * made and then the disk is full.
 */
const diskFullAt = vi.hoisted(() => ({ file: undefined as string | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const diskFull = () =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const open = (async (path: string, ...rest: unknown[]) => {
    const handle = await (fs.open as (...a: unknown[]) => Promise<FileHandle>)(path, ...rest);
    if (String(path) === diskFullAt.file) {
      handle.writeFile = async () => {
        throw diskFull();
      };
    }
    return handle;
  }) as typeof fs.open;
  const writeFile = (async (path: string, data: string, options?: object) => {
    if (String(path) !== diskFullAt.file) return fs.writeFile(path, data, options);
    await fs.writeFile(path, '', options);
    throw diskFull();
  }) as typeof fs.writeFile;
  return { ...fs, open, writeFile };
});

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'parley-setup-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('parley init', () => {
  it('creates identity, config, empty policy and public file; the key and config are private', async () => {
    const dir = join(await tempDir(), 'bankA');
    const r = await initNode({ name: 'bankA', dir, port: 7501, apiPort: 7601 });
    const config = await loadNodeConfig(dir);
    expect(config).toEqual(r.config);
    expect(config.address).toBe('127.0.0.1:7501');
    expect(config.api.token.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dir, 'identity.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'node.json'))).mode & 0o777).toBe(0o600);
    const identity = loadIdentity('bankA', {
      privateKeyPem: await readFile(join(dir, 'identity.key'), 'utf8'),
      certificatePem: await readFile(join(dir, 'identity.crt'), 'utf8'),
    });
    const pub = JSON.parse(await readFile(r.publicFile, 'utf8'));
    expect(pub).toEqual({ name: 'bankA', publicKey: identity.publicKeyHex, address: '127.0.0.1:7501' });
    expect(await loadPolicy(join(dir, 'policy.json'))).toEqual({ version: 1, allow: [] });
    // The public file carries no secret.
    expect(JSON.stringify(pub)).not.toContain(config.api.token);
  });

  it('refuses a directory that is already a node, and a bad name', async () => {
    const dir = await tempDir();
    await initNode({ name: 'bankB', dir });
    const e = await rejection(initNode({ name: 'bankB', dir }));
    expect(hasCode(e, 'CONFIG')).toBe(true);
    expect(e.message).toContain('already a node directory');
    expect(
      hasCode(await rejection(initNode({ name: 'bad name', dir: await tempDir() })), 'INVALID_ARGUMENT'),
    ).toBe(true);
  });

  it('leaves the directory as it found it when a late file cannot be created, so init can run again', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.txt'), 'kept\n');
    // The public file, the last file but node.json, is in the way.
    await writeFile(join(dir, 'bankD.pub.json'), '{}\n');
    const e = await rejection(initNode({ name: 'bankD', dir }));
    expect(hasCode(e, 'CONFIG')).toBe(true);
    expect(e.message).toContain('bankD.pub.json already exists');
    expect((await readdir(dir)).sort()).toEqual(['bankD.pub.json', 'notes.txt']);
    expect(await readFile(join(dir, 'bankD.pub.json'), 'utf8')).toBe('{}\n');
    await rm(join(dir, 'bankD.pub.json'));
    const r = await initNode({ name: 'bankD', dir });
    expect(await loadNodeConfig(dir)).toEqual(r.config);
    expect((await readdir(dir)).sort()).toEqual([
      'bankD.pub.json',
      'identity.crt',
      'identity.key',
      'node.json',
      'notes.txt',
      'policy.json',
    ]);
  });

  it('removes the directories it created when the disk fills up, and nothing above them', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'nodes', 'bankE');
    diskFullAt.file = join(dir, 'bankE.pub.json');
    let e: ParleyError;
    try {
      e = await rejection(initNode({ name: 'bankE', dir }));
    } finally {
      diskFullAt.file = undefined;
    }
    expect(hasCode(e, 'CONFIG')).toBe(true);
    expect(e.message).toBe(`cannot write ${join(dir, 'bankE.pub.json')}: ENOSPC`);
    expect(await readdir(parent)).toEqual([]);
    // A directory that was there before stays, with what it holds; only the one init made goes.
    await mkdir(join(parent, 'nodes'));
    await writeFile(join(parent, 'nodes', 'notes.txt'), 'kept\n');
    diskFullAt.file = join(dir, 'node.json');
    try {
      expect(hasCode(await rejection(initNode({ name: 'bankE', dir })), 'CONFIG')).toBe(true);
    } finally {
      diskFullAt.file = undefined;
    }
    expect(await readdir(join(parent, 'nodes'))).toEqual(['notes.txt']);
    await initNode({ name: 'bankE', dir });
    expect((await readdir(dir)).sort()).toEqual([
      'bankE.pub.json',
      'identity.crt',
      'identity.key',
      'node.json',
      'policy.json',
    ]);
  });

  it('checks the address and ports before it creates the directory, with typed errors', async () => {
    const parent = await tempDir();
    const badAddress = join(parent, 'a');
    expect(
      hasCode(await rejection(initNode({ name: 'bankC', dir: badAddress, address: 'nohost' })), 'CONFIG'),
    ).toBe(true);
    const badApiPort = join(parent, 'b');
    const e = await rejection(initNode({ name: 'bankC', dir: badApiPort, apiPort: 70000 }));
    expect(hasCode(e, 'CONFIG')).toBe(true);
    expect(e.message).toContain('api.port');
    for (const d of [badAddress, badApiPort]) await expect(stat(d)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('node.json', () => {
  it('names the field and what is expected, never the token', async () => {
    const dir = await tempDir();
    const { config } = await initNode({ name: 'bankC', dir });
    const bad = (patch: Record<string, unknown>) => {
      try {
        parseNodeConfig({ ...config, ...patch }, 'node.json');
      } catch (e) {
        return e as ParleyError;
      }
      throw new Error('accepted');
    };
    const port = bad({ api: { ...config.api, port: 'x' } });
    expect(port.details).toMatchObject({ file: 'node.json', field: 'api.port' });
    expect(port.message).toMatch(/^node\.json: api\.port: /);
    expect(port.message).not.toContain(config.api.token);
    expect(bad({ dataSources: { a: { type: 'csv' } } }).details.field).toBe('dataSources.a.path');
    expect(bad({ dataSources: { a: { type: 'excel', path: 'x' } } }).details.field).toBe(
      'dataSources.a.type',
    );
    expect(bad({ address: 'nowhere' }).details.field).toBe('address');
    expect(bad({ extra: 1 }).details.field).toBe('(root)');
    await writeFile(join(dir, 'node.json'), `{"api": {"token": "${config.api.token}"`);
    const e = await rejection(loadNodeConfig(dir));
    expect(e.message).toContain('not valid JSON');
    expect(e.message).not.toContain(config.api.token);
  });
});

describe('parley consortium create', () => {
  it('joins the members in order; repeated members and bad files are named', async () => {
    const root = await tempDir();
    const pubs = [];
    for (const [i, name] of ['bankA', 'bankB', 'bankC'].entries()) {
      pubs.push((await initNode({ name, dir: join(root, name), port: 7700 + i })).publicFile);
    }
    const c = await createConsortium(pubs, 'pilot');
    expect(c.name).toBe('pilot');
    expect(c.parties.map((p) => p.name)).toEqual(['bankA', 'bankB', 'bankC']);
    const file = join(root, 'consortium.json');
    await writeFile(file, JSON.stringify(c));
    expect(await loadConsortium(file)).toEqual(c);
    expect((await rejection(createConsortium([pubs[0], pubs[1], pubs[0]]))).message).toContain('repeats');
    const broken = join(root, 'broken.pub.json');
    await writeFile(broken, JSON.stringify({ name: 'x', publicKey: 'abc', address: '1.2.3.4:5' }));
    const e = await rejection(createConsortium([pubs[0], broken]));
    expect(e.details).toMatchObject({ file: broken, field: 'publicKey' });
  });
});
