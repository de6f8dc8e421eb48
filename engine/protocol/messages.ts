// The messages between a driver and its executors, between executors' block servers, and of the
// standalone master (at the end).
// Headers are small JSON objects; structured payloads (task descriptors, results, typed failure
// reasons, bundles) travel as the frame body encoded with v8.serialize, so failure reasons stay
// typed across the wire instead of turning into strings.
//
//   executor → driver   register { executorId, host, port, slots }
//   driver → executor   launchTask (body: TaskDescriptor)      shutdown
//                       killTask { taskId } (a task no job needs: stop it, remove its files; it reports TaskKilled)
//                       dropCache { cacheId }   dropShuffle { shuffleId }   dropBroadcast { broadcastId }
//                         (state the driver no longer needs: an unpersisted or unreachable dataset's)
//                       request executorStats → body ExecutorStats
//   executor → driver   taskFinished { taskId } (body: TaskResult)
//                       taskFailed { taskId } (body: TaskFailureReason)
//   executor → driver   requests: fetchBundle { hash } → body JobBundle
//                                 fetchBlob { blobId, partition } → body Arrow IPC stream
//                                 fetchBroadcast { broadcastId } → body value
//   executor → executor fetchBlocks { appId, shuffleId, reducePartition, endPartition, maps: [[mapPartition, attempt], ...] }
//                         → { sizes } body: per map, the IPC stream of reduce partitions
//                           [reducePartition, endPartition), back to back, sizes[i] bytes each
//                       fetchCached { cacheId, partition } → body Arrow IPC stream

import v8 from 'node:v8';
import { InternalError, InvalidInputError } from '../errors.ts';

export const MessageType = {
  register: 'register',
  launchTask: 'launchTask',
  killTask: 'killTask',
  taskFinished: 'taskFinished',
  taskFailed: 'taskFailed',
  fetchBundle: 'fetchBundle',
  fetchBlob: 'fetchBlob',
  fetchBroadcast: 'fetchBroadcast',
  fetchBlocks: 'fetchBlocks',
  fetchCached: 'fetchCached',
  dropCache: 'dropCache',
  dropShuffle: 'dropShuffle',
  dropBroadcast: 'dropBroadcast',
  executorStats: 'executorStats',
  shutdown: 'shutdown',
} as const;

export interface RegisterFields {
  executorId: string; host: string; port: number; slots: number; pid: number;
  /** The V8 heap limit of the process and of each of its task threads (absent from older executors). */
  heapLimitBytes?: number;
  /** The executor's memory (its tasks' budget and storage come from it), for the UI (absent from older executors). */
  memoryBytes?: number;
}

/**
 * Why an executor's registration (the master's registerExecutor, the driver's register) cannot name
 * an executor, or undefined when it can. (A peer with the secret sending garbage registered executors
 * named by 20,000-character strings and arrays on hosts 'undefined'; the driver then launched tasks
 * on them, and its event log could not write a task line with no host.)
 */
export function malformedExecutor(h: Record<string, unknown>): string | undefined {
  const shown = (value: unknown): string => (JSON.stringify(value) ?? String(value)).slice(0, 80);
  if (typeof h.executorId !== 'string' || h.executorId.length === 0 || h.executorId.length > 200 || /[\u0000-\u001f\u007f]/.test(h.executorId)) {
    return `executorId must be a name of 1-200 printable characters (--executor-id), got ${shown(h.executorId)}`;
  }
  if (typeof h.host !== 'string' || h.host.length === 0 || h.host.length > 255) {
    return `host must be the executor's host name or address, got ${shown(h.host)}`;
  }
  if (!Number.isSafeInteger(h.pid) || (h.pid as number) < 1) return `pid must be a positive integer, got ${shown(h.pid)}`;
  if (h.memoryBytes !== undefined && (!Number.isSafeInteger(h.memoryBytes) || (h.memoryBytes as number) < 0)) {
    return `memoryBytes must be a non-negative integer when given, got ${shown(h.memoryBytes)}`;
  }
  return undefined;
}

/** malformedExecutor, and what the driver needs besides: the executor's block server port and its task slots. */
export function malformedDriverRegistration(h: Record<string, unknown>): string | undefined {
  const shown = (value: unknown): string => (JSON.stringify(value) ?? String(value)).slice(0, 80);
  const malformed = malformedExecutor(h);
  if (malformed !== undefined) return malformed;
  if (!Number.isInteger(h.port) || (h.port as number) < 1 || (h.port as number) > 65_535) return `port must be a TCP port (1-65535), got ${shown(h.port)}`;
  if (!Number.isInteger(h.slots) || (h.slots as number) < 1) return `slots must be a positive integer, got ${shown(h.slots)}`;
  if (h.heapLimitBytes !== undefined && (!Number.isSafeInteger(h.heapLimitBytes) || (h.heapLimitBytes as number) < 0)) {
    return `heapLimitBytes must be a non-negative integer when given, got ${shown(h.heapLimitBytes)}`;
  }
  return undefined;
}

