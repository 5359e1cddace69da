/**
 * The WebSocket network: one WebSocket over mutual TLS 1.3 per pair of
 * parties, carrying every session between them and the control channel.
 *
 * Who connects: the party whose name sorts lower (JavaScript string order)
 * dials the other, as soon as it joins and again with exponential backoff
 * whenever the connection is down; every party listens. An authenticated
 * connection from a peer replaces any older one from that peer (the peer
 * restarted), which ends the sessions that used the old one.
 *
 * Authentication (wsAuth.ts) happens before any protocol message, on both
 * sides, against the Ed25519 keys of the consortium file; the dialling side
 * is in wsDial.ts. There is no plaintext mode.
 */
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { checkMemberKeys } from '@parley/crypto';
import {
  ConfigError,
  type Consortium,
  ConsortiumIndex,
  hasCode,
  InvalidArgument,
  type ParleyError,
  type PartyName,
  PeerDisconnected,
  parseAddress,
  SessionClosed,
} from '@parley/interface';
import { WebSocket, WebSocketServer } from 'ws';
import { MAX_FRAME_OVERHEAD } from './frame.js';
import type { Identity } from './identity.js';
import { resolveLimits } from './limits.js';
import type { Link, LinkHost } from './link.js';
import { Multiplexer } from './multiplexer.js';
import type {
  ControlChannel,
  Endpoint,
  EndpointListener,
  Session,
  SessionOptions,
  TransportLimits,
} from './types.js';
import {
  HEADER_PARTY,
  refusalForCaller,
  refuseUpgrade,
  TLS_CIPHERS,
  UPGRADE_PATH,
  upgradeRefusal,
} from './wsAuth.js';
import { dialPeer, Redialer, type RetryOptions, type Upgraded } from './wsDial.js';
import { WsLink } from './wsLink.js';

export interface WsEndpointOptions {
  identity: Identity;
  limits?: Partial<TransportLimits>;
  /** Dial backoff: first delay and cap, in ms (defaults 50 and 2000). */
  retry?: RetryOptions;
}

