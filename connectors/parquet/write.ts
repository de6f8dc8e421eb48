// Writes Arrow data to one Parquet file, atomically, on any writable storage backend (storage/):
//
//   local path / file://   bytes go to a hidden temp file next to the target
//                          (`.name.parquet.tmp-<pid>-<random>`, which readers skip), fsynced, then
//                          renamed into place only when complete
//   s3://                  the object appears only when its PutObject (or multipart upload) completes
//   http(s)://             read-only: a clear STORAGE_UNSUPPORTED error, nothing is written
//
// Either way a reader never sees a half-written file under the final name, and a failure of the
// input (the batch source throws) is raised before the commit step, so nothing is left behind.
//
// Data is streamed: record batches (sliced to the row-group size) are copied into wasm one at a
// time and parquet-wasm's streaming writer emits file bytes as row groups fill, so a large table
// never needs the IPC copy, the wasm copy and the encoded file in memory all at once.

import * as arrow from 'apache-arrow';
import type * as pw from 'parquet-wasm';
import { parquetWasm } from './parquet-wasm.ts';
import { InvalidInputError } from '../../engine/errors.ts';
import { toWasmTable } from './wasm.ts';
import { storageFor, type StorageOptions } from '../storage/resolve.ts';
import { canonicalLocation } from '../storage/shipping.ts';

export type ParquetCompression = 'snappy' | 'zstd' | 'gzip' | 'lz4' | 'brotli' | 'none';

export interface ParquetWriteOptions {
  /** Codec for every column. Default 'snappy' (fast, as Spark's default). */
  compression?: ParquetCompression;
  /** Maximum rows per row group, i.e. per read partition. Default 1,048,576. */
  rowGroupSize?: number;
  /** Options of the storage backend the file is written to (S3 endpoint, region, part size). */
  storage?: StorageOptions;
}

const CODECS: Record<ParquetCompression, keyof typeof pw.Compression> = {
  snappy: 'SNAPPY',
  zstd: 'ZSTD',
  gzip: 'GZIP',
  lz4: 'LZ4_RAW', // LZ4 (the Hadoop framing) is deprecated in the format; LZ4_RAW is its replacement
  brotli: 'BROTLI',
  none: 'UNCOMPRESSED',
};

export const DEFAULT_ROW_GROUP_SIZE = 1 << 20;

/**
 * Writes `table` to the Parquet file `file` (parent folders are created) and returns its size.
 *
 * @example
 * await writeParquetFile(table, '/tmp/out/part-00000.parquet', { compression: 'zstd', rowGroupSize: 500_000 });
 * // -> { bytes: 1834512, rows: 1000000 }
 */
export async function writeParquetFile(
  table: arrow.Table,
  file: string,
  options: ParquetWriteOptions = {},
): Promise<{ bytes: number; rows: number }> {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  const bytes = await writeParquetBatches(sliceBatches(table, rowGroupSize), table.schema, file, options);
  return { bytes, rows: table.numRows };
}

/**
 * Streams record batches (all with `schema`) into the Parquet file `file` (a local path or a
 * file:// or s3:// URL); returns the file size.
 * Batches may come from a generator, so data can be produced while it is written.
 *
 * @example
 * await writeParquetBatches(generateBatches(), schema, '/tmp/big.parquet', { rowGroupSize: 1_000_000 });
 */
export async function writeParquetBatches(
  batches: Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch>,
  schema: arrow.Schema,
  file: string,
  options: ParquetWriteOptions = {},
): Promise<number> {
  const properties = writerProperties(options);
  const target = canonicalLocation(file);
  const source = wasmBatchStream(batches, schema);
  // The encoded bytes, as the storage backend pulls them. The input's failure is thrown from here,
  // after the last chunk and before the backend's commit step (rename / PutObject / multipart
  // completion), so a failed input never produces a file.
  async function* encodedChunks(): AsyncGenerator<Uint8Array> {
    const encoded = await parquetWasm().transformParquetStream(source.stream, properties);
    for await (const chunk of encoded as AsyncIterable<Uint8Array>) yield chunk;
    if (source.failure() !== undefined) throw source.failure();
  }
  try {
    return (await storageFor(target, options.storage).write(target, encodedChunks())).bytes;
  } catch (err) {
    throw source.failure() ?? err; // the input's own error explains more than the writer's reaction to it
  }
}

