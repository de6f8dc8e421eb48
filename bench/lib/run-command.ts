// Runs a command to its end in a child process, keeping what it printed, for benchmarks that time
// whole commands (bench/submit.ts, bench/local-driver.ts).

import { spawn } from 'node:child_process';

export interface CommandRun { code: number | null; stdout: string; stderr: string; wallMs: number }

/**
 * Runs `argv` (no shell) in `cwd` with the environment plus `env`; resolves when it has ended and
 * its output is read, whatever its exit code; rejects only when it cannot be started.
 *
 * @example const { code, stdout } = await runCommand(['node', '-e', 'console.log(1)'], process.cwd());
 */
export function runCommand(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<CommandRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, wallMs: performance.now() - started }));
  });
}
