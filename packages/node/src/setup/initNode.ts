/**
 * `parley init`: a new node directory. It holds the node's Ed25519 identity
 * (private key, readable by the owner only, and a self-signed certificate),
 * its configuration (node.json, owner only: it holds the API token), an empty
 * policy that allows nothing, and the public identity file NAME.pub.json that
 * the operator sends to the other members (`parley consortium create`).
 * All or nothing: when a file cannot be written, what this call made (files,
 * and directories it created that are still empty) is removed again, so that
 * init can simply be run again; nothing that was there before is touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ConfigError, InvalidArgument, PARTY_NAME_PATTERN, parseAddress } from '@parley/interface';
import { createIdentity } from '@parley/transport';
import { NODE_CONFIG_FILE, type NodeConfig, parseNodeConfig } from './nodeConfig.js';
import { EMPTY_POLICY, POLICY_FILE } from './policyFile.js';
import { type PublicIdentity, publicIdentityFileName } from './publicIdentity.js';

export interface InitOptions {
  name: string;
  dir: string;
  /** Party-to-party listener (default 127.0.0.1:7443). */
  host?: string;
  port?: number;
  /** What the consortium lists for this node (default host:port). */
  address?: string;
  /** Operator API (default 127.0.0.1:7480). */
  apiHost?: string;
  apiPort?: number;
}

export interface InitResult {
  dir: string;
  config: NodeConfig;
  /** Path of NAME.pub.json. */
  publicFile: string;
  identity: PublicIdentity;
}

export async function initNode(options: InitOptions): Promise<InitResult> {
  const { name } = options;
  if (!PARTY_NAME_PATTERN.test(name)) {
    throw new InvalidArgument(
      `--name '${name}': 1 to 64 letters, digits, _ . - (starting with a letter or digit)`,
      {
        field: 'name',
      },
    );
  }
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 7443;
  const address = options.address ?? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  parseAddress(address, '--address');
  // Everything is checked before the directory is touched.
  const dir = resolve(options.dir);
  const config = parseNodeConfig(
    {
      version: 1,
      name,
      listen: { host, port },
      address,
      api: {
        host: options.apiHost ?? '127.0.0.1',
        port: options.apiPort ?? 7480,
        token: randomBytes(32).toString('base64url'),
      },
      identity: { key: 'identity.key', certificate: 'identity.crt' },
    },
    join(dir, NODE_CONFIG_FILE),
  );
  /** What this call made: the first directory it created (its parent existed), and the files. */
  let newDir: string | undefined;
  const newFiles: string[] = [];
  try {
    let existing: string[];
    try {
      newDir = await mkdir(dir, { recursive: true });
      existing = await readdir(dir);
    } catch (e) {
      throw new ConfigError(`--dir ${dir} cannot be a node directory: ${fsReason(e)}`, {
        field: 'dir',
        file: dir,
      });
    }
    if (existing.includes(NODE_CONFIG_FILE)) {
      throw new ConfigError(`${dir} is already a node directory (it has ${NODE_CONFIG_FILE})`, {
        file: join(dir, NODE_CONFIG_FILE),
      });
    }
    const identity = await createIdentity(name);
    const pub: PublicIdentity = { name, publicKey: identity.publicKeyHex, address };
    const publicFile = join(dir, publicIdentityFileName(name));
    // Exclusive creation: nothing of an existing node is ever overwritten.
    const create = async (file: string, text: string, mode = 0o644) => {
      try {
        const handle = await open(file, 'wx', mode);
        newFiles.push(file);
        try {
          await handle.writeFile(text);
        } finally {
          await handle.close();
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new ConfigError(`cannot write ${file}: ${fsReason(e)}`, { file });
        throw new ConfigError(`${file} already exists: init writes only to a new node directory`, { file });
      }
    };
    await create(join(dir, config.identity.key), identity.privateKeyPem, 0o600);
    await create(join(dir, config.identity.certificate), identity.certificatePem);
    await create(join(dir, POLICY_FILE), `${JSON.stringify(EMPTY_POLICY, null, 2)}\n`);
    await create(publicFile, `${JSON.stringify(pub, null, 2)}\n`);
    await create(join(dir, NODE_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, 0o600);
    return { dir, config, publicFile, identity: pub };
  } catch (e) {
    await undoInit(dir, newDir, newFiles);
    throw e;
  }
}

/**
 * Removes `files`, then `dir` and its parents up to `newDir` (the first
 * directory init created), innermost first, each only while it is empty.
 * Best effort: the error that stopped init is the one to report.
 */
async function undoInit(dir: string, newDir: string | undefined, files: readonly string[]): Promise<void> {
  for (const file of files) await unlink(file).catch(() => {});
  if (newDir === undefined) return;
  for (let d = dir; d === newDir || d.startsWith(`${newDir}${sep}`); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      // Not empty: what someone else put there stays, and so do the directories holding it.
      return;
    }
  }
}

/** What went wrong with a file operation, in words (node's code when it has one). */
function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOTDIR') return 'a part of the path is a file';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') return 'it exists and is not a directory';
  return err.code ?? err.message;
}
