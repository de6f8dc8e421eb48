// Runs one task: evaluates the stage's pipeline for one partition (sources or shuffle reads at the
// bottom, narrow operators pipelined on top) and then either writes shuffle files or computes an
// action's partial result. Failures leave as TaskError with a typed reason.

import { Table, makeVector } from 'apache-arrow';
import type { PlanNode, SourceSpec } from '../plan/nodes.ts';
import { narrowInputs } from '../plan/nodes.ts';
import { writeMapOutput } from '../shuffle/shuffle-writer.ts';
import { readBlockBytes, decodeBlock } from '../shuffle/shuffle-reader.ts';
import { readParquetPartition } from '../../connectors/parquet/read.ts';
import { readCsvPartitionTable } from '../../connectors/csv/read.ts';
import { writeTaskOutput } from '../../connectors/parquet/task-output.ts';
import { sampleKeys } from '../kernels/range-bounds.ts';
import { tableToRows } from '../kernels/rows.ts';
import type { Row } from '../kernels/rows.ts';
import { sliceRows } from '../kernels/take.ts';
import type { LoadedBundle } from '../closure/load-bundle.ts';
import { libraryModulesIn, loadLibraryModules } from '../closure/library.ts';
import type { TaskEnvironment } from './environment.ts';
import { type BlockLocation, type ResultAction, type ShuffleInput, type TaskDescriptor, TaskError, type TaskPayload, type TaskResult } from '../protocol/index.ts';
import { decodeIpc, encodeIpc } from '../kernels/ipc.ts';
import { applyNarrowOp } from './narrow-ops.ts';
import { applyCombine, applyReduce, isBlank } from './reduce-ops.ts';
import { UserCode, broadcastIdsIn, engineFailure } from './user-code.ts';
import { DataflowError, InternalError } from '../errors.ts';

/** Bytes asked of one executor in one request, and requests outstanding at once, per reduce task. */
const FETCH_BATCH_BYTES = 16 * 1024 * 1024;
const FETCHES_IN_FLIGHT = 4;

export async function runTask(task: TaskDescriptor, env: TaskEnvironment): Promise<TaskResult> {
  const started = performance.now();
  try {
    const bundle = task.bundleHash ? await loadBundleOrFail(env, task.bundleHash) : undefined;
    const broadcasts = new Map<number, unknown>();
    for (const id of broadcastIdsIn([task.plan, task.output])) broadcasts.set(id, await env.fetchBroadcast(id));
    await loadLibraryModules(libraryModulesIn([task.plan, task.output]));
    const run = new TaskRun(task, env, new UserCode(bundle, broadcasts));
    const table = await run.evaluate(task.plan, task.partition);
    const payload = task.output.kind === 'shuffle'
      ? await run.writeShuffle(table)
      : await run.finish(task.output.action, table);
    return { payload, cachedBlocks: run.cachedBlocks, durationMs: performance.now() - started };
  } catch (error) {
    if (error instanceof TaskError) throw error;
    // The engine's own errors (a malformed row, a missing column, a corrupt file) describe the
    // input, which is the same on every attempt: they fail the job without retries; so do its
    // internal faults. Errors marked retryable (a storage timeout, an S3 503) are retried.
    const engine = engineFailure(error);
    if (engine) throw new TaskError(engine);
    const e = error instanceof Error ? error : new Error(String(error));
    throw new TaskError({ kind: 'UserCodeError', message: `${e.name}: ${e.message}`, stack: e.stack });
  }
}

async function loadBundleOrFail(env: TaskEnvironment, hash: string): Promise<LoadedBundle> {
  try {
    return await env.loadBundle(hash);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TaskError({ kind: 'BundleLoadFailed', executorId: env.executorId, message });
  }
}

class TaskRun {
  readonly cachedBlocks: Array<{ cacheId: number; partition: number }> = [];
  private readonly inputs: Map<number, ShuffleInput>;

  constructor(private readonly task: TaskDescriptor, private readonly env: TaskEnvironment, private readonly code: UserCode) {
    this.inputs = new Map(task.shuffleInputs.map((input) => [input.shuffleId, input]));
  }

