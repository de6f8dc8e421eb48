// Runs the real `dataflow` command in a child process with its own TMPDIR, so a test can check
// that nothing was left behind: no temporary files and no executor processes.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'dataflow.mjs');
/** The `dataflow` program package.json installs (a shell launcher that execs Node on BIN). */
export const PROGRAM = join(ROOT, 'bin', 'dataflow');

/** stderr without the UI line `submit` prints when the UI is on; `uiLine` holds it. */
export interface CliResult { code: number | null; stdout: string; stderr: string; uiLine: string | undefined; leftovers: string[]; orphans: string[]; pid: number | undefined }

/** How `submit`'s UI line starts (engine/cli/submit.ts uiLine; cli.test.ts checks the whole line). */
const UI_LINE_PREFIX = 'dataflow: UI at ';

/** Splits `submit`'s UI line (engine/cli/submit.ts uiLine) off its stderr, so tests of other output read the rest. */
export function splitUiLine(stderr: string): { stderr: string; uiLine: string | undefined } {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith(UI_LINE_PREFIX));
  if (at < 0) return { stderr, uiLine: undefined };
  return { stderr: [...lines.slice(0, at), ...lines.slice(at + 1)].join('\n'), uiLine: lines[at] };
}

export async function runCli(args: string[], options: { cwd?: string; timeoutMs?: number; command?: string[]; env?: Record<string, string> } = {}): Promise<CliResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'dataflow-cli-test-'));
  try {
    const [program, ...programArgs] = options.command ?? [process.execPath, BIN, ...args];
    const child = spawn(program!, programArgs, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    // tsx keeps its compile cache in the temp folder (tsx-<uid>); it is the loader's, not ours. The
    // event logs (dataflow-events) are kept on purpose, for `dataflow history`.
    return { code, pid: child.pid, stdout, ...splitUiLine(stderr), leftovers: readdirSync(tmp).filter((f) => !f.startsWith('tsx-') && f !== 'dataflow-events'), orphans: processesMentioning(tmp) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Command lines of running processes that mention `text` (executors carry their work dir). */
export function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo'));
}
