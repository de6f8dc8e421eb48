// Bootstrap of the event log's encoder thread: the engine is TypeScript, so the thread loads its real
// code compiled, as the CLI does (bin/compiled-engine.mjs), else through the TS loader.
import { importEntry } from '../../bin/compiled-engine.mjs';

await importEntry('log-encoder-thread', new URL('./log-encoder-thread.ts', import.meta.url).href);
