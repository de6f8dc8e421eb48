// Test helper: a real headless browser for the UI tests. Debian's chromium, installed with apt-get by
// the test itself when missing (a browser download at `npm install` time cannot work here), driven by
// playwright-core; each launch gets a fresh profile folder, removed when the browser closes.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const PACKAGE = 'chromium';
/** For the beforeAll that launches: installing the package on a fresh machine takes a minute or two. */
export const INSTALL_TIMEOUT_MS = 300_000;

/** Flags for a quiet, sandbox-less headless run on a build machine: no GPU, no network of its own. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function aptGet(args: string[]): number | null {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status;
}

/**
 * Makes sure Debian's chromium is at /usr/bin/chromium: installs the package with apt-get when it is
 * not (root only; `apt-get update` only if the install fails without it), else throws with the
 * command to run.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const install = `apt-get update && apt-get install -y ${PACKAGE}`;
  if (process.getuid?.() !== 0) throw new Error(`the UI tests need Debian's ${PACKAGE} at ${CHROMIUM_PATH}, which is missing; as root run: ${install}`);
  console.log(`installing Debian's ${PACKAGE} for the UI tests: apt-get install -y ${PACKAGE}`);
  if (aptGet(['install', '-y', '--no-install-recommends', PACKAGE]) !== 0) {
    const update = aptGet(['update']);
    if (update !== 0) throw new Error(`apt-get update failed (exit ${update}); run by hand: ${install}`);
    const status = aptGet(['install', '-y', '--no-install-recommends', PACKAGE]);
    if (status !== 0) throw new Error(`apt-get install ${PACKAGE} failed (exit ${status}); run by hand: ${install}`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed ${PACKAGE} but ${CHROMIUM_PATH} is still missing; check \`dpkg -L ${PACKAGE}\``);
  return CHROMIUM_PATH;
}

/** A launched browser (one persistent context on a fresh profile); close() also removes the profile. */
export interface TestBrowser {
  context: BrowserContext;
  /** The temporary --user-data-dir, gone after close(). */
  profileDir: string;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Installs chromium if needed and launches it headless with a fresh, temporary user data dir. */
export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'dataflow-chromium-'));
  let context: BrowserContext;
  try {
    // playwright refuses --user-data-dir in args: a persistent context is how it takes the profile.
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    profileDir: profile,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
