// How many bytes of Arrow buffers a task may hold: a fixed share of its executor's execution
// memory. Operators acquire bytes before they keep a buffer and release them when they drop it;
// what they cannot acquire they spill (spill-files.ts) instead of holding.
//
// Why a fixed share per task slot and no coordination between task threads: an executor with
// `--cores N` runs at most N tasks at once, each on its own thread, so N shares of budget/N
// never exceed the budget, need no locks, and make a task's spill decisions independent of
// what runs beside it (so spill metrics, unlike Spark's dynamic pool, repeat from run to run).

import type { Data, Table } from 'apache-arrow';

export class MemoryBudget {
  private used = 0;
  private peak = 0;

  /** @param limitBytes what the task may hold at once (Infinity: unbounded) */
  constructor(readonly limitBytes: number) {}

  /**
   * Takes `bytes` from the budget if they fit, else takes nothing and returns false.
   *
   * @example if (!budget.tryAcquire(tableBytes(batch))) await spill(buffered);
   */
  tryAcquire(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
    return true;
  }

  /** Takes `bytes` even if the budget is exceeded (a single batch must be held to make progress). */
  acquire(bytes: number): void {
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get usedBytes(): number {
    return this.used;
  }

  /** The most bytes held at once so far. */
  get peakBytes(): number {
    return this.peak;
  }

  /** Bytes still available. */
  get freeBytes(): number {
    return Math.max(0, this.limitBytes - this.used);
  }
}

/**
 * The bytes a table's buffers occupy: the sum of every buffer's byteLength (values, offsets,
 * validity, type ids, children, dictionaries), which is what Arrow allocates outside the V8 heap.
 *
 * @example tableBytes(tableFromArrays({ x: new Float64Array(1000) })); // 8000
 */
export function tableBytes(table: Table): number {
  let bytes = 0;
  for (const batch of table.batches) bytes += dataBytes(batch.data);
  return bytes;
}

function dataBytes(data: Data): number {
  let bytes = 0;
  for (const buffer of [data.values, data.valueOffsets, data.nullBitmap, data.typeIds] as Array<ArrayBufferView | undefined>) {
    if (buffer) bytes += buffer.byteLength;
  }
  for (const child of data.children) bytes += dataBytes(child);
  if (data.dictionary) for (const chunk of data.dictionary.data) bytes += dataBytes(chunk);
  return bytes;
}
