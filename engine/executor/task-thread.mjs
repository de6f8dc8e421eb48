// Bootstrap of an executor's task thread: the engine is TypeScript, so the thread loads its real
// entry point compiled, as the CLI does (bin/compiled-engine.mjs), else through the TS loader.
import { compiledEntry } from '../../bin/compiled-engine.mjs';

const compiled = process.env.DATAFLOW_COMPILED === '0' ? undefined : await compiledEntry('task-thread');
if (compiled) {
  process.setSourceMapsEnabled(true);
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./task-thread.ts');
}
