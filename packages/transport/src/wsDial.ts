/**
 * The dialling side of a WebSocket connection: TLS 1.3 to the peer's
 * consortium address with this party's certificate, the check of the peer's
 * certificate key (nothing is sent before it passes), then the WebSocket
 * upgrade naming this party. Frames that arrive between the upgrade and the
 * moment the link takes over are kept, in order. `Redialer` retries with
 * backoff.
 */
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import {
  type ConsortiumIndex,
  ParleyError,
  type PartyName,
  PeerDisconnected,
  parseAddress,
} from '@parley/interface';
import { WebSocket } from 'ws';
import type { Identity } from './identity.js';
import {
  HEADER_ERROR,
  HEADER_PARTY,
  HEADER_PEER,
  peerKeyError,
  refusalFromResponse,
  TLS_CIPHERS,
  UPGRADE_PATH,
} from './wsAuth.js';

/** A WebSocket that just opened, with the frames that arrived before its link took over. */
export interface Upgraded {
  ws: WebSocket;
  early: Array<[Buffer, boolean]>;
  /** Stops keeping early frames (call once the link listens). */
  release(): void;
}

export interface DialOptions {
  identity: Identity;
  consortium: ConsortiumIndex;
  peer: PartyName;
  connectTimeoutMs: number;
  maxPayload: number;
  /** Called with the socket as soon as it exists, so that the endpoint can destroy it on close. */
  track(socket: TLSSocket): void;
}

/** Client masking needs no randomness here: TLS already hides the payload (RFC 6455 §10.3 guards proxies). */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** Connects to `peer`, authenticates it, and upgrades; rejects with `PeerNotAuthorized` or `PeerDisconnected`. */
export async function dialPeer(options: DialOptions): Promise<Upgraded> {
  const { identity, peer } = options;
  const address = options.consortium.party(peer)!.address;
  const { host, port } = parseAddress(address);
  const socket = tlsConnect({
    host,
    port,
    key: identity.privateKeyPem,
    cert: identity.certificatePem,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    ciphers: TLS_CIPHERS,
    ALPNProtocols: ['http/1.1'],
  });
  options.track(socket);
  let onError: (e: Error) => void = () => {};
  let onClose: () => void = () => {};
  const timer = setTimeout(
    () => socket.destroy(new Error('TLS handshake timed out')),
    options.connectTimeoutMs,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      onError = reject;
      onClose = () => reject(new Error('connection closed during the TLS handshake'));
      socket.once('secureConnect', resolve);
      socket.on('error', onError);
      socket.on('close', onClose);
    });
  } catch (e) {
    socket.destroy();
    throw new PeerDisconnected(`TLS to '${peer}' at ${address} failed: ${(e as Error).message}`, {
      party: peer,
      address,
    });
  } finally {
    clearTimeout(timer);
    socket.off('error', onError);
    socket.off('close', onClose);
  }
  socket.on('error', () => {});
  const mismatch = peerKeyError(options.consortium, peer, socket, `'${peer}' at ${address}`);
  if (mismatch) {
    socket.destroy();
    throw mismatch;
  }
  return upgrade(options, address, socket);
}

function upgrade(options: DialOptions, address: string, socket: TLSSocket): Promise<Upgraded> {
  const { peer } = options;
  const ws = new WebSocket(`wss://${address}${UPGRADE_PATH}`, {
    createConnection: () => socket,
    perMessageDeflate: false,
    maxPayload: options.maxPayload,
    headers: { [HEADER_PARTY]: options.identity.name, [HEADER_PEER]: peer },
    generateMask: zeroMask,
    handshakeTimeout: options.connectTimeoutMs,
    followRedirects: false,
  });
  return new Promise<Upgraded>((resolve, reject) => {
    const fail = (error: ParleyError): void => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      socket.destroy();
      reject(error);
    };
    ws.once('open', () => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      const early: Array<[Buffer, boolean]> = [];
      const hold = (data: Buffer, isBinary: boolean): void => {
        early.push([data, isBinary]);
      };
      ws.on('message', hold);
      resolve({ ws, early, release: () => ws.off('message', hold) });
    });
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      fail(refusalFromResponse(peer, res.statusCode, res.headers[HEADER_ERROR]));
    });
    ws.once('error', (err: Error) => {
      fail(new PeerDisconnected(`WebSocket upgrade to '${peer}' failed: ${err.message}`, { party: peer }));
    });
  });
}

export interface RetryOptions {
  /** First delay after a failure, in ms (default 50). */
  initialDelayMs?: number;
  /** Cap of the delay, in ms (default 2000). */
  maxDelayMs?: number;
}

/**
 * Keeps trying to connect to one peer: `now()` dials at once, `later()` after
 * an exponential backoff with jitter (doubling from `initialDelayMs` up to
 * `maxDelayMs`); a failed dial schedules the next one. Reset by a success.
 */
export class Redialer {
  readonly #dial: () => Promise<Upgraded>;
  readonly #onConnected: (up: Upgraded) => void;
  readonly #onFailed: (error: ParleyError) => void;
  readonly #initial: number;
  readonly #max: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempts = 0;
  #dialing = false;
  #stopped = false;

  constructor(
    dial: () => Promise<Upgraded>,
    onConnected: (up: Upgraded) => void,
    onFailed: (error: ParleyError) => void,
    retry: RetryOptions = {},
  ) {
    this.#dial = dial;
    this.#onConnected = onConnected;
    this.#onFailed = onFailed;
    this.#initial = retry.initialDelayMs ?? 50;
    this.#max = retry.maxDelayMs ?? 2_000;
  }

  get dialing(): boolean {
    return this.#dialing;
  }

  /** Dials now unless a dial is under way (cancelling a scheduled one). */
  now(): void {
    if (this.#stopped || this.#dialing) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dialing = true;
    this.#dial().then(
      (up) => {
        this.#dialing = false;
        this.#attempts = 0;
        if (this.#stopped) up.ws.terminate();
        else this.#onConnected(up);
      },
      (e: unknown) => {
        this.#dialing = false;
        if (this.#stopped) return;
        const error = e instanceof ParleyError ? e : new PeerDisconnected(String((e as Error)?.message ?? e));
        this.#onFailed(error);
        this.later();
      },
    );
  }

  /** Dials after the next backoff delay (once; a scheduled or running dial stands). */
  later(): void {
    if (this.#stopped || this.#dialing || this.#timer) return;
    const base = Math.min(this.#max, this.#initial * 2 ** Math.min(this.#attempts++, 20));
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.now();
      },
      base / 2 + Math.random() * (base / 2),
    );
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
