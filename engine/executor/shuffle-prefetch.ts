// A queued reduce task's remote shuffle blocks, fetched by the executor's main thread while the task
// before it runs, so that they are there when it starts (Spark keeps fetches in flight; Dask queues
// tasks on workers). Its task thread takes them when it asks (moved, not copied). A fetch that fails
// is only forgotten: the task fetches those blocks itself, and a block really gone fails it there.

import type { Connection } from '../transport/index.ts';
import type { TaskDescriptor } from '../protocol/index.ts';
import { type BlocksRequest, type FetchedBlocks, requestBlocks } from './app-environment.ts';
import { nonEmptyBlocks, planRequests } from './reduce-input.ts';

export interface ShufflePrefetchOptions {
  executorId: string;
  appId: string;
  /** The main thread's connection to a peer executor's block server. */
  peer: (location: { host: string; port: number }) => Promise<Connection>;
  /** The most bytes fetched ahead for one task (its fetch window: what it may hold of fetched blocks anyway). */
  maxBytesPerTask: number;
  /** Told the bytes of each prefetched request a task took. */
  onTaken?: (bytes: number) => void;
}

/** The one string that names a fetchBlocks request, the same on both threads. */
function requestKey(r: BlocksRequest): string {
  return `${r.shuffleId}/${r.reducePartition}-${r.endPartition}/${r.executorId}/${r.maps.map(([m, a]) => `${m}.${a}`).join(',')}`;
}

/**
 * @example
 * prefetch.start(task);                       // task queued behind a running one
 * await prefetch.take(task.taskId, request);  // from its thread, once it runs: the bytes, or undefined
 * prefetch.drop(task.taskId);                 // it ended (or was killed): what it did not take is freed
 */
export class ShufflePrefetch {
  /** taskId → the task's requests fetched ahead, by requestKey (undefined once a fetch failed). */
  private readonly byTask = new Map<number, Map<string, Promise<FetchedBlocks | undefined>>>();

  constructor(private readonly options: ShufflePrefetchOptions) {}

  /** Requests held now (fetched or in flight, not yet taken), over every task. */
  get held(): number {
    let n = 0;
    for (const fetches of this.byTask.values()) n += fetches.size;
    return n;
  }

  /**
   * Starts fetching the remote blocks `task` reads, planned as its reduce input plans them
   * (reduce-input.ts planRequests), in its order, up to maxBytesPerTask.
   */
  start(task: TaskDescriptor): void {
    if (this.byTask.has(task.taskId)) return;
    const { executorId, appId, peer } = this.options;
    const fetches = new Map<string, Promise<FetchedBlocks | undefined>>();
    let budget = this.options.maxBytesPerTask;
    for (const input of task.shuffleInputs) {
      const { shuffleId, reducePartition } = input;
      const endPartition = input.endPartition ?? reducePartition + 1;
      const blocks = nonEmptyBlocks(input);
      for (const request of planRequests(blocks, executorId)) {
        if (!request.remote || request.bytes > budget) continue;
        budget -= request.bytes;
        const located = request.indices.map((i) => blocks[i]!);
        const key = requestKey({ shuffleId, reducePartition, endPartition, executorId: located[0]!.executorId, maps: located.map((l) => [l.mapPartition, l.attempt]) });
        const fetched = peer(located[0]!).then((conn) => requestBlocks(conn, appId, located, shuffleId, reducePartition, endPartition));
        fetches.set(key, fetched.catch(() => undefined));
      }
    }
    if (fetches.size > 0) this.byTask.set(task.taskId, fetches);
  }

  /** The blocks of `request` fetched for task `taskId` (waiting for a fetch in flight), once; undefined if none or it failed. */
  async take(taskId: number, request: BlocksRequest): Promise<FetchedBlocks | undefined> {
    const fetches = this.byTask.get(taskId);
    const key = requestKey(request);
    const fetched = fetches?.get(key);
    if (!fetches || !fetched) return undefined;
    fetches.delete(key);
    if (fetches.size === 0) this.byTask.delete(taskId);
    const blocks = await fetched;
    if (blocks) this.options.onTaken?.(blocks.body.byteLength);
    return blocks;
  }

  /** Whether blocks were fetched (or are being fetched) for task `taskId` and not all taken. */
  has(taskId: number): boolean {
    return this.byTask.has(taskId);
  }

  /** Task `taskId` ended, was killed or dropped: what was fetched for it and not taken is freed. */
  drop(taskId: number): void {
    this.byTask.delete(taskId);
  }

  clear(): void {
    this.byTask.clear();
  }
}
