/**
 * Reader for Bristol Fashion circuits (and the older plain Bristol format),
 * as published with SCALE-MAMBA / MP-SPDZ (https://nigelsmart.github.io/MPC-Circuits/).
 * It parses bytes as they arrive, line by line, into typed arrays, so files of
 * tens of millions of gates stream without building strings per line.
 *
 * Accepted gates: `2 1 a b c XOR`, `2 1 a b c AND`, `1 1 a c INV`, `1 1 v c EQ`
 * (v is the constant 0 or 1), `1 1 a c EQW` (copy), `2k k a… b… c… MAND`.
 * Every error names the file, the line and what is wrong (quoting at most 40
 * characters of a token).
 *
 * The inputs are the first wires and the outputs the last. A header may
 * declare more wires than the inputs and gates set: the wires are then
 * renumbered densely in their order (bristol/compactWires.ts), so that every
 * circuit read has as many wires as input wires plus gates — unless
 * `keepWireNumbers` asks for the file's numbers, and such a file is refused.
 */
import { createReadStream } from 'node:fs';
import { CircuitFormatError, LimitExceeded } from '@parley/interface';
import {
  type BooleanCircuit,
  GateList,
  GateOp,
  MAX_WIRES,
  type WireGroup,
  wireRange,
} from '../boolean/circuit.js';
import { circuitFileError, quoted } from '../fileErrors.js';
import { compactWires } from './compactWires.js';

/** Limits of the reader; a file over them is refused before it exhausts memory. */
export const BRISTOL_LIMITS = {
  maxGates: 2_000_000_000,
  maxWires: 2_000_000_000,
  maxTokensPerLine: 1 << 16,
  maxLineBytes: 1 << 20,
};

export interface BristolReadOptions {
  /** Name used in errors (the file path). */
  file?: string;
  maxGates?: number;
  maxWires?: number;
  /** Keep the file's wire numbers (for callers that name wires by number): refuse a file that leaves wires unset. */
  keepWireNumbers?: boolean;
}

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

type Token = number | string;

/** Incremental parser: feed it chunks with `push`, then call `end`. */
export class BristolParser {
  private readonly file: string;
  private readonly maxGates: number;
  private readonly maxWires: number;
  private readonly keepWireNumbers: boolean;
  private line = 0;
  private carry: Uint8Array = new Uint8Array(0);
  private header: number[][] = [];
  private format: 'fashion' | 'old' | undefined;
  private gatesDeclared = 0;
  private wireCount = 0;
  private inputs: WireGroup[] = [];
  private outputWidths: number[] = [];
  private gates = new GateList(1 << 12);
  private defined: Uint8Array = new Uint8Array(0);
  private readonly tokens: Token[] = [];
  private readonly scratch = new Float64Array(6);

  constructor(options: BristolReadOptions = {}) {
    this.file = options.file ?? '<circuit>';
    this.maxGates = options.maxGates ?? BRISTOL_LIMITS.maxGates;
    this.maxWires = options.maxWires ?? BRISTOL_LIMITS.maxWires;
    this.keepWireNumbers = options.keepWireNumbers ?? false;
  }

