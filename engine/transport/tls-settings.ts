// Which connections are encrypted and how: TLS on every connection except over loopback unless told
// otherwise, keyed by certificates (PEM cert, key and CA) or by a pre-shared key derived from the
// cluster secret. Both ends decide from the same address, so they agree without asking each other.

import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { InvalidInputError } from '../errors.ts';

/** How an endpoint encrypts its connections. Plain strings and booleans: it crosses to task threads. */
export interface TlsSettings {
  /**
   * 'auto' (the default): TLS on every connection except those over a loopback address (local[N]
   * and a one-machine cluster keep their speed); true: on every connection; false: never.
   */
  enabled?: boolean | 'auto';
  /** PEM text of this endpoint's certificate (chain). Given with `key` and `ca`: certificates key TLS. */
  cert?: string;
  /** PEM text of the certificate's private key. */
  key?: string;
  /** PEM text of the CA certificate(s) that signed every endpoint's certificate. */
  ca?: string;
}

/** 'off': clear text; 'psk': TLS keyed by the cluster secret; 'cert': TLS with certificates. */
export type TlsMode = 'off' | 'psk' | 'cert';

/** The setting a user changes to turn TLS on or off, named in every mismatch error. */
export const TLS_SWITCH =
  'dataflow.tls.enabled (`--tls true|false|auto` on dataflow master and dataflow executor, ' +
  '`--conf dataflow.tls.enabled=...` on dataflow submit)';

/** The settings that give certificates, named in certificate errors. */
export const TLS_CERT_OPTIONS = '--tls-cert, --tls-key and --tls-ca (dataflow.tls.cert/key/ca)';

/**
 * How a connection over `address` (the IP both ends see: the address dialled, the address the
 * connection arrived on) is protected.
 *
 * @example
 * tlsModeFor({}, '127.0.0.1');          // 'off'  (loopback, TLS not forced)
 * tlsModeFor({}, '10.0.0.5');           // 'psk'
 * tlsModeFor({ enabled: true }, '::1'); // 'psk'
 */
export function tlsModeFor(settings: TlsSettings | undefined, address: string | undefined): TlsMode {
  const enabled = settings?.enabled ?? 'auto';
  if (enabled === false) return 'off';
  if (enabled === 'auto' && isLoopback(address)) return 'off';
  return hasCertificates(settings) ? 'cert' : 'psk';
}

export function hasCertificates(settings: TlsSettings | undefined): boolean {
  return settings?.cert !== undefined && settings.key !== undefined && settings.ca !== undefined;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. A name or an unknown address is not loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(a) === 0) return false;
  if (a === '::1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** TLS 1.2 pre-shared key of a cluster: HKDF-SHA256 of the secret, never the secret itself. */
export function pskFromSecret(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'dataflow tls psk', 'dataflow transport v1', 32));
}

/** The value of `dataflow.tls.enabled` / `--tls`: auto, true or false. */
export function parseTlsEnabled(value: string | boolean, option: string): boolean | 'auto' {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  if (value === 'auto' || value === '') return 'auto';
  throw new InvalidInputError(
    `${option} ${String(value)} is not auto, true or false (auto: TLS on every connection except over loopback)`,
  );
}

/** Where TLS settings come from: the enabled switch and the paths of the PEM files, with their option names. */
export interface TlsFiles {
  enabled: string | boolean;
  cert?: string;
  key?: string;
  ca?: string;
  /** Option names for errors, e.g. { enabled: '--tls', cert: '--tls-cert', ... }. */
  names: { enabled: string; cert: string; key: string; ca: string };
}

/**
 * Reads the PEM files of a TLS configuration once (certificates need all three files; none means
 * a key derived from the secret). Errors name the option and the file.
 *
 * @example
 * loadTlsSettings({ enabled: 'auto', cert: 'node.pem', key: 'node.key', ca: 'ca.pem', names });
 */
export function loadTlsSettings(files: TlsFiles): TlsSettings {
  const enabled = parseTlsEnabled(files.enabled, files.names.enabled);
  const given = (['cert', 'key', 'ca'] as const).filter((k) => files[k]);
  if (given.length === 0) return { enabled };
  if (given.length < 3) {
    const missing = (['cert', 'key', 'ca'] as const).filter((k) => !files[k]).map((k) => files.names[k]);
    throw new InvalidInputError(
      `TLS certificates need ${files.names.cert}, ${files.names.key} and ${files.names.ca} together; ${missing.join(' and ')} ` +
        `missing (or give none of them: TLS is then keyed by the cluster secret)`,
    );
  }
  const read = (k: 'cert' | 'key' | 'ca', marker: RegExp): string => {
    const path = files[k]!;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new InvalidInputError(`cannot read ${files.names[k]} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (!marker.test(text)) {
      throw new InvalidInputError(`${files.names[k]} ${path} holds no PEM ${k === 'key' ? 'private key' : 'certificate'} (expected a -----BEGIN ... ----- block)`);
    }
    return text;
  };
  return {
    enabled,
    cert: read('cert', /-----BEGIN CERTIFICATE-----/),
    key: read('key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
    ca: read('ca', /-----BEGIN CERTIFICATE-----/),
  };
}
