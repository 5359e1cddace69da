/**
 * @parley/ot: oblivious transfer for Parley (semi-honest). Base OT over
 * Ristretto255 (Chou–Orlandi), IKNP OT extension giving correlated, random and
 * chosen-message OT as streams of batches, and the TCCR fixed-key-AES hash
 * shared with the garbled engine.
 */

export {
  DEFAULT_CHUNK_ROWS,
  iknpWorkspaceBytes,
  KAPPA,
  MAX_OTS_PER_CALL,
  type RowConsumer,
} from './_session.js';
export { type MemoryChannelOptions, MemoryOtChannel, memoryChannelPair, type OtChannel } from './channel.js';
export {
  type BaseOtOptions,
  chouOrlandiReceive,
  chouOrlandiSend,
  MAX_BASE_OTS,
  POINT_BYTES,
} from './chouOrlandi.js';
export { duplexOtChannel } from './duplex.js';
export { IknpReceiver, type IknpReceiverOptions } from './iknpReceiver.js';
export { IknpSender, type IknpSenderOptions } from './iknpSender.js';
export { messagePortChannel } from './messagePortChannel.js';
export { softSpokenWorkspaceBytes } from './softSpoken.js';
export { SoftSpokenReceiver, type SoftSpokenReceiverOptions } from './softSpokenReceiver.js';
export { SoftSpokenSender, type SoftSpokenSenderOptions } from './softSpokenSender.js';
export {
  FIXED_AES_KEY,
  FixedKeyAes,
  OT_TWEAK_DOMAIN,
  TCCR_PIECE_BLOCKS,
  TccrHash,
  tccrHash,
} from './tccr.js';
