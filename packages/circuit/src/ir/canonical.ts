/**
 * Canonical encoding of a computation: the same bytes on every machine and
 * run for the same computation, different bytes when anything that affects
 * the result changes (operations, types, constants, parties, input owners,
 * output recipients, protocol). JSON with sorted keys, integers as decimal
 * strings, embedded boolean circuits by the SHA-256 of their gate arrays.
 * Format tag: `parley-computation-v1`.
 */

import { sha256, toHex } from '@parley/crypto';
import type { BooleanCircuit } from '../boolean/circuit.js';
import type { IrNode, Program } from './program.js';
import { typeToString } from './types.js';

export const CANONICAL_FORMAT = 'parley-computation-v1';

function circuitDigest(c: BooleanCircuit, cache: Map<BooleanCircuit, string>): string {
  const hit = cache.get(c);
  if (hit) return hit;
  const header = new TextEncoder().encode(
    JSON.stringify({
      wires: c.wireCount,
      gates: c.gateCount,
      inputs: c.inputs.map((g) => [g.name, Array.from(g.wires)]),
      outputs: c.outputs.map((g) => [g.name, Array.from(g.wires)]),
    }),
  );
  const bytes = (a: Uint8Array | Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const digest = toHex(sha256(header, bytes(c.op), bytes(c.a), bytes(c.b), bytes(c.out)));
  cache.set(c, digest);
  return digest;
}

function canonicalNode(n: IrNode, cache: Map<BooleanCircuit, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    op: n.op,
    type: typeToString(n.type),
    length: n.length,
    visibility: n.visibility,
  };
  if ('args' in n) out.args = n.args;
  switch (n.op) {
    case 'input':
      out.party = n.party;
      out.name = n.name;
      break;
    case 'const':
      out.values = n.values.map(String);
      break;
    case 'shl':
    case 'shr':
      out.amount = n.amount;
      break;
    case 'slice':
      out.start = n.start;
      break;
    case 'call':
      out.circuit = circuitDigest(n.circuit, cache);
      out.output = n.output;
      break;
    default:
  }
  return out;
}

/** JSON text with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface CanonicalSettings {
  name: string;
  protocol: string;
  /** A computation's tables and join (@parley/interface TableLayout), when it has any. */
  tables?: unknown;
}

export function canonicalEncoding(p: Program, settings: CanonicalSettings): Uint8Array {
  const cache = new Map<BooleanCircuit, string>();
  const doc = {
    format: CANONICAL_FORMAT,
    name: settings.name,
    protocol: settings.protocol,
    parties: p.parties,
    nodes: p.nodes.map((n) => canonicalNode(n, cache)),
    outputs: p.outputs.map((o) => ({ name: o.name, node: o.node, recipients: o.recipients })),
    tables: settings.tables,
  };
  return new TextEncoder().encode(canonicalJson(doc));
}

/** The computation id: SHA-256 of the canonical encoding, hex. */
export function computationId(p: Program, settings: CanonicalSettings): string {
  return toHex(sha256(canonicalEncoding(p, settings)));
}
