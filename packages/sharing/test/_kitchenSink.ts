/** One program with every integer operation of the IR, for several types at once (one session covers them all). */
import { int, type PlainInputs, type Program, uint, type ValueType } from '@parley/circuit';
import { builder, rawInputs, type TestRandom } from './_harness.js';

export const INTEGER_TYPES: ValueType[] = [int(8), uint(8), int(32), uint(32), int(64), uint(64)];
const N = 7;

const tag = (t: ValueType) => `${t.kind}${(t as { bits: number }).bits}`;

/** With `divisions` false, no integer division or remainder (hundreds of rounds each: tested where parties are fewer). */
export function kitchenSink(
  types: ValueType[],
  parties: number,
  r: TestRandom,
  divisions = true,
): { p: Program; inputs: PlainInputs } {
  const { b, names } = builder(parties);
  const values: Record<string, Record<string, bigint[]>> = Object.fromEntries(names.map((n) => [n, {}]));
  for (const t of types) {
    const k = tag(t);
    const x = b.input(names[0], `x${k}`, t, N);
    const y = b.input(names[1], `y${k}`, t, N);
    const s = b.input(names[parties - 1], `s${k}`, t);
    values[names[0]][`x${k}`] = r.values(t, N);
    values[names[1]][`y${k}`] = r.values(t, N);
    values[names[parties - 1]][`s${k}`] = r.values(t, 1);
    const out = (name: string, v: Parameters<typeof b.output>[1]) => b.output(`${name}.${k}`, v);
    out('add', x.add(y));
    out('sub', x.sub(y));
    out('mul', x.mul(y));
    out('neg', x.neg());
    out('and', x.and(y));
    out('or', x.or(y));
    out('xor', x.xor(y));
    out('not', x.not());
    out('eq', x.eq(y));
    out('ne', x.ne(y));
    out('lt', x.lt(y));
    out('le', x.le(y));
    out('gt', x.gt(y));
    out('ge', x.ge(y));
    out('min', x.min(y));
    out('max', x.max(y));
    out('shl', x.shl(3));
    out('shr', x.shr(3));
    if (divisions) {
      out('div', x.div(y));
      out('rem', x.rem(y));
    }
    out('mux', x.lt(y).select(x, y));
    out('addc', x.add(7));
    out('mulc', x.mul(5));
    out('ltc', x.lt(10));
    out('csub', b.constant(3, t).sub(x));
    out('eqc', x.eq(0));
    out('bcast', x.add(s).mul(s));
    out('sum', x.sum());
    out('prefix', x.prefixSum());
    out('minof', x.minOf());
    out('maxof', x.maxOf());
    out('sort', y.sort());
    out('dot', x.dot(y));
    out('slice', x.slice(2, 5));
    out('concat', b.concat(x, y, s));
    out('narrow', x.cast(t.kind === 'int' ? int(8) : uint(8)));
    out('widen', x.cast(t.kind === 'int' ? int(64) : uint(64)));
    out(
      'sign',
      x.cast(t.kind === 'int' ? uint((t as { bits: number }).bits) : int((t as { bits: number }).bits)),
    );
    out('bits', x.lt(y).cast(t));
    const bits = (t as { bits: number }).bits;
    const amount = t.kind === 'uint' ? y : y.cast(uint(bits));
    out('shlv', b.binary('shlv', x, amount));
    out('shrv', b.binary('shrv', x, amount));
    if (bits <= 8) out('pow', x.pow(y));
    out('public', b.constant(3, t).mul(b.constant(5, t)).add(x));
    out('const', b.constant(3, t).sub(b.constant(5, t)));
    const column = Array.from({ length: N }, (_, i) => (t.kind === 'int' ? i - 3 : i * 37));
    out('ltv', x.lt(b.constant(column, t)));
    out('gev', b.constant(column, t).ge(y));
    // a secret scalar, and a public vector, against a vector on the boolean side (lowered gates, calls)
    out('bcastand', x.and(s));
    out('bcastxor', s.xor(y));
    out('bcastlt', x.lt(s));
    out('bcastmux', x.lt(y).select(s, y));
    out('andv', x.and(b.constant(column, t)));
    if (divisions) out('divv', x.div(b.constant(column, t)));
    // values that may have wrapped: no range is known, comparisons take the general path
    out('ltw', x.mul(y).lt(x.add(y)));
    out('eqw', x.mul(y).eq(y.mul(x).add(0)));
    out('maxw', x.mul(s).max(y));
  }
  const p = b.build();
  return { p, inputs: rawInputs(p, values) };
}
