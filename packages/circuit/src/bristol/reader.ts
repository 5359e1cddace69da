/**
 * Reader for Bristol Fashion circuits (and the older plain Bristol format),
 * as published with SCALE-MAMBA / MP-SPDZ (https://nigelsmart.github.io/MPC-Circuits/).
 * It parses bytes as they arrive, line by line, into typed arrays, so files of
 * tens of millions of gates stream without building strings per line.
 *
 * Accepted gates: `2 1 a b c XOR`, `2 1 a b c AND`, `1 1 a c INV`, `1 1 v c EQ`
 * (v is the constant 0 or 1), `1 1 a c EQW` (copy), `2k k a… b… c… MAND`.
 * Every error names the file, the line and what is wrong (quoting at most 40
 * characters of a token, with bytes outside printable ASCII as \xNN). A UTF-8
 * byte order mark at the start of the file is skipped.
 *
 * A header is only a claim: what it declares is checked against the limits
 * (BRISTOL_LIMITS) before anything is allocated from it, and the memory for
 * the wires grows with the wires the inputs and gates set, not with the wire
 * count the header declares (bristol/wireSet.ts).
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
import { WireSet } from './wireSet.js';

/** Limits of the reader; a file over them is refused (LimitExceeded) before it exhausts memory. */
export const BRISTOL_LIMITS = {
  /** Gates, counting each AND of a MAND gate. */
  maxGates: 2_000_000_000,
  /** Wires the header declares (they cost nothing until inputs or gates set them). */
  maxWires: 2_000_000_000,
  /** Input and output wires together: the header alone allocates 5 bytes per input wire. */
  maxIoWires: 1 << 24,
  maxTokensPerLine: 1 << 16,
  maxLineBytes: 1 << 20,
};

export interface BristolReadOptions {
  /** Name used in errors (the file path). */
  file?: string;
  maxGates?: number;
  maxWires?: number;
  maxIoWires?: number;
  /** Keep the file's wire numbers (for callers that name wires by number): refuse a file that leaves wires unset. */
  keepWireNumbers?: boolean;
}

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
/** The UTF-8 byte order mark. */
const BOM = [0xef, 0xbb, 0xbf];

type Token = number | string;

/** The widths of a header's input or output groups and the line they are on. */
interface HeaderGroups {
  widths: number[];
  line: number;
}

/**
 * A token quoted for an error message. Tokens hold one character per byte:
 * any byte outside printable ASCII is shown as \xNN.
 */
function shown(token: string): string {
  const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  // quoted cuts to 40 characters and marks the cut: 41 are enough to escape.
  return quoted(token.slice(0, 41).replace(/[^ -~]/g, hex));
}

/** Incremental parser: feed it chunks with `push`, then call `end`. */
export class BristolParser {
  private readonly file: string;
  private readonly maxGates: number;
  private readonly maxWires: number;
  private readonly maxIoWires: number;
  private readonly keepWireNumbers: boolean;
  private line = 0;
  private carry: Uint8Array = new Uint8Array(0);
  private header: number[][] = [];
  /** The line of each entry of `header`. */
  private headerLines: number[] = [];
  private format: 'fashion' | 'old' | undefined;
  private gatesDeclared = 0;
  private wireCount = 0;
  private inputs: WireGroup[] = [];
  private outputWidths: number[] = [];
  private gates = new GateList(1 << 12);
  private defined = new WireSet(0, 0);
  private readonly tokens: Token[] = [];
  private readonly scratch = new Float64Array(6);

