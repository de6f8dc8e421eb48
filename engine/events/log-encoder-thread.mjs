// Bootstrap of the event log's encoder thread: the engine is TypeScript, so the thread loads its real
// code compiled, as the CLI does (bin/compiled-engine.mjs), else through the TS loader.
import { compiledEntry } from '../../bin/compiled-engine.mjs';

const compiled = process.env.DATAFLOW_COMPILED === '0' ? undefined : await compiledEntry('log-encoder-thread');
if (compiled) {
  process.setSourceMapsEnabled(true);
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./log-encoder-thread.ts');
}
