// Runs one task: evaluates the stage's pipeline for one partition (sources or shuffle reads at the
// bottom, narrow operators pipelined on top) and then either writes shuffle files or computes an
// action's partial result. Failures leave as TaskError with a typed reason.

import { Table, makeVector } from 'apache-arrow';
import type { PlanNode, SourceSpec } from '../plan/nodes.ts';
import { narrowInputs } from '../plan/nodes.ts';
import { blockSizesOf, encodeMapOutput, writeMapOutputFiles } from '../shuffle/shuffle-writer.ts';
import { releaseOutputBuffer } from '../shuffle/output-buffers.ts';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../shuffle/map-output-store.ts';
import { readParquetTask } from '../../connectors/parquet/read.ts';
import { readCsvPartitionTable } from '../../connectors/csv/read.ts';
import { writeTaskOutput } from '../../connectors/parquet/task-output.ts';
import { sampleKeys } from '../kernels/range-bounds.ts';
import { tableToRows } from '../kernels/rows.ts';
import type { Row } from '../kernels/rows.ts';
import { sliceRows } from '../kernels/take.ts';
import { topRows } from '../kernels/top-n.ts';
import type { LoadedBundle } from '../closure/load-bundle.ts';
import { libraryModulesIn, loadLibraryModules } from '../closure/library.ts';
import type { TaskEnvironment } from './environment.ts';
import { type ResultAction, type ShuffleInput, type TaskDescriptor, TaskError, type TaskMetrics, type TaskPayload, type TaskResult } from '../protocol/index.ts';
import { encodeIpc } from '../kernels/ipc.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { applyNarrowOp } from './narrow-ops.ts';
import { holdBroadcastSide } from './broadcast-join.ts';
import { applyReduce, combineStream, isBlank } from './reduce-ops.ts';
import { reduceInput } from './reduce-input.ts';
import type { ReduceInput } from './reduce-input.ts';
import { MemoryBudget } from './memory-budget.ts';
import { fetchWindowBytes, operatorBudgetBytes } from './memory-limit.ts';
import { SpillError, TaskSpill, taskSpillDir } from './spill-files.ts';
import { collectTables } from './operator-memory.ts';
import { bufferMapOutput, writeSpilledMapOutput } from './spilling-map-output.ts';
import { UserCode, broadcastIdsIn, engineFailure } from './user-code.ts';
import { InternalError } from '../errors.ts';
import { withTaskSums } from '../kernels/task-sums.ts';

