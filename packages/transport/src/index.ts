/**
 * @parley/transport: authenticated channels between Parley parties.
 *
 * - `MemoryNetwork`: every party in one process, optionally shaped like a WAN.
 * - `WsEndpoint` / `startWsEndpoint`: WebSocket over mutual TLS 1.3, pinned to
 *   the Ed25519 keys of the consortium file.
 * - `ReceiveQueue`: mpc-framework's `handleMessage` turned into `await recv(from)`.
 * - Identities (`createIdentity`, `loadIdentity`) and consortium files
 *   (`parseConsortium`, `loadConsortium`).
 * - The frame format (`encodeFrame`, `decodeFrame`), for tools and tests.
 */
export {
  ConsortiumIndex,
  loadConsortium,
  MAX_PARTIES,
  PARTY_NAME_PATTERN,
  parseAddress,
  parseConsortium,
} from '@parley/interface';
export {
  type DecodedFrame,
  decodeFrame,
  encodeFrame,
  FRAME_MAGIC,
  FRAME_VERSION,
  type FrameHeader,
  FrameKind,
  MAX_FRAME_OVERHEAD,
  MAX_HEADER_BYTES,
  SESSION_ID_PATTERN,
} from './frame.js';
export {
  type CreateIdentityOptions,
  certificatePublicKey,
  createIdentity,
  Identity,
  identitySecretKey,
  loadIdentity,
} from './identity.js';
export { DEFAULT_LIMITS, MAX_FRAME_BYTES_LIMIT, resolveLimits } from './limits.js';
export { type LinkShaping, MemoryNetwork, type MemoryNetworkOptions } from './memoryNetwork.js';
export { ReceiveQueue, type ReceiveQueueOptions } from './receiveQueue.js';
export type {
  ControlChannel,
  Endpoint,
  EndpointEvent,
  EndpointListener,
  MessageHandler,
  PeerStats,
  RecvOptions,
  Session,
  SessionOptions,
  SessionStats,
  TransportLimits,
} from './types.js';
export { TLS_CIPHERS } from './wsAuth.js';
export { startWsEndpoint, WsEndpoint, type WsEndpointOptions } from './wsNetwork.js';
