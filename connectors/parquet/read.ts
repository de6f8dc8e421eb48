// Reads one partition (a row group of a file) into an Arrow table: only that row group's bytes are
// read from disk, its columns decoded, projected in the order asked for, dictionaries decoded,
// decimals converted to Float64, Hive partition columns added, and the scan's filter applied.
//
// How bytes reach the decoder: parquet-wasm's synchronous reader wants a whole file in one buffer.
// We read the row group's byte range and wrap it into a small file of its own (row-group-file.ts):
//
//   file:    PAR1 | rg0 ......... | rg1 ......... | rg2 ... | footer
//   buffer:  PAR1 | rg1 (read)    | footer' (rg1 only, offsets shifted)     <- reading row group 1
//
// so disk I/O and the copy into wasm memory are the row group plus a footer, wherever the group
// sits in the file. On S3 or HTTP that is one ranged GET per row group (plus a size check per task
// and, once per file and executor, the footer). We do not use parquet-wasm's async byte-range reader: its 0.8 release turns
// corrupt data into an uncatchable panic (see wasm.ts).
//
// Projection happens before decoding: the sync reader ignores its `columns` option in 0.8, so for a
// flat file the small file holds only the chunks of the columns read (row-group-file.ts), and the
// decoder never sees the others; only the byte range covering those chunks is read (a ranged GET of
// the ratings' itemId and rating chunks is a third of their row group).
//
// A read task's consecutive row groups are decoded in runs of about 2 MiB of the columns read, several
// groups in one projected file (PAR1 | rg3 chunks | rg4 chunks | ... | footer'): the decoder's fixed
// cost per call (about a millisecond) and the footer rewrite are paid once per run, not per group.

import * as arrow from 'apache-arrow';
import { columnData } from '../../engine/kernels/columns.ts';
import { canonicalSchema, canonicalTable } from './decimal.ts';
import { ParquetCorruptError } from './errors.ts';
import { type ParquetFooter, readParquetFooter } from './footer.ts';
import type { PartitionColumn, PartitionValue } from './hive.ts';
import { applyFilter } from './row-filter.ts';
import { type ParquetPartition, type ParquetReadOptions, bytesToDecode, validateColumns, withPartitionColumns } from './scan.ts';
import { type RowGroupBytes, projectedRowGroupsFile, rowGroupFile } from './row-group-file.ts';
import { concatTables } from '../../engine/kernels/concat-tables.ts';
import { decodeParquetBytes } from './wasm.ts';
import { StorageError } from '../storage/errors.ts';
import { readRangeFromUrl, statUrl, type StorageOptions } from '../storage/resolve.ts';

/** Called with each partition about to be read (tests count reads to check pruning). */
export type ParquetReadListener = (part: ParquetPartition) => void;
const listeners = new Set<ParquetReadListener>();

/**
 * Registers `listener` to be told about every partition this process reads; returns a function
 * that unregisters it. With `master: 'local'` tasks run in the driver's process, so a test can
 * see exactly which row groups a job read.
 *
 * @example
 * const read: number[] = [];
 * const stop = onParquetPartitionRead((p) => read.push(p.rowGroup));
 * await (await session.readParquet(file, { filter: [['id', '<', 10]] })).count();
 * stop(); // read: [0]
 */
