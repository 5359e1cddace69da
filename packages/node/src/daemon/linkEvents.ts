/**
 * The node's view of its party links, for operators: every link that comes up
 * or goes down, every connection refused (an unknown key, a member claiming
 * another's name, a wrong certificate) and every frame rejected goes to the
 * log with the peer and the typed error's code, and is counted in
 * `parley_node_link_events_total{event}`. Transport events carry no payloads
 * and no secrets (packages/transport types.ts), so they are logged as they are.
 * Refusals and rejected frames are logged at most LOG_BURST times a minute per
 * member and kind (a peer sending bad frames as fast as it can must not flood
 * the log); the next line after a quiet spell says how many were left out.
 * Refused callers that name no member of the consortium (they choose the
 * names they claim) share one budget per kind, so a stranger cycling names
 * gets no more lines than one stranger would, and the members' budgets are
 * never reset on its account: there are at most two keys per member and kind
 * in all. The counter counts every one.
 */
import type { EndpointEvent, WsEndpoint } from '@parley/transport';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

const LOG_BURST = 20;
const LOG_WINDOW_MS = 60_000;
/** Member keys kept at most (a backstop: members are few); past it a new key shares the strangers' budget. */
const MAX_WINDOWS = 1000;

interface LogWindow {
  start: number;
  lines: number;
  suppressed: number;
}

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
    if (e.type === 'link-down') {
      log.info(fields, 'party link down');
      return;
    }
    // A member's own budget; one shared budget per kind for every name outside the consortium (and
    // none). A rejected frame came over an authenticated link, from a member; a refused caller only
    // claims a name.
    const member =
      e.peer !== undefined && (e.type === 'frame-rejected' || (endpoint.parties ?? []).includes(e.peer));
    const suppressed = throttle(e.type, member ? e.peer : undefined);
    if (suppressed === undefined) return;
    const more = suppressed > 0 ? { suppressed } : {};
    if (e.type === 'peer-refused') log.warn({ ...fields, ...more }, 'party connection refused');
    else log.warn({ ...fields, ...more }, 'party frame rejected');
  });

  const windows = new Map<string, LogWindow>();
  /**
   * Undefined when this line of `kind` about `member` (undefined: a stranger) is left out; else how
   * many were left out before it. Windows are never cleared: a stranger cannot reset a member's.
   */
  function throttle(kind: string, member: string | undefined): number | undefined {
    const now = Date.now();
    const stranger = `${kind}\u0001stranger`;
    let key = member === undefined ? stranger : `${kind}\u0000${member}`;
    if (!windows.has(key) && windows.size >= MAX_WINDOWS) key = stranger;
    const w = windows.get(key);
    if (!w || now - w.start >= LOG_WINDOW_MS) {
      const suppressed = w?.suppressed ?? 0;
      windows.set(key, { start: now, lines: 1, suppressed: 0 });
      return suppressed;
    }
    if (w.lines >= LOG_BURST) {
      w.suppressed++;
      return undefined;
    }
    w.lines++;
    return 0;
  }
}
