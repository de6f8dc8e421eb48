// Which captured values travel as a shared module's name: the module namespace (and a copy of its
// bindings) does; data never does, and is not walked key by key to find out.

import { describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { sharedModuleName } from '../../../engine/closure/shared-modules.ts';

describe('sharedModuleName', () => {
  it('names apache-arrow from its namespace or a copy of its bindings', () => {
    expect(sharedModuleName(arrow)).toBe('apache-arrow');
    expect(sharedModuleName({ ...arrow })).toBe('apache-arrow');
  });

  it('returns undefined for typed arrays, arrays and ArrayBuffers without listing their keys', () => {
    const listed: string[] = [];
    const spy = <T extends object>(target: T): T => new Proxy(target, { ownKeys: (t) => { listed.push('ownKeys'); return Reflect.ownKeys(t); } });
    expect(sharedModuleName(new Float64Array(100_000))).toBeUndefined();
    expect(sharedModuleName(spy([1, 2, 3]))).toBeUndefined();
    expect(sharedModuleName(new ArrayBuffer(8))).toBeUndefined();
    expect(listed).toEqual([]);
    expect(sharedModuleName({ a: 1 })).toBeUndefined();
  });
});
