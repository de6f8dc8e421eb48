// Visits every plain object inside a value (a task descriptor), skipping typed arrays: how a task
// finds the broadcasts and library modules its shipped functions refer to before it runs.

export function forEachRecord(value: unknown, visit: (record: Record<string, unknown>) => void): void {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) forEachRecord(item, visit);
    return;
  }
  const record = value as Record<string, unknown>;
  visit(record);
  for (const key of Object.keys(record)) forEachRecord(record[key], visit);
}
