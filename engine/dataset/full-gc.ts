// A full garbage collection of this process on demand, for the cleaner (cleaner.ts): V8 offers one
// only with --expose-gc; set at run time, that flag gives a new context a `gc` function (the main
// context's globals are left as they are). A forced collection frees hidden classes no live object
// has, and with them the optimized code that embeds them: keepDecoderShapes keeps the Arrow decoder's.

import v8 from 'node:v8';
import vm from 'node:vm';
import { keepDecoderShapes } from '../kernels/ipc.ts';

let gc: (() => void) | undefined;

/** Collects garbage now, old generation included, so FinalizationRegistry callbacks follow. @example fullGc() */
export function fullGc(): void {
  if (!gc) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gc = exposed;
    else {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    }
    keepDecoderShapes();
  }
  gc();
}
