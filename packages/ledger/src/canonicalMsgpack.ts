/**
 * Canonical MessagePack: the deterministic subset of the MessagePack
 * specification (https://github.com/msgpack/msgpack/blob/master/spec.md) that
 * ledger entries are written in, so that one record has exactly one byte
 * string and therefore one leaf hash.
 *
 * The subset, and the canonical rules (the decoder rejects everything else):
 * - nil, false, true;
 * - unsigned integers 0 … 2^53 − 1 in the shortest form (positive fixint,
 *   uint8, uint16, uint32, uint64); no negative integers, no floats;
 * - str (valid UTF-8) and bin with the shortest length header;
 * - arrays with the shortest header;
 * - maps with the shortest header, string keys only, sorted by the bytes of
 *   their UTF-8 encoding, no duplicates;
 * - no extension types, nothing after the value.
 *
 * msgpackr (used for protocol frames) does not promise a canonical form: it
 * writes large integers as float64, keys in insertion order and string
 * headers sized by an estimate. Hence this small codec.
 *
 * Limits of the decoder: the caller's `maxBytes`, and `MAX_DEPTH` nesting.
 */
import { InvalidInput } from '@parley/interface';
import { quoteUntrusted } from './_untrusted.js';

/** The values canonical msgpack can hold. Maps are plain objects with a null prototype when decoded. */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | CanonicalValue[]
  | { [key: string]: CanonicalValue };