export function onParquetPartitionRead(listener: ParquetReadListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Reads the row group `part` points at, with `columns` (all when omitted) in that order.
 * Dictionary-encoded columns come back as plain columns (Utf8 for strings), decimals as Float64,
 * Hive partition columns as constant columns; rows failing `options.filter` are dropped.
 *
 * @example
 * const scan = await planParquetScan('/data/ratings', { filter: [['rating', '>=', 4]] });
 * const table = await readParquetPartition(scan.partitions[3], ['userId', 'itemId', 'rating'], scan.read);
 */
export async function readParquetPartition(part: ParquetPartition, columns?: string[], options: ParquetReadOptions = {}): Promise<arrow.Table> {
  return readParquetRowGroups([part], columns, options);
}

/**
 * The row groups of one read task (consecutive groups of one file, as splits.ts packs them), one
 * table per run of groups decoded together: runs of about DECODE_RUN_BYTES of the columns read, so
 * the decoder's fixed cost per call and the footer rewrite are paid once per run, not per group,
 * while memory holds one run at a time.
 *
 * @example
 * for await (const table of readParquetTask(scan.partitions.slice(0, 8), ['itemId', 'rating'], scan.read)) use(table);
 */
export async function* readParquetTask(parts: readonly ParquetPartition[], columns?: string[], options: ParquetReadOptions = {}): AsyncGenerator<arrow.Table> {
  let run: ParquetPartition[] = [];
  let runBytes = 0;
  let sizes: { file: string; schema: arrow.Schema; footer: ParquetFooter } | undefined;
  for (const part of parts) {
    const previous = run[run.length - 1];
    const adjacent = previous !== undefined && previous.file === part.file && previous.rowGroup + 1 === part.rowGroup;
    if (run.length > 0 && (!adjacent || runBytes >= DECODE_RUN_BYTES)) {
      yield await readParquetRowGroups(run, columns, options);
      run = [];
      runBytes = 0;
    }
    if (sizes?.file !== part.file) {
      const footer = await cachedFooter(part.file, options.storage);
      sizes = { file: part.file, schema: canonicalSchema(footer.schema), footer };
    }
    const group = sizes.footer.rowGroups[part.rowGroup];
    run.push(part);
    runBytes += group === undefined ? 0 : bytesToDecode(group, sizes.schema, columns ?? sizes.schema.fields.map((f) => f.name));
  }
  if (run.length > 0) yield await readParquetRowGroups(run, columns, options);
}

/** Compressed bytes of the columns read that one decoder call takes (at least one row group). */
const DECODE_RUN_BYTES = 2 * 1024 * 1024;

/** Consecutive row groups `parts` of one file decoded in one call (one group when the file cannot be projected). */
async function readParquetRowGroups(parts: readonly ParquetPartition[], columns: string[] | undefined, options: ParquetReadOptions): Promise<arrow.Table> {
  for (const part of parts) for (const listener of listeners) listener(part);
  const file = parts[0]!.file;
  const footer = await cachedFooter(file, options.storage);
  const first = parts[0]!.rowGroup;
  const last = parts[parts.length - 1]!.rowGroup;
  const where = first === last ? `${file} row group ${first}` : `${file} row groups ${first}-${last}`;
  const groups = parts.map((part) => {
    const group = footer.rowGroups[part.rowGroup];
    if (group === undefined || group.numRows !== part.numRows) {
      const found = group === undefined ? `the file has ${footer.rowGroups.length} row groups` : `it has ${group.numRows} rows`;
      throw new ParquetCorruptError(`${file} row group ${part.rowGroup} was planned with ${part.numRows} rows but ${found}; the file changed after planning, re-run the job`);
    }
    return group;
  });
  const fileSchema = canonicalSchema(footer.schema);
  const partitionColumns = options.partitionColumns ?? [];
  const schema = withPartitionColumns(fileSchema, partitionColumns, file);
  const wanted = columns ?? schema.fields.map((f) => f.name);
  validateColumns(wanted, schema, file);
  const filter = options.filter ?? [];
  const needed = [...new Set([...wanted, ...filter.map((p) => p[0])])];

  const fromFile = needed.filter((name) => !partitionColumns.some((c) => c.name === name));
  const meta = footer.tail.subarray(0, footer.tail.length - 8);
  const keep = projectableColumns(groups[0]!.columns, fileSchema, fromFile, parts.length > 1);
  // With a projection only the byte range of each group's kept chunks is read (a fraction of the group's).
  const runGroups: RowGroupBytes[] | undefined = keep && await Promise.all(groups.map(async (group, i) => {
    const start = Math.min(...keep.map((c) => group.columns[c]!.start));
    const end = Math.max(...keep.map((c) => group.columns[c]!.start + group.columns[c]!.length));
    const bytes = await readRowGroupBytes(file, parts[i]!.rowGroup, start, end, options.storage);
    return { rowGroup: parts[i]!.rowGroup, bytes, bytesStart: start, numRows: group.numRows, chunks: group.columns };
  }));
  // The projected file is built in this thread's scratch buffer and decoded (the decoder copies
  // it into wasm memory) with no await in between, so no other task's read can reuse the buffer meanwhile.
  const projected = runGroups && tryProject(meta, runGroups, keep!);
  if (!projected && parts.length > 1) {
    // A file this reader cannot project: its groups one by one, whole.
    return concatTables(await Promise.all(parts.map((part) => readParquetRowGroups([part], columns, options))));
  }
  const group = groups[0]!;
  const wholeGroup = projected ? undefined : await readRowGroupBytes(file, first, group.start, group.end, options.storage);
  const numRows = groups.reduce((sum, g) => sum + g.numRows, 0);
  let table: arrow.Table;
  try {
    const bytes = projected ?? rowGroupFile(meta, first, wholeGroup!, group.start, group.numRows);
    table = decodeParquetBytes(bytes, groups.map((_, i) => i), Math.max(...groups.map((g) => g.numRows)));
  } catch (err) {
    const reason =
      err instanceof WebAssembly.RuntimeError
        ? `the decoder aborted (wasm ${err.message})`
        : err instanceof Error
          ? err.message
          : String(err);
    throw new ParquetCorruptError(`${where} cannot be decoded: ${reason}; the file is corrupt or was modified after planning`, { cause: err });
  }
  if (table.numRows !== numRows) {
    throw new ParquetCorruptError(`${where} decoded to ${table.numRows} rows but its footer says ${numRows}; the file is corrupt`);
  }
  let result = canonicalTable(table.selectAt(fromFile.map((name) => table.schema.fields.findIndex((f) => f.name === name))));
  if (partitionColumns.length > 0) result = appendPartitionColumns(result, partitionColumns, parts[0]!.partitionValues ?? [], needed);
  if (filter.length > 0) result = applyFilter(result, filter);
  return sameOrder(result, needed, wanted) ? result : result.select(wanted);
}

/**
 * The column chunks to decode for `names` when the file is flat (one chunk per top-level column)
 * and some columns can be skipped, or `all` is asked (several row groups go in one projected
 * file); undefined to decode the group as it is. With no file column needed (a count), the
 * smallest chunk is kept so the decoder still reports the rows.
 */
function projectableColumns(chunks: ReadonlyArray<{ path: string; length: number }>, fileSchema: arrow.Schema, names: string[], all: boolean): number[] | undefined {
  const flat = chunks.length === fileSchema.fields.length && chunks.every((c, i) => c.path === fileSchema.fields[i]!.name);
  if (!flat) return undefined;
  const keep = chunks.map((c, i) => (names.includes(c.path) ? i : -1)).filter((i) => i >= 0);
  if (keep.length === 0 && chunks.length > 0) keep.push(chunks.reduce((best, c, i) => (c.length < chunks[best]!.length ? i : best), 0));
  return all || keep.length < chunks.length ? keep : undefined;
}

/**
 * The projected file of the row groups `groups` (each with the file's bytes covering its kept
 * chunks), or undefined when this footer cannot be projected (then every column is read).
 */
function tryProject(meta: Uint8Array, groups: readonly RowGroupBytes[], keep: number[]): Uint8Array | undefined {
  try {
    return projectedRowGroupsFile(meta, groups, keep, scratchBuffer);
  } catch {
    return undefined;
  }
}

/**
 * A buffer of `size` bytes for a projected file that is decoded at once: this thread's scratch
 * buffer, reused run after run (a new ~2 MiB buffer per run added to the external memory that
 * makes V8 collect garbage), or a new one when larger than SCRATCH_MAX_BYTES.
 */
function scratchBuffer(size: number): Uint8Array {
  if (size > SCRATCH_MAX_BYTES) return new Uint8Array(size);
  if (scratch.length < size) scratch = new Uint8Array(Math.min(SCRATCH_MAX_BYTES, Math.max(size, 2 * scratch.length)));
  return scratch.subarray(0, size);
}

let scratch = new Uint8Array(0);
const SCRATCH_MAX_BYTES = 16 * 1024 * 1024;

function sameOrder(table: arrow.Table, needed: string[], wanted: string[]): boolean {
  return needed.length === wanted.length && table.schema.fields.every((f, i) => f.name === wanted[i]);
}

/** Appends the partition columns that are `needed`, each a constant (or all-null) column. */
function appendPartitionColumns(table: arrow.Table, columns: readonly PartitionColumn[], values: readonly PartitionValue[], needed: string[]): arrow.Table {
  const n = table.numRows;
  const fields = [...table.schema.fields];
  const children = fields.map((f) => columnData(table, f.name)); // one chunk each (a row group decodes to one batch)
  columns.forEach((c, k) => {
    if (!needed.includes(c.name)) return;
    const value = values[k] ?? null;
    fields.push(new arrow.Field(c.name, c.type === 'int32' ? new arrow.Int32() : new arrow.Utf8(), true));
    children.push(constantColumn(c.type, value, n));
  });
  const schema = new arrow.Schema(fields, table.schema.metadata);
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
}

/** `n` copies of `value` (or `n` nulls) as an Int32 or Utf8 column. */
function constantColumn(type: 'int32' | 'utf8', value: PartitionValue, n: number): arrow.Data {
  const nullBitmap = value === null ? new Uint8Array((n + 7) >> 3) : null;
  const nullCount = value === null ? n : 0;
  if (type === 'int32') {
    const data = new Int32Array(n);
    if (value !== null) data.fill(Number(value));
    return arrow.makeData({ type: new arrow.Int32(), length: n, nullCount, nullBitmap, data });
  }
  const bytes = value === null ? new Uint8Array(0) : new TextEncoder().encode(String(value));
  const data = new Uint8Array(bytes.length * n);
  const valueOffsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    data.set(bytes, i * bytes.length);
    valueOffsets[i + 1] = (i + 1) * bytes.length;
  }
  return arrow.makeData({ type: new arrow.Utf8(), length: n, nullCount, nullBitmap, valueOffsets, data });
}

