/**
 * One JSON request to a node's operator API (packages/node/README.md, "HTTP
 * API") with the bearer token, capped in time and in size. Every failure is a
 * typed error: the server's `{ code, message }` rebuilt as its ParleyError
 * class, 401 as Unauthorized, no answer as NodeUnreachable, a slow one as
 * Timeout, an answer that is not JSON as MalformedFrame. The token is only
 * ever written into the Authorization header: it is kept in a private field,
 * and no message or error detail contains it.
 */
import {
  ConfigError,
  errorFromJSON,
  InvalidArgument,
  LimitExceeded,
  MAX_TIMER_MS,
  MalformedFrame,
  ParleyError,
  Timeout,
} from '@parley/interface';
import { NodeUnreachable, Unauthorized } from './clientErrors.js';

/** A response body larger than this is refused (the node's own request body limit). */
export const MAX_RESPONSE_BYTES = 256 << 20;
/** Default time allowed for one request, answer included. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** A bearer token: visible ASCII, no space (fetch would quote any other character in its error). */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export interface HttpApiOptions {
  /** `http://host:port` of the node's API. */
  url: string;
  token: string;
  /** Named in errors: the file the URL came from (node.run.json, node.json). */
  source?: string;
  /** Named in errors: the file the token came from (node.json). */
  tokenSource?: string;
  requestTimeoutMs?: number;
}

export class HttpApi {
  readonly url: string;
  readonly #token: string;
  readonly #source: string | undefined;
  readonly #tokenSource: string | undefined;
  readonly #timeoutMs: number;

  /** Checks the options (never quoting the token or a password in the URL). */
  constructor(options: HttpApiOptions) {
    const { tokenSource } = options;
    if (typeof options.token !== 'string' || !TOKEN_PATTERN.test(options.token)) {
      const why = 'must be visible ASCII characters with no spaces';
      throw tokenSource
        ? new ConfigError(`${tokenSource}: api.token ${why}`, { file: tokenSource, field: 'api.token' })
        : new InvalidArgument(`connect: token ${why}`, { field: 'token' });
    }
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new InvalidArgument('connect: url is not a URL', { field: 'url' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InvalidArgument('connect: url must be http:// or https://', { field: 'url' });
    if (url.username !== '' || url.password !== '')
      throw new InvalidArgument('connect: url must not hold a user name or password', { field: 'url' });
    const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMER_MS) {
      throw new InvalidArgument(`requestTimeoutMs must be a whole number of ms in 1..${MAX_TIMER_MS}`, {
        field: 'requestTimeoutMs',
      });
    }
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#source = options.source;
    this.#tokenSource = tokenSource;
    this.#timeoutMs = timeout;
  }

  /** Sends one request; resolves with the parsed JSON answer of a 2xx status. */
  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const where = `${method} ${path}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let text: string;
    let status: number;
    try {
      const res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = res.status;
      text = await readCapped(res, where);
    } catch (e) {
      throw this.#failure(e, where);
    }
    if (status === 401) {
      throw new Unauthorized(
        `the node at ${this.url} refused the API token (401)` +
          (this.#tokenSource ? `: check api.token in ${this.#tokenSource}` : ''),
        { status },
      );
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status < 200 || status > 299) throw httpError(status, json, where);
    if (json === undefined) {
      throw new MalformedFrame(`${where}: the node's answer (${status}) is not JSON`, { status });
    }
    // Every answer of the API is an object: null or a bare value would fail later as a raw TypeError.
    if (typeof json !== 'object' || json === null) {
      throw new MalformedFrame(`${where}: the node's answer (${status}) is not a JSON object`, { status });
    }
    return json;
  }

  #failure(e: unknown, where: string): ParleyError {
    if (e instanceof ParleyError) return e;
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return new Timeout(`${where}: no answer from the node at ${this.url} within ${this.#timeoutMs} ms`);
    }
    const why = err.cause?.code ?? err.message;
    const hint = this.#source ? ` (address from ${this.#source}; is the node running?)` : '';
    // The headers hold the token: an error that quotes it is neither repeated nor kept.
    const quotesToken = `${why} ${String(err.cause ?? '')}`.includes(this.#token);
    return new NodeUnreachable(
      `cannot reach the node at ${this.url}: ${quotesToken ? 'the request failed' : why}${hint}`,
      {},
      quotesToken ? undefined : { cause: e },
    );
  }
}

/** The body as text, refusing more than MAX_RESPONSE_BYTES. */
async function readCapped(res: Response, where: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  const tooLarge = () =>
    new LimitExceeded(`${where}: the node's answer exceeds ${MAX_RESPONSE_BYTES} bytes`, {
      limit: MAX_RESPONSE_BYTES,
    });
  if (declared > MAX_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The server's `{ code, message }` as its typed error; unknown codes keep their code. */
function httpError(status: number, json: unknown, where: string): ParleyError {
  const body = (typeof json === 'object' && json !== null ? json : {}) as {
    code?: unknown;
    message?: unknown;
  };
  const fallback = status === 404 ? 'NOT_FOUND' : status >= 500 ? 'INTERNAL' : 'INVALID_REQUEST';
  const code = typeof body.code === 'string' && body.code !== '' ? body.code : fallback;
  const message = typeof body.message === 'string' ? body.message : `${where}: HTTP ${status}`;
  const known = errorFromJSON({ code, message, details: { status } });
  if (known.constructor !== ParleyError) return known;
  return new ParleyError(code, status >= 500 ? 'internal' : 'user', message, { status });
}