  constructor(options: BristolReadOptions = {}) {
    this.file = options.file ?? '<circuit>';
    this.maxGates = options.maxGates ?? BRISTOL_LIMITS.maxGates;
    this.maxWires = options.maxWires ?? BRISTOL_LIMITS.maxWires;
    this.maxIoWires = options.maxIoWires ?? BRISTOL_LIMITS.maxIoWires;
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
    let first = this.wireCount - totalOut;
    // Checked before the groups are allocated: then the gates that set them justify their memory.
    for (let wire = first; wire < this.wireCount; wire++) {
      if (!this.defined.has(wire)) this.fail(this.line, `output wire ${wire} is never set`);
    }
    const outputs: WireGroup[] = [];
    for (const [i, w] of this.outputWidths.entries()) {
      outputs.push({ name: String(i), wires: wireRange(first, w) });
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

  private overLimit(line: number, what: string): never {
    throw new LimitExceeded(`${this.file}, line ${line}: ${what}`, { file: this.file, line });
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
    if (this.line === 1 && end - start >= 3 && BOM.every((b, i) => data[start + i] === b)) start += 3;
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
      // The general path refuses a number past 2^53 (it is not exact) as too large.
      if (i >= end || c !== SPACE || v > Number.MAX_SAFE_INTEGER) return false;
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
        this.fail(this.line, `malformed ${what}: ${shown(String(t))} is not a number`);
    return (tokens as number[]).slice();
  }

  private headerLine(tokens: Token[]): void {
    const isGate = typeof tokens[tokens.length - 1] === 'string';
    if (this.header.length === 0) {
      const h = this.numbers(tokens, 'header');
      if (h.length !== 2) this.fail(this.line, 'malformed header: expected "<gates> <wires>"');
      const [gates, wires] = h;
      if (gates > this.maxGates)
        this.overLimit(this.line, `${gates} gates exceed the limit of ${this.maxGates}`);
      if (wires > this.maxWires)
        this.overLimit(this.line, `${wires} wires exceed the limit of ${this.maxWires}`);
      if (wires > MAX_WIRES)
        this.fail(this.line, `the header declares ${wires} wires, more than the ${MAX_WIRES} supported`);
      this.addHeader(h);
      return;
    }
    if (this.header.length === 1) {
      this.addHeader(this.numbers(tokens, 'input header'));
      return;
    }
    // Third non-empty line: Fashion's output header, or the old format's first gate.
    if (isGate) {
      this.startOld();
      this.gateLine(tokens);
    } else {
      this.addHeader(this.numbers(tokens, 'output header'));
      this.startFashion();
    }
  }

  private addHeader(numbers: number[]): void {
    this.header.push(numbers);
    this.headerLines.push(this.line);
  }

  private startFashion(): void {
    const [[gates, wires], inLine, outLine] = this.header;
    const [, inAt, outAt] = this.headerLines;
    const check = (l: number[], what: string, at: number) => {
      if (l.length < 1 || l[0] !== l.length - 1)
        this.fail(at, `malformed ${what} header: count ${l[0]} but ${l.length - 1} widths`);
    };
    check(inLine, 'input', inAt);
    check(outLine, 'output', outAt);
    this.format = 'fashion';
    this.begin(
      gates,
      wires,
      { widths: inLine.slice(1), line: inAt },
      { widths: outLine.slice(1), line: outAt },
    );
  }

  private startOld(): void {
    const [gates, wires] = this.header[0];
    const l = this.header[1];
    const at = this.headerLines[1];
    if (l.length !== 3) this.fail(at, 'malformed input header: expected "<n1> <n2> <nout>"');
    this.format = 'old';
    this.begin(gates, wires, { widths: [l[0], l[1]], line: at }, { widths: [l[2]], line: at });
  }

  /**
   * Checks the groups the header declares (each on the line given), then sets
   * up the inputs: nothing is allocated from the header before this, and then
   * only for the input wires, which the limit on input and output wires bounds.
   */
  private begin(gates: number, wires: number, ins: HeaderGroups, outs: HeaderGroups): void {
    for (const { widths, line } of [ins, outs]) {
      for (const w of widths) {
        if (!(w >= 1)) this.fail(line, `a group of ${w} wires: every input and output needs at least 1`);
      }
    }
    const totalIn = ins.widths.reduce((s, w) => s + w, 0);
    const totalOut = outs.widths.reduce((s, w) => s + w, 0);
    // The line blamed is the one whose widths take the total over.
    const lineOver = (max: number) => (totalIn > max ? ins.line : outs.line);
    if (totalIn + totalOut > wires) {
      this.fail(
        lineOver(wires),
        `inputs and outputs need ${totalIn + totalOut} wires but the header declares ${wires}`,
      );
    }
    if (totalIn + totalOut > this.maxIoWires) {
      this.overLimit(
        lineOver(this.maxIoWires),
        `${totalIn + totalOut} input and output wires exceed the limit of ${this.maxIoWires}`,
      );
    }
    this.gatesDeclared = gates;
    this.wireCount = wires;
    this.defined = new WireSet(wires, totalIn);
    let first = 0;
    for (const [i, w] of ins.widths.entries()) {
      this.inputs.push({ name: String(i), wires: wireRange(first, w) });
      first += w;
    }
    this.outputWidths = outs.widths;
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
    if (!this.defined.has(w)) this.fail(this.line, `wire ${w} is used before it is set`);
    return w;
  }

  private set(w: number): number {
    this.wire(w);
    if (!this.defined.add(w)) this.fail(this.line, `wire ${w} is set twice`);
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
        // The header counts a MAND as one gate, the limit each of its ANDs.
        const total = this.gatesDeclared + nout - 1;
        if (total > this.maxGates)
          this.overLimit(
            this.line,
            `${total} gates (each AND of a MAND counted) exceed the limit of ${this.maxGates}`,
          );
        for (let i = 0; i < nout; i++) {
          const a = this.use(nums[2 + i]);
          const b = this.use(nums[2 + nout + i]);
          g.push(GateOp.AND, a, b, this.set(nums[2 + nin + i]));
        }
        this.gatesDeclared = total;
        break;
      }
      default:
        this.fail(this.line, `unknown gate ${shown(op)} (expected XOR, AND, INV, EQ, EQW or MAND)`);
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
