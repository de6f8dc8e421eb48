// The driver's TLS settings from its configuration (dataflow.tls.*), and the same settings as
// `dataflow executor` options for the executors local[N] starts, so both ends always agree.

import { resolve } from 'node:path';
import type { EngineConfig } from '../config.ts';
import { loadTlsSettings } from '../transport/index.ts';
import type { TlsSettings } from '../transport/index.ts';

const KEYS = { enabled: 'dataflow.tls.enabled', cert: 'dataflow.tls.cert', key: 'dataflow.tls.key', ca: 'dataflow.tls.ca' } as const;

/** Reads the PEM files named by dataflow.tls.cert/key/ca (errors name the key and the file). */
export function tlsSettingsOf(config: EngineConfig): TlsSettings {
  return loadTlsSettings({
    enabled: config[KEYS.enabled],
    cert: config[KEYS.cert] || undefined, key: config[KEYS.key] || undefined, ca: config[KEYS.ca] || undefined,
    names: { enabled: `configuration ${KEYS.enabled}`, cert: `configuration ${KEYS.cert}`, key: `configuration ${KEYS.key}`, ca: `configuration ${KEYS.ca}` },
  });
}

/** `dataflow executor` options that give a child the driver's TLS settings (absolute paths). */
export function executorTlsArgs(config: EngineConfig): string[] {
  const args = ['--tls', config[KEYS.enabled]];
  if (config[KEYS.cert]) args.push('--tls-cert', resolve(config[KEYS.cert]), '--tls-key', resolve(config[KEYS.key]), '--tls-ca', resolve(config[KEYS.ca]));
  return args;
}
