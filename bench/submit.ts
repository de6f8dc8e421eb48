// Time from `dataflow submit` to result for a trivial job (`session.range(0, 10).count()`), through
// the real CLI as a user runs it, beside plain `node -e` counting ten numbers in the same run. The
// job lives outside the repository and imports 'dataflow', as a user's would. Scenarios:
//   local / local[2]          the job unchanged since its last run (its type-check is cached)
//   local, job changed        the job edited before every run, so it is type-checked again: from
//                             the checker's snapshot (typecheck/snapshot.ts), and in a worker
//                             thread as before it (DATAFLOW_TYPECHECK_SNAPSHOT=0); the check's own
//                             wall time inside the submit is reported too (DATAFLOW_TIMING)
// Runs of ours and of the peer alternate, after one unrecorded warm-up each. Prints a table of
// median / min / max of wall and CPU time (the machine is shared), the commands, and writes bench/results/submit-<timestamp>.json.
//
//   npx tsx bench/submit.ts [--runs N] [--quick]
//   npm run bench -- --only submit

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarise } from './lib/measure.ts';
import { runCommand } from './lib/run-command.ts';
import type { Sample } from './lib/measure.ts';
import { fmt, machineInfo, markdownTable, writeResults } from './lib/report.ts';
import { runIfScript } from './lib/script.ts';

const BIN = fileURLToPath(new URL('../bin/dataflow.mjs', import.meta.url));
const PEER_SCRIPT = 'let n = 0; for (let i = 0; i < 10; i++) n++; console.log(n);';
const GOAL_MS: Record<string, number> = { local: 1500, 'local[2]': 2500 };

const JOB = (edit: number): string => `// edit ${edit}
import type { Session } from 'dataflow';

export default async function main(session: Session): Promise<void> {
  console.log(await session.range(0, 10).count());
}
`;

interface Scenario { name: string; master: string; changeJob: boolean; goalMs?: number; env?: Record<string, string> }

interface RunTimes { wallMs: number; cpuMs: number; stderr: string }

/** The type-check's wall milliseconds in a submit's DATAFLOW_TIMING output (`typecheck: … in 412 ms`). */
function checkMs(stderr: string): number | undefined {
  const found = stderr.match(/typecheck: checked .*? error\(s\) in (\d+) ms/);
  return found ? Number(found[1]) : undefined;
}

/**
 * Wall and CPU (user + system, the command and its children: executors too) milliseconds of one
 * command run to completion; fails unless it prints exactly `expected`. CPU is read with bash's
 * `times`, since the machine is shared and wall time alone mostly measures the others' load.
 */
async function timeCommand(argv: string[], cwd: string, expected: string, env: Record<string, string> = {}): Promise<RunTimes> {
  const script = '"$@"; status=$?; times >&2; exit $status';
  const { code, stdout, stderr, wallMs } = await runCommand(['bash', '-c', script, 'bash', ...argv], cwd, env);
  // `times` prints the shell's own user/system times, then its children's: `0m0.480s 0m0.080s`.
  const children = stderr.trim().split('\n').at(-1)?.match(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/);
  if (code !== 0 || stdout.trim() !== expected || !children) {
    throw new Error(`${argv.join(' ')} exited ${code} printing '${stdout.trim()}': ${stderr.trim()}`);
  }
  const cpuMs = (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000;
  return { wallMs, cpuMs, stderr };
}

function parseArgs(argv: string[]): { runs: number } {
  const i = argv.indexOf('--runs');
  const runs = i >= 0 ? Number(argv[i + 1]) : argv.includes('--quick') ? 3 : 7;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`bench submit: --runs needs a positive integer, got ${argv[i + 1]}`);
  return { runs };
}

const seconds = (s: Sample): string => `${fmt(s.median / 1e3)} s (min ${fmt(s.min / 1e3)}, max ${fmt(s.max / 1e3)})`;

