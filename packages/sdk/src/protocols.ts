/**
 * The protocols a computation may name and the party counts each runs:
 * `auto` (garbled for two parties, additive sharing for three to
 * MAX_SHARING_PARTIES), `garbled` (two parties), `sharing` (two to
 * MAX_SHARING_PARTIES), `replicated` (three). The one rule
 * for `defineComputation` and `ParleyEngine`, so a computation is refused
 * when it is defined, not when a node or an engine first runs it.
 */
import { InvalidArgument } from '@parley/interface';
import { MAX_SHARING_PARTIES } from '@parley/sharing';

export const PROTOCOLS = ['auto', 'garbled', 'sharing', 'replicated'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
/** The engine a protocol resolves to. */
export type EngineName = Exclude<Protocol, 'auto'>;

/** Throws InvalidArgument (field `protocol`) for an unknown name. */
export function checkProtocolName(protocol: unknown): asserts protocol is Protocol {
  if (!(PROTOCOLS as readonly unknown[]).includes(protocol)) {
    throw new InvalidArgument(`unknown protocol '${String(protocol)}' (${PROTOCOLS.join(', ')})`, {
      field: 'protocol',
    });
  }
}

/** The engine `protocol` runs `parties` parties on; InvalidArgument when it cannot. */
export function checkProtocol(protocol: unknown, parties: number): EngineName {
  checkProtocolName(protocol);
  if (protocol === 'auto' && parties === 2) return 'garbled';
  if ((protocol === 'auto' || protocol === 'sharing') && (parties < 2 || parties > MAX_SHARING_PARTIES)) {
    throw new InvalidArgument(
      `${protocol === 'auto' ? 'a computation' : 'additive sharing'} runs 2 to ${MAX_SHARING_PARTIES} parties, not ${parties}`,
      { field: 'protocol' },
    );
  }
  if (protocol === 'auto') return 'sharing';
  if (protocol === 'garbled' && parties !== 2) {
    throw new InvalidArgument(`the garbled engine runs two parties, not ${parties}`, { field: 'protocol' });
  }
  if (protocol === 'replicated' && parties !== 3) {
    throw new InvalidArgument(`replicated sharing runs three parties, not ${parties}`, { field: 'protocol' });
  }
  return protocol;
}
