/**
 * The node's view of its party links, for operators: every link that comes up
 * or goes down, every connection refused (an unknown key, a member claiming
 * another's name, a wrong certificate) and every frame rejected goes to the
 * log with the peer and the typed error's code, and is counted in
 * `parley_node_link_events_total{event}`. Transport events carry no payloads
 * and no secrets (packages/transport types.ts), so they are logged as they are.
 */
import type { EndpointEvent, WsEndpoint } from '@parley/transport';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

/** Logs and counts `endpoint`'s link events for as long as it lives (it closes with the node). */
export function watchLinks(endpoint: WsEndpoint, log: Logger, metrics: Registry): void {
  const counter = new Counter({
    name: 'parley_node_link_events_total',
    help: 'party link events: link-up, link-down, peer-refused, frame-rejected',
    labelNames: ['event'],
    registers: [metrics],
  });
  endpoint.onEvent((e: EndpointEvent) => {
    if (e.type === 'session-ended') return;
    counter.inc({ event: e.type });
    if (e.type === 'link-up') {
      log.info({ peer: e.peer }, 'party link up');
      return;
    }
    const fields = { peer: e.peer ?? null, code: e.error.code, err: e.error.message };
    if (e.type === 'link-down') log.info(fields, 'party link down');
    else if (e.type === 'peer-refused') log.warn(fields, 'party connection refused');
    else log.warn(fields, 'party frame rejected');
  });
}
