// Parsing of command-line values shared by the commands: host:port, sizes, the cluster secret, TLS.

import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../errors.ts';
import { SECRET_ENV, checkSecret } from '../protocol/index.ts';
import { loadTlsSettings } from '../transport/index.ts';
import type { TlsSettings } from '../transport/index.ts';

/** @example parseHostPort('10.0.0.5:7077', '--master') // { host: '10.0.0.5', port: 7077 } */
export function parseHostPort(value: string, option: string): { host: string; port: number } {
  const match = /^(.+):([0-9]{1,5})$/.exec(value.replace(/^dataflow:\/\//, ''));
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) throw new InvalidInputError(`${option} ${value} is not host:port (e.g. 127.0.0.1:7077)`);
  return { host: match[1]!, port };
}

export { parseSize } from '../config.ts';

/** The cluster secret from a file (trimmed) or $DATAFLOW_SECRET; an error says how to give one. */
export function readSecret(file: string | undefined): string {
  if (file) {
    let secret: string;
    try {
      secret = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new InvalidInputError(`cannot read --secret-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return checkSecret(secret, `--secret-file ${file}`, `openssl rand -hex 32 > ${file}`);
  }
  const secret = process.env[SECRET_ENV];
  if (!secret) throw new InvalidInputError(`no cluster secret: set $${SECRET_ENV} or pass --secret-file FILE (never on the command line)`);
  // The same rule as the file's: the secret keys TLS and the handshake, and a short one is guessed offline.
  return checkSecret(secret, `$${SECRET_ENV}`);
}

/** The TLS options of `dataflow master` and `dataflow executor`, as yargs option definitions. */
export const TLS_OPTIONS = {
  tls: {
    type: 'string', default: 'auto', choices: ['auto', 'true', 'false'],
    describe: 'encrypt connections with TLS: auto (every connection except over loopback), true (all), false (none); the same on every process of a cluster',
  },
  'tls-cert': { type: 'string', describe: 'PEM certificate of this process (with --tls-key and --tls-ca; without them TLS is keyed by the cluster secret)' },
  'tls-key': { type: 'string', describe: 'PEM private key of --tls-cert' },
  'tls-ca': { type: 'string', describe: 'PEM certificate of the CA that signed every process\'s certificate' },
} as const;

export interface TlsArgs { tls: string; 'tls-cert'?: string; 'tls-key'?: string; 'tls-ca'?: string }

/** Reads the files the TLS options name (errors name the option and the file). */
export function tlsFromArgs(a: TlsArgs): TlsSettings {
  return loadTlsSettings({
    enabled: a.tls, cert: a['tls-cert'], key: a['tls-key'], ca: a['tls-ca'],
    names: { enabled: '--tls', cert: '--tls-cert', key: '--tls-key', ca: '--tls-ca' },
  });
}
