// The registry's text exposition format 0.0.4, read back by a small parser of that format: HELP
// and TYPE lines before each family's series, label values escaped, numbers as Prometheus writes
// them, collected gauges re-read at each render, and names Prometheus would refuse rejected.

import { describe, expect, it } from 'vitest';
import { MetricsRegistry, addProcessMetrics } from '../../../engine/metrics/index.ts';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses the text format: families with their help, type and samples (throws on a malformed line). */
function parse(text: string): Map<string, { help?: string; type?: string; samples: Sample[] }> {
  expect(text.endsWith('\n'), 'the exposition ends with a newline').toBe(true);
  const families = new Map<string, { help?: string; type?: string; samples: Sample[] }>();
  const family = (name: string) => families.get(name) ?? families.set(name, { samples: [] }).get(name)!;
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'HELP') family(meta[2]!).help = meta[3]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else family(meta[2]!).type = meta[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a line of the text format: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) {
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const base = sample[1]!.replace(/_(sum|count)$/, '');
    const owner = families.has(sample[1]!) ? sample[1]! : base;
    expect(families.has(owner), `sample ${sample[1]} follows its # TYPE line`).toBe(true);
    family(owner).samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return families;
}

describe('MetricsRegistry (Prometheus text format 0.0.4)', () => {
  it('renders counters and gauges, labelled or not, as exact lines', async () => {
    const registry = new MetricsRegistry();
    const started = registry.counter('dataflow_test_tasks_started_total', 'Task attempts started');
    const failed = registry.counter('dataflow_test_tasks_failed_total', 'Task attempts that failed, by reason', ['reason']);
    let alive = 2;
    registry.gauge('dataflow_test_executors', 'Executors by state', ['state'], (set) => { set(alive, 'alive'); set(5 - alive, 'lost'); });
    started.inc();
    started.inc(2);
    const userCode = failed.labels('UserCodeError');
    userCode.inc();
    userCode.inc();
    failed.labels('a "quoted"\\path\nline').inc(0.5);
    expect(await registry.render()).toBe([
      '# HELP dataflow_test_tasks_started_total Task attempts started',
      '# TYPE dataflow_test_tasks_started_total counter',
      'dataflow_test_tasks_started_total 3',
      '# HELP dataflow_test_tasks_failed_total Task attempts that failed, by reason',
      '# TYPE dataflow_test_tasks_failed_total counter',
      'dataflow_test_tasks_failed_total{reason="UserCodeError"} 2',
      'dataflow_test_tasks_failed_total{reason="a \\"quoted\\"\\\\path\\nline"} 0.5',
      '# HELP dataflow_test_executors Executors by state',
      '# TYPE dataflow_test_executors gauge',
      'dataflow_test_executors{state="alive"} 2',
      'dataflow_test_executors{state="lost"} 3',
      '',
    ].join('\n'));
    alive = 1; // a collected gauge is read again at every render
    const families = parse(await registry.render());
    expect(families.get('dataflow_test_executors')!.samples).toEqual([
      { name: 'dataflow_test_executors', labels: { state: 'alive' }, value: 1 },
      { name: 'dataflow_test_executors', labels: { state: 'lost' }, value: 4 },
    ]);
    expect(families.get('dataflow_test_tasks_failed_total')!.samples[1]!.labels.reason).toBe('a "quoted"\\path\nline');
  });

  it('writes large integers without exponent and NaN / infinities by name', async () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge('g', 'values', ['v']);
    g.set(2 ** 53, 'big');
    g.set(NaN, 'nan');
    g.set(Infinity, 'inf');
    g.set(-Infinity, 'minf');
    g.set(1.5e-7, 'small');
    expect((await registry.render()).split('\n').slice(2, -1)).toEqual([
      'g{v="big"} 9007199254740992', 'g{v="nan"} NaN', 'g{v="inf"} +Inf', 'g{v="minf"} -Inf', 'g{v="small"} 1.5e-7',
    ]);
  });

  it('refuses names and label counts Prometheus would not read', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('tasks-started', 'x')).toThrow(/tasks-started.*not a Prometheus name/);
    expect(() => registry.counter('ok_total', 'x', ['bad-label'])).toThrow(/label name "bad-label"/);
    const c = registry.counter('c_total', 'x', ['reason']);
    expect(() => registry.counter('c_total', 'again')).toThrow(/registered twice/);
    expect(() => c.labels()).toThrow(/has labels \(reason\); got 0 values/);
  });

  it('process metrics: heap, RSS, uptime and the event-loop delay summary, with plausible values', async () => {
    const registry = new MetricsRegistry();
    addProcessMetrics(registry);
    await new Promise((r) => setTimeout(r, 60)); // let the delay sampler take a few samples
    const families = parse(await registry.render());
    const value = (name: string, labels: Record<string, string> = {}): number =>
      (families.get(name) ?? families.get(name.replace(/_(sum|count)$/, '')))!.samples
        .find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))!.value;
    expect(families.get('nodejs_heap_size_used_bytes')!.type).toBe('gauge');
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(1 << 20);
    expect(value('nodejs_heap_size_total_bytes')).toBeGreaterThanOrEqual(value('nodejs_heap_size_used_bytes'));
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(value('nodejs_heap_size_used_bytes'));
    expect(value('process_start_time_seconds')).toBeLessThanOrEqual(Date.now() / 1000);
    expect(value('dataflow_process_uptime_seconds')).toBeGreaterThanOrEqual(0);
    const loop = families.get('nodejs_eventloop_delay_seconds')!;
    expect(loop.type).toBe('summary');
    expect(loop.samples.map((s) => s.name === 'nodejs_eventloop_delay_seconds' ? s.labels.quantile : s.name))
      .toEqual(['0.5', '0.9', '0.99', 'nodejs_eventloop_delay_seconds_sum', 'nodejs_eventloop_delay_seconds_count']);
    expect(value('nodejs_eventloop_delay_seconds_count')).toBeGreaterThan(0);
    expect(value('nodejs_eventloop_delay_seconds', { quantile: '0.99' })).toBeGreaterThan(0);
  });
});