/**
 * Footers of recently read files, by location, valid while the file's size and mtime are unchanged:
 * a task reads one row group, and the next tasks on this executor usually read the same file's
 * other groups, so each executor decodes a file's footer once instead of once per row group.
 * (A server that reports no modification time is trusted on the size alone.)
 */
const footerCache = new Map<string, { size: number; mtimeMs: number; footer: ParquetFooter }>();
const FOOTER_CACHE_SIZE = 32;

async function cachedFooter(file: string, storage: StorageOptions | undefined): Promise<ParquetFooter> {
  let info;
  try {
    info = await statUrl(file, storage);
  } catch (err) {
    if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return readParquetFooter(file, storage); // reports the missing file in its own words
    throw err;
  }
  const mtimeMs = info.mtime?.getTime() ?? -1;
  const hit = footerCache.get(file);
  if (hit !== undefined && hit.size === info.size && hit.mtimeMs === mtimeMs) return hit.footer;
  const footer = await readParquetFooter(file, storage);
  footerCache.delete(file);
  footerCache.set(file, { size: info.size, mtimeMs, footer });
  if (footerCache.size > FOOTER_CACHE_SIZE) footerCache.delete(footerCache.keys().next().value!);
  return footer;
}

/** The file's bytes [start, end): row group `rowGroup`; a file shorter than its footer says is corrupt. */
async function readRowGroupBytes(file: string, rowGroup: number, start: number, end: number, storage: StorageOptions | undefined): Promise<Uint8Array> {
  try {
    return await readRangeFromUrl(file, start, end - start, storage);
  } catch (err) {
    if (err instanceof StorageError && err.code === 'STORAGE_SHORT_READ') {
      throw new ParquetCorruptError(
        `${file} row group ${rowGroup} (bytes ${start}-${end}) cannot be read: ${err.message}; the file was truncated or replaced after planning, re-run the job`,
        { cause: err },
      );
    }
    throw err;
  }
}
