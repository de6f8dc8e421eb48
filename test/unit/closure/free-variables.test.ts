// Tests for findFreeVariables: what counts as a read of an outside variable and what does not
// (parameters of every shape, inner declarations of every kind, property names, labels).

import { describe, expect, it } from 'vitest';
import { findFreeVariables } from '../../../engine/closure/free-variables.ts';
import { isAllowedGlobal } from '../../../engine/closure/js-globals.ts';

const free = (source: string): string[] => findFreeVariables(source).map((u) => u.name);

describe('findFreeVariables', () => {
  it('finds reads of outside variables, in order of first use', () => {
    expect(free('(r) => r.rating > threshold && r.user !== banned || threshold < 0')).toEqual(['threshold', 'banned']);
  });

  it('does not flag parameters of any shape, including destructuring, defaults and rest', () => {
    const src = '({ a, b: [c, ...d], e = 1, ...rest }, [f, { g }] = [], h = a + c, ...more) => a + c + d + e + f + g + h + rest + more';
    expect(free(src)).toEqual([]);
  });

  it('flags reads inside default values and computed keys', () => {
    expect(free('({ x = fallback, [key]: y }) => x + y')).toEqual(['fallback', 'key']);
  });

  it('does not flag var, let, const, function and class declarations, hoisted or not', () => {
    const src = `function (rows) {
      total = 0;
      var total;
      for (let i = 0; i < rows.length; i++) total += helper(rows[i]);
      for (const k of Object.keys(rows)) { const v = k; total += v.length; }
      for (var j in rows) { total += j; }
      function helper(x) { return x * factor; }
      const factor = 2;
      class Acc { add(v) { return new Acc(); } }
      try { total += 1; } catch ({ message }) { total += message.length; } finally { total += 0; }
      switch (total) { case 1: let z = 1; total += z; break; default: total += 2; }
      outer: for (;;) { break outer; }
      return new Acc().add(total) && arguments.length;
    }`;
    expect(free(src)).toEqual(['Object']); // a global: ship.ts lets globals through, this function reports every read
  });

  it('respects block scope: a let inside a block is not visible after it', () => {
    expect(free('() => { { let hidden = 1; } return hidden; }')).toEqual(['hidden']);
  });

  it('does not flag property names, member accesses, object keys, method names or labels', () => {
    const src = '(o) => { const p = { key: o.value, [o.k]: 1, method() { return this.key; } }; return o.deep.path.x + p.key; }';
    expect(free(src)).toEqual([]);
  });

  it('flags shorthand properties and assignment targets as reads of the outside variable', () => {
    expect(free('() => ({ count })')).toEqual(['count']);
    expect(free('() => { counter = counter + 1; [a, b] = [b, a]; }')).toEqual(['counter', 'a', 'b']);
  });

  it('looks into nested functions and classes, with their own scopes', () => {
    const src = `async function outer(x) {
      const inner = (y) => y + x + offset;
      const f = function named(n) { return n ? named(n - 1) : limit; };
      class K extends Base { static s = seed; m() { return K; } }
      return await inner(1) + f(2);
    }`;
    expect(free(src)).toEqual(['offset', 'limit', 'Base', 'seed']);
  });

  it('gives 0-based positions within the function text', () => {
    expect(findFreeVariables('(r) => r.x > threshold')).toEqual([{ name: 'threshold', line: 0, column: 13 }]);
    expect(findFreeVariables('(r) => {\n  return   scale * r;\n}')).toEqual([{ name: 'scale', line: 1, column: 11 }]);
  });

  it('rejects text that is not a function expression', () => {
    expect(() => findFreeVariables('method() { return 1; }')).toThrow(SyntaxError);
    expect(() => findFreeVariables('function () { [native code] }')).toThrow(SyntaxError);
  });
});

describe('isAllowedGlobal', () => {
  it('allows JavaScript and Node globals but not process, require, module or __dirname', () => {
    for (const name of ['Math', 'JSON', 'Float64Array', 'Map', 'BigInt', 'console', 'structuredClone', 'undefined', 'NaN', 'Infinity', 'TextEncoder']) {
      expect(isAllowedGlobal(name), name).toBe(true);
    }
    for (const name of ['process', 'require', 'module', '__dirname', 'threshold']) expect(isAllowedGlobal(name), name).toBe(false);
  });
});
