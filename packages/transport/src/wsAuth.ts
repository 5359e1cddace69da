/**
 * Authentication of WebSocket connections against the consortium's Ed25519
 * keys, on both ends, before any protocol message:
 *
 * - the dialler, right after the TLS 1.3 handshake and before sending a byte,
 *   checks that the server certificate carries the key the consortium lists
 *   for the party it dialled (`peerKeyError`);
 * - the listener, before accepting the WebSocket upgrade, checks that the
 *   client certificate carries the key listed for the party the client names
 *   in its upgrade request (`upgradeRefusal`), and otherwise answers HTTP 403
 *   carrying the `PeerNotAuthorized` error (`refuseUpgrade`): the whole
 *   reason for a member's key, and for any other key only that it is not
 *   listed (`refusalForCaller`), which the dialler turns back into an error
 *   (`refusalFromResponse`).
 *
 * TLS 1.3 proves that each side holds the private key of its certificate
 * (CertificateVerify); certificates are self-signed and trusted only through
 * their keys.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { toHex } from '@parley/crypto';
import type { ConsortiumIndex } from '@parley/interface';
import { type ParleyError, type PartyName, PeerDisconnected, PeerNotAuthorized } from '@parley/interface';
import { certificatePublicKey } from './identity.js';

/** TLS 1.3 only; AES-128-GCM first (fastest with AES-NI), then AES-256-GCM and ChaCha20-Poly1305. */
export const TLS_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
export const UPGRADE_PATH = '/parley/v1';
/** Upgrade request: the name the dialler claims, and the party it means to reach. */
export const HEADER_PARTY = 'x-parley-party';
export const HEADER_PEER = 'x-parley-peer';
/** Refusal response: the `PeerNotAuthorized` error as URI-encoded JSON. */
export const HEADER_ERROR = 'x-parley-error';
/** Cap on the refusal text taken from a peer. */
const MAX_REFUSAL_CHARS = 500;

/** A short, readable fingerprint of a hex key for error messages. */
export function fingerprint(hex: string): string {
  return `${hex.slice(0, 16)}…`;
}

/**
 * The error for a peer certificate that does not carry the consortium key of
 * `claimed` (undefined when it does), naming what was presented and, if the
 * key belongs to another member, whose it is.
 */
export function peerKeyError(
  consortium: ConsortiumIndex,
  claimed: PartyName,
  socket: TLSSocket,
  who: string,
): ParleyError | undefined {
  const entry = consortium.party(claimed);
  const cert = socket.getPeerCertificate(true);
  if (!cert?.raw) return new PeerNotAuthorized(`${who} presented no certificate`, { party: claimed });
  let presented: string;
  try {
    presented = toHex(certificatePublicKey(cert.raw));
  } catch (e) {
    return new PeerNotAuthorized(`${who} presented an unusable certificate: ${(e as Error).message}`, {
      party: claimed,
    });
  }
  const owner = consortium.partyByPublicKey(presented);
  if (!entry) {
    return new PeerNotAuthorized(
      `${who}: no party '${claimed}' in the consortium${owner ? ` (the key is that of '${owner.name}')` : ''}`,
      { party: claimed, presentedKey: fingerprint(presented) },
    );
  }
  if (entry.publicKey === presented) return undefined;
  const whose = owner ? `the key of '${owner.name}'` : 'a key not in the consortium';
  return new PeerNotAuthorized(
    `${who} presented certificate key ${fingerprint(presented)} (${whose}), but the consortium lists ${fingerprint(entry.publicKey)} for '${claimed}'`,
    { party: claimed, presentedKey: fingerprint(presented), expectedKey: fingerprint(entry.publicKey) },
  );
}

/** Why the listener `self` must refuse this upgrade request, or undefined to accept it. */
export function upgradeRefusal(
  consortium: ConsortiumIndex,
  self: PartyName,
  req: IncomingMessage,
  socket: TLSSocket,
): ParleyError | undefined {
  const claimed = req.headers[HEADER_PARTY];
  const target = req.headers[HEADER_PEER];
  if (typeof claimed !== 'string' || claimed.length === 0 || claimed.length > 64) {
    return new PeerNotAuthorized('refused a connection that does not name its party', {});
  }
  if (target !== self) {
    // The asked-for name is the caller's text, not yet authenticated: quoted short.
    const asked = String(target).slice(0, 64);
    return new PeerNotAuthorized(`refused '${claimed}': it asked for '${asked}', this is '${self}'`, {
      party: claimed,
    });
  }
  if (claimed === self) {
    return new PeerNotAuthorized(`refused a connection claiming to be this party '${self}'`, {
      party: claimed,
    });
  }
  return peerKeyError(consortium, claimed, socket, `connection claiming to be '${claimed}'`);
}

/**
 * What the caller of a refused upgrade is told: the listener's whole reason
 * when the caller's certificate carries a member's key (members know the
 * consortium), and otherwise only that its key is not listed. A stranger's
 * probe learns no member's name or key; the listener's own event keeps the
 * whole reason.
 */
export function refusalForCaller(
  consortium: ConsortiumIndex,
  req: IncomingMessage,
  socket: TLSSocket,
  error: ParleyError,
): ParleyError {
  const raw = socket.getPeerCertificate(true)?.raw;
  let member = false;
  if (raw) {
    try {
      member = consortium.partyByPublicKey(toHex(certificatePublicKey(raw))) !== undefined;
    } catch {
      member = false;
    }
  }
  if (member) return error;
  const claimed = req.headers[HEADER_PARTY];
  const who =
    typeof claimed === 'string' && claimed.length > 0 ? `'${claimed.slice(0, 64)}'` : 'a connection';
  return new PeerNotAuthorized(`refused ${who}: its certificate key is not in the consortium`, {
    party: typeof claimed === 'string' ? claimed.slice(0, 64) : '',
  });
}

/** Answers an upgrade request with `status` (and the error, for 403) and closes the socket. */
export function refuseUpgrade(socket: Socket, status: number, text: string, error?: ParleyError): void {
  const header = error ? `${HEADER_ERROR}: ${encodeURIComponent(JSON.stringify(error.toJSON()))}\r\n` : '';
  socket.end(`HTTP/1.1 ${status} ${text}\r\n${header}connection: close\r\ncontent-length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), 100).unref();
}

/**
 * The dialler's error for a non-101 answer from `peer`: 403 is a refusal of
 * our identity (`PeerNotAuthorized`, with the listener's explanation); any
 * other status (503 while the peer has not joined yet) is transient.
 */
export function refusalFromResponse(
  peer: PartyName,
  status: number | undefined,
  header: string | string[] | undefined,
): ParleyError {
  if (status !== 403) {
    return new PeerDisconnected(`'${peer}' answered the upgrade with HTTP ${status}`, { party: peer });
  }
  if (typeof header === 'string') {
    try {
      const json = JSON.parse(decodeURIComponent(header)) as { message?: unknown; details?: unknown };
      const details = typeof json.details === 'object' && json.details !== null ? json.details : {};
      const why = String(json.message).slice(0, MAX_REFUSAL_CHARS);
      return new PeerNotAuthorized(`'${peer}' refused the connection: ${why}`, { ...details, party: peer });
    } catch {
      // Fall through to the refusal without the peer's explanation.
    }
  }
  return new PeerNotAuthorized(`'${peer}' refused the connection`, { party: peer });
}
