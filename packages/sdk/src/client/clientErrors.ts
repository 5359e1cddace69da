/**
 * The client's own errors, for what only a client meets: the node refused
 * the API token, the node could not be reached, a delivered job that its node
 * could not record on the ledger. They are ParleyErrors
 * with a stable `name` and `code` like those of @parley/interface (where they
 * belong once the node answers with them too). Neither message ever holds the
 * token.
 */
import { type ErrorDetails, ParleyError } from '@parley/interface';

/** The node answered 401: the bearer token is missing or not the node's. */
export class Unauthorized extends ParleyError {
  constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super('UNAUTHORIZED', 'user', message, details, options);
  }
}
Object.defineProperty(Unauthorized.prototype, 'name', { value: 'Unauthorized', writable: false });

/** No answer from the node's API: refused, reset, or an unknown host. */
export class NodeUnreachable extends ParleyError {
  constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super('NODE_UNREACHABLE', 'transport', message, details, options);
  }
}
Object.defineProperty(NodeUnreachable.prototype, 'name', { value: 'NodeUnreachable', writable: false });

/** A job delivered its outputs, but its ledger entry could not be made (the node says why). */
export class NotRecorded extends ParleyError {
  constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super('NOT_RECORDED', 'transport', message, details, options);
  }
}
Object.defineProperty(NotRecorded.prototype, 'name', { value: 'NotRecorded', writable: false });
