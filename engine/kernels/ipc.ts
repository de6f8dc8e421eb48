// Arrow IPC bytes of the tables the engine ships (shuffle blocks, task results, cached blocks,
// in-memory sources, broadcast tables), and decoding them back with an error that says what was
// being decoded. Every encode in engine/, connectors/ and jobs/ goes through `encodeIpc`.
//
// Why not apache-arrow's `tableToIPC`: its writer hands its output to a byte queue as a list of
// chunks (message headers, padding, and every column buffer as a view of the column's own memory),
// and `joinUint8Arrays` then "collapses" consecutive chunks that are views of one ArrayBuffer when
// they touch OR OVERLAP, keeping only the union of their byte ranges. Two columns built on one typed
// array (`{ key: makeVector(a), a: makeVector(a) }`), or overlapping views of one buffer, therefore
// lose bytes: the body is shorter than the header says and the reader fails with "Expected to read
// N bytes for message body, but only read M" (apache-arrow 21.2; test/unit/kernels/ipc.test.ts
// shows it with apache-arrow alone). `encodeIpc` lets the same writer produce the same chunks and
// concatenates them verbatim: one copy of each byte, exactly as many as `tableToIPC` makes, and no
// column is compacted or copied beforehand (bench/ipc-encode.ts measures both side by side).

import { AsyncByteQueue, RecordBatchStreamWriter, tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { InternalError } from '../errors.ts';

/** The writer's output chunks, kept apart (AsyncByteQueue would merge views of one buffer). */
class ChunkList extends AsyncByteQueue<Uint8Array> {
  readonly chunks: Uint8Array[] = [];
  byteLength = 0;

  override write(value: Uint8Array): void {
    const bytes = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBufferLike);
    if (bytes.byteLength === 0) return;
    this.chunks.push(bytes);
    this.byteLength += bytes.byteLength;
  }

  /** The chunks one after the other in a new buffer. */
  concat(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }
}

/**
 * A table as an Arrow IPC stream (schema, record batches, end marker), whatever buffers its columns
 * share or overlap; `tableFromIPC(encodeIpc(t))` equals `t`.
 *
 * @example
 *   const ids = Int32Array.of(1, 2, 3);
 *   encodeIpc(new Table({ key: makeVector(ids), a: makeVector(ids) }).slice(1)); // 2 rows, both columns intact
 */
export function encodeIpc(table: Table): Uint8Array {
  const sink = new ChunkList();
  const writer = new RecordBatchStreamWriter();
  writer.reset(sink);
  writer.writeAll(table);
  return sink.concat();
}

/**
 * Decodes bytes written by `encodeIpc`. Those bytes come from the engine itself, so a failure is a
 * fault of dataflow, reported as an InternalError naming `what` was being decoded.
 *
 * @example
 *   decodeIpc(bytes, 'the result of stage 3, partition 1');
 */
export function decodeIpc(bytes: Uint8Array, what: string): Table {
  try {
    return tableFromIPC(bytes);
  } catch (cause) {
    throw ipcDecodeError(bytes, what, cause);
  }
}

/** The InternalError for `bytes` that do not decode as an Arrow IPC stream. */
export function ipcDecodeError(bytes: Uint8Array, what: string, cause: unknown): InternalError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new InternalError(
    'IPC_DECODE',
    `${what} (${bytes.byteLength} bytes of Arrow IPC written by dataflow) could not be decoded: ${reason}`,
    { cause },
  );
}
