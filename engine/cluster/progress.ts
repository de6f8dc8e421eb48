// A progress line per stage on a terminal ("stage 1: 7/9 tasks, 1.2 s, spilled 96.0 MB"); silent
// when stderr is not one. A listener of the driver's bus (listener-bus.ts).

import { F, IO } from '../events/packed-events.ts';
import { visitRows, type DriverEvent, type DriverEventBatch, type DriverListener, type RowVisitor } from './listener-bus.ts';

export class ProgressReporter implements DriverListener, RowVisitor {
  private readonly stages = new Map<number, { done: number; total: number; started: number; spillBytes: number }>();
  private lastDraw = 0;

  constructor(private readonly enabled: boolean, private readonly out: NodeJS.WriteStream = process.stderr) {}

  onEvents(batch: DriverEventBatch): void {
    if (this.enabled) visitRows(batch, this);
  }

  taskStart(): void {}

  taskEnd(n: Float64Array, row: number): void {
    if (n[row + F.status] === 0) this.taskDone(n[row + F.stageId]!, n[row + F.io + IO.spillBytes]!);
  }

  other(e: DriverEvent): void {
    switch (e.event) {
      case 'StageSubmitted': this.stageSubmitted(e.stageId, e.numTasks); break;
      case 'StageCompleted': this.stageCompleted(e.stageId); break;
      case 'PartitionsCut': this.partitionsCut(e); break;
      default: break;
    }
  }

  stageSubmitted(stageId: number, tasks: number): void {
    const stage = this.stages.get(stageId);
    if (stage) stage.total += tasks; // a resubmission after lost outputs adds tasks
    else this.stages.set(stageId, { done: 0, total: tasks, started: performance.now(), spillBytes: 0 });
    this.draw(stageId, true);
  }

  taskDone(stageId: number, spillBytes = 0): void {
    const stage = this.stages.get(stageId);
    if (!stage) return;
    stage.done++;
    stage.spillBytes += spillBytes;
    this.draw(stageId, false);
  }

  /** A shuffle's buckets were grouped into partitions by size: one line. */
  partitionsCut(cut: { shuffleIds: number[]; buckets: number; bytes: number; partitions: number }): void {
    if (this.enabled) this.out.write(`\r\x1b[2K${cutLine(cut)}\n`);
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
    this.out.write(`\r\x1b[2K${progressLine(stageId, stage.done, stage.total, seconds, stage.spillBytes)}`);
  }
}

/** @example progressLine(1, 7, 9, '1.2', 100663296) // 'stage 1: 7/9 tasks, 1.2 s, spilled 96.0 MB' */
export function progressLine(stageId: number, done: number, total: number, seconds: string, spillBytes: number): string {
  const spilled = spillBytes > 0 ? `, spilled ${(spillBytes / 2 ** 20).toFixed(1)} MB` : '';
  return `stage ${stageId}: ${done}/${total} tasks, ${seconds} s${spilled}`;
}

/**
 * @example cutLine({ shuffleIds: [2], buckets: 64, bytes: 8_388_608, partitions: 3 })
 *   // 'shuffle 2: 8.0 MB in 64 buckets → 3 partitions'
 */
export function cutLine(cut: { shuffleIds: number[]; buckets: number; bytes: number; partitions: number }): string {
  const shuffles = `shuffle${cut.shuffleIds.length > 1 ? 's' : ''} ${cut.shuffleIds.join(' + ')}`;
  return `${shuffles}: ${(cut.bytes / 2 ** 20).toFixed(1)} MB in ${cut.buckets} buckets → ${cut.partitions} partition${cut.partitions === 1 ? '' : 's'}`;
}
