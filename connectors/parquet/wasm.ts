// The bridge between parquet-wasm (Rust's parquet crate compiled to WebAssembly) and apache-arrow
// in JS. Decoded columns leave through the Arrow C Data Interface, copied once (c-data-import.ts),
// or, for the types that importer does not take, as an Arrow IPC stream: wasm
// `Table.intoIPCStream()` -> `tableFromIPC`. Tables to write go in as IPC: `encodeIpc(t)`
// (tableToIPC without its shared-buffer bug) -> wasm `Table.fromIPCStream`.
//
// Only the synchronous parquet-wasm readers are used. In parquet-wasm 0.8 the async ParquetFile
// reader unwraps decode errors inside a future: a corrupt page becomes a wasm panic that is thrown
// from a callback (uncatchable) and leaves the read promise pending forever. The sync reader returns
// a proper Error instead, which we turn into an error naming the file and row group.

import * as arrow from 'apache-arrow';
import type * as pw from 'parquet-wasm';
import { encodeIpc } from '../../engine/kernels/ipc.ts';
import { parquetWasm } from './parquet-wasm.ts';
import { importColumns } from './c-data-import.ts';

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
  const wasm = parquetWasm();
  const table = wasm.readParquet(bytes, { rowGroups, batchSize: Math.max(1, batchSize) });
  let batches: arrow.RecordBatch[] | undefined;
  let schema: arrow.Schema;
  try {
    schema = arrow.tableFromIPC(table.schema.intoIPCStream()).schema;
    const ffi = table.toFFI(); // the table's arrays, shared (not copied) until both are freed
    try {
      const batchAddrs = ffi.arrayAddrs();
      batches = importColumns({ memory: wasm.wasmMemory().buffer, schemaAddr: ffi.schemaAddr(), batchAddrs }, schema);
    } finally {
      ffi.free();
    }
  } catch (err) {
    table.free();
    throw err;
  }
  if (batches === undefined) return arrow.tableFromIPC(table.intoIPCStream()); // a type the C Data importer does not take
  table.free();
  return batches.length === 0 ? new arrow.Table(schema) : new arrow.Table(schema, batches);
}

/** Copies an Arrow JS table into wasm memory (consumed by the Parquet writer). */
export function toWasmTable(table: arrow.Table): pw.Table {
  return parquetWasm().Table.fromIPCStream(encodeIpc(table));
}
