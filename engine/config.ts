// Session configuration: the keys `--conf key=value` accepts, their defaults and their checks.
// An unknown key or a bad value is an error that names it, so a typo never silently does nothing.

import { InvalidInputError } from './errors.ts';

export interface EngineConfig {
  /**
   * Partitions of a shuffle when a verb is not told how many (Spark: spark.sql.shuffle.partitions).
   * 0 (the default): chosen from the data, see the next two keys.
   */
  'dataflow.shuffle.partitions': number;
  /**
   * Buckets the map side of a shuffle sized by data writes: the most reduce partitions it can have
   * (Spark: spark.sql.adaptive.coalescePartitions.initialPartitionNum).
   */
  'dataflow.shuffle.maxPartitions': number;
  /**
   * About how many bytes of map output one reduce partition of a shuffle sized by data reads: once
   * the map side ran, adjacent buckets are grouped up to this size (Spark:
   * spark.sql.adaptive.advisoryPartitionSizeInBytes). Only bytes decide, never the executors.
   */
  'dataflow.shuffle.targetPartitionBytes': string;
  /**
   * A join whose side is known to take at most this many bytes before it runs (an in-memory
   * source, also under select, filter or cache) broadcasts that side instead of shuffling both
   * (Spark: spark.sql.autoBroadcastJoinThreshold). 0 turns it off.
   */
  'dataflow.join.broadcastThreshold': string;
  /**
   * The fewest partitions a shuffle sized by data is cut into while each keeps at least 1 MB, so that
   * mid-sized data still spreads over several tasks (Spark: coalescePartitions.minPartitionNum). A
   * constant, never the executor count.
   */
  'dataflow.shuffle.minPartitions': number;
  /**
   * Partitions of fromRows/fromTable/range when not given. Never derived from the executors, so a
   * job gives the same result on local, local[N] and a cluster.
   */
  'dataflow.source.partitions': number;
  /**
   * A map task's output up to this many bytes stays in its executor's memory and is served from
   * there (lost with the executor, like files); larger ones, and any past the executor's share, are
   * written to files. 0 writes every output to files.
   */
  'dataflow.shuffle.memoryOutputBytes': number;
  /** Failed attempts of one task before its job fails (Spark: spark.task.maxFailures). */
  'dataflow.task.maxAttempts': number;
  /** Attempts of one stage (after fetch failures) before its job fails. */
  'dataflow.stage.maxAttempts': number;
  /**
   * Tasks of distinct partitions that may fail on one executor for want of a resource (its disk
   * full) before it gets no more tasks for the rest of the application (Spark:
   * spark.excludeOnFailure.application.maxFailedTasksPerExecutor). 0 never excludes.
   */
  'dataflow.excludeOnFailure.maxFailedTasksPerExecutor': number;
  /** How long `local[N]` waits for its executor processes to register. */
  'dataflow.executor.registrationTimeoutMs': number;
  /** Show a progress line per stage when stderr is a terminal. */
  'dataflow.ui.progress': boolean;
  /** The web UI served by the driver while the application runs (engine/ui/server.ts). */
  'dataflow.ui.enabled': boolean;
  /** Its port; when in use the next ones are tried (up to 16 more). 0: any free port. */
  'dataflow.ui.port': number;
  /** Interface it binds. Loopback by default; any other address requires the application secret of every request. */
  'dataflow.ui.host': string;
  /** Write the application's events (jobs, stages, tasks, executors, library reports) as JSON lines, for `dataflow history`. */
  'dataflow.eventLog.enabled': boolean;
  /** Folder (local or s3://) of the event logs, one `<appId>.jsonl` per application. Empty: `dataflow-events` in the temp folder that holds the work directories. */
  'dataflow.eventLog.dir': string;
  /** When an application starts, logs of the folder not written for this long are removed (0: kept at any age). */
  'dataflow.eventLog.maxAgeHours': number;
  /** ...and finished logs beyond the newest this many (0: no limit). In-progress logs are only removed by age. */
  'dataflow.eventLog.maxApps': number;
  /** Address executors use to reach the driver (standalone mode: an address they can route to). */
  'dataflow.driver.host': string;
  /** Interface the driver listens on, when it differs from dataflow.driver.host (e.g. 0.0.0.0). */
  'dataflow.driver.bindHost': string;
  /** Interval of heartbeats on every connection. */
  'dataflow.network.heartbeatIntervalMs': number;
  /** A peer silent for this long is lost: its tasks are retried elsewhere, its shuffle outputs recomputed. */
  'dataflow.network.timeoutMs': number;
  /**
   * The driver's listener: connections still in the handshake (TLS and authentication) at once,
   * overall and from one remote address; past either, the oldest is closed, so idle or hostile
   * peers never take the file descriptors authenticated executors need.
   */
  'dataflow.network.maxUnauthenticated': number;
  'dataflow.network.maxUnauthenticatedPerAddress': number;
  /** Standalone: the most executor cores this application takes (0: all the master can give). */
  'dataflow.cores.max': number;
  /** Delay scheduling: how long a task waits for the busy executor holding its cached input (Spark: spark.locality.wait). */
  'dataflow.locality.waitMs': number;
  /**
   * Memory of one executor (e.g. `2g`): 60% of it is the execution budget its tasks share, past
   * which sort and aggregation spill to disk. Empty: what the process may really use (its memory
   * cgroup's limit, else physical memory) shared by the executors of local[N].
   */
  'dataflow.executor.memory': string;
  /** Extra Node.js flags for executor processes, e.g. `--max-old-space-size=8192` (Spark: extraJavaOptions). */
  'dataflow.executor.extraNodeOptions': string;
  /**
   * local[N]: an executor process that dies (of memory, a signal, a crash) is replaced by a new one,
   * at most this many times per session; past that the jobs go on with the executors left.
   */
  'dataflow.executor.maxReplacements': number;
  /**
   * Encryption on the wire (TLS) of every connection: `auto` (the default) encrypts every connection
   * except those over a loopback address (local[N], a one-machine cluster); `true` encrypts all,
   * `false` none. Every process of a cluster needs the same setting (`--tls` on master and executor).
   */
  'dataflow.tls.enabled': string;
  /**
   * PEM files of this process's certificate, its key and the CA that signed every endpoint's
   * certificate (all three, or none: TLS is then keyed by the cluster secret).
   */
  'dataflow.tls.cert': string;
  'dataflow.tls.key': string;
  'dataflow.tls.ca': string;
}

