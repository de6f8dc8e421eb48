// The bridge between parquet-wasm (Rust's parquet crate compiled to WebAssembly) and apache-arrow
// in JS. Data crosses the boundary as an Arrow IPC stream: wasm `Table.intoIPCStream()` ->
// `tableFromIPC`, and `encodeIpc(t)` (tableToIPC without its shared-buffer bug) -> wasm `Table.fromIPCStream`.
//
// Only the synchronous parquet-wasm readers are used. In parquet-wasm 0.8 the async ParquetFile
// reader unwraps decode errors inside a future: a corrupt page becomes a wasm panic that is thrown
// from a callback (uncatchable) and leaves the read promise pending forever. The sync reader returns
// a proper Error instead, which we turn into an error naming the file and row group.

import * as arrow from 'apache-arrow';
import type * as pw from 'parquet-wasm';
import { encodeIpc } from '../../engine/kernels/ipc.ts';
import { parquetWasm } from './parquet-wasm.ts';

/** Arrow schema of a Parquet file, from its footer bytes alone (FileMetaData + length + "PAR1"). */
export function schemaFromFooter(tail: Uint8Array): arrow.Schema {
  return arrow.tableFromIPC(parquetWasm().readSchema(tail).intoIPCStream()).schema;
}

/**
 * Decodes row groups from a buffer laid out like the Parquet file (byte offsets as in the file;
 * bytes of row groups not asked for may be zero). Returns one record batch per `batchSize` rows.
 * Throws the wasm reader's Error on corrupt data.
 */
export function decodeParquetBytes(bytes: Uint8Array, rowGroups: number[], batchSize: number): arrow.Table {
  const table = parquetWasm().readParquet(bytes, { rowGroups, batchSize: Math.max(1, batchSize) });
  return arrow.tableFromIPC(table.intoIPCStream());
}

/** Copies an Arrow JS table into wasm memory (consumed by the Parquet writer). */
export function toWasmTable(table: arrow.Table): pw.Table {
  return parquetWasm().Table.fromIPCStream(encodeIpc(table));
}
