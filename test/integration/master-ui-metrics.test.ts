// The master's page and the Prometheus endpoints of a standalone cluster, on one shared cluster: a
// real `dataflow master` (--ui-port 0) and one executor (--metrics-port 0) as processes, and a
// driver in this process running a job with a shuffle, its web UI on a free port. The master's /metrics counts the executor
// alive, then lost once it is SIGKILLed; its page lists the executor with cores, memory and state
// and the applications with links to their drivers' UIs (fetched and parsed, then as chromium shows
// it, following the link); the executor's /metrics counts the tasks
// the driver saw and the shuffle bytes they moved. Also: a port in use, and the UI token that
// guards an HTTP endpoint bound beyond loopback.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import net from 'node:net';
import { count } from '../../engine/index.ts';
import { connect } from '../../engine/transport/index.ts';
import { MasterMessage } from '../../engine/protocol/index.ts';
import { Master } from '../../engine/cluster/master-process.ts';
import { uiToken } from '../../engine/metrics/index.ts';
import { runCli } from '../helpers/cli.ts';
import { INSTALL_TIMEOUT_MS, launchBrowser } from '../helpers/browser.ts';
import { TestCluster, waitUntil } from '../helpers/cluster.ts';
import type { ExecutorProcess } from '../helpers/cluster.ts';

/** Samples of a text exposition: `name{labels}` → value (labels as written, in order). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a line of the Prometheus text format: ${JSON.stringify(line)}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return samples(await res.text());
}

/** The cells' text of the table row with this id, tags removed. */
function rowCells(html: string, id: string): string[] | undefined {
  const row = new RegExp(`<tr id="${id}">(.*?)</tr>`).exec(html)?.[1];
  return row ? [...row.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim()) : undefined;
}

