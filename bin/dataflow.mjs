#!/usr/bin/env node
// The `dataflow` command. The engine is TypeScript run through tsx's loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../engine/cli/main.ts');
