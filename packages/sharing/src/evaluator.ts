/**
 * The generic IR evaluator of the secret-sharing engine. Every node becomes a
 * task producing its value in its planned domain (analysis.ts); conversions
 * between domains (bit decomposition, bit injection, sharing of public
 * values) are tasks of their own, shared by all consumers. Tasks start as
 * soon as their inputs exist and run in lockstep, so independent nodes share
 * rounds: the round count is the depth of the program in rounds, not the
 * number of nodes. Values are dropped once their last consumer has run.
 */
import {
  argsOf,
  type Column,
  evaluateNodes,
  type IrNode,
  isSigned,
  type Program,
  widthOf,
} from '@parley/circuit';
import { InternalError } from '@parley/interface';
import { columnToPlanes, planesToColumn } from './_lanes.js';
import type { Domain, NodePlan } from './analysis.js';
import type { ShareBackend } from './backend.js';
import { bitDecompose, bitsToInts } from './conversions.js';
import { computeNode } from './nodes.js';
import { type NodeContext, ringColumn, type SlotValue } from './operands.js';
import type { Proto, Round } from './protocol.js';
import { type Bits, type Ints, publicBits, publicInts } from './shares.js';

export interface Evaluation {
  program: Program;
  plans: NodePlan[];
  /** This party's encoded inputs, by input node id. */
  inputs: ReadonlyMap<number, Column>;
  /**
   * Called after each round with the IR nodes evaluated so far (a node is
   * evaluated when every task of it has run; nodes no output needs count
   * from the start), when that number grew.
   */
  onRound?: (nodesDone: number) => void;
}

interface Task {
  /** The IR node this task computes or converts (-1: an output's opening). */
  node: number;
  /** Slots this task fills. */
  fills: number[];
  deps: number[];
  run(get: (slot: number) => SlotValue): Proto<SlotValue[]>;
}

const DOMAINS: Domain[] = ['A', 'B', 'P'];
const slotOf = (id: number, d: Domain) => id * 3 + DOMAINS.indexOf(d);

/** Evaluates the program; returns the outputs this party receives, by output index. */
export function* evaluate(B: ShareBackend, e: Evaluation): Proto<Map<number, Column>> {
  const { program: p, plans } = e;
  const ctx: NodeContext = { B, program: p, plans, calls: new Map() };
  const parties = p.parties;
  const demand = new Map<number, Set<Domain>>();
  const need = (id: number, d: Domain) => {
    const s = demand.get(id) ?? new Set<Domain>();
    demand.set(id, s);
    s.add(d);
  };
  const argDomain = (n: IrNode, plan: NodePlan, k: number): Domain => {
    const a = argsOf(n)[k];
    if (plans[a].out !== 'P') return plan.args[k];
    const scalarOnly = plan.kind === 'lowered';
    return plan.takesPublic && (!scalarOnly || p.nodes[a].length === 1) ? 'P' : plan.args[k];
  };
  p.nodes.forEach((n, id) => {
    const plan = plans[id];
    if (plan.kind === 'public' || plan.kind === 'input') return;
    argsOf(n).forEach((a, k) => {
      need(a, argDomain(n, plan, k));
    });
  });
  for (const o of p.outputs) need(o.node, plans[o.node].out);
  const outputs = new Map<number, Column>();
  const me = B.me;

  // Public values, in plaintext.
  const publicValues = evaluatePublic(p, plans);

  const tasks: Task[] = [];
  for (const [id, domains] of [...demand].sort((x, y) => x[0] - y[0])) {
    const n = p.nodes[id];
    const plan = plans[id];
    const w = widthOf(n.type);
    if (plan.out === 'P') {
      const col = publicValues.get(id) as Column;
      for (const d of domains) {
        tasks.push({
          node: id,
          fills: [slotOf(id, d)],
          deps: [],
          *run() {
            if (d === 'P') return [col];
            if (d === 'A') return [publicInts(B, ringColumn(col, n.type))];
            const full = col.length === n.length ? col : Array.from({ length: n.length }, () => col[0]);
            return [publicBits(B, columnToPlanes(full, n.length, w), w, n.length)];
          },
        });
      }
      continue;
    }
    if (plan.kind === 'input') {
      const owner = parties.indexOf(n.op === 'input' ? n.party : '');
      const own = e.inputs.get(id);
      const ds = [...domains];
      tasks.push({
        node: id,
        fills: ds.map((d) => slotOf(id, d)),
        deps: [],
        *run() {
          const shared: SlotValue[] = [];
          for (const d of ds) {
            if (d === 'A') {
              shared.push(yield* B.inputInts(owner, n.length, own && ringColumn(own, n.type)));
            } else {
              const planes = own && columnToPlanes(own, n.length, w);
              shared.push(yield* B.inputBits(owner, w, n.length, planes));
            }
          }
          return shared;
        },
      });
      continue;
    }
    const deps = argsOf(n).map((a, k) => slotOf(a, argDomain(n, plan, k)));
    const leader = callLeader(p, id);
    if (leader !== id) deps.push(slotOf(leader, 'B'));
    tasks.push({
      node: id,
      fills: [slotOf(id, plan.out)],
      deps,
      *run(get) {
        return [yield* computeNode(ctx, id, deps.slice(0, argsOf(n).length).map(get))];
      },
    });
    for (const d of domains) {
      if (d === plan.out) continue;
      const from = slotOf(id, plan.out);
      tasks.push({
        node: id,
        fills: [slotOf(id, d)],
        deps: [from],
        *run(get) {
          const v = get(from);
          if (d === 'B') return [yield* bitDecompose(B, v as Ints, w)];
          return [yield* bitsToInts(B, v as Bits, n.length, isSigned(n.type))];
        },
      });
    }
  }
  p.outputs.forEach((o, index) => {
    const n = p.nodes[o.node];
    const d = plans[o.node].out;
    const to = o.recipients.map((r) => parties.indexOf(r));
    const slot = slotOf(o.node, d);
    tasks.push({
      node: -1,
      fills: [],
      deps: [slot],
      *run(get) {
        const v = get(slot);
        const w = widthOf(n.type);
        if (d === 'P') {
          if (to.includes(me)) outputs.set(index, v as Column);
        } else if (d === 'A') {
          const opened = yield* B.openInts(v as Ints, to);
          if (opened) outputs.set(index, maskColumn(opened, w));
        } else {
          const opened = yield* B.openBits(v as Bits, to);
          if (opened) outputs.set(index, planesToColumn(opened, n.length, w));
        }
        return [];
      },
    });
  });
  yield* schedule(tasks, e.onRound && nodeProgress(p.nodes.length, tasks, e.onRound));
  return outputs;
}

