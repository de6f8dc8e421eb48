// The Python peers (numpy ALS, scipy/scikit-learn SVD, the ratings generator in ../shared/anchors)
// need Debian's python3 packages; a benchmark that runs them installs them first, as root.

import { spawnSync } from 'node:child_process';

/** Debian packages the anchors import (numpy, scipy, sklearn, pandas, threadpoolctl). */
export const PYTHON_PEER_PACKAGES = ['python3-numpy', 'python3-scipy', 'python3-sklearn', 'python3-pandas', 'python3-threadpoolctl'];
const IMPORTS = 'import numpy, scipy, sklearn, pandas, threadpoolctl';

function peersImport(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', IMPORTS], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure the anchors' Python modules import: installs the Debian packages with apt-get when
 * they do not (root only), else throws with the command to run.
 */
export function ensurePythonPeers(): void {
  if (peersImport()) return;
  const install = `apt-get update && apt-get install -y ${PYTHON_PEER_PACKAGES.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`the Python peers need Debian packages that are missing; as root run: ${install}`);
  console.log(`installing the Python peers' Debian packages: ${install}`);
  for (const args of [['update'], ['install', '-y', ...PYTHON_PEER_PACKAGES]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status}); run by hand: ${install}`);
  }
  if (!peersImport()) throw new Error(`the Python peers still do not import after installing ${PYTHON_PEER_PACKAGES.join(' ')}`);
}