  async evaluate(node: PlanNode, partition: number): Promise<Table> {
    switch (node.kind) {
      case 'source': return this.readSource(node.source, node.numPartitions, partition);
      case 'narrow': return applyNarrowOp(node.op, await this.evaluate(node.parent, partition), this.code);
      case 'union': {
        const [input] = narrowInputs(node, partition);
        return this.evaluate(input!.node, input!.partition);
      }
      case 'cache': {
        const cached = this.env.blockStore.get(node.cacheId, partition) ?? await this.env.findCachedOnExecutor?.(node.cacheId, partition);
        if (cached) return cached;
        const remote = this.task.cachedInputs.find((c) => c.cacheId === node.cacheId && c.partition === partition && c.executorId !== this.env.executorId);
        if (remote) {
          const fetched = await this.env.fetchCachedBlock(remote).catch(() => undefined);
          if (fetched) return fetched;
        }
        const table = await this.evaluate(node.parent, partition);
        this.env.blockStore.put(node.cacheId, partition, table);
        this.cachedBlocks.push({ cacheId: node.cacheId, partition });
        return table;
      }
      case 'shuffled': {
        const inputs: Table[][] = [];
        for (const dep of node.deps) inputs.push(await this.readShuffle(dep.shuffleId));
        return applyReduce(node.reduce, inputs, this.code);
      }
    }
  }

  private async readSource(source: SourceSpec, numPartitions: number, partition: number): Promise<Table> {
    switch (source.kind) {
      case 'memory': return this.env.fetchBlob(source.blobId, partition);
      case 'range': return rangePartition(source.start, source.end, source.step, numPartitions, partition);
      case 'parquet': return readParquetPartition(source.partitions[partition]!, source.columns, source.read);
      case 'csv': return readCsvPartitionTable(source.partitions[partition]!, source.options);
    }
  }

