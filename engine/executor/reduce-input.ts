// A reduce task's input for one shuffle, as a stream: the blocks of its reduce partition decoded
// one at a time in map-partition order (so results never depend on which fetch returned first),
// fetched ahead of the consumer within a window of bytes. This is the one seam between the task
// runner and the shuffle's fetch machinery.

import { Table } from 'apache-arrow';
import { blockStreamParts, readBlockBytes, decodeBlock } from '../shuffle/shuffle-reader.ts';
import { decodeIpc } from '../kernels/ipc.ts';
import { type BlockLocation, type ShuffleInput, TaskError } from '../protocol/index.ts';
import type { TaskEnvironment } from './environment.ts';
import { ConnectionError, HandshakeError } from '../transport/index.ts';

/**
 * The decoded blocks of one reduce partition of one shuffle, in map-partition order; at least
 * one table (an empty one of the map side's schema, or a blank one) when every block is empty.
 * `bytes` is the size of all blocks as written (Arrow IPC), known before any is fetched.
 */
export interface ReduceInput extends AsyncIterable<Table> {
  readonly bytes: number;
}

/** Bytes asked of one executor in one request, and requests outstanding at once, per reduce task. */
const FETCH_BATCH_BYTES = 16 * 1024 * 1024;
const FETCHES_IN_FLIGHT = 4;

interface Request { indices: number[]; remote: boolean; bytes: number }

/**
 * The blocks of `input`, streamed. Local blocks are read from this executor's kept map outputs or
 * its files (one IPC stream per map output, for reduce partitions [reducePartition, endPartition)),
 * remote ones fetched from their executors; blocks are asked for with one request per executor
 * (this one included) and up to FETCH_BATCH_BYTES per request, at most FETCHES_IN_FLIGHT
 * requests at once (Spark's maxBytesInFlight / maxReqsInFlight), and no new request while the
 * bytes fetched but not yet consumed exceed `windowBytes` (the request holding the next block
 * the consumer needs always goes out, so the stream never stalls).
 *
 * @example
 * for await (const block of reduceInput(input, env, { windowBytes: 64 << 20 })) merge(block);
 */
export function reduceInput(input: ShuffleInput, env: TaskEnvironment, options: { windowBytes: number }): ReduceInput {
  const blocks = input.blocks.filter((b) => b.size > 0);
  const bytes = blocks.reduce((sum, b) => sum + b.size, 0);
  return {
    bytes,
    [Symbol.asyncIterator]: () => streamBlocks(input, blocks, env, options)[Symbol.asyncIterator](),
  };
}

