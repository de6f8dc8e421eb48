// The npm packages a job bundle takes from the host process instead of bundling its own copy
// (host-modules.ts loads them), so their objects (an Arrow Table) pass the engine's `instanceof`
// checks; their types are therefore part of the engine's public face, which the job type-check
// (cli/typecheck/job-program.ts) resolves from the engine's declarations.

export const SHARED_PACKAGES: readonly string[] = ['apache-arrow'];
