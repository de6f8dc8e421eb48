#!/usr/bin/env node
// The `dataflow` command. The engine is TypeScript: it runs compiled to JavaScript (esbuild, once
// per change of the sources, compiled-engine.mjs), or through tsx's loader when that cannot be
// done or DATAFLOW_COMPILED=0.
import { compiledEntry } from './compiled-engine.mjs';

const compiled = process.env.DATAFLOW_COMPILED === '0' ? undefined : await compiledEntry('main');
if (compiled) {
  process.setSourceMapsEnabled(true); // stack traces name the TypeScript files and lines, as under tsx
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../engine/cli/main.ts');
}
