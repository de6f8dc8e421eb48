// Milestones of a CLI run on stderr when DATAFLOW_TIMING=1 (`dataflow timing: 812 ms job loaded`,
// milliseconds since the process started), to see where the time of a submit goes.

const enabled = process.env.DATAFLOW_TIMING === '1';

export function timing(milestone: string): void {
  if (enabled) process.stderr.write(`dataflow timing: ${Math.round(performance.now())} ms ${milestone}\n`);
}