describe('master page and metrics endpoints on a shared standalone cluster', () => {
  let cluster: TestCluster;
  let executor: ExecutorProcess;
  let executorMetrics: string;
  /** The UI an announced application's driver names: the master's link must lead there. */
  const driverUi = createServer((_req, res) => { res.setHeader('content-type', 'text/html'); res.end('<h1 id="ui">driver ui</h1>'); });
  let driverUiUrl: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => driverUi.listen(0, '127.0.0.1', resolve));
    driverUiUrl = `http://127.0.0.1:${(driverUi.address() as net.AddressInfo).port}`;
    cluster = await TestCluster.start({ executors: 1, cores: 2, executor: () => ({ id: 'exec-metrics', args: ['--metrics-port', '0', '--memory', '1g'] }) });
    executor = cluster.executors.get('exec-metrics')!;
    executorMetrics = (await executor.waitFor(/metrics at (http:\/\/\S+)/))[1]!;
  });
  afterAll(async () => {
    await cluster?.stop();
    driverUi.close();
  });

  it('runs a job and counts it the same on the driver, the executor and the master; the page links applications to driver UIs; a lost executor is counted', async () => {
    const master = await scrape(`${cluster.masterUiUrl}/metrics`);
    expect(master.get('dataflow_master_executors{state="alive"}')).toBe(1);
    expect(master.get('dataflow_master_executors_lost_total')).toBe(0);
    expect(master.get('dataflow_master_cores{state="total"}')).toBe(2);
    expect(master.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    // an application whose driver announces its UI, registered through the real protocol
    const announcer = await connect({ host: cluster.masterHost, port: cluster.masterPort, secret: cluster.secret, role: 'driver', timeoutMs: 5_000 });
    const hostile = announcer.request({ header: { type: MasterMessage.registerApp, appName: 'x', driverHost: '127.0.0.1', driverPort: 9, maxCores: 1, uiUrl: 'javascript:alert(1)' } });
    await expect(hostile).rejects.toThrow(/uiUrl must be the http\(s\):\/\/ address of the driver's web UI/);
    const announced = await announcer.request({
      header: { type: MasterMessage.registerApp, appName: 'with <ui>', driverHost: '127.0.0.1', driverPort: 9, maxCores: 1, uiUrl: driverUiUrl },
    });
    const announcedId = String(announced.header.appId);
    await announcer.send({ header: { type: MasterMessage.unregisterApp, appId: announcedId } });
    await announcer.close();

    const session = await cluster.session({ conf: ['dataflow.shuffle.partitions=3', 'dataflow.ui.port=0'] });
    const sessionUi = session.uiUrl!;
    expect(sessionUi).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    let appId = '';
    try {
      const rows = Array.from({ length: 2_000 }, (_, i) => ({ key: i % 37, v: i }));
      const grouped = await session.fromRows(rows, { numPartitions: 4 }).aggregateByKey(['key'], { n: count() }).collect();
      expect(grouped).toHaveLength(37);
      appId = [...cluster.master.stdout.matchAll(/application (app-\S+) \(dataflow\) registered/g)].at(-1)![1]!;

      const page = await (await fetch(`${cluster.masterUiUrl}/`)).text();
      expect(rowCells(page, 'executor-exec-metrics')).toEqual([
        'exec-metrics', expect.stringMatching(/^127\.0\.0\.1 \(pid \d+\)$/), '2 / 2', '1.0 GiB', 'ALIVE', expect.any(String),
      ]);
      const running = /<table id="running-applications">(.*?)<\/table>/s.exec(page)![1]!;
      expect(rowCells(running, `app-${appId}`)?.slice(0, 3)).toEqual([appId, 'dataflow', sessionUi]);
      expect(running).toContain(`<a class="driver-ui" href="${sessionUi}">`);
      const finished = /<table id="finished-applications">(.*?)<\/table>/s.exec(page)![1]!;
      expect(rowCells(finished, `app-${announcedId}`)?.slice(0, 3)).toEqual([announcedId, 'with &lt;ui&gt;', driverUiUrl]);
      expect(finished).toContain(`<a class="driver-ui" href="${driverUiUrl}">`);

      // the driver's own counts, served by its UI at /metrics
      const driver = await scrape(`${sessionUi}/metrics`);
      const exec = await scrape(executorMetrics);
      expect(driver.get('dataflow_driver_tasks_started_total')).toBe(7); // 4 map tasks, 3 reduce tasks
      expect(driver.get('dataflow_driver_tasks_succeeded_total')).toBe(7);
      expect(driver.get('dataflow_driver_jobs_ended_total{status="succeeded"}')).toBeGreaterThanOrEqual(1);
      expect(driver.get('dataflow_driver_executors')).toBe(1);
      expect(exec.get('dataflow_executor_tasks_started_total')).toBe(7);
      expect(exec.get('dataflow_executor_tasks_succeeded_total')).toBe(7);
      expect(exec.get('dataflow_executor_info{executor_id="exec-metrics",cores="2"}')).toBe(1);
      const written = exec.get('dataflow_executor_shuffle_write_bytes_total')!;
      expect(written).toBeGreaterThan(0);
      expect(exec.get('dataflow_executor_shuffle_read_bytes_total')).toBe(written); // every block written was read once
      expect(driver.get('dataflow_driver_shuffle_write_bytes_total')).toBe(written);
      expect(driver.get('dataflow_driver_shuffle_read_bytes_total')).toBe(written);
      expect(exec.get('dataflow_executor_applications')).toBe(1);
      expect(exec.get('nodejs_eventloop_delay_seconds_count')).toBeGreaterThan(0);
    } finally {
      await session.stop();
    }

    await executor.kill('SIGKILL');
    await waitUntil(() => /executor exec-metrics lost/.test(cluster.master.stdout), 'the master to notice the lost executor', 20_000);
    const after = await scrape(`${cluster.masterUiUrl}/metrics`);
    expect(after.get('dataflow_master_executors{state="alive"}')).toBe(0);
    expect(after.get('dataflow_master_executors_lost_total')).toBe(1);
    expect(after.get('dataflow_master_applications_ended_total{status="finished"}')).toBe(2);
    const page = await (await fetch(`${cluster.masterUiUrl}/`)).text();
    expect(rowCells(page, 'executor-exec-metrics')?.slice(0, 4)).toEqual(['exec-metrics', expect.stringMatching(/^127\.0\.0\.1/), '0 / 2', '1.0 GiB']);
    expect(rowCells(page, 'executor-exec-metrics')?.[4]).toMatch(/^LOST /);
    const finished = /<table id="finished-applications">(.*?)<\/table>/s.exec(page)![1]!;
    expect(rowCells(finished, `app-${appId}`)?.[5]).toBe('FINISHED');
  });

  it('in a browser, the page shows the lost executor and the finished applications, whose driver UI link leads to the driver', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${cluster.masterUiUrl}/`);
      expect(await page.locator('h1').textContent()).toBe(`dataflow master at ${cluster.url}`);
      const cells = await page.locator('#executors tr#executor-exec-metrics td').allTextContents();
      expect(cells.slice(2, 4)).toEqual(['0 / 2', '1.0 GiB']);
      expect(cells[4]).toMatch(/^LOST /);
      expect(await page.locator('#alive-executors').textContent()).toBe('0');
      const names = await page.locator('#finished-applications tbody tr td:nth-child(2)').allTextContents();
      expect(names.sort()).toEqual(['dataflow', 'with <ui>']);
      // the real driver's UI closed with its session; the announced one still answers
      const link = page.locator('#finished-applications tr', { hasText: 'with <ui>' }).locator('a.driver-ui');
      expect(await link.getAttribute('href')).toBe(driverUiUrl);
      await link.click();
      await page.waitForURL(`${driverUiUrl}/`);
      expect(await page.locator('#ui').textContent()).toBe('driver ui');
    } finally {
      await browser.close();
    }
  }, INSTALL_TIMEOUT_MS);

  it('an explicit --ui-port in use is an error naming the option', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const result = await runCli(['master', '--port', '0', '--ui-port', String(port)], { env: cluster.env as Record<string, string> });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`dataflow: --ui-port ${port}: the port is in use on 127.0.0.1; give another one (0 picks a free port)`);
    } finally {
      taken.close();
    }
  });

  it('bound beyond loopback, the page and /metrics need the UI token derived from the cluster secret', async () => {
    const lines: string[] = [];
    const master = await Master.start({ secret: cluster.secret, ui: { host: '0.0.0.0', port: 0 }, log: (line) => lines.push(line) });
    try {
      const url = master.uiUrl!;
      const token = uiToken(cluster.secret);
      expect(token).not.toContain(cluster.secret);
      expect(lines.join('\n')).toContain(`?token=${token}`);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${uiToken(`${cluster.secret}x`)}` } })).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${url}/`, { headers: { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` } })).status).toBe(200);
      const visit = await fetch(`${url}/?token=${token}`);
      expect(visit.status).toBe(200);
      const cookie = visit.headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${url}/json`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${url}/nowhere`, { headers: { cookie } })).status).toBe(404);
    } finally {
      await master.close();
    }
  });
});
