// The UI tests' browser: Debian's chromium (installed by the helper when missing, hence the long
// set-up timeout) launches headless and renders a page served over real HTTP, running its script.

import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_TIMEOUT_MS, launchBrowser } from '../../helpers/browser.ts';
import type { TestBrowser } from '../../helpers/browser.ts';

describe('test browser', () => {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><p id="out">static</p><script>document.getElementById("out").textContent = "rendered by " + navigator.userAgent.includes("Chrome")</script>');
  });
  let browser: TestBrowser | undefined;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await launchBrowser();
  }, INSTALL_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('launches chromium on a temporary profile, runs a page script over HTTP, and removes the profile on close', async () => {
    const { port } = server.address() as AddressInfo;
    const b = browser!;
    expect(existsSync(b.profileDir)).toBe(true);
    const page = await b.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    expect(await page.locator('#out').textContent()).toBe('rendered by true');
    await b.close();
    expect(existsSync(b.profileDir)).toBe(false);
  });
});
