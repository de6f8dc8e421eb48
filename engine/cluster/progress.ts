// A progress line per stage on a terminal ("stage 1: 7/9 tasks, 1.2 s"); silent when stderr is not one.

export class ProgressReporter {
  private readonly stages = new Map<number, { done: number; total: number; started: number }>();
  private lastDraw = 0;

  constructor(private readonly enabled: boolean, private readonly out: NodeJS.WriteStream = process.stderr) {}

  stageSubmitted(stageId: number, tasks: number): void {
    const stage = this.stages.get(stageId);
    if (stage) stage.total += tasks; // a resubmission after lost outputs adds tasks
    else this.stages.set(stageId, { done: 0, total: tasks, started: performance.now() });
    this.draw(stageId, true);
  }

  taskDone(stageId: number): void {
    const stage = this.stages.get(stageId);
    if (!stage) return;
    stage.done++;
    this.draw(stageId, false);
  }

  stageCompleted(stageId: number): void {
    this.draw(stageId, true);
    if (this.enabled) this.out.write('\n');
    this.stages.delete(stageId);
  }

  private draw(stageId: number, force: boolean): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const stage = this.stages.get(stageId);
    if (!stage) return;
    const seconds = ((now - stage.started) / 1000).toFixed(1);
    this.out.write(`\r\x1b[2Kstage ${stageId}: ${stage.done}/${stage.total} tasks, ${seconds} s`);
  }
}
