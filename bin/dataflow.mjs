#!/usr/bin/env node
// The `dataflow` command's Node entry (bin/dataflow, the installed program, execs Node on it).
// The engine is TypeScript: it runs compiled to JavaScript (esbuild, once per change of the
// sources, compiled-engine.mjs), or through tsx's loader when that cannot be done or
// DATAFLOW_COMPILED=0.
import { importEntry } from './compiled-engine.mjs';

await importEntry('main', new URL('../engine/cli/main.ts', import.meta.url).href);