export async function runTask(task: TaskDescriptor, env: TaskEnvironment): Promise<TaskResult> {
  const started = performance.now();
  const spill = new TaskSpill(taskSpillDir(env.spillDir, task), env.executorId);
  try {
    const bundle = task.bundleHash ? await loadBundleOrFail(env, task.bundleHash) : undefined;
    const broadcasts = new Map<number, unknown>();
    for (const id of broadcastIdsIn([task.plan, task.output])) broadcasts.set(id, await env.fetchBroadcast(id));
    await loadLibraryModules(libraryModulesIn([task.plan, task.output]));
    const run = new TaskRun(task, env, new UserCode(bundle, broadcasts), spill);
    const output = run.evaluate(task.plan, task.partition);
    const payload = task.output.kind === 'shuffle'
      ? await run.writeShuffle(output)
      : await run.finish(task.output.action, run.counted(output));
    const { io } = run;
    if (payload.kind === 'mapOutput') {
      for (const size of payload.blockSizes) io.shuffleWriteBytes += size;
      io.outputRecords = io.shuffleWriteRecords;
    }
    const metrics: TaskMetrics = {
      spillBytes: spill.bytesWritten, spillFiles: spill.filesWritten, peakMemoryBytes: run.peakMemoryBytes,
      cachedMemoryBytes: run.cachedMemoryBytes, cachedDiskBytes: run.cachedDiskBytes, ...io,
    };
    if (run.sums.size > 0) metrics.sums = Object.fromEntries(run.sums);
    return { payload, cachedBlocks: run.cachedBlocks, durationMs: performance.now() - started, metrics };
  } catch (error) {
    // A full or unwritable work directory is this executor's problem: retried, elsewhere if possible.
    if (error instanceof SpillError) {
      throw new TaskError({ kind: 'ExecutorResourceExhausted', resource: 'disk', executorId: error.executorId, message: error.message });
    }
    // The engine's own errors (a malformed row, a missing column, a corrupt file) describe the
    // input, which is the same on every attempt: they fail the job without retries (naming the
    // files the task read); so do its internal faults. Errors marked retryable (a storage
    // timeout, an S3 503) are retried.
    const reason = error instanceof TaskError ? error.reason : engineFailure(error);
    if (reason?.kind === 'InputError') throw new TaskError({ ...reason, message: withInputFiles(reason.message, task.plan, task.partition) });
    if (error instanceof TaskError) throw error;
    if (reason) throw new TaskError(reason);
    const e = error instanceof Error ? error : new Error(String(error));
    throw new TaskError({ kind: 'UserCodeError', message: `${e.name}: ${e.message}`, stack: e.stack });
  } finally {
    spill.remove();
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
  /** Bytes of the partitions this task cached, kept in memory and written to disk. */
  cachedMemoryBytes = 0;
  cachedDiskBytes = 0;
  /** Bytes and rows the task read and wrote (TaskMetrics; the event log's TaskIo). */
  readonly io = {
    inputBytes: 0, inputRecords: 0, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 0, shuffleWriteRecords: 0, outputRecords: 0,
  };
  /** What its kernels added with addToTaskSum (TaskMetrics.sums). */
  readonly sums = new Map<string, number>();
  private readonly inputs: Map<number, ShuffleInput>;

  private readonly windowBytes: number;
  private readonly budget: MemoryBudget;

  constructor(
    private readonly task: TaskDescriptor,
    private readonly env: TaskEnvironment,
    private readonly code: UserCode,
    private readonly spill: TaskSpill,
  ) {
    this.inputs = new Map(task.shuffleInputs.map((input) => [input.shuffleId, input]));
    // Of the task's share of memory, a quarter (64 KiB to 64 MiB) is the window of blocks fetched
    // ahead; the rest is the operators' budget.
    this.windowBytes = fetchWindowBytes(env.taskMemoryBytes);
    this.budget = new MemoryBudget(operatorBudgetBytes(env.taskMemoryBytes));
  }

  /** The most bytes the task's operators held under their budget at once. */
  get peakMemoryBytes(): number {
    return this.budget.peakBytes;
  }

  /**
   * Partition `partition` of `node` as a stream of tables: one table, except where a spilling
   * operator streams its output in batches or a Parquet partition is read one row group at a time.
   * Row-wise narrow operators and mapBatches run table by table; mapPartitions,
   * mapPartitionTables, cache and the operators that need their whole input collect it first.
   */
  async *evaluate(node: PlanNode, partition: number): AsyncGenerator<Table> {
    switch (node.kind) {
      case 'source':
        for await (const table of this.readSource(node.source, node.numPartitions, partition)) {
          this.countInput(table);
          yield table;
        }
        return;
      case 'narrow': {
        if (node.op.op === 'mapPartitions' || node.op.op === 'mapPartitionTables') {
          const input = await collectTables(this.evaluate(node.parent, partition));
          yield withTaskSums(this.sums, () => applyNarrowOp(node.op, input, this.code));
          return;
        }
        // The broadcast side of a join is held while the task runs: counted in its budget.
        const held = node.op.op === 'broadcastJoin' ? holdBroadcastSide(node.op, this.code.broadcastValue(node.op.table.$broadcast), this.budget) : 0;
        try {
          for await (const table of this.evaluate(node.parent, partition)) yield withTaskSums(this.sums, () => applyNarrowOp(node.op, table, this.code));
        } finally {
          this.budget.release(held);
        }
        return;
      }
      case 'union': {
        const [input] = narrowInputs(node, partition);
        yield* this.evaluate(input!.node, input!.partition);
        return;
      }
      case 'cache': {
        const cached = this.env.blockStore.get(node.cacheId, partition) ?? await this.env.findCachedOnExecutor?.(node.cacheId, partition);
        if (cached) { this.countInput(cached); yield cached; return; }
        const remote = this.task.cachedInputs.find((c) => c.cacheId === node.cacheId && c.partition === partition && c.executorId !== this.env.executorId);
        if (remote) {
          // As Spark does, a cached block that cannot be fetched is recomputed from its lineage (the
          // result is the same); the reason is said, so a cache that keeps missing is visible.
          const fetched = await this.env.fetchCachedBlock(remote).catch((error: unknown) => {
            process.stderr.write(`executor ${this.env.executorId}: cached partition ${partition} of cache ${node.cacheId} could not be fetched from executor ${remote.executorId} ` +
              `(${error instanceof Error ? error.message : String(error)}); recomputing it from its lineage\n`);
            return undefined;
          });
          if (fetched) { this.countInput(fetched); yield fetched; return; }
        }
        const table = await collectTables(this.evaluate(node.parent, partition));
        const kept = this.env.blockStore.put(node.cacheId, partition, table);
        if (kept) {
          this.cachedBlocks.push({ cacheId: node.cacheId, partition });
          if (kept.where === 'memory') this.cachedMemoryBytes += kept.bytes;
          else this.cachedDiskBytes += kept.bytes;
        }
        yield table;
        return;
      }
      case 'shuffled': {
        const inputs = node.deps.map((dep) => this.shuffleInput(dep.shuffleId));
        yield* applyReduce(node.reduce, inputs, { code: this.code, budget: this.budget, spill: this.spill, taskMemoryBytes: this.env.taskMemoryBytes });
        return;
      }
    }
  }

  /** A source partition as a stream: one table, or one per run of row groups of a Parquet partition. */
  private async *readSource(source: SourceSpec, numPartitions: number, partition: number): AsyncGenerator<Table> {
    switch (source.kind) {
      case 'memory': yield await this.env.fetchBlob(source.blobId, partition); return;
      case 'range': yield rangePartition(source.start, source.end, source.step, numPartitions, partition); return;
      case 'parquet': yield* readParquetTask(source.partitions[partition]!, source.columns, source.read); return;
      case 'csv': yield await readCsvPartitionTable(source.partitions[partition]!, source.options); return;
    }
  }

  /** The blocks of this task's reduce partition of one shuffle, streamed in map order (reduce-input.ts). */
  private shuffleInput(shuffleId: number): ReduceInput {
    const input = this.inputs.get(shuffleId);
    if (!input) throw new InternalError('NO_SHUFFLE_INPUT', `task ${this.task.taskId} reads shuffle ${shuffleId} but its descriptor has no block locations for it`);
    const blocks = reduceInput(input, this.env, { windowBytes: this.windowBytes });
    const io = this.io;
    io.shuffleReadBytes += blocks.bytes;
    return {
      bytes: blocks.bytes,
      async *[Symbol.asyncIterator]() {
        for await (const table of blocks) {
          io.shuffleReadRecords += table.numRows;
          yield table;
        }
      },
    };
  }

  /** A source's or a cached partition's table, counted as the task's input (its Arrow buffers' bytes). */
  private countInput(table: Table): void {
    this.io.inputRecords += table.numRows;
    for (const batch of table.batches) this.io.inputBytes += batch.data.byteLength;
  }

  /** The result's stream, its rows counted as the task's output. */
  async *counted(tables: AsyncIterable<Table>): AsyncGenerator<Table> {
    for await (const table of tables) {
      this.io.outputRecords += table.numRows;
      yield table;
    }
  }

  async writeShuffle(tables: AsyncIterable<Table>): Promise<TaskPayload> {
    const output = this.task.output;
    if (output.kind !== 'shuffle') throw new InternalError('NOT_A_MAP_TASK', `task ${this.task.taskId} writes a shuffle but its output is '${output.kind}'`);
    const { shuffleId } = output.dep;
    const { partition: mapPartition, attempt } = this.task;
    // A hash partitioner without key columns (distinct) hashes every column.
    const p = output.dep.partitioner;
    const encode = (table: Table) => {
      this.io.shuffleWriteRecords += table.numRows;
      const partitioner = p.kind === 'hash' && p.keys.length === 0 ? { ...p, keys: table.schema.fields.map((f) => f.name) } : p;
      return encodeMapOutput(table, partitioner, output.numPartitions, this.env.mapOutputs.allocate, shuffleId);
    };
    // Without a map-side combine, the output is held only up to the task's memory share; past
    // that it is written in spilled parts, merged into the map output's files at the end.
    const buffered = output.dep.combine
      ? { rest: await combineStream(output.dep.combine, tables, this.code), parts: [] }
      : await bufferMapOutput(tables, { budget: this.budget, spill: this.spill }, encode);
    if (buffered.parts.length > 0) {
      const target = { dir: this.env.shuffleDir, shuffleId, mapPartition, attempt };
      const { files, schema } = await writeSpilledMapOutput(target, buffered, encode);
      return { kind: 'mapOutput', blockSizes: files.blockSizes, schemaIpc: encodeIpc(new Table(schema)) };
    }
    const combined = buffered.rest;
    if (isBlank(combined)) {
      // An empty partition of unknown schema: nothing to write, every block is empty.
      const blockSizes = new Array<number>(output.numPartitions).fill(0);
      return { kind: 'mapOutput', blockSizes };
    }
    const encoded = encode(combined);
    const keep = encoded.bytes.byteLength <= (output.memoryOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    if (!keep || !(await this.env.mapOutputs.offer(shuffleId, mapPartition, attempt, encoded))) {
      await writeMapOutputFiles({ dir: this.env.shuffleDir, shuffleId, mapPartition, attempt }, encoded);
      releaseOutputBuffer(encoded.bytes); // written: the next map task of this thread encodes into it
    }
    const blockSizes = blockSizesOf(encoded.offsets);
    const schemaIpc = combined.numCols > 0 ? encodeIpc(new Table(combined.schema)) : undefined;
    return { kind: 'mapOutput', blockSizes, schemaIpc };
  }

  /** An action's partial result for this partition; count, take and reduce consume the stream as it comes. */
  async finish(action: ResultAction, output: AsyncIterable<Table>): Promise<TaskPayload> {
    switch (action.kind) {
      case 'count': {
        let count = 0;
        for await (const table of output) count += table.numRows;
        return { kind: 'count', count };
      }
      case 'take': {
        const kept: Table[] = [];
        let rows = 0;
        for await (const table of output) {
          kept.push(table);
          rows += table.numRows;
          if (rows >= action.n) break;
        }
        const table = kept.length === 1 ? kept[0]! : concatTables(kept);
        return { kind: 'table', ipc: encodeIpc(table.numRows > action.n ? sliceRows(table, 0, action.n) : table) };
      }
      case 'takeOrdered': {
        // Each table's top n, then the top n of those kept so far followed by it (input order kept for ties).
        let kept: Table | undefined;
        for await (const table of output) {
          if (isBlank(table)) { kept ??= table; continue; }
          const top = topRows(table, action.keys, action.n);
          kept = kept === undefined || isBlank(kept) ? top : topRows(concatTables([kept, top]), action.keys, action.n);
        }
        return { kind: 'table', ipc: encodeIpc(kept ?? concatTables([])) };
      }
      case 'reduce': {
        const fn = this.code.callable(action.fn) as (a: Row, b: Row) => Row;
        let acc: Row | undefined;
        for await (const table of output) {
          for (const row of tableToRows(table)) acc = acc === undefined ? row : fn(acc, row);
        }
        return acc === undefined ? { kind: 'value', present: false, value: undefined } : { kind: 'value', present: true, value: acc };
      }
      case 'collect': return { kind: 'table', ipc: encodeIpc(await collectTables(output)) };
      case 'writeParquet': {
        const table = await collectTables(output);
        if (isBlank(table)) return { kind: 'file', rows: 0, written: false };
        const target = { dir: action.dir, jobToken: action.jobToken, partition: this.task.partition, attempt: this.task.attempt };
        await writeTaskOutput(table, target, { compression: action.compression, rowGroupSize: action.rowGroupSize, partitionBy: action.partitionBy, storage: action.storage });
        return { kind: 'file', rows: table.numRows, written: true };
      }
      case 'sampleKeys': {
        const table = await collectTables(output);
        if (isBlank(table)) return { kind: 'samples', samples: [] };
        return { kind: 'samples', samples: sampleKeys(table, action.keys, action.maxSamples, action.seed + this.task.partition) };
      }
    }
  }
}

/** An input error's message, naming the files this task read directly when it does not already. */
function withInputFiles(message: string, plan: PlanNode, partition: number): string {
  const files = [...new Set(filesRead(plan, partition))].filter((f) => !message.includes(f));
  return files.length === 0 ? message : `${message} (input: ${files.join(', ')})`;
}

/** The files partition `p` of `node` reads itself (not through a shuffle). */
function filesRead(node: PlanNode, p: number): string[] {
  if (node.kind !== 'source') return narrowInputs(node, p).flatMap((input) => filesRead(input.node, input.partition));
  const source = node.source;
  if (source.kind === 'parquet') return (source.partitions[p] ?? []).map((group) => group.file);
  const file = source.kind === 'csv' ? source.partitions[p]?.file : undefined;
  return file ? [file] : [];
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
