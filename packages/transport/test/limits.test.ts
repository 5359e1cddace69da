import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MAX_FRAME_BYTES_LIMIT, resolveLimits, WsEndpoint } from '../src/index.js';
import { identityOf, rejectionOf } from './helpers.js';

describe('resolveLimits', () => {
  it('fills in the defaults and rejects bad values by name', () => {
    expect(resolveLimits({ peerTimeoutMs: 800 })).toEqual({ ...DEFAULT_LIMITS, peerTimeoutMs: 800 });
    expect(() => resolveLimits({ sendHighWaterMark: 0 })).toThrow(/'sendHighWaterMark' must be a positive/);
    expect(() => resolveLimits({ nope: 1 } as never)).toThrow(/unknown transport limit 'nope'/);
  });

  it('keeps maxFrameBytes below 1 GiB, where the WebSocket payload cap would wrap to a negative number', () => {
    expect(MAX_FRAME_BYTES_LIMIT).toBe(2 ** 30);
    expect(resolveLimits({ maxFrameBytes: MAX_FRAME_BYTES_LIMIT - 1 }).maxFrameBytes).toBe(2 ** 30 - 1);
    for (const maxFrameBytes of [2 ** 30, 2 ** 31, 2 ** 40]) {
      let error: { code?: string; details?: Record<string, unknown> } | undefined;
      try {
        resolveLimits({ maxFrameBytes });
      } catch (e) {
        error = e as typeof error;
      }
      expect(error?.code).toBe('INVALID_ARGUMENT');
      expect(error?.details).toMatchObject({ field: 'maxFrameBytes', limit: 2 ** 30 });
    }
  });

  it('an endpoint refuses such a limit before it listens', async () => {
    const identity = await identityOf('alice');
    const e = await rejectionOf(
      WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0, limits: { maxFrameBytes: 2 ** 30 } }),
    );
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details?.field).toBe('maxFrameBytes');
  });
});
