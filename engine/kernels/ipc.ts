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
//
// Why `keepDecoderShapes` below: see `decodedShapes`.

import { AsyncByteQueue, Message, RecordBatchReader, RecordBatchStreamWriter, tableFromArrays, tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { Message as FlatMessage } from 'apache-arrow/fb/message';
import { RecordBatch as FlatRecordBatch } from 'apache-arrow/fb/record-batch';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';
import { ByteBuffer } from 'flatbuffers';
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

/**
 * Objects of every class Arrow's decoder makes per message, kept alive for the life of the process.
 * V8's optimized code embeds, weakly, the hidden classes ("maps") of the objects it ran on: when a
 * full collection finds no object of such a map alive, V8 throws the code away ("deoptimization,
 * reason: weak objects") and compiles it again once it is hot. V8's own collections keep a map a
 * while after its last object died; a forced one does not, and the driver's cleaner forces one
 * every 64 MB of map outputs (engine/dataset/cleaner.ts), when every object a decode made is dead:
 * flatbuffers' `ByteBuffer` and Arrow's flatbuffers tables (message, record batch, field node,
 * buffer), its metadata objects, vector loader and reader. So in a loop of `bench/core`'s shuffle
 * jobs (~376 of those collections), the driver threw its decoder's code away 1,060 times and
 * compiled 1,613 functions; with these objects kept, 68 and 644, and the driver's CPU a job with
 * the shuffle 40.6 and 45.4 → 35.3 and 30.0 ms (bench/HISTORY.md, 2026-12-05). The flatbuffers
 * tables and the vector loader are Arrow's internals (deep imports): a later Arrow that renames
 * them fails here, at import, and a test (test/unit/kernels/ipc.test.ts) fails if they stop helping.
 * In the compiled tree (bin/compiled-engine.mjs) Arrow's bundle has its own copy of flatbuffers, so
 * the `ByteBuffer` made here is another class; the decoded `Message` keeps Arrow's alive (its header
 * holds the flatbuffers message it was read from): a submitted job's driver then threw the decoder's
 * code away 5 times in 60 jobs with the shuffle (20 forced collections), 159 times before.
 */
function decodedShapes(): unknown[] {
  const stream = encodeIpc(tableFromArrays({ f64: Float64Array.of(1), i32: Int32Array.of(1), text: ['a'] }));
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const kept: unknown[] = [];
  // Each message: continuation marker 0xFFFFFFFF, int32 metadata length (0: end of stream), metadata, body.
  for (let at = 0; at + 8 <= stream.byteLength; ) {
    const metadataLength = view.getInt32(at + 4, true);
    if (metadataLength <= 0) break;
    const metadata = stream.subarray(at + 8, at + 8 + metadataLength);
    const message = Message.decode(metadata);
    if (!message.isRecordBatch()) kept.push(message, message.header());
    else {
      const batch = message.header();
      const flatMessage = FlatMessage.getRootAsMessage(new ByteBuffer(metadata));
      const flatBatch = flatMessage.header(new FlatRecordBatch()) as FlatRecordBatch;
      kept.push(message, batch, flatMessage, flatBatch, flatBatch.nodes(0), flatBatch.buffers(0));
      const body = stream.subarray(at + 8 + metadataLength, at + 8 + metadataLength + Number(message.bodyLength));
      kept.push(new VectorLoader(body, batch.nodes, batch.buffers, new Map(), message.version, batch.variadicBufferCounts));
    }
    at += 8 + metadataLength + Number(message.bodyLength);
  }
  const reader = RecordBatchReader.from(stream);
  kept.push(reader, reader.readAll(), tableFromIPC(stream));
  return kept;
}

let keptShapes: unknown[] | undefined;

/**
 * Keeps the objects described above alive from now on (once: 5-10 ms, in the driver only, since
 * engine/dataset/full-gc.ts calls it before the process's first forced collection).
 *
 * @example keepDecoderShapes(); gc();
 */
export function keepDecoderShapes(): void {
  keptShapes ??= decodedShapes();
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