interface LinkWaiter {
  resolve(link: Link): void;
  reject(error: ParleyError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class WsEndpoint implements Endpoint, LinkHost {
  readonly self: PartyName;
  readonly limits: TransportLimits;
  readonly #identity: Identity;
  readonly #retry: RetryOptions | undefined;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<Socket>();
  readonly #links = new Map<PartyName, WsLink>();
  readonly #waiters = new Map<PartyName, Set<LinkWaiter>>();
  readonly #refused = new Map<PartyName, ParleyError>();
  readonly #lastError = new Map<PartyName, string>();
  readonly #redialers = new Map<PartyName, Redialer>();
  readonly #earlyListeners = new Set<EndpointListener>();
  #consortium: ConsortiumIndex | undefined;
  #mux: Multiplexer | undefined;
  #address = '';
  #closed = false;

  private constructor(options: WsEndpointOptions) {
    this.#identity = options.identity;
    this.self = options.identity.name;
    this.limits = resolveLimits(options.limits);
    this.#retry = options.retry;
    this.#server = createServer({
      key: this.#identity.privateKeyPem,
      cert: this.#identity.certificatePem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ciphers: TLS_CIPHERS,
      honorCipherOrder: true,
      handshakeTimeout: this.limits.connectTimeoutMs,
    });
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#server.on('tlsClientError', () => {});
    this.#server.on('request', (_req, res) => {
      res.writeHead(426, { connection: 'close' }).end();
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#onUpgrade(req, socket as TLSSocket, head),
    );
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      maxPayload: this.#maxPayload(),
    });
  }

  /** Creates an endpoint listening on `host:port` (port 0: the OS chooses). Call `join` next. */
  static async listen(options: WsEndpointOptions & { host: string; port: number }): Promise<WsEndpoint> {
    const ep = new WsEndpoint(options);
    await new Promise<void>((resolve, reject) => {
      ep.#server.once('error', reject);
      ep.#server.listen(options.port, options.host, () => {
        ep.#server.off('error', reject);
        resolve();
      });
    });
    const a = ep.#server.address();
    if (a === null || typeof a === 'string') throw new ConfigError('server has no TCP address');
    ep.#address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    return ep;
  }

  /** The address this endpoint listens on, `host:port`. */
  get address(): string {
    return this.#address;
  }

  get parties(): readonly PartyName[] {
    return this.#consortium?.names ?? [];
  }

  /** Binds the endpoint to `consortium` and starts dialling the peers it dials. */
  join(file: Consortium): void {
    if (this.#consortium) throw new ConfigError(`'${this.self}' has already joined a consortium`);
    const consortium = new ConsortiumIndex(file);
    checkMemberKeys(consortium.consortium);
    const entry = consortium.party(this.self);
    if (!entry)
      throw new ConfigError(`'${this.self}' is not a party of the consortium`, { party: this.self });
    if (entry.publicKey !== this.#identity.publicKeyHex) {
      throw new ConfigError(`the consortium lists a different public key for '${this.self}'`, {
        party: this.self,
        field: 'publicKey',
      });
    }
    this.#consortium = consortium;
    this.#mux = new Multiplexer(this.self, consortium.names, this.limits, this);
    for (const l of this.#earlyListeners) this.#mux.onEvent(l);
    this.#earlyListeners.clear();
    for (const peer of consortium.names) {
      if (!this.#dials(peer)) continue;
      const redialer = new Redialer(
        () => this.#connect(peer),
        (up) => this.#adopt(peer, up),
        (error) => this.#dialFailed(peer, error),
        this.#retry,
      );
      this.#redialers.set(peer, redialer);
      redialer.now();
    }
  }

  #dials(peer: PartyName): boolean {
    return this.self < peer;
  }

  /**
   * The largest WebSocket message `ws` reads before closing the connection
   * (1009): a frame up to this size is read and, if over `maxFrameBytes`, ends
   * only its session; a larger one is never buffered. `resolveLimits` keeps
   * it below 2^31, which `ws` needs (it stores `maxPayload | 0`).
   */
  #maxPayload(): number {
    return this.limits.maxFrameBytes + MAX_FRAME_OVERHEAD;
  }

  #requireMux(): Multiplexer {
    if (!this.#mux) throw new ConfigError(`'${this.self}' has not joined a consortium`);
    return this.#mux;
  }

  get control(): ControlChannel {
    return this.#requireMux().control;
  }

  openSession(id: string, parties: readonly PartyName[], options?: SessionOptions): Promise<Session> {
    try {
      return this.#requireMux().openSession(id, parties, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  onEvent(listener: EndpointListener): () => void {
    if (this.#mux) return this.#mux.onEvent(listener);
    this.#earlyListeners.add(listener);
    return () => {
      this.#earlyListeners.delete(listener);
    };
  }

  #emitRefused(peer: PartyName | undefined, error: ParleyError): void {
    this.#mux?.emit({ type: 'peer-refused', peer, error });
  }

  currentLink(peer: PartyName): Link | undefined {
    const link = this.#links.get(peer);
    return link?.open ? link : undefined;
  }

  awaitLink(peer: PartyName, timeoutMs: number): Promise<Link> {
    const link = this.currentLink(peer);
    if (link) return Promise.resolve(link);
    if (this.#closed) return Promise.reject(new SessionClosed(`endpoint '${this.self}' is closed`));
    const entry = this.#consortium?.party(peer);
    if (!entry || peer === this.self)
      return Promise.reject(new InvalidArgument(`unknown peer '${peer}'`, { party: peer }));
    const refused = this.#refused.get(peer);
    if (refused) return Promise.reject(refused);
    this.#redialers.get(peer)?.now();
    return new Promise<Link>((resolve, reject) => {
      let set = this.#waiters.get(peer);
      if (!set) {
        set = new Set();
        this.#waiters.set(peer, set);
      }
      const waiters = set;
      const waiter: LinkWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          const last = this.#lastError.get(peer);
          const how = this.#dials(peer)
            ? `could not connect to '${peer}' at ${entry.address}`
            : `'${peer}' did not connect`;
          reject(
            new PeerDisconnected(`${how} within ${timeoutMs} ms${last ? ` (last error: ${last})` : ''}`, {
              party: peer,
              address: entry.address,
            }),
          );
        }, timeoutMs),
      };
      waiters.add(waiter);
    });
  }

  #settleWaiters(peer: PartyName, link: Link | undefined, error?: ParleyError): void {
    const set = this.#waiters.get(peer);
    if (!set) return;
    this.#waiters.delete(peer);
    for (const w of set) {
      clearTimeout(w.timer);
      if (link) w.resolve(link);
      else w.reject(error!);
    }
  }

  #dialFailed(peer: PartyName, error: ParleyError): void {
    this.#lastError.set(peer, error.message);
    if (hasCode(error, 'PEER_NOT_AUTHORIZED')) {
      this.#refused.set(peer, error);
      this.#emitRefused(peer, error);
      this.#settleWaiters(peer, undefined, error);
    } else {
      this.#refused.delete(peer);
    }
  }

  #connect(peer: PartyName): Promise<Upgraded> {
    return dialPeer({
      identity: this.#identity,
      consortium: this.#consortium!,
      peer,
      connectTimeoutMs: this.limits.connectTimeoutMs,
      maxPayload: this.#maxPayload(),
      track: (socket) => {
        this.#sockets.add(socket);
        socket.once('close', () => this.#sockets.delete(socket));
      },
    });
  }

  #onUpgrade(req: IncomingMessage, socket: TLSSocket, head: Buffer): void {
    socket.on('error', () => {});
    if (this.#closed || !this.#consortium) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    if (req.url !== UPGRADE_PATH) {
      refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    const error = upgradeRefusal(this.#consortium, this.self, req, socket);
    if (error) {
      const claimed = error.details.party;
      this.#emitRefused(typeof claimed === 'string' ? claimed : undefined, error);
      refuseUpgrade(socket, 403, 'Forbidden', refusalForCaller(this.#consortium, req, socket, error));
      return;
    }
    const peer = req.headers[HEADER_PARTY] as PartyName;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.#closed) {
        ws.terminate();
        return;
      }
      this.#adopt(peer, { ws, early: [], release: () => {} });
    });
  }

  #adopt(peer: PartyName, up: Upgraded): void {
    const mux = this.#mux!;
    if (this.#closed || up.ws.readyState !== WebSocket.OPEN) {
      up.ws.terminate();
      if (!this.#closed) this.#redialers.get(peer)?.later();
      return;
    }
    const old = this.#links.get(peer);
    const link = new WsLink(up.ws, peer, mux, this.limits, (l, error) => this.#linkDown(l, error));
    up.release();
    this.#links.set(peer, link);
    mux.linkUp(link);
    for (const [data, isBinary] of up.early) link.receive(data, isBinary);
    if (old) void old.close('replaced by a new connection');
    this.#refused.delete(peer);
    this.#lastError.delete(peer);
    mux.emit({ type: 'link-up', peer });
    this.#settleWaiters(peer, link);
  }

  #linkDown(link: WsLink, error: ParleyError): void {
    if (this.#links.get(link.peer) === link) this.#links.delete(link.peer);
    this.#mux!.linkDown(link, error);
    if (!this.#closed && !this.currentLink(link.peer)) this.#redialers.get(link.peer)?.later();
  }

  /** Ends every session (`SessionClosed`, told to peers), closes every connection, the server and all timers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#mux?.close();
    this.#closed = true;
    for (const r of this.#redialers.values()) r.stop();
    for (const peer of [...this.#waiters.keys()]) {
      this.#settleWaiters(
        peer,
        undefined,
        new SessionClosed(`endpoint '${this.self}' is closed`, { party: peer }),
      );
    }
    await Promise.all([...this.#links.values()].map((l) => l.close('endpoint closed')));
    this.#wss.close();
    const serverClosed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await serverClosed;
  }
}

/** Listens on the address the consortium lists for `identity` (or `host`/`port` if given) and joins. */
export async function startWsEndpoint(
  options: WsEndpointOptions & { consortium: Consortium; host?: string; port?: number },
): Promise<WsEndpoint> {
  const entry = options.consortium.parties.find((p) => p.name === options.identity.name);
  if (!entry) throw new ConfigError(`'${options.identity.name}' is not a party of the consortium`);
  const listed = parseAddress(entry.address);
  const ep = await WsEndpoint.listen({
    ...options,
    host: options.host ?? listed.host,
    port: options.port ?? listed.port,
  });
  try {
    ep.join(options.consortium);
  } catch (e) {
    await ep.close();
    throw e;
  }
  return ep;
}
