// Bootstrap of an executor's task thread: the engine is TypeScript, so the thread registers the
// same TS loader the process uses before importing its real entry point.
import { register } from 'tsx/esm/api';

register();
await import('./task-thread.ts');
