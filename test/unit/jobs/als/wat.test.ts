import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { AlsKernelSourceError } from '../../../../jobs/als/errors.ts';
import { explicitRowWat } from '../../../../jobs/als/explicit-wat.ts';
import { compileWat } from '../../../../jobs/als/wat.ts';

const exportsOf = (module: WebAssembly.Module | null): string[] => (module ? WebAssembly.Module.exports(module).map((e) => `${e.kind} ${e.name}`) : []);

describe('the ALS kernels compile from their WebAssembly text', () => {
  it('cg-kernels.wat gives the memory and the three CG kernels', () => {
    const text = readFileSync(new URL('../../../../jobs/als/cg-kernels.wat', import.meta.url), 'utf8');
    expect(exportsOf(compileWat('cg-kernels.wat', text))).toEqual(['memory memory', 'function ratingsApply', 'function gramApply', 'function residualRows']);
  });

  it('score-kernels.wat gives the memory and the top-K kernels (score block, candidates)', () => {
    const text = readFileSync(new URL('../../../../jobs/als/score-kernels.wat', import.meta.url), 'utf8');
    expect(exportsOf(compileWat('score-kernels.wat', text))).toEqual(['memory memory', 'function scoreBlock', 'function candidates']);
  });

  it('explicitRowWat(m) compiles for every width, with one named f64x2 local per accumulator pair', () => {
    for (let m = 1; m <= 16; m++) {
      const text = explicitRowWat(m);
      expect(exportsOf(compileWat(`explicitRowWat(${m})`, text))).toEqual(['memory memory', 'function explicitRow']);
      const last = m - 1;
      expect(text).toContain(`(local $a${last}_${last >> 1} v128)`);
      expect(text).not.toContain(`(local $a${m}_0 v128)`);
    }
  });

  it('text that does not compile is an AlsKernelSourceError naming the source, line and column', () => {
    const broken = '(module\n  (func (result i32)\n    (local.get $nope)))\n';
    expect(() => compileWat('broken.wat', broken)).toThrow(AlsKernelSourceError);
    expect(() => compileWat('broken.wat', broken)).toThrow(/ALS kernel broken\.wat[\s\S]*broken\.wat:3:16: error: undefined local variable "\$nope"/);
    const mistyped = '(module\n  (func (result i32)\n    (f64.const 1)))\n';
    expect(() => compileWat('mistyped.wat', mistyped)).toThrow(/mistyped\.wat:3:6: error: type mismatch/);
  });
});
