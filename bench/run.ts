// `npm run bench`: runs every benchmark this file knows, one child process each (so one bench's
// sessions, executors and heap never disturb the next), passing the remaining arguments through.
//
//   npm run bench                          every benchmark
//   npm run bench -- --only core           only the ones named (comma-separated)
//   npm run bench -- --only core --quick   arguments other than --only go to each benchmark
//
// Benchmarks are never part of `npm test`.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Benchmark name → its file (each runnable alone with `npx tsx bench/<file>`). */
const BENCHES: Record<string, string> = {
  core: 'core.ts',
  svd: 'svd.ts',
  parquet: 'parquet.ts',
  als: 'als.ts',
  recovery: 'recovery.ts',
  submit: 'submit.ts',
  'local-driver': 'local-driver.ts',
};

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

function parseArgs(argv: string[]): { only: string[]; rest: string[] } {
  const rest: string[] = [];
  let only = Object.keys(BENCHES);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice('--only='.length) : argv[++i];
      if (!value) throw new Error('bench: --only needs a benchmark name, e.g. --only core');
      only = value.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = only.filter((name) => !(name in BENCHES));
      if (unknown.length > 0) throw new Error(`bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
    } else {
      rest.push(arg);
    }
  }
  return { only, rest };
}

/** How this run was started, as a user would retype it. */
function commandLine(argv: string[]): string {
  const args = argv.length > 0 ? ` ${argv.join(' ')}` : '';
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args ? ` --${args}` : ''}` : `npx tsx bench/run.ts${args}`;
}

function runBench(name: string, file: string, args: string[], command: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${file}`, import.meta.url)), ...args], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      env: { ...process.env, DATAFLOW_BENCH_COMMAND: command },
    });
    // Ctrl-C reaches the child too (same process group); it stops its sessions and exits.
    child.on('error', (error) => {
      console.error(`bench ${name}: could not start: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const { only, rest } = parseArgs(argv);
  const command = commandLine(argv);
  let failed = 0;
  for (const name of only) {
    const code = await runBench(name, BENCHES[name]!, rest, command);
    if (code !== 0) {
      failed++;
      console.error(`bench ${name} exited with code ${code}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

process.once('SIGINT', () => undefined); // let the children clean up and report; we exit when they do
main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
