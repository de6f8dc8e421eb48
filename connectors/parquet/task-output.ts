// What one writeParquet task writes into its attempt folder: one part file, or, with
// `partitionBy`, one part file per distinct combination of the partition columns' values, in
// Hive-style folders (the partition columns are dropped from the files: the folders hold them).
//
//   task 7, partitionBy ['year'], rows with year 2023 and 2024:
//     <attempt>/year=2023/part-00007.parquet
//     <attempt>/year=2024/part-00007.parquet
//
// The commit protocol (commit.ts) then moves the attempt folder's layout into the output.

import * as arrow from 'apache-arrow';
import { InvalidInputError } from '../../engine/errors.ts';
import { columnData } from '../../engine/kernels/columns.ts';
import { groupIds } from '../../engine/kernels/group-ids.ts';
import { takeRows } from '../../engine/kernels/take.ts';
import { abortTask, taskAttemptPath } from './commit.ts';
import { partitionFolder } from './hive.ts';
import { type ParquetWriteOptions, writeParquetFile } from './write.ts';

/** Which task attempt is writing, and where the job's output goes. */
export interface TaskOutputTarget {
  dir: string;
  jobToken: string;
  partition: number;
  attempt: number;
}

export interface TaskOutputOptions extends ParquetWriteOptions {
  /** Columns whose values name the output folders (`year=2024/`), in folder order. */
  partitionBy?: readonly string[];
}

/**
 * Writes a task's rows into its attempt folder; returns the rows and files written.
 *
 * @example
 * await writeTaskOutput(table, { dir: '/out', jobToken: 'j1', partition: 7, attempt: 0 }, { partitionBy: ['year'] });
 * // { rows: 1000, files: 2 }: year=2023/part-00007.parquet, year=2024/part-00007.parquet
 */
export async function writeTaskOutput(table: arrow.Table, target: TaskOutputTarget, options: TaskOutputOptions = {}): Promise<{ rows: number; files: number }> {
  try {
    return await writeFiles(table, target, options);
  } catch (error) {
    // A failure mid-write (after some files of a partitionBy task) leaves no half of the attempt.
    await abortTask(target.dir, target.jobToken, target.partition, target.attempt, { storage: options.storage }).catch(() => undefined);
    throw error;
  }
}

async function writeFiles(table: arrow.Table, target: TaskOutputTarget, options: TaskOutputOptions): Promise<{ rows: number; files: number }> {
  const { partitionBy = [], ...fileOptions } = options;
  const at = (folder = '') => taskAttemptPath(target.dir, target.jobToken, target.partition, target.attempt, folder);
  if (partitionBy.length === 0) {
    await writeParquetFile(table, at(), fileOptions);
    return { rows: table.numRows, files: 1 };
  }
  checkPartitionBy(table.schema, partitionBy);
  const { groupOf, numGroups, firstRow } = groupIds(table, partitionBy);
  const keys = partitionBy.map((name) => columnData(table, name));
  const dataColumns = table.schema.fields.map((f) => f.name).filter((name) => !partitionBy.includes(name));

  // Row indices of each group, in input order (counting sort by group id).
  const starts = new Int32Array(numGroups + 1);
  for (let i = 0; i < groupOf.length; i++) starts[groupOf[i]! + 1]!++;
  for (let g = 0; g < numGroups; g++) starts[g + 1]! += starts[g]!;
  const order = new Int32Array(groupOf.length);
  const fill = starts.slice(0, numGroups);
  for (let i = 0; i < groupOf.length; i++) order[fill[groupOf[i]!]!++] = i;

  const projected = table.select(dataColumns);
  for (let g = 0; g < numGroups; g++) {
    const values = keys.map((data) => keyValue(data, firstRow[g]!));
    const rows = order.subarray(starts[g]!, starts[g + 1]!);
    await writeParquetFile(takeRows(projected, rows), at(partitionFolder(partitionBy, values)), fileOptions);
  }
  return { rows: table.numRows, files: numGroups };
}

/**
 * Partition columns must exist, be numbers, strings or booleans (a folder name holds the value as
 * text: 2024, 2.5, true), and leave a data column.
 */
function checkPartitionBy(schema: arrow.Schema, partitionBy: readonly string[]): void {
  const names = schema.fields.map((f) => f.name);
  const missing = partitionBy.find((name) => !names.includes(name));
  if (missing !== undefined) {
    throw new InvalidInputError(`writeParquet partitionBy: column '${missing}' is not in the dataset; its columns are ${names.join(', ')}`);
  }
  if (new Set(partitionBy).size !== partitionBy.length) throw new InvalidInputError(`writeParquet partitionBy lists a column twice: ${partitionBy.join(', ')}`);
  if (partitionBy.length >= names.length) {
    throw new InvalidInputError(`writeParquet partitionBy uses every column (${names.join(', ')}); leave at least one column to store in the files`);
  }
  for (const name of partitionBy) {
    const t = schema.fields.find((f) => f.name === name)!.type;
    if (!(arrow.DataType.isInt(t) || arrow.DataType.isFloat(t) || arrow.DataType.isUtf8(t) || arrow.DataType.isBool(t))) {
      throw new InvalidInputError(
        `writeParquet partitionBy: column '${name}' is ${String(t)}; partition by number, string or boolean columns (derive one with mapBatches, e.g. a year from a timestamp)`,
      );
    }
  }
}

function keyValue(data: arrow.Data, row: number): string | number | bigint | boolean | null {
  const value = arrow.makeVector(data).get(row) as unknown;
  return value === null || value === undefined ? null : (value as string | number | bigint | boolean);
}