  push(chunk: Uint8Array): void {
    let data = chunk;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry);
      data.set(chunk, this.carry.length);
    }
    let start = 0;
    // indexOf finds line ends natively (memchr), 3× faster than a byte loop here.
    for (let i = data.indexOf(NL); i >= 0; i = data.indexOf(NL, start)) {
      this.processLine(data, start, i);
      start = i + 1;
    }
    this.carry = data.slice(start);
    if (this.carry.length > BRISTOL_LIMITS.maxLineBytes)
      this.fail(this.line + 1, `line too long (more than ${BRISTOL_LIMITS.maxLineBytes} bytes)`);
  }

  end(): BooleanCircuit {
    if (this.carry.length > 0) {
      this.processLine(this.carry, 0, this.carry.length);
      this.carry = new Uint8Array(0);
    }
    if (this.format === undefined) this.fail(this.line, 'unexpected end of file: incomplete header');
    if (this.gates.count !== this.gatesDeclared) {
      this.fail(
        this.line,
        `header declares ${this.gatesDeclared} gates but the file has ${this.gates.count}`,
      );
    }
    const totalIn = this.inputs.reduce((s, g) => s + g.wires.length, 0);
    const totalOut = this.outputWidths.reduce((s, w) => s + w, 0);
    const outputs: WireGroup[] = [];
    let first = this.wireCount - totalOut;
    for (const [i, w] of this.outputWidths.entries()) {
      const group = { name: String(i), wires: wireRange(first, w) };
      for (const wire of group.wires) {
        if (!this.defined[wire]) this.fail(this.line, `output wire ${wire} is never set`);
      }
      outputs.push(group);
      first += w;
    }
    const circuit = this.gates.finish(this.wireCount, this.inputs, outputs);
    // Each gate sets one wire, never an input's: the wires set are at most the wires declared.
    const set = totalIn + circuit.gateCount;
    if (set === this.wireCount) return circuit;
    if (this.keepWireNumbers) {
      this.fail(
        this.line,
        `the header declares ${this.wireCount} wires but the inputs and gates set only ${set}`,
      );
    }
    return compactWires(circuit, totalIn);
  }

  private fail(line: number, what: string): never {
    throw new CircuitFormatError(`${this.file}, line ${line}: ${what}`, { file: this.file, line });
  }

  private tokenize(data: Uint8Array, start: number, end: number): Token[] {
    const tokens = this.tokens;
    tokens.length = 0;
    let i = start;
    while (i < end) {
      const c = data[i];
      if (c === SPACE || c === TAB || c === CR) {
        i++;
        continue;
      }
      if (c >= 48 && c <= 57) {
        let v = 0;
        while (i < end && data[i] >= 48 && data[i] <= 57) {
          v = v * 10 + (data[i] - 48);
          i++;
        }
        if (i < end && data[i] !== SPACE && data[i] !== TAB && data[i] !== CR) {
          this.fail(this.line, `malformed token near column ${i - start + 1}`);
        }
        if (v > Number.MAX_SAFE_INTEGER) this.fail(this.line, 'number too large');
        tokens.push(v);
      } else {
        let s = '';
        while (i < end && data[i] !== SPACE && data[i] !== TAB && data[i] !== CR) {
          s += String.fromCharCode(data[i]);
          i++;
        }
        tokens.push(s);
      }
      if (tokens.length > BRISTOL_LIMITS.maxTokensPerLine)
        this.fail(this.line, 'too many tokens on one line');
    }
    return tokens;
  }

  private processLine(data: Uint8Array, start: number, end: number): void {
    this.line++;
    if (end - start > BRISTOL_LIMITS.maxLineBytes)
      this.fail(this.line, `line too long (more than ${BRISTOL_LIMITS.maxLineBytes} bytes)`);
    if (this.format !== undefined && this.fastGate(data, start, end)) return;
    const tokens = this.tokenize(data, start, end);
    if (tokens.length === 0) return;
    if (this.format === undefined) {
      this.headerLine(tokens);
      return;
    }
    this.gateLine(tokens);
  }

  /**
   * The hot path: a well-formed XOR, AND or INV line parsed straight from the
   * bytes. Anything else (other gates, odd spacing, errors) returns false and
   * takes the general path, which reports errors precisely.
   */
  private fastGate(data: Uint8Array, start: number, end: number): boolean {
    const nums = this.scratch;
    let n = 0;
    let i = start;
    while (i < end && n < 6) {
      let c = data[i];
      if (c < 48 || c > 57) break;
      let v = 0;
      do {
        v = v * 10 + (c - 48);
        c = data[++i];
      } while (i < end && c >= 48 && c <= 57);
      if (i >= end || c !== SPACE) return false;
      nums[n++] = v;
      i++;
    }
    if (end > start && data[end - 1] === CR) end--;
    const len = end - i;
    if (this.gates.count >= this.gatesDeclared) return false;
    if (len === 3 && data[i] === 88 && data[i + 1] === 79 && data[i + 2] === 82) {
      if (n !== 5 || nums[0] !== 2 || nums[1] !== 1) return false;
      this.gates.push(GateOp.XOR, this.use(nums[2]), this.use(nums[3]), this.set(nums[4]));
      return true;
    }
    if (len === 3 && data[i] === 65 && data[i + 1] === 78 && data[i + 2] === 68) {
      if (n !== 5 || nums[0] !== 2 || nums[1] !== 1) return false;
      this.gates.push(GateOp.AND, this.use(nums[2]), this.use(nums[3]), this.set(nums[4]));
      return true;
    }
    if (len === 3 && data[i] === 73 && data[i + 1] === 78 && data[i + 2] === 86) {
      if (n !== 4 || nums[0] !== 1 || nums[1] !== 1) return false;
      this.gates.push(GateOp.INV, this.use(nums[2]), 0, this.set(nums[3]));
      return true;
    }
    return false;
  }

  private numbers(tokens: Token[], what: string): number[] {
    for (const t of tokens)
      if (typeof t !== 'number')
        this.fail(this.line, `malformed ${what}: ${quoted(String(t))} is not a number`);
    return (tokens as number[]).slice();
  }

  private headerLine(tokens: Token[]): void {
    const isGate = typeof tokens[tokens.length - 1] === 'string';
    if (this.header.length === 0) {
      const h = this.numbers(tokens, 'header');
      if (h.length !== 2) this.fail(this.line, 'malformed header: expected "<gates> <wires>"');
      const [gates, wires] = h;
      if (gates > this.maxGates) {
        throw new LimitExceeded(
          `${this.file}, line ${this.line}: ${gates} gates exceed the limit of ${this.maxGates}`,
          {
            file: this.file,
            line: this.line,
          },
        );
      }
      if (wires > this.maxWires) {
        throw new LimitExceeded(
          `${this.file}, line ${this.line}: ${wires} wires exceed the limit of ${this.maxWires}`,
          {
            file: this.file,
            line: this.line,
          },
        );
      }
      this.header.push(h);
      return;
    }
    if (this.header.length === 1) {
      this.header.push(this.numbers(tokens, 'input header'));
      return;
    }
    // Third non-empty line: Fashion's output header, or the old format's first gate.
    if (isGate) {
      this.startOld();
      this.gateLine(tokens);
    } else {
      this.startFashion(this.numbers(tokens, 'output header'));
    }
  }

  private startFashion(outLine: number[]): void {
    const [gates, wires] = this.header[0];
    const inLine = this.header[1];
    const check = (l: number[], what: string) => {
      if (l.length < 1 || l[0] !== l.length - 1) {
        this.fail(
          this.line - (what === 'input' ? 1 : 0),
          `malformed ${what} header: count ${l[0]} but ${l.length - 1} widths`,
        );
      }
    };
    check(inLine, 'input');
    check(outLine, 'output');
    this.format = 'fashion';
    this.begin(gates, wires, inLine.slice(1), outLine.slice(1));
  }

  private startOld(): void {
    const [gates, wires] = this.header[0];
    const l = this.header[1];
    if (l.length !== 3) this.fail(this.line - 1, 'malformed input header: expected "<n1> <n2> <nout>"');
    this.format = 'old';
    this.begin(gates, wires, [l[0], l[1]], [l[2]]);
  }

  private begin(gates: number, wires: number, inWidths: number[], outWidths: number[]): void {
    // Everything the header declares is checked before anything is allocated from it.
    for (const w of [...inWidths, ...outWidths]) {
      if (!(w >= 1))
        this.fail(this.line - 1, `a group of ${w} wires: every input and output needs at least 1`);
    }
    const totalIn = inWidths.reduce((s, w) => s + w, 0);
    const totalOut = outWidths.reduce((s, w) => s + w, 0);
    if (totalIn + totalOut > wires)
      this.fail(
        this.line,
        `inputs and outputs need ${totalIn + totalOut} wires but the header declares ${wires}`,
      );
    // One byte per wire is allocated below (MAND gates set several wires each, so the gates do not bound it).
    if (wires > MAX_WIRES)
      this.fail(this.line, `the header declares ${wires} wires, more than the ${MAX_WIRES} supported`);
    this.gatesDeclared = gates;
    this.wireCount = wires;
    this.defined = new Uint8Array(wires);
    let first = 0;
    for (const [i, w] of inWidths.entries()) {
      this.inputs.push({ name: String(i), wires: wireRange(first, w) });
      first += w;
    }
    this.defined.fill(1, 0, first);
    this.outputWidths = outWidths;
    // The gate list grows as gates arrive: a header's count is only a claim.
    this.gates = new GateList(Math.max(16, Math.min(gates, 1 << 12)));
  }

  private wire(w: number): number {
    if (w >= this.wireCount)
      this.fail(this.line, `wire ${w} out of range (the circuit has ${this.wireCount} wires)`);
    return w;
  }

  private use(w: number): number {
    this.wire(w);
    if (!this.defined[w]) this.fail(this.line, `wire ${w} is used before it is set`);
    return w;
  }

  private set(w: number): number {
    this.wire(w);
    if (this.defined[w]) this.fail(this.line, `wire ${w} is set twice`);
    this.defined[w] = 1;
    return w;
  }

  private gateLine(tokens: Token[]): void {
    const op = tokens[tokens.length - 1];
    if (typeof op !== 'string') this.fail(this.line, 'malformed gate line: no gate name at the end');
    const nums = this.numbers(tokens.slice(0, -1), 'gate line');
    if (nums.length < 2) this.fail(this.line, 'malformed gate line: expected "<in> <out> <wires…> <GATE>"');
    const [nin, nout] = nums;
    if (nums.length !== 2 + nin + nout) {
      this.fail(
        this.line,
        `malformed gate line: ${nin} inputs and ${nout} outputs need ${nin + nout} wires, found ${nums.length - 2}`,
      );
    }
    if (this.gates.count >= this.gatesDeclared)
      this.fail(this.line, `more gates than the ${this.gatesDeclared} the header declares`);
    const arity = (i: number, o: number) => {
      if (nin !== i || nout !== o)
        this.fail(this.line, `${op} takes ${i} input(s) and ${o} output(s), not ${nin} and ${nout}`);
    };
    const g = this.gates;
    switch (op) {
      case 'XOR':
      case 'AND': {
        arity(2, 1);
        const a = this.use(nums[2]);
        const b = this.use(nums[3]);
        g.push(op === 'XOR' ? GateOp.XOR : GateOp.AND, a, b, this.set(nums[4]));
        break;
      }
      case 'INV':
        arity(1, 1);
        g.push(GateOp.INV, this.use(nums[2]), 0, this.set(nums[3]));
        break;
      case 'EQ':
        arity(1, 1);
        if (nums[2] > 1) this.fail(this.line, `EQ takes a constant 0 or 1, not ${nums[2]}`);
        g.push(GateOp.CONST, nums[2], 0, this.set(nums[3]));
        break;
      case 'EQW':
        arity(1, 1);
        g.push(GateOp.COPY, this.use(nums[2]), 0, this.set(nums[3]));
        break;
      case 'MAND': {
        if (nin !== 2 * nout || nout < 1)
          this.fail(this.line, `MAND takes 2k inputs and k outputs, not ${nin} and ${nout}`);
        for (let i = 0; i < nout; i++) {
          const a = this.use(nums[2 + i]);
          const b = this.use(nums[2 + nout + i]);
          g.push(GateOp.AND, a, b, this.set(nums[2 + nin + i]));
        }
        // MAND counts as one gate of the header
        this.gatesDeclared += nout - 1;
        break;
      }
      default:
        this.fail(this.line, `unknown gate ${quoted(op)} (expected XOR, AND, INV, EQ, EQW or MAND)`);
    }
  }
}

/** Parses Bristol text (or bytes) held in memory. */
export function parseBristol(text: string | Uint8Array, options: BristolReadOptions = {}): BooleanCircuit {
  const p = new BristolParser(options);
  p.push(typeof text === 'string' ? new TextEncoder().encode(text) : text);
  return p.end();
}

/** Streams a Bristol file from disk. */
export async function readBristolFile(
  path: string,
  options: BristolReadOptions = {},
): Promise<BooleanCircuit> {
  const p = new BristolParser({ file: path, ...options });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) p.push(chunk as Buffer);
  } catch (e) {
    throw circuitFileError(path, e);
  }
  return p.end();
}
