/**
 * The node's control channel (proposals, approvals, ledger signatures): CONTROL
 * frames on the same connections as the sessions, numbered per connection and
 * direction. A control frame out of sequence is reported and dropped (there is
 * no session to end); handlers that throw do not disturb the connection.
 */
import {
  InvalidArgument,
  OutOfSequence,
  type PartyName,
  PeerDisconnected,
  SessionClosed,
} from '@parley/interface';
import { type FrameHeader, FrameKind, MAX_FRAME_OVERHEAD } from './frame.js';
import type { Link, LinkHost } from './link.js';
import type { ControlChannel, EndpointEvent, MessageHandler, TransportLimits } from './types.js';

const ignore = (): void => {};

export class ControlChannelImpl implements ControlChannel {
  readonly #self: PartyName;
  readonly #parties: readonly PartyName[];
  readonly #limits: TransportLimits;
  readonly #host: LinkHost;
  readonly #emit: (event: EndpointEvent) => void;
  readonly #isClosed: () => boolean;
  readonly #handlers = new Set<MessageHandler>();
  readonly #seqIn = new WeakMap<Link, number>();

  get maxMessageBytes(): number {
    return this.#limits.maxFrameBytes - MAX_FRAME_OVERHEAD;
  }

  constructor(
    self: PartyName,
    parties: readonly PartyName[],
    limits: TransportLimits,
    host: LinkHost,
    emit: (event: EndpointEvent) => void,
    isClosed: () => boolean,
  ) {
    this.#self = self;
    this.#parties = parties;
    this.#limits = limits;
    this.#host = host;
    this.#emit = emit;
    this.#isClosed = isClosed;
  }

  onMessage(handler: MessageHandler): () => void {
    this.#handlers.add(handler);
    return () => {
      this.#handlers.delete(handler);
    };
  }

  send(to: PartyName, bytes: Uint8Array): Promise<void> {
    const p = this.#send(to, bytes);
    p.catch(ignore);
    return p;
  }

  async #send(to: PartyName, bytes: Uint8Array): Promise<void> {
    if (this.#isClosed()) throw new SessionClosed(`endpoint '${this.#self}' is closed`);
    if (to === this.#self || !this.#parties.includes(to)) {
      throw new InvalidArgument(`control: unknown peer '${to}'`, { field: 'to', party: to });
    }
    if (!(bytes instanceof Uint8Array)) {
      throw new InvalidArgument('control: expected a Uint8Array', { field: 'bytes' });
    }
    const limit = this.maxMessageBytes;
    if (bytes.length > limit) {
      throw new InvalidArgument(`control message of ${bytes.length} bytes exceeds ${limit}`, {
        field: 'bytes',
      });
    }
    const link =
      this.#host.currentLink(to) ?? (await this.#host.awaitLink(to, this.#limits.connectTimeoutMs));
    if (!link.open) throw new PeerDisconnected(`no connection to '${to}'`, { party: to });
    await link.write({ kind: FrameKind.Control, session: '', step: 0, seq: link.nextControlSeq() }, bytes);
  }

  /** One CONTROL frame from the peer of `link`. */
  handle(link: Link, header: FrameHeader, body: Uint8Array): void {
    const expected = this.#seqIn.get(link) ?? 0;
    this.#seqIn.set(link, header.seq + 1);
    if (header.seq !== expected) {
      const error = new OutOfSequence(
        `control frame ${header.seq} from '${link.peer}', expected ${expected}`,
        {
          party: link.peer,
          seq: header.seq,
        },
      );
      this.#emit({ type: 'frame-rejected', peer: link.peer, error });
      return;
    }
    for (const h of this.#handlers) {
      try {
        h(link.peer, body);
      } catch {
        // A control handler's fault is the node's to report; the connection carries on.
      }
    }
  }
}