export async function main(argv: string[]): Promise<number> {
  const { runs } = parseArgs(argv);
  const command = process.env.DATAFLOW_BENCH_COMMAND ?? ['npx tsx bench/submit.ts', ...argv].join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'dataflow-bench-submit-'));
  const jobPath = join(dir, 'job.ts');
  const peer = [process.execPath, '-e', PEER_SCRIPT];
  const scenarios: Scenario[] = [
    { name: 'local', master: 'local', changeJob: false, goalMs: GOAL_MS.local },
    { name: 'local[2]', master: 'local[2]', changeJob: false, goalMs: GOAL_MS['local[2]'] },
    { name: 'local, job changed before each run', master: 'local', changeJob: true, env: { DATAFLOW_TIMING: '1' } },
    { name: 'local, job changed, checked in a worker (no snapshot)', master: 'local', changeJob: true, env: { DATAFLOW_TIMING: '1', DATAFLOW_TYPECHECK_SNAPSHOT: '0' } },
  ];
  const results: Array<{ scenario: Scenario; ours: Sample; peer: Sample; oursCpu: Sample; peerCpu: Sample; check?: Sample; command: string }> = [];
  let edit = 0;
  try {
    writeFileSync(jobPath, JOB(edit));
    for (const scenario of scenarios) {
      const ours = [process.execPath, BIN, 'submit', jobPath, '--master', scenario.master];
      const oursMs: number[] = [];
      const peerMs: number[] = [];
      const oursCpu: number[] = [];
      const peerCpu: number[] = [];
      const checks: number[] = [];
      for (let run = -1; run < runs; run++) {
        if (scenario.changeJob) writeFileSync(jobPath, JOB(++edit));
        const a = await timeCommand(ours, dir, '10', scenario.env);
        const b = await timeCommand(peer, dir, '10');
        const check = checkMs(a.stderr);
        if (run >= 0) {
          oursMs.push(a.wallMs); peerMs.push(b.wallMs); oursCpu.push(a.cpuMs); peerCpu.push(b.cpuMs);
          if (check !== undefined) checks.push(check);
        }
        process.stderr.write(`submit bench: ${scenario.name} run ${run + 1}: ${fmt(a.wallMs)} ms, CPU ${fmt(a.cpuMs)} ms${check === undefined ? '' : `, type-check ${check} ms`} (peer ${fmt(b.wallMs)} ms, CPU ${fmt(b.cpuMs)} ms)\n`);
      }
      const env = Object.entries(scenario.env ?? {}).map(([k, v]) => `${k}=${v} `).join('');
      results.push({ scenario, ours: summarise(oursMs), peer: summarise(peerMs), oursCpu: summarise(oursCpu), peerCpu: summarise(peerCpu), check: checks.length > 0 ? summarise(checks) : undefined, command: `${env}dataflow submit job.ts --master ${scenario.master}` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = results.flatMap(({ scenario, ours, peer, oursCpu, peerCpu, check }) => [
    {
      measure: `submit to result, ${scenario.name} (wall)`,
      dataflow: seconds(ours),
      reference: `node -e: ${seconds(peer)}`,
      verdict: scenario.goalMs === undefined ? `${fmt(ours.median / peer.median)}× the peer`
        : `goal ≤ ${fmt(scenario.goalMs / 1e3)} s: ${ours.median <= scenario.goalMs ? 'met' : 'NOT met'} (${fmt(ours.median / peer.median)}× the peer)`,
    },
    {
      measure: `submit to result, ${scenario.name} (CPU, user + system, executors included)`,
      dataflow: seconds(oursCpu),
      reference: `node -e: ${seconds(peerCpu)}`,
      verdict: `${fmt(oursCpu.median / Math.max(1, peerCpu.median))}× the peer`,
    },
    ...(check ? [{
      measure: `type-check of the job inside that submit, ${scenario.name} (wall)`,
      dataflow: seconds(check),
      reference: `submit to result: ${seconds(ours)}`,
      verdict: `goal ≤ 0.5 s: ${check.median <= 500 ? 'met' : 'NOT met'}`,
    }] : []),
  ]);
  const machine = machineInfo();
  console.log(markdownTable(rows));
  console.log('');
  console.log(`ours: node bin/dataflow.mjs submit <tmp>/job.ts --master <master>  (the job imports 'dataflow'; ${runs} runs each after a warm-up)`);
  console.log(`peer: node -e '${PEER_SCRIPT}'`);
  console.log(`command: ${command}`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, load ${(machine.loadAverage as number[]).join(' ')}`);
  const saved = await writeResults('bench/results', 'submit', { command, machine, runs, results });
  console.log(`results: ${saved}`);
  return 0;
}

runIfScript(import.meta.url, main);
