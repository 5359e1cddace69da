/**
 * The messages nodes exchange about a job on the transport's control
 * channel, msgpack-encoded: the proposal (the computation as program bytes,
 * parley-program-v1) and each party's decision. Decoding checks every field
 * and throws ProtocolViolation naming it; a message is from the party the
 * transport authenticated, never from a name it carries.
 */
import { ProtocolViolation } from '@parley/interface';
import { Packr } from 'msgpackr';

export const JOB_PROTOCOLS = ['auto', 'garbled', 'sharing', 'replicated'] as const;
export type JobProtocol = (typeof JOB_PROTOCOLS)[number];

export type JobMessage =
  | {
      t: 'propose';
      job: string;
      name: string;
      protocol: JobProtocol;
      computationId: string;
      program: Uint8Array;
    }
  | { t: 'decision'; job: string; approved: boolean; reason?: string };

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
export const JOB_ID_PATTERN = /^[0-9a-f]{32}$/;
const MAX_REASON = 1000;

export function encodeJobMessage(m: JobMessage): Uint8Array {
  return packr.pack(m);
}

export function decodeJobMessage(bytes: Uint8Array, from: string): JobMessage {
  const bad = (field: string, why: string): never => {
    throw new ProtocolViolation(`job message from ${from}: ${field} ${why}`, { party: from, field });
  };
  let m: unknown;
  try {
    m = packr.unpack(bytes);
  } catch {
    bad('(message)', 'is not msgpack');
  }
  if (typeof m !== 'object' || m === null) bad('(message)', 'is not a map');
  const o = m as Record<string, unknown>;
  if (typeof o.job !== 'string' || !JOB_ID_PATTERN.test(o.job)) bad('job', 'is not a job id');
  if (o.t === 'propose') {
    if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 200)
      bad('name', 'is not a name');
    if (!(JOB_PROTOCOLS as readonly unknown[]).includes(o.protocol)) bad('protocol', 'is not a protocol');
    if (typeof o.computationId !== 'string' || !/^[0-9a-f]{64}$/.test(o.computationId))
      bad('computationId', 'is not a computation id');
    if (!(o.program instanceof Uint8Array)) bad('program', 'is not bytes');
    return o as JobMessage;
  }
  if (o.t === 'decision') {
    if (typeof o.approved !== 'boolean') bad('approved', 'is not a boolean');
    if (o.reason !== undefined && (typeof o.reason !== 'string' || o.reason.length > MAX_REASON))
      bad('reason', 'is not a short text');
    return o as JobMessage;
  }
  return bad('t', 'is not a known message kind');
}
