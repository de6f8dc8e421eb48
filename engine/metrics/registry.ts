// A small Prometheus registry: counters and gauges, with or without labels, rendered in the text
// exposition format 0.0.4 (`# HELP`, `# TYPE`, one `name{label="value"} number` line per series).
// Counting is a plain number increment on an object found once (no label hashing per call), so the
// hot paths of the driver and executors stay as fast with metrics as without.
//
//   const tasks = registry.counter('dataflow_executor_tasks_failed_total', 'Task attempts that failed', ['reason']);
//   tasks.labels('UserCodeError').inc();
//   registry.gauge('dataflow_master_executors', 'Executors by state', ['state'], (set) => { set(3, 'alive'); });
//   await registry.render()
//   // # HELP dataflow_executor_tasks_failed_total Task attempts that failed
//   // # TYPE dataflow_executor_tasks_failed_total counter
//   // dataflow_executor_tasks_failed_total{reason="UserCodeError"} 1

/** The media type of the text format, for the Content-Type header. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** One series: a number that only counters' `inc` and gauges' `set` change. */
export class Series {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

/** Sets one series of a collected metric: `set(value, ...labelValues)`. */
export type CollectSeries = (value: number, ...labelValues: string[]) => void;

type Kind = 'counter' | 'gauge' | 'summary';

interface Family {
  name: string;
  help: string;
  kind: Kind;
  labelNames: readonly string[];
  /** Series by their label values joined with \u0000 ('' when unlabelled). */
  series: Map<string, { labelValues: readonly string[]; series: Series }>;
  /** Called at each render to set the series (gauges of state read when scraped). */
  collect?: (set: CollectSeries) => void | Promise<void>;
}

/** A counter or gauge family: `labels(...)` finds (once) the series to increment. */
export class Metric {
  constructor(private readonly family: Family) {}

  /** The series for these label values (created at 0); keep it to count without any lookup. */
  labels(...labelValues: string[]): Series {
    const { family } = this;
    if (labelValues.length !== family.labelNames.length) {
      throw new RangeError(`metric ${family.name} has labels (${family.labelNames.join(', ')}); got ${labelValues.length} values (${labelValues.join(', ')})`);
    }
    const key = labelValues.join('\u0000');
    let entry = family.series.get(key);
    if (!entry) family.series.set(key, (entry = { labelValues, series: new Series() }));
    return entry.series;
  }

  /** The unlabelled series' value increased by `by` (counters only count up: `by` ≥ 0). */
  inc(by = 1): void {
    this.labels().inc(by);
  }

  set(value: number, ...labelValues: string[]): void {
    this.labels(...labelValues).value = value;
  }

  /** The value of one series (0 if never set), for tests and diagnostics. */
  get(...labelValues: string[]): number {
    return this.family.series.get(labelValues.join('\u0000'))?.series.value ?? 0;
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly hooks: Array<() => void> = [];

  /**
   * A monotonically increasing count; by convention its name ends in `_total`. With `collect`, its
   * series are read when rendered (a count kept elsewhere), as a collected gauge's are.
   */
  counter(name: string, help: string, labelNames: readonly string[] = [], collect?: (set: CollectSeries) => void | Promise<void>): Metric {
    return new Metric(this.add({ name, help, kind: 'counter', labelNames, series: new Map(), collect }));
  }

  /**
   * A value that goes up and down. With `collect`, it is read when the metrics are rendered: every
   * series is cleared first and `collect` sets the ones that exist now (e.g. executors per state).
   */
  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: (set: CollectSeries) => void | Promise<void>): Metric {
    return new Metric(this.add({ name, help, kind: 'gauge', labelNames, series: new Map(), collect }));
  }

  /**
   * A summary whose series `collect` sets when rendered: quantiles with the label `quantile`, and
   * the `_sum` and `_count` series as `set(value, '_sum')` / `set(value, '_count')`.
   */
  summary(name: string, help: string, collect: (set: CollectSeries) => void | Promise<void>): void {
    this.add({ name, help, kind: 'summary', labelNames: ['quantile'], series: new Map(), collect });
  }

  /** Runs `hook` at the start of every render(), before any family is read (e.g. counts still on their way delivered). */
  beforeRender(hook: () => void): void {
    this.hooks.push(hook);
  }

  /** Every family in the text format 0.0.4, in the order they were added, ending with a newline. */
  async render(): Promise<string> {
    for (const hook of this.hooks) hook();
    const lines: string[] = [];
    for (const family of this.families.values()) {
      if (family.collect) {
        family.series.clear();
        const metric = new Metric(family);
        await family.collect((value, ...labelValues) => metric.set(value, ...labelValues));
      }
      lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.kind}`);
      for (const { labelValues, series } of family.series.values()) lines.push(seriesLine(family, labelValues, series.value));
    }
    return `${lines.join('\n')}\n`;
  }

  private add(family: Family): Family {
    if (!METRIC_NAME.test(family.name)) throw new RangeError(`metric name ${JSON.stringify(family.name)} is not a Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*)`);
    for (const label of family.labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new RangeError(`metric ${family.name}: label name ${JSON.stringify(label)} is not a Prometheus label name`);
    }
    if (this.families.has(family.name)) throw new RangeError(`metric ${family.name} is registered twice`);
    this.families.set(family.name, family);
    return family;
  }
}

function seriesLine(family: Family, labelValues: readonly string[], value: number): string {
  if (family.kind === 'summary' && (labelValues[0] === '_sum' || labelValues[0] === '_count')) return `${family.name}${labelValues[0]} ${formatValue(value)}`;
  const labels = family.labelNames.map((label, i) => `${label}="${escapeLabel(labelValues[i]!)}"`).join(',');
  return `${family.name}${labels ? `{${labels}}` : ''} ${formatValue(value)}`;
}

/** Numbers as Prometheus writes them: integers without exponent, NaN and ±Inf by name. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(0) : String(value);
}

const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