/**
 * Why a registration under a live executor's name is refused, or undefined: the same process
 * (pid and host) dialling again replaces its registration; another process may not take the name,
 * or its connection's close would lose the live executor. The master's rule and the driver's.
 *
 * @example
 * duplicateExecutor({ pid: 7, host: 'a' }, { executorId: 'exec-1', pid: 9, host: 'a' }); // 'an executor named exec-1 is already registered (pid 7 on a); …'
 */
export function duplicateExecutor(live: { pid: number; host: string } | undefined, claimant: { executorId: string; pid: number; host: string }): string | undefined {
  if (!live || (live.pid === claimant.pid && live.host === claimant.host)) return undefined;
  return `an executor named ${claimant.executorId} is already registered (pid ${live.pid} on ${live.host}); give each executor its own id`;
}

/**
 * What the driver announces in its handshake (`peerInfo.info`): the application's network settings,
 * which its executors also apply to their fetches from one another, so a hung peer fails a fetch
 * (FetchFailed) within the same timeout after which the driver declares that peer lost.
 */
export interface NetworkInfo {
  heartbeatIntervalMs: number;
  networkTimeoutMs: number;
}

/** The NetworkInfo in a driver's handshake fields, or `fallback` when it announced none (or nonsense). */
export function networkInfoOf(info: Record<string, unknown>, fallback: NetworkInfo): NetworkInfo {
  const { heartbeatIntervalMs: interval, networkTimeoutMs: timeout } = info;
  if (typeof interval !== 'number' || typeof timeout !== 'number' || !(interval > 0) || !(timeout > interval)) return fallback;
  return { heartbeatIntervalMs: interval, networkTimeoutMs: timeout };
}

/**
 * What an executor holds for one application, for tests and diagnostics (a long session must not
 * grow it): heap after a collection where the process allows one (`--expose-gc`), per thread.
 */
export interface ExecutorStats {
  executorId: string;
  /** Bytes of V8 heap in use, summed over the main thread and the task threads. */
  heapUsedBytes: number;
  /** Whether a garbage collection ran before measuring (Node started with --expose-gc). */
  collected: boolean;
  cachedBlocks: number;
  /** Bytes of cached partitions held in memory (Arrow buffers) and written to the work directory (IPC files). */
  cachedMemoryBytes: number;
  cachedDiskBytes: number;
  broadcasts: number;
  /** Shuffle files (data and index) in the application's shuffle folder. */
  shuffleFiles: number;
}

/** Environment variable through which `local[N]` hands the cluster secret to its executors. */
export const SECRET_ENV = 'DATAFLOW_SECRET';

/** The fewest characters a cluster secret may have: it keys the handshake and TLS, and a short one is guessed offline. */
export const MIN_SECRET_LENGTH = 16;

/**
 * `secret` if it is long enough, else an error naming where it came from (`from`: `$DATAFLOW_SECRET`,
 * `--secret-file /etc/df`, `Session.create's secret option`) and how to make a good one (`example`).
 * The one rule for every way a secret arrives.
 *
 * @example checkSecret(process.env.DATAFLOW_SECRET!, '$DATAFLOW_SECRET')
 */
export function checkSecret(secret: string, from: string, example = `export ${SECRET_ENV}=$(openssl rand -hex 32)`): string {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new InvalidInputError(`${from} holds ${secret.length} characters; use at least ${MIN_SECRET_LENGTH} (e.g. ${example})`);
  }
  return secret;
}

export function encodeBody(value: unknown): Uint8Array {
  return v8.serialize(value);
}

export function decodeBody<T>(body: Uint8Array | undefined): T {
  if (!body) throw new InternalError('MESSAGE_WITHOUT_BODY', 'a message that must carry a body (a task, a result, a failure reason, a bundle) arrived without one');
  return v8.deserialize(Buffer.from(body.buffer, body.byteOffset, body.byteLength)) as T;
}

// Messages of the standalone master. Executors and drivers connect to the master with the cluster
// secret; the master grants executor cores to applications and tells executors whom to serve.
// Drivers and executors outlive the master: when its connection drops they dial it again (with
// reconnectDelayMs) and register once more, the executor naming the applications it still serves
// and the driver its appId, so a restarted master learns the grants that are still in use.
//
//   executor → master  registerExecutor { executorId, cores, memoryBytes, host, pid, apps: { appId: slots } }   (request)
//   driver → master    registerApp { appName, driverHost, driverPort, maxCores, uiUrl?, appId? }  (request → { appId })
//                        (appId: the application re-registering after its master connection dropped;
//                         uiUrl: http(s) address of the driver's web UI, linked from the master's page)
//   driver → master    unregisterApp { appId }       (the application ends: its executors are released)
//   master → executor  launchApp { appId, driverHost, driverPort, slots }
//   master → executor  releaseApp { appId }          executor → master  appReleased { appId, reason }
//   master → executor  shutdown

export const MasterMessage = {
  registerExecutor: 'registerExecutor',
  registerApp: 'registerApp',
  unregisterApp: 'unregisterApp',
  launchApp: 'launchApp',
  releaseApp: 'releaseApp',
  appReleased: 'appReleased',
  shutdown: 'shutdown',
} as const;