/** Nesting limit of the decoder (entries need 3). */
export const MAX_DEPTH = 16;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Writer {
  buf = new Uint8Array(512);
  view = new DataView(this.buf.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  header(n: number, fix: number, fixMax: number, c8: number, c16: number, c32: number): void {
    this.ensure(5);
    if (n <= fixMax) this.buf[this.pos++] = fix | n;
    else if (c8 !== 0 && n <= 0xff) {
      this.buf[this.pos++] = c8;
      this.buf[this.pos++] = n;
    } else if (n <= 0xffff) {
      this.buf[this.pos++] = c16;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = c32;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  uint(n: number): void {
    this.ensure(9);
    if (n < 0x80) this.buf[this.pos++] = n;
    else if (n <= 0xff) {
      this.buf[this.pos++] = 0xcc;
      this.buf[this.pos++] = n;
    } else if (n <= 0xffff) {
      this.buf[this.pos++] = 0xcd;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else if (n <= 0xffffffff) {
      this.buf[this.pos++] = 0xce;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, BigInt(n));
      this.pos += 8;
    }
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function write(w: Writer, v: CanonicalValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new InvalidInput(`canonical msgpack: nesting deeper than ${MAX_DEPTH}`);
  if (v === null) w.byte(0xc0);
  else if (v === false) w.byte(0xc2);
  else if (v === true) w.byte(0xc3);
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new InvalidInput(`canonical msgpack: ${v} is not an unsigned safe integer`);
    }
    w.uint(v);
  } else if (typeof v === 'string') {
    const b = utf8Encoder.encode(v);
    w.header(b.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
    w.bytes(b);
  } else if (v instanceof Uint8Array) {
    w.header(v.length, 0, -1, 0xc4, 0xc5, 0xc6);
    w.bytes(v);
  } else if (Array.isArray(v)) {
    w.header(v.length, 0x90, 15, 0, 0xdc, 0xdd);
    for (const x of v) write(w, x, depth + 1);
  } else if (typeof v === 'object') {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .map((k) => [k, utf8Encoder.encode(k)] as const)
      .sort((a, b) => compareBytes(a[1], b[1]));
    w.header(keys.length, 0x80, 15, 0, 0xde, 0xdf);
    for (const [k, kb] of keys) {
      w.header(kb.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
      w.bytes(kb);
      write(w, v[k], depth + 1);
    }
  } else {
    throw new InvalidInput(`canonical msgpack: cannot encode a ${typeof v}`);
  }
}

/** Encodes `value` canonically. Object properties that are `undefined` are left out. */
export function encodeCanonical(value: CanonicalValue): Uint8Array {
  const w = new Writer();
  write(w, value, 0);
  return w.buf.slice(0, w.pos);
}

class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(why: string): never {
    throw new InvalidInput(`${this.what}: ${why} at byte ${this.pos}`, {
      field: this.what,
      offset: this.pos,
    });
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) this.fail('truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A length header that must be the shortest: `min` is the smallest length the header may carry. */
  len(n: number, min: number): number {
    if (n < min) this.fail('non-canonical (longer than necessary) length header');
    return n;
  }

  str(n: number): string {
    const b = this.take(n);
    try {
      return utf8Decoder.decode(b);
    } catch {
      return this.fail('string is not valid UTF-8');
    }
  }

  value(depth: number): CanonicalValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const t = this.u8();
    if (t <= 0x7f) return t;
    if (t >= 0x80 && t <= 0x8f) return this.map(t & 0x0f, depth);
    if (t >= 0x90 && t <= 0x9f) return this.array(t & 0x0f, depth);
    if (t >= 0xa0 && t <= 0xbf) return this.str(t & 0x1f);
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.take(this.len(this.u8(), 0)).slice();
      case 0xc5:
        return this.take(this.len(this.u16(), 0x100)).slice();
      case 0xc6:
        return this.take(this.len(this.u32(), 0x10000)).slice();
      case 0xcc: {
        const v = this.u8();
        if (v < 0x80) this.fail('non-canonical integer');
        return v;
      }
      case 0xcd: {
        const v = this.u16();
        if (v <= 0xff) this.fail('non-canonical integer');
        return v;
      }
      case 0xce: {
        const v = this.u32();
        if (v <= 0xffff) this.fail('non-canonical integer');
        return v;
      }
      case 0xcf: {
        this.need(8);
        const v = this.view.getBigUint64(this.pos);
        this.pos += 8;
        if (v <= 0xffffffffn) this.fail('non-canonical integer');
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('integer above 2^53 - 1');
        return Number(v);
      }
      case 0xd9:
        return this.str(this.len(this.u8(), 32));
      case 0xda:
        return this.str(this.len(this.u16(), 0x100));
      case 0xdb:
        return this.str(this.len(this.u32(), 0x10000));
      case 0xdc:
        return this.array(this.len(this.u16(), 16), depth);
      case 0xdd:
        return this.array(this.len(this.u32(), 0x10000), depth);
      case 0xde:
        return this.map(this.len(this.u16(), 16), depth);
      case 0xdf:
        return this.map(this.len(this.u32(), 0x10000), depth);
      default:
        return this.fail(`type 0x${t.toString(16)} is outside canonical msgpack (no floats, negatives, ext)`);
    }
  }

  array(n: number, depth: number): CanonicalValue[] {
    // Each element takes at least one byte: a length beyond the input is a lie.
    if (n > this.buf.length - this.pos) this.fail('array longer than the input');
    const out: CanonicalValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
    return out;
  }

  map(n: number, depth: number): { [key: string]: CanonicalValue } {
    if (n * 2 > this.buf.length - this.pos) this.fail('map longer than the input');
    const out: { [key: string]: CanonicalValue } = Object.create(null);
    let prev: Uint8Array | undefined;
    for (let i = 0; i < n; i++) {
      const t = this.u8();
      let klen: number;
      if (t >= 0xa0 && t <= 0xbf) klen = t & 0x1f;
      else if (t === 0xd9) klen = this.len(this.u8(), 32);
      else if (t === 0xda) klen = this.len(this.u16(), 0x100);
      else if (t === 0xdb) klen = this.len(this.u32(), 0x10000);
      else this.fail('map key is not a string');
      const start = this.pos;
      const key = this.str(klen);
      const kb = this.buf.subarray(start, this.pos);
      if (prev !== undefined && compareBytes(prev, kb) >= 0)
        this.fail(`map keys not sorted or repeated at the key ${quoteUntrusted(key)}`);
      prev = kb;
      out[key] = this.value(depth + 1);
    }
    return out;
  }
}

/**
 * Decodes canonical msgpack, rejecting any byte string that `encodeCanonical`
 * would not have produced. `what` names the input in errors (`InvalidInput`).
 */
export function decodeCanonical(bytes: Uint8Array, what: string, maxBytes: number): CanonicalValue {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInput(`${what}: expected bytes`, { field: what });
  if (bytes.length > maxBytes) {
    throw new InvalidInput(`${what}: ${bytes.length} bytes, more than the limit of ${maxBytes}`, {
      field: what,
    });
  }
  const r = new Reader(bytes, what);
  const v = r.value(0);
  if (r.pos !== bytes.length) r.fail('trailing bytes after the value');
  return v;
}