async function* streamBlocks(input: ShuffleInput, blocks: BlockLocation[], env: TaskEnvironment, options: { windowBytes: number }): AsyncGenerator<Table> {
  const requests = planRequests(blocks, env.executorId);
  // requestOf[i]: the request that fetches block i. Requests are started in order of their first block.
  const requestOf = new Int32Array(blocks.length);
  requests.forEach((r, k) => { for (const i of r.indices) requestOf[i] = k; });
  const arrived: Array<Promise<void> | undefined> = new Array(requests.length);
  const bytes: Array<Uint8Array | Uint8Array[] | undefined> = new Array(blocks.length);
  let started = 0;
  let outstanding = 0; // bytes requested or arrived but not yet consumed
  let inFlight = 0;
  let failure: unknown;

  const start = (k: number): void => {
    const request = requests[k]!;
    outstanding += request.bytes;
    inFlight++;
    const done = fetchRequest(request, blocks, input, env).then(
      (got) => { got.forEach((b, j) => { bytes[request.indices[j]!] = b; }); },
      (error: unknown) => { failure ??= error; },
    ).finally(() => { inFlight--; });
    done.catch(() => undefined);
    arrived[k] = done;
  };
  const pump = (needed: number): void => {
    while (started < requests.length && inFlight < FETCHES_IN_FLIGHT && (outstanding + requests[started]!.bytes <= options.windowBytes || started <= needed)) {
      start(started++);
    }
  };

  let yielded = 0;
  for (let i = 0; i < blocks.length; i++) {
    const k = requestOf[i]!;
    pump(k);
    while (arrived[k] === undefined) {
      // The request holding block i is not started yet: wait for one in flight, then retry.
      await Promise.race(arrived.filter((p, j) => p !== undefined && j < started));
      if (failure) break;
      pump(k);
    }
    await arrived[k];
    if (failure) throw failure;
    const block = bytes[i]!;
    bytes[i] = undefined;
    outstanding -= blocks[i]!.size; // as counted when requested (a stream adds its schema message)
    let table: Table | undefined;
    try {
      table = decodeBlock(block);
    } catch (error) {
      // Corrupt on disk or on the way: the map output is recomputed, as for a block that cannot be fetched.
      throw fetchFailed([blocks[i]!], input, `the block does not decode: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (table) {
      yielded++;
      yield table;
    }
  }
  if (yielded === 0) {
    yield input.schemaIpc ? decodeIpc(input.schemaIpc, `the schema of shuffle ${input.shuffleId} (sent by the driver)`) : new Table();
  }
}

/**
 * Blocks grouped per executor (this one included), up to FETCH_BATCH_BYTES per request: one
 * message to a peer, or one call to this executor's main thread, fetches several blocks.
 */
function planRequests(blocks: BlockLocation[], self: string): Request[] {
  const requests: Request[] = [];
  const open = new Map<string, Request>();
  blocks.forEach((block, i) => {
    let request = open.get(block.executorId);
    if (request && request.bytes + block.size > FETCH_BATCH_BYTES) request = undefined;
    if (!request) {
      request = { indices: [], remote: block.executorId !== self, bytes: 0 };
      open.set(block.executorId, request);
      requests.push(request);
    }
    request.indices.push(i);
    request.bytes += block.size;
  });
  return requests;
}

async function fetchRequest(request: Request, blocks: BlockLocation[], input: ShuffleInput, env: TaskEnvironment): Promise<Array<Uint8Array | Uint8Array[]>> {
  const located = request.indices.map((i) => blocks[i]!);
  try {
    const end = input.endPartition ?? input.reducePartition + 1;
    return request.remote
      ? await env.fetchRemoteBlocks(located, input.shuffleId, input.reducePartition, end)
      : await readLocal(env, input, located, end);
  } catch (error) {
    if (error instanceof TaskError) throw error; // a local block's own FetchFailed (readLocal)
    const unreachable = error instanceof ConnectionError || error instanceof HandshakeError;
    throw fetchFailed(located, input, `fetching failed: ${fetchFailure(error)}`, unreachable);
  }
}

/** Why a fetch failed, saying so plainly when the peer fell silent past the network timeout. */
function fetchFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = error instanceof ConnectionError && (error.cause as { code?: unknown } | undefined)?.code === 'HEARTBEAT_TIMEOUT';
  return timedOut ? `the executor stopped answering (hung, stopped or cut off; dataflow.network.timeoutMs): ${message}` : message;
}

/**
 * Blocks of this executor: from the map outputs it keeps in memory (as pieces of them, decoded in
 * place: no copy; all asked of the main thread in one call), else from their files. A block that
 * cannot be read fails naming its own map output (the one to recompute).
 */
async function readLocal(env: TaskEnvironment, input: ShuffleInput, located: BlockLocation[], end: number): Promise<Array<Uint8Array | Uint8Array[]>> {
  const { shuffleId, reducePartition: start } = input;
  const kept = await env.mapOutputs.getMany(shuffleId, located.map((b) => [b.mapPartition, b.attempt] as const));
  return Promise.all(located.map(async (block, j) => {
    const output = kept[j];
    if (output) return blockStreamParts(output.bytes, output.offsets, start, end);
    try {
      return await readBlockBytes(env.shuffleDir, shuffleId, block.mapPartition, block.attempt, start, end);
    } catch (error) {
      throw fetchFailed([block], input, `fetching failed: ${fetchFailure(error)}`);
    }
  }));
}

/**
 * FetchFailed for the first of `located` (its map output is recomputed; every output of its executor
 * when `unreachable`), naming every block of the request.
 */
function fetchFailed(located: BlockLocation[], input: ShuffleInput, what: string, unreachable = false): TaskError {
  const first = located[0]!;
  const { shuffleId, reducePartition } = input;
  return new TaskError({
    kind: 'FetchFailed', executorId: first.executorId, shuffleId, mapPartition: first.mapPartition, reducePartition,
    ...(unreachable ? { unreachable } : {}),
    message: `shuffle ${shuffleId} blocks (maps ${located.map((l) => l.mapPartition).join(', ')} → reduce ${reducePartition}) from executor ${first.executorId} at ${first.host}:${first.port}: ${what}`,
  });
}
