// Throwaway certificates for TLS tests, made with the `openssl` command in a temporary folder: a CA,
// an endpoint certificate it signed (valid for 127.0.0.1, ::1 and localhost, for servers and
// clients alike), and a second, unrelated CA with its own endpoint certificate for "wrong CA" cases.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  dir: string;
  /** This CA signed `cert`. */
  ca: string;
  cert: string;
  key: string;
  /** Another CA, and a certificate it signed: trusted by nobody who holds `ca` only. */
  otherCa: string;
  otherCert: string;
  otherKey: string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('the TLS tests need the `openssl` command to make throwaway certificates; install it (apt-get install openssl)');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-subj', `/CN=dataflow test ${name}`, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign',
  ]);
}

function makeEndpointCert(dir: string, ca: string, name: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=dataflow ${name}`]);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'endpoint.ext',
  ]);
}

/**
 * Makes the certificates (a few hundred ms); call remove() when done. `ips`: more addresses the
 * endpoint certificates are valid for (e.g. a test's network namespaces).
 */
export function makeTestCertificates(ips: string[] = []): CertFiles {
  const dir = mkdtempSync(join(tmpdir(), 'dataflow-tls-'));
  const names = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', ...ips.map((a) => `IP:${a}`)].join(',');
  writeFileSync(join(dir, 'endpoint.ext'), `subjectAltName=${names}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  makeCa(dir, 'ca');
  makeEndpointCert(dir, 'ca', 'node');
  makeCa(dir, 'other-ca');
  makeEndpointCert(dir, 'other-ca', 'other-node');
  return {
    dir, ca: join(dir, 'ca.pem'), cert: join(dir, 'node.pem'), key: join(dir, 'node.key'),
    otherCa: join(dir, 'other-ca.pem'), otherCert: join(dir, 'other-node.pem'), otherKey: join(dir, 'other-node.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