export const DEFAULT_CONFIG: EngineConfig = {
  'dataflow.shuffle.partitions': 0,
  'dataflow.shuffle.maxPartitions': 64,
  'dataflow.shuffle.targetPartitionBytes': '64m',
  'dataflow.join.broadcastThreshold': '10m',
  'dataflow.shuffle.minPartitions': 16,
  'dataflow.source.partitions': 4,
  'dataflow.shuffle.memoryOutputBytes': 64 * 1024 * 1024,
  'dataflow.task.maxAttempts': 4,
  'dataflow.stage.maxAttempts': 4,
  'dataflow.excludeOnFailure.maxFailedTasksPerExecutor': 2,
  'dataflow.executor.registrationTimeoutMs': 30_000,
  'dataflow.ui.progress': true,
  'dataflow.ui.enabled': true,
  'dataflow.ui.port': 4040,
  'dataflow.ui.host': '127.0.0.1',
  'dataflow.eventLog.enabled': true,
  'dataflow.eventLog.dir': '',
  'dataflow.eventLog.maxAgeHours': 168,
  'dataflow.eventLog.maxApps': 50,
  'dataflow.executor.extraNodeOptions': '',
  'dataflow.executor.maxReplacements': 4,
  'dataflow.executor.memory': '',
  'dataflow.locality.waitMs': 3_000,
  'dataflow.driver.host': '127.0.0.1',
  'dataflow.driver.bindHost': '',
  'dataflow.network.heartbeatIntervalMs': 1_000,
  'dataflow.network.timeoutMs': 60_000,
  'dataflow.network.maxUnauthenticated': 64,
  'dataflow.network.maxUnauthenticatedPerAddress': 32,
  'dataflow.cores.max': 0,
  'dataflow.tls.enabled': 'auto',
  'dataflow.tls.cert': '',
  'dataflow.tls.key': '',
  'dataflow.tls.ca': '',
};

