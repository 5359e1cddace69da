import { describe, expect, it } from 'vitest';
import { canonicalEncoding, defineComputation, fixed, int, uint } from '../src/index.js';

function spec(threshold = 100, recipients: string[] | 'all' = 'all') {
  return {
    name: 'count-above',
    parties: ['alice', 'bob'],
    inputs: {
      a: { party: 'alice', type: uint(32), length: 4 },
      b: { party: 'bob', type: 'uint(32)', length: 4 },
    },
    outputs: { total: recipients, above: ['bob'] },
    compute: ({ a, b }: Record<'a' | 'b', import('../src/index.js').Value>) => {
      const s = a.add(b);
      return { total: s.sum(), above: s.gt(threshold).cast(uint(32)).sum() };
    },
  };
}

describe('defineComputation', () => {
  it('evaluates in plaintext and gives each party only its outputs', () => {
    const c = defineComputation(spec());
    const inputs = { alice: { a: [1, 50, 100, 7] }, bob: { b: [2, 60, 1, 90] } };
    expect(c.evaluatePlaintext(inputs)).toEqual({ total: 311n, above: 2n });
    expect(c.outputsFor('alice', inputs)).toEqual({ total: 311n });
    expect(c.outputsFor('bob', inputs)).toEqual({ total: 311n, above: 2n });
  });

  it('has an id that is stable, pinned, and changes with anything that affects the result', () => {
    const id = defineComputation(spec()).id;
    expect(defineComputation(spec()).id).toBe(id);
    // Pinned: a change here means the canonical encoding changed (format version bump needed).
    expect(id).toMatchInlineSnapshot(`"a555b77b017edaebce851160ecac48bb39b8be9ddb6fa258ec933a72492e4c6c"`);
    expect(defineComputation(spec(101)).id).not.toBe(id);
    expect(defineComputation(spec(100, ['alice'])).id).not.toBe(id);
    expect(defineComputation({ ...spec(), name: 'other' }).id).not.toBe(id);
    expect(defineComputation({ ...spec(), protocol: 'sharing' }).id).not.toBe(id);
    expect(defineComputation({ ...spec(), parties: ['alice', 'bob', 'carol'] }).id).not.toBe(id);
  });

  it('the canonical encoding has sorted keys and no secret values', () => {
    const c = defineComputation(spec());
    const encode = () =>
      new TextDecoder().decode(canonicalEncoding(c.circuit, { name: c.name, protocol: c.protocol }));
    const text = encode();
    expect(text.startsWith('{"format":"parley-computation-v1"')).toBe(true);
    const parsed = JSON.parse(text);
    expect(parsed.nodes.length).toBe(c.circuit.nodes.length);
    // Every object's keys, at every depth, in sorted order.
    const unsorted: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (Array.isArray(v)) {
        for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
      } else if (v !== null && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.join('\0') !== [...keys].sort().join('\0')) unsorted.push(path || '(top)');
        for (const k of keys) walk((v as Record<string, unknown>)[k], `${path}.${k}`);
      }
    };
    walk(parsed, '');
    expect(unsorted).toEqual([]);
    expect(text).toBe(JSON.stringify(parsed, (_, v) => v));
    // The encoding describes the computation only: a run on distinctive inputs leaves it unchanged.
    const secrets = {
      alice: { a: [918_273, 645_546, 372_819, 100_092] },
      bob: { b: [827_365, 554_638, 281_911, 9_184] },
    };
    c.evaluatePlaintext(secrets);
    expect(encode()).toBe(text);
    for (const v of [...secrets.alice.a, ...secrets.bob.b]) expect(text).not.toContain(String(v));
  });

  it('supports fixed point and signed types', () => {
    const c = defineComputation({
      name: 'mean-diff',
      parties: ['h1', 'h2', 'h3'],
      inputs: {
        x: { party: 'h1', type: fixed(32, 16), length: 3 },
        y: { party: 'h2', type: fixed(32, 16), length: 3 },
        k: { party: 'h3', type: int(16) },
      },
      outputs: { diff: 'all', k2: ['h3'] },
      compute: ({ x, y, k }) => ({ diff: x.sub(y).sum().mul(0.5), k2: k.mul(k) }),
    });
    expect(c.evaluatePlaintext({ h1: { x: [1.5, 2, 3] }, h2: { y: [0.5, 1, 1] }, h3: { k: -12 } })).toEqual({
      diff: 2,
      k2: 144n,
    });
  });

  it('refuses undeclared and missing outputs with typed errors', () => {
    expect(() =>
      defineComputation({
        ...spec(),
        outputs: { total: 'all' } as never,
        compute: ({ a }) => ({ total: a.sum(), extra: a.sum() }) as never,
      }),
    ).toThrow(/'extra', which is not a declared output/);
    expect(() => defineComputation({ ...spec(), compute: ({ a }) => ({ total: a.sum() }) as never })).toThrow(
      /output above is declared but compute\(\) did not return it/,
    );
  });

  it('refuses an unknown protocol, or one that cannot run its parties, when it is defined', () => {
    expect(() => defineComputation({ ...spec(), protocol: 'foo' as never })).toThrow(
      /unknown protocol 'foo'/,
    );
    expect(() => defineComputation({ ...spec(), protocol: 'replicated' })).toThrow(
      /replicated sharing runs three/,
    );
    const three = { ...spec(), parties: ['alice', 'bob', 'carol'], protocol: 'garbled' as const };
    expect(() => defineComputation(three)).toThrow(/garbled engine runs two parties, not 3/);
    expect(defineComputation({ ...spec(), protocol: 'sharing' }).protocol).toBe('sharing');
  });

  it('refuses a spec of the wrong shape and types that are not types with InvalidArgument naming the part', () => {
    const cases: [unknown, RegExp][] = [
      [null, /a computation spec must be an object/],
      [{ ...spec(), parties: 'ab' }, /parties must be an array/],
      [{ ...spec(), parties: ['alice', 5] }, /non-empty party names/],
      [{ ...spec(), inputs: { a: null } }, /input a: expected \{ party, type, length\? \}/],
      [{ ...spec(), inputs: { a: { party: 'alice', type: 8 } } }, /input alice\.a: not a type/],
      [
        { ...spec(), inputs: { a: { party: 'alice', type: { kind: 'uint', bits: 0 } } } },
        /input alice\.a: uint\(0\)/,
      ],
      [
        { ...spec(), inputs: { a: { party: 'alice', type: 'fixed(8,20)' } } },
        /input alice\.a: fixed\(8, 20\)/,
      ],
      [{ ...spec(), outputs: undefined }, /outputs must be an object/],
      [{ ...spec(), compute: 5 }, /compute must be a function/],
      [{ ...spec(), compute: () => undefined }, /compute\(\) must return an object/],
      [{ ...spec(), parties: ['alice'] }, /a computation runs 2 to 16 parties, not 1/],
    ];
    for (const [bad, message] of cases) {
      let caught: unknown;
      try {
        defineComputation(bad as never);
      } catch (e) {
        caught = e;
      }
      expect(caught, String(message)).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((caught as Error).message).toMatch(message);
    }
  });

  it('treats inherited names (constructor, toString) as names like any other', () => {
    expect(() =>
      defineComputation({
        ...spec(),
        outputs: { total: 'all', constructor: 'all' } as never,
      }),
    ).toThrow(/output constructor is declared but compute\(\) did not return it/);
    expect(() =>
      defineComputation({
        ...spec(),
        compute: ({ a, b }) => ({ total: a.sum(), above: b.sum(), toString: a.sum() }) as never,
      }),
    ).toThrow(/'toString', which is not a declared output/);
    expect(() => defineComputation({ ...spec(), outputs: { total: {} as never, above: ['bob'] } })).toThrow(
      /output total: recipients must be/,
    );
  });
});
