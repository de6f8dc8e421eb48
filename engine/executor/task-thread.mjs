// Bootstrap of an executor's task thread: the engine is TypeScript, so the thread loads its real
// entry point compiled, as the CLI does (bin/compiled-engine.mjs), else through the TS loader.
import { importEntry } from '../../bin/compiled-engine.mjs';

await importEntry('task-thread', new URL('./task-thread.ts', import.meta.url).href);
