// The map side of a shuffle within the task's memory share: a map task's output is buffered only
// up to half its budget (the encoded copy needs as much again); past that, what is buffered is
// partitioned and encoded (the layout of shuffle-writer.ts) and written to the task's spill
// folder as one part, and the task goes on. At the end the parts and the rest still in memory are
// concatenated bucket by bucket into the map output's files (shuffle/merge-map-output.ts), as
// Spark's sort-based shuffle writer merges its spills. A task that never passed the threshold
// gets its whole output back, to be kept in memory or written as before.

import { Table } from 'apache-arrow';
import type { Schema } from 'apache-arrow';
import type { EncodedBuckets } from '../shuffle/bucket-encoder.ts';
import { schemaMessage } from '../shuffle/ipc-messages.ts';
import { writeMergedMapOutput } from '../shuffle/merge-map-output.ts';
import type { MapOutputPart } from '../shuffle/merge-map-output.ts';
import type { MapOutputFiles, MapOutputTarget } from '../shuffle/shuffle-writer.ts';
import { releaseOutputBuffer } from '../shuffle/output-buffers.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { tableBytes } from './memory-budget.ts';
import { MIN_FRAME_BYTES, chunks, isBlank } from './operator-memory.ts';
import type { OperatorMemory } from './operator-memory.ts';

/** A map task's output: whole in memory (`parts` empty), or spilled parts and the rest. */
export interface BufferedMapOutput {
  /** Rows not spilled, in order (the whole output when nothing was spilled). */
  rest: Table;
  /** Spilled parts in order, each with the schema of the rows it holds. */
  parts: Array<{ file: string; offsets: number[]; schema: Schema }>;
}

/**
 * Consumes a map task's output, spilling encoded parts whenever more than half the budget is
 * buffered. `encode` partitions and encodes some of the rows (the buffer it returns is released
 * once written).
 *
 * @example
 * const { rest, parts } = await bufferMapOutput(tables, { budget, spill }, (t) => encodeMapOutput(t, p, n));
 */
export async function bufferMapOutput(tables: AsyncIterable<Table>, memory: OperatorMemory, encode: (table: Table) => EncodedBuckets): Promise<BufferedMapOutput> {
  const { budget, spill } = memory;
  const threshold = Math.max(MIN_FRAME_BYTES, Math.floor(budget.limitBytes / 2));
  const parts: BufferedMapOutput['parts'] = [];
  let buffered: Table[] = [];
  let bytes = 0;
  const spillBuffered = (): void => {
    const table = buffered.length === 1 ? buffered[0]! : concatTables(buffered);
    buffered = [];
    budget.release(bytes);
    bytes = 0;
    for (const piece of chunks(table, threshold)) {
      const encoded = encode(piece);
      parts.push({ file: spill.writeFile('map-output', encoded.bytes), offsets: encoded.offsets, schema: piece.schema });
      releaseOutputBuffer(encoded.bytes);
    }
  };
  for await (const table of tables) {
    if (isBlank(table) || table.numRows === 0) {
      if (buffered.length === 0 && parts.length === 0) buffered.push(table); // keeps an empty output's schema
      continue;
    }
    const size = tableBytes(table);
    budget.acquire(size);
    buffered.push(table);
    bytes += size;
    if (bytes > threshold) spillBuffered();
  }
  budget.release(bytes);
  const nonEmpty = buffered.filter((t) => t.numRows > 0);
  const rest = nonEmpty.length === 1 ? nonEmpty[0]! : nonEmpty.length > 0 ? concatTables(nonEmpty) : buffered[0] ?? new Table();
  return { rest, parts };
}

/**
 * Writes a spilled map output: its parts, then the rest (encoded by `encode`), merged into the
 * map output's files under the parts' common schema (nullability widened as concatTables does).
 *
 * @example
 * if (out.parts.length > 0) await writeSpilledMapOutput(target, out, (t) => encodeMapOutput(t, p, n));
 */
export async function writeSpilledMapOutput(target: MapOutputTarget, output: BufferedMapOutput, encode: (table: Table) => EncodedBuckets): Promise<{ files: MapOutputFiles; schema: Schema }> {
  const merged: MapOutputPart[] = output.parts.map((p) => ({ file: p.file, offsets: p.offsets }));
  const schemas = output.parts.map((p) => p.schema);
  const rest = output.rest.numRows > 0 ? encode(output.rest) : undefined;
  if (rest) {
    merged.push({ bytes: rest.bytes, offsets: rest.offsets });
    schemas.push(output.rest.schema);
  }
  const schema = concatTables(schemas.map((s) => new Table(s))).schema;
  try {
    return { files: await writeMergedMapOutput(target, schemaMessage(schema), merged), schema };
  } finally {
    if (rest) releaseOutputBuffer(rest.bytes);
  }
}
