/**
 * Default caps and timeouts of the transport, and their validation. Every
 * resource an untrusted byte stream can make us hold has a cap here.
 */
import { InvalidArgument } from '@parley/interface';
import type { TransportLimits } from './types.js';

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<TransportLimits> = Object.freeze({
  maxFrameBytes: 64 * MiB,
  sendHighWaterMark: 8 * MiB,
  receiveHighWaterMark: 64 * MiB,
  pendingSessionBytes: 16 * MiB,
  unknownSessionGraceMs: 5_000,
  recvTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  peerTimeoutMs: 5_000,
  maxSessions: 10_000,
});

/** Merges `overrides` into the defaults, rejecting non-positive or non-integer values by name. */
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
    limits[key] = value;
  }
  return limits;
}