/** Counts IR nodes whose tasks have all run; `round()` reports the count when it grew. */
function nodeProgress(
  nodes: number,
  tasks: Task[],
  report: (nodesDone: number) => void,
): { completed(task: Task): void; round(): void } {
  const left = new Uint32Array(nodes);
  for (const t of tasks) if (t.node >= 0) left[t.node]++;
  let done = left.reduce((n, c) => (c === 0 ? n + 1 : n), 0);
  let reported = -1;
  return {
    completed(task) {
      if (task.node >= 0 && --left[task.node] === 0) done++;
    },
    round() {
      if (done <= reported) return;
      reported = done;
      report(done);
    },
  };
}

/** The first call node with the same circuit and arguments (it evaluates the circuit for all of them). */
function callLeader(p: Program, id: number): number {
  const n = p.nodes[id];
  if (n.op !== 'call') return id;
  for (let j = 0; j < id; j++) {
    const m = p.nodes[j];
    if (m.op === 'call' && m.circuit === n.circuit && m.args.join() === n.args.join()) return j;
  }
  return id;
}

/** The values of the public nodes (whose arguments are all public), by node id. */
function evaluatePublic(p: Program, plans: NodePlan[]): Map<number, Column> {
  const ids = p.nodes.flatMap((_, id) => (plans[id].out === 'P' ? [id] : []));
  const index = new Map(ids.map((id, k) => [id, k]));
  const nodes = ids.map((id) => {
    const n = p.nodes[id];
    return ('args' in n ? { ...n, args: n.args.map((a) => index.get(a) as number) } : n) as IrNode;
  });
  const values = ids.length > 0 ? evaluateNodes({ parties: p.parties, nodes, outputs: [] }, new Map()) : [];
  return new Map(ids.map((id, k) => [id, values[k]]));
}

function maskColumn(values: BigUint64Array, w: number): Column {
  if (w >= 64) return values;
  const mask = (1n << BigInt(w)) - 1n;
  for (let i = 0; i < values.length; i++) values[i] &= mask;
  return values;
}

/**
 * Runs tasks in lockstep as their dependencies complete: each round carries
 * the exchanges of every task that is waiting on one. Slots are released
 * when their last dependent task has finished.
 */
function* schedule(tasks: Task[], progress?: { completed(task: Task): void; round(): void }): Proto<void> {
  const values = new Map<number, SlotValue>();
  const waiting = new Map<number, number[]>();
  const users = new Map<number, number>();
  const missing = tasks.map((t) => t.deps.length);
  const ready: number[] = [];
  tasks.forEach((t, i) => {
    for (const d of t.deps) {
      const list = waiting.get(d) ?? [];
      waiting.set(d, list);
      list.push(i);
      users.set(d, (users.get(d) ?? 0) + 1);
    }
    if (t.deps.length === 0) ready.push(i);
  });
  const get = (slot: number): SlotValue => {
    const v = values.get(slot);
    if (v === undefined) throw new InternalError(`slot ${slot} read before it was filled`);
    return v;
  };
  const complete = (i: number, filled: SlotValue[]) => {
    const t = tasks[i];
    progress?.completed(t);
    t.fills.forEach((slot, k) => {
      values.set(slot, filled[k]);
      for (const j of waiting.get(slot) ?? []) if (--missing[j] === 0) ready.push(j);
    });
    for (const d of t.deps) {
      const left = (users.get(d) ?? 1) - 1;
      users.set(d, left);
      if (left === 0) values.delete(d);
    }
  };
  let active: Array<{ index: number; proto: Proto<SlotValue[]>; round: Round }> = [];
  let finished = 0;
  for (;;) {
    while (ready.length > 0) {
      const index = ready.shift() as number;
      const proto = tasks[index].run(get);
      const r = proto.next();
      if (r.done) {
        finished++;
        complete(index, r.value);
      } else active.push({ index, proto, round: r.value });
    }
    if (active.length === 0) break;
    const replies = yield active.flatMap((a) => a.round);
    const next: typeof active = [];
    const done: Array<[number, SlotValue[]]> = [];
    let offset = 0;
    for (const a of active) {
      const mine = replies.slice(offset, offset + a.round.length);
      offset += a.round.length;
      const r = a.proto.next(mine);
      if (r.done) done.push([a.index, r.value]);
      else next.push({ index: a.index, proto: a.proto, round: r.value });
    }
    active = next;
    for (const [index, value] of done) {
      finished++;
      complete(index, value);
    }
    progress?.round();
  }
  if (finished !== tasks.length)
    throw new InternalError(`${tasks.length - finished} task(s) never became ready`);
}
