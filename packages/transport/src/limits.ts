/**
 * Default caps and timeouts of the transport, and their validation. Every
 * resource an untrusted byte stream can make us hold has a cap here.
 */
import { InvalidArgument } from '@parley/interface';
import type { TransportLimits } from './types.js';

const MiB = 1024 * 1024;

/**
 * `maxFrameBytes` must stay below this: a frame is one buffer, and `ws` keeps
 * its `maxPayload` (`maxFrameBytes` plus the frame overhead) as a 32-bit
 * integer, so a larger value would wrap and turn the size check off.
 */
export const MAX_FRAME_BYTES_LIMIT = 2 ** 30;

export const DEFAULT_LIMITS: Readonly<TransportLimits> = Object.freeze({
  maxFrameBytes: 64 * MiB,
  sendHighWaterMark: 8 * MiB,
  receiveHighWaterMark: 64 * MiB,
  pendingSessionBytes: 16 * MiB,
  unknownSessionGraceMs: 5_000,
  recvTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  peerTimeoutMs: 5_000,
  writeStallMs: 30_000,
  maxSessions: 10_000,
});

/**
 * Merges `overrides` into the defaults, rejecting non-positive or non-integer
 * values, and a `maxFrameBytes` of `MAX_FRAME_BYTES_LIMIT` or more, by name.
 */
export function resolveLimits(overrides: Partial<TransportLimits> = {}): TransportLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof TransportLimits, unknown][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS))
      throw new InvalidArgument(`unknown transport limit '${key}'`, { field: key });
    const zeroAllowed = key === 'recvTimeoutMs' || key === 'unknownSessionGraceMs';
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1)) {
      throw new InvalidArgument(
        `transport limit '${key}' must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer`,
        {
          field: key,
        },
      );
    }
    if (key === 'maxFrameBytes' && value >= MAX_FRAME_BYTES_LIMIT) {
      throw new InvalidArgument(
        `transport limit 'maxFrameBytes' must be below ${MAX_FRAME_BYTES_LIMIT} (1 GiB)`,
        {
          field: key,
          limit: MAX_FRAME_BYTES_LIMIT,
        },
      );
    }
    limits[key] = value;
  }
  return limits;
}
