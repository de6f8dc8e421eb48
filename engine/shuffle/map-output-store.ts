// Map outputs an executor keeps in memory instead of writing files: most shuffles of a job are a
// few MB per map task, and writing, opening and reading files for them costs more than moving
// their bytes. An output is kept only while it fits (one output at most `maxOutputBytes`, all of
// them at most `capacityBytes`; dataflow.shuffle.memoryOutputBytes lowers the first); the rest go to files. Kept outputs are served exactly like files
// and lost with their executor exactly like files (the driver then recomputes them).
//
// In an executor process the store lives on the main thread (which serves blocks to other
// executors); task threads encode into SharedArrayBuffers, so handing an output to the store, or
// reading one back for a local reduce task, shares memory instead of copying it; a dropped
// output's buffer goes back to the pool of the thread that encoded it (output-buffers.ts).

import type { EncodedBuckets } from './bucket-encoder.ts';
import { mapOutputStem } from './block-id.ts';
import { releaseOutputBuffer } from './output-buffers.ts';

/**
 * Largest single map output kept in memory (the default of dataflow.shuffle.memoryOutputBytes), and
 * all of them together, per executor and application (until the executor memory budget owns it).
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_CAPACITY_BYTES = 512 * 1024 * 1024;

export class MapOutputStore {
  private readonly outputs = new Map<string, EncodedBuckets>();
  private bytes = 0;

  constructor(
    private readonly capacityBytes = DEFAULT_CAPACITY_BYTES,
    private readonly maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES,
  ) {}

  /**
   * Keeps `output` if it fits; false means "write it to files instead".
   *
   * @example
   * if (!store.offer(3, 5, 0, encoded)) await writeMapOutputFiles(target, encoded);
   */
  offer(shuffleId: number, mapPartition: number, attempt: number, output: EncodedBuckets): boolean {
    const size = output.bytes.byteLength;
    if (size > this.maxOutputBytes || this.bytes + size > this.capacityBytes) return false;
    const key = mapOutputStem(shuffleId, mapPartition, attempt);
    this.bytes += size - (this.outputs.get(key)?.bytes.byteLength ?? 0);
    this.outputs.set(key, output);
    return true;
  }

  /** The kept output of one map task attempt, if it is held here. */
  get(shuffleId: number, mapPartition: number, attempt: number): EncodedBuckets | undefined {
    return this.outputs.get(mapOutputStem(shuffleId, mapPartition, attempt));
  }

  /** get for each [mapPartition, attempt] of `maps`. */
  getMany(shuffleId: number, maps: ReadonlyArray<readonly [mapPartition: number, attempt: number]>): Array<EncodedBuckets | undefined> {
    return maps.map(([mapPartition, attempt]) => this.get(shuffleId, mapPartition, attempt));
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }

  /** Number of outputs held. */
  get count(): number {
    return this.outputs.size;
  }

  /** Forgets the output of one map task attempt (its task was killed), if it is held here. */
  drop(shuffleId: number, mapPartition: number, attempt: number): void {
    const key = mapOutputStem(shuffleId, mapPartition, attempt);
    const output = this.outputs.get(key);
    if (!output) return;
    this.bytes -= output.bytes.byteLength;
    this.outputs.delete(key);
    releaseOutputBuffer(output.bytes);
  }

  /** Forgets every output of one shuffle (no dataset reads it any more). */
  dropShuffle(shuffleId: number): void {
    const prefix = `shuffle_${shuffleId}_`;
    for (const [key, output] of [...this.outputs]) {
      if (!key.startsWith(prefix)) continue;
      this.bytes -= output.bytes.byteLength;
      this.outputs.delete(key);
      releaseOutputBuffer(output.bytes); // its thread's next map task encodes into it
    }
  }

  /** Forgets every output (the application ended). */
  clear(): void {
    for (const output of this.outputs.values()) releaseOutputBuffer(output.bytes);
    this.outputs.clear();
    this.bytes = 0;
  }
}

/** How a task reaches its executor's kept map outputs: directly, or through the main thread. */
export interface MapOutputAccess {
  /** Allocates the buffer a map output is encoded into. */
  allocate(byteLength: number): Uint8Array;
  /** MapOutputStore.offer, possibly across threads. */
  offer(shuffleId: number, mapPartition: number, attempt: number, output: EncodedBuckets): Promise<boolean>;
  /** MapOutputStore.get of several outputs of one shuffle in one call (one message across threads). */
  getMany(shuffleId: number, maps: ReadonlyArray<readonly [mapPartition: number, attempt: number]>): Promise<Array<EncodedBuckets | undefined>>;
}

/** Access to a store in the same thread. @example env.mapOutputs = directAccess(new MapOutputStore()) */
export function directAccess(store: MapOutputStore): MapOutputAccess {
  return {
    allocate: (n) => new Uint8Array(n),
    offer: async (s, m, a, output) => store.offer(s, m, a, output),
    getMany: async (s, maps) => store.getMany(s, maps),
  };
}