  /**
   * All blocks of this task's reduce partition for one shuffle, in map order (so the result does
   * not depend on which fetch returned first). Local blocks are read from disk; remote ones are
   * fetched with one request per executor and up to FETCH_BATCH_BYTES per request, a few requests
   * in flight at once (Spark's maxBytesInFlight / maxReqsInFlight).
   */
  private async readShuffle(shuffleId: number): Promise<Table[]> {
    const input = this.inputs.get(shuffleId);
    if (!input) throw new InternalError('NO_SHUFFLE_INPUT', `task ${this.task.taskId} reads shuffle ${shuffleId} but its descriptor has no block locations for it`);
    const blocks = input.blocks.filter((b) => b.size > 0);
    const bytes: Uint8Array[] = new Array(blocks.length);
    const requests: Array<{ indices: number[]; remote: boolean }> = [];
    const byExecutor = new Map<string, number[]>();
    blocks.forEach((block, i) => {
      if (block.executorId === this.env.executorId) requests.push({ indices: [i], remote: false });
      else byExecutor.set(block.executorId, [...(byExecutor.get(block.executorId) ?? []), i]);
    });
    for (const indices of byExecutor.values()) {
      let batch: number[] = [];
      let batchBytes = 0;
      for (const i of indices) {
        if (batch.length > 0 && batchBytes + blocks[i]!.size > FETCH_BATCH_BYTES) {
          requests.push({ indices: batch, remote: true });
          batch = [];
          batchBytes = 0;
        }
        batch.push(i);
        batchBytes += blocks[i]!.size;
      }
      if (batch.length > 0) requests.push({ indices: batch, remote: true });
    }
    const fetchOne = async (request: { indices: number[]; remote: boolean }): Promise<void> => {
      const located = request.indices.map((i) => blocks[i]!);
      try {
        const got = request.remote
          ? await this.env.fetchRemoteBlocks(located, shuffleId, input.reducePartition)
          : [await readBlockBytes(this.env.shuffleDir, shuffleId, located[0]!.mapPartition, located[0]!.attempt, input.reducePartition)];
        got.forEach((b, k) => {
          if (b.byteLength !== located[k]!.size) {
            throw new DataflowError('SHUFFLE_BLOCK_SIZE', `expected ${located[k]!.size} bytes for map ${located[k]!.mapPartition}, got ${b.byteLength}`);
          }
          bytes[request.indices[k]!] = b;
        });
      } catch (error) {
        throw fetchFailed(located, shuffleId, input.reducePartition, `fetching failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) await fetchOne(requests[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(FETCHES_IN_FLIGHT, requests.length) }, worker));
    const tables: Table[] = [];
    bytes.forEach((b, i) => {
      let table: Table | undefined;
      try {
        table = decodeBlock(b);
      } catch (error) {
        // Corrupt on disk or on the way: the map output is recomputed, as for a block that cannot be fetched.
        throw fetchFailed([blocks[i]!], shuffleId, input.reducePartition, `the block does not decode: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (table) tables.push(table);
    });
    if (tables.length === 0 && input.schemaIpc) tables.push(decodeIpc(input.schemaIpc, `the schema of shuffle ${shuffleId} (sent by the driver)`));
    return tables;
  }

  async writeShuffle(table: Table): Promise<TaskPayload> {
    const output = this.task.output;
    if (output.kind !== 'shuffle') throw new InternalError('NOT_A_MAP_TASK', `task ${this.task.taskId} writes a shuffle but its output is '${output.kind}'`);
    const combined = output.dep.combine ? applyCombine(output.dep.combine, table, this.code) : table;
    if (isBlank(combined)) {
      // An empty partition of unknown schema: nothing to write, every block is empty.
      const blockSizes = new Array<number>(output.numPartitions).fill(0);
      return { kind: 'mapOutput', blockSizes };
    }
    // A hash partitioner without key columns (distinct) hashes every column.
    const p = output.dep.partitioner;
    const partitioner = p.kind === 'hash' && p.keys.length === 0 ? { ...p, keys: combined.schema.fields.map((f) => f.name) } : p;
    const { blockSizes } = await writeMapOutput({
      dir: this.env.shuffleDir, shuffleId: output.dep.shuffleId, mapPartition: this.task.partition,
      attempt: this.task.attempt, table: combined, partitioner, numPartitions: output.numPartitions,
    });
    const schemaIpc = combined.numCols > 0 ? encodeIpc(new Table(combined.schema)) : undefined;
    return { kind: 'mapOutput', blockSizes, schemaIpc };
  }

  async finish(action: ResultAction, table: Table): Promise<TaskPayload> {
    switch (action.kind) {
      case 'collect': return { kind: 'table', ipc: encodeIpc(table) };
      case 'take': return { kind: 'table', ipc: encodeIpc(table.numRows > action.n ? sliceRows(table, 0, action.n) : table) };
      case 'count': return { kind: 'count', count: table.numRows };
      case 'reduce': {
        const fn = this.code.callable(action.fn) as (a: Row, b: Row) => Row;
        const rows = tableToRows(table);
        if (rows.length === 0) return { kind: 'value', present: false, value: undefined };
        let acc = rows[0]!;
        for (let i = 1; i < rows.length; i++) acc = fn(acc, rows[i]!);
        return { kind: 'value', present: true, value: acc };
      }
      case 'writeParquet': {
        if (isBlank(table)) return { kind: 'file', rows: 0, written: false };
        const target = { dir: action.dir, jobToken: action.jobToken, partition: this.task.partition, attempt: this.task.attempt };
        await writeTaskOutput(table, target, { compression: action.compression, rowGroupSize: action.rowGroupSize, partitionBy: action.partitionBy, storage: action.storage });
        return { kind: 'file', rows: table.numRows, written: true };
      }
      case 'sampleKeys': {
        if (isBlank(table)) return { kind: 'samples', samples: [] };
        return { kind: 'samples', samples: sampleKeys(table, action.keys, action.maxSamples, action.seed + this.task.partition) };
      }
    }
  }
}

/** FetchFailed for the first of `located` (its map output is recomputed), naming every block of the request. */
function fetchFailed(located: BlockLocation[], shuffleId: number, reducePartition: number, what: string): TaskError {
  const first = located[0]!;
  return new TaskError({
    kind: 'FetchFailed', executorId: first.executorId, shuffleId, mapPartition: first.mapPartition, reducePartition,
    message: `shuffle ${shuffleId} blocks (maps ${located.map((l) => l.mapPartition).join(', ')} → reduce ${reducePartition}) from executor ${first.executorId} at ${first.host}:${first.port}: ${what}`,
  });
}

/** Partition `p` of range(start, end, step) split into `n` near-equal slices, as column `id`. */
function rangePartition(start: number, end: number, step: number, n: number, p: number): Table {
  const total = Math.max(0, Math.ceil((end - start) / step));
  const from = Math.floor((total * p) / n);
  const to = Math.floor((total * (p + 1)) / n);
  const fitsInt32 = Math.max(Math.abs(start), Math.abs(start + step * total)) < 2 ** 31 && Number.isInteger(start) && Number.isInteger(step);
  const values = fitsInt32 ? new Int32Array(to - from) : new Float64Array(to - from);
  for (let i = from; i < to; i++) values[i - from] = start + i * step;
  return new Table({ id: makeVector(values) });
}