function writerProperties(options: ParquetWriteOptions): pw.WriterProperties {
  const compression = options.compression ?? 'snappy';
  const codecName = CODECS[compression];
  if (codecName === undefined) {
    throw new InvalidInputError(`compression '${String(compression)}' is not supported; use one of ${Object.keys(CODECS).join(', ')}`);
  }
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new InvalidInputError(`rowGroupSize must be a positive integer number of rows, got ${rowGroupSize}`);
  }
  const wasm = parquetWasm();
  return new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression[codecName])
    .setMaxRowGroupSize(rowGroupSize)
    .setCreatedBy('dataflow (parquet-wasm 0.8)')
    .build();
}

/** The table's batches cut to at most `rows` rows each (slices share memory; no copy). */
function* sliceBatches(table: arrow.Table, rows: number): Generator<arrow.RecordBatch> {
  for (const batch of table.batches) {
    for (let offset = 0; offset < batch.numRows; offset += rows) yield batch.slice(offset, offset + rows);
  }
}

/**
 * A pull-based ReadableStream of wasm record batches for the streaming writer. An input with no
 * rows still yields one empty batch, so the file gets the schema.
 *
 * parquet-wasm 0.8 cannot survive an errored source stream (its writer panics outside any promise
 * and takes the process down), so failures of the input are caught here: the stream is closed
 * normally and the error is handed back through `failure()` for the caller to throw.
 */
function wasmBatchStream(
  batches: Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch>,
  schema: arrow.Schema,
): { stream: ReadableStream<pw.RecordBatch>; failure: () => unknown } {
  const iterator =
    Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : (batches as Iterable<arrow.RecordBatch>)[Symbol.iterator]();
  let sent = 0;
  let failure: unknown = undefined;
  const stream = new ReadableStream<pw.RecordBatch>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done === true) {
            if (sent === 0) enqueue(controller, emptyBatch(schema));
            controller.close();
            return;
          }
          if (next.value.numRows === 0) continue;
          checkBatchSchema(next.value, schema);
          enqueue(controller, next.value);
          sent++;
          return;
        }
      } catch (err) {
        failure = err ?? new Error('record batch source failed');
        controller.close();
      }
    },
  });
  return { stream, failure: () => failure };
}

function enqueue(controller: ReadableStreamDefaultController<pw.RecordBatch>, batch: arrow.RecordBatch): void {
  const wasmTable = toWasmTable(new arrow.Table(batch.schema, [batch]));
  const wasmBatches = wasmTable.recordBatches();
  wasmTable.free();
  for (const b of wasmBatches) controller.enqueue(b);
}

/** Every batch must match the declared schema (names and types), or the wasm writer would abort. */
function checkBatchSchema(batch: arrow.RecordBatch, schema: arrow.Schema): void {
  const want = schema.fields;
  const got = batch.schema.fields;
  const same = want.length === got.length && want.every((f, i) => f.name === got[i]!.name && arrow.util.compareTypes(f.type, got[i]!.type));
  if (!same) {
    const show = (fields: arrow.Field[]) => fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
    throw new InvalidInputError(`a record batch has schema (${show(got)}) but the Parquet file is being written with (${show(want)})`);
  }
}

/** A zero-row batch of `schema`. */
function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  const children = schema.fields.map((f) => arrow.makeData({ type: f.type as arrow.Int, length: 0 }) as arrow.Data);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, nullCount: 0, children }));
}