type Key = keyof EngineConfig;

function atLeastOneConnection(value: string, key: string): void {
  if (Number(value) < 1) throw new InvalidInputError(`configuration ${key}=${value} must be at least 1 (connections in the handshake at once)`);
}

/** Checks beyond the value's type, by key. */
const CHECKS: Partial<Record<Key, (value: string, key: string) => void>> = {
  'dataflow.executor.memory': (value, key) => { if (value !== '') parseSize(value, `configuration ${key}`); },
  'dataflow.shuffle.targetPartitionBytes': (value, key) => { parseSize(value, `configuration ${key}`); },
  'dataflow.join.broadcastThreshold': (value, key) => { if (value !== '0') parseSize(value, `configuration ${key}`); },
  'dataflow.tls.enabled': (value, key) => {
    if (!['auto', 'true', 'false'].includes(value)) {
      throw new InvalidInputError(`configuration ${key}=${value} is not auto, true or false (auto: TLS on every connection except over loopback)`);
    }
  },
  'dataflow.network.maxUnauthenticated': atLeastOneConnection,
  'dataflow.network.maxUnauthenticatedPerAddress': atLeastOneConnection,
  'dataflow.ui.port': (value, key) => {
    if (Number(value) > 65535) throw new InvalidInputError(`configuration ${key}=${value} is not a TCP port (0-65535; 0: any free port)`);
  },
  'dataflow.ui.host': (value, key) => {
    if (value.trim() === '') throw new InvalidInputError(`configuration ${key} is empty; give an address to bind, e.g. 127.0.0.1 or 0.0.0.0`);
  },
  'dataflow.eventLog.dir': (value, key) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/^(s3|file):\/\//i.test(value)) {
      throw new InvalidInputError(`configuration ${key}=${value}: the event log goes to a local folder or an s3:// location`);
    }
  },
  'dataflow.shuffle.maxPartitions': (value, key) => {
    if (Number(value) < 1) throw new InvalidInputError(`configuration ${key}=${value} must be at least 1 (the buckets a shuffle sized by data writes)`);
  },
};

/**
 * A size such as 512m, 4g or 1048576 (bytes), in binary units.
 *
 * @example parseSize('4g', '--memory') // 4294967296
 */
export function parseSize(value: string, option: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!match) throw new InvalidInputError(`${option} ${value} is not a size (e.g. 512m, 4g)`);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const bytes = Math.round(Number(match[1]) * scale);
  if (bytes < 1) throw new InvalidInputError(`${option} ${value} is not a positive size (e.g. 512m, 4g)`);
  return bytes;
}

/** Parses `key=value` strings (from --conf) and explicit overrides into a checked config. */
export function resolveConfig(entries: Array<string> = [], overrides: Partial<Record<string, unknown>> = {}): EngineConfig {
  const config: EngineConfig = { ...DEFAULT_CONFIG };
  const set = (key: string, raw: unknown): void => {
    if (!(key in DEFAULT_CONFIG)) {
      throw new InvalidInputError(`unknown configuration key '${key}'; known keys: ${Object.keys(DEFAULT_CONFIG).join(', ')}`);
    }
    const k = key as Key;
    const expected = typeof DEFAULT_CONFIG[k];
    if (expected === 'string') {
      CHECKS[k]?.(String(raw), key);
      (config as unknown as Record<string, unknown>)[k] = String(raw);
    } else if (expected === 'boolean') {
      const v = typeof raw === 'boolean' ? raw : raw === 'true' ? true : raw === 'false' ? false : undefined;
      if (v === undefined) throw new InvalidInputError(`configuration ${key}=${String(raw)} is not a boolean; use true or false`);
      (config as unknown as Record<string, unknown>)[k] = v;
    } else {
      const v = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isInteger(v) || v < 0) {
        throw new InvalidInputError(`configuration ${key}=${String(raw)} is not a non-negative integer`);
      }
      CHECKS[k]?.(String(v), key);
      (config as unknown as Record<string, unknown>)[k] = v;
    }
  };
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new InvalidInputError(`--conf '${entry}' is not of the form key=value (e.g. --conf dataflow.shuffle.partitions=8)`);
    set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) set(key, value);
  return config;
}
