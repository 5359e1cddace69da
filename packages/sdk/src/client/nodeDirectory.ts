/**
 * Finds a node's API from its directory: the address from `node.run.json`
 * (written by a running node: `{ pid, api: "http://127.0.0.1:PORT",
 * startedAt }`), or else from `node.json`'s `api.host` and `api.port`; the
 * token always from `node.json`'s `api.token`. Errors name the file and the
 * field, never a value, and never quote the file (node.json holds the token).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, NotFound } from '@parley/interface';

export const NODE_CONFIG_FILE = 'node.json';
export const NODE_RUN_FILE = 'node.run.json';
/** node.json and node.run.json are small; a larger file is refused before it is read. */
const MAX_FILE_BYTES = 1 << 20;

export interface NodeApi {
  /** `http://host:port`, no trailing slash. */
  url: string;
  token: string;
  /** The file the URL came from. */
  source: string;
  /** The file the token came from. */
  tokenSource: string;
}

type Json = Record<string, unknown>;

function readJsonFile(file: string, missing: string): Json {
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) {
      throw new ConfigError(`${file}: larger than ${MAX_FILE_BYTES} bytes`, { file });
    }
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFound(`${file} does not exist${missing}`, { file });
    throw new ConfigError(`cannot read ${file} (${code ?? 'error'})`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text around the fault, which could be the token.
    throw new ConfigError(`${file}: not valid JSON`, { file });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`${file}: expected a JSON object`, { file });
  }
  return json as Json;
}

/** A listening host as one to connect to: the wildcard addresses mean this machine. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The URL and token of the node whose directory is `dir`. */
export function resolveNodeApi(dir: string): NodeApi {
  const configFile = join(dir, NODE_CONFIG_FILE);
  const runFile = join(dir, NODE_RUN_FILE);
  const config = readJsonFile(configFile, ` (is ${dir} a node directory? \`parley init\` creates one)`);
  const api = config.api as Json | undefined;
  if (typeof api !== 'object' || api === null) {
    throw new ConfigError(`${configFile}: api is missing`, { file: configFile, field: 'api' });
  }
  if (typeof api.token !== 'string' || api.token === '') {
    throw new ConfigError(`${configFile}: api.token is missing or not a string`, {
      file: configFile,
      field: 'api.token',
    });
  }
  const token = api.token;

  let run: Json | undefined;
  try {
    run = readJsonFile(runFile, '');
  } catch (e) {
    if (!(e instanceof NotFound)) throw e;
  }
  if (run !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof run.api === 'string' ? new URL(run.api) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError(`${runFile}: api is not an http:// URL`, { file: runFile, field: 'api' });
    }
    return { url: url.origin, token, source: runFile, tokenSource: configFile };
  }

  const { host, port } = api;
  if (typeof host !== 'string') {
    throw new ConfigError(`${configFile}: api.host is missing`, { file: configFile, field: 'api.host' });
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${configFile}: api.port is not a port number`, {
      file: configFile,
      field: 'api.port',
    });
  }
  if (port === 0) {
    throw new NotFound(
      `${runFile} does not exist and ${configFile} leaves api.port to the OS: is the node running? ` +
        `(parley node start --node ${dir})`,
      { file: runFile },
    );
  }
  return { url: `http://${urlHost(host)}:${port}`, token, source: configFile, tokenSource: configFile };
}
