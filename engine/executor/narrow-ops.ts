// Narrow operators: each turns one partition's table into the next, inside one task.
// Row-wise verbs (map, filter, flatMap, mapPartitions) are sugar over row objects; mapBatches,
// mapPartitionTables and select stay columnar.

import { Table, RecordBatch } from 'apache-arrow';
import type { NarrowOp } from '../plan/nodes.ts';
import { rowsToTable, tableToRows } from '../kernels/rows.ts';
import type { Row } from '../kernels/rows.ts';
import { filterRows } from '../kernels/take.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { DataflowError } from '../errors.ts';
import type { UserCode } from './user-code.ts';
import { broadcastJoin } from './broadcast-join.ts';

export function applyNarrowOp(op: NarrowOp, table: Table, code: UserCode): Table {
  switch (op.op) {
    case 'select': return selectColumns(table, op.columns);
    case 'broadcastJoin': return broadcastJoin(op, table, code.broadcastValue(op.table.$broadcast));
    case 'map': {
      const fn = code.callable(op.fn);
      return rowsToTable(tableToRows(table).map((row) => asRow(fn(row), 'map')));
    }
    case 'filter': {
      const fn = code.callable(op.fn);
      const rows = tableToRows(table);
      const mask = new Uint8Array(rows.length);
      for (let i = 0; i < rows.length; i++) mask[i] = fn(rows[i]) ? 1 : 0;
      return filterRows(table, mask);
    }
    case 'flatMap': {
      const fn = code.callable(op.fn);
      const out: Row[] = [];
      for (const row of tableToRows(table)) {
        for (const item of iterableOf(fn(row), 'flatMap')) out.push(asRow(item, 'flatMap'));
      }
      return rowsToTable(out);
    }
    case 'mapPartitions': {
      const fn = code.callable(op.fn);
      return rowsToTable([...iterableOf(fn(tableToRows(table)), 'mapPartitions')].map((r) => asRow(r, 'mapPartitions')));
    }
    case 'mapBatches': {
      const fn = code.callable(op.fn);
      const outputs = table.batches.map((batch) => asTable(fn(new Table(batch)), 'mapBatches'));
      return concatTables(outputs);
    }
    case 'mapPartitionTables': {
      if (table.numCols === 0) return table; // an empty partition of unknown schema stays empty
      return asTable(code.callable(op.fn)(table), 'mapPartitionTables');
    }
  }
}

export function selectColumns(table: Table, columns: string[]): Table {
  const names = table.schema.fields.map((f) => f.name);
  if (table.numCols === 0 && table.numRows === 0) return table;
  for (const column of columns) {
    if (!names.includes(column)) {
      throw new DataflowError('COLUMN_NOT_FOUND', `select: column '${column}' is not in the schema (columns: ${names.join(', ')})`);
    }
  }
  return table.select(columns);
}

function asRow(value: unknown, verb: string): Row {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${verb} must return an object with one property per column, got ${describe(value)}`);
  }
  return value as Row;
}

function asTable(value: unknown, verb: string): Table {
  if (value instanceof Table) return value;
  if (value instanceof RecordBatch) return new Table(value);
  throw new TypeError(`${verb} must return an Arrow Table or RecordBatch, got ${describe(value)}`);
}

function iterableOf(value: unknown, verb: string): Iterable<unknown> {
  if (value !== null && typeof value === 'object' && Symbol.iterator in value) return value as Iterable<unknown>;
  throw new TypeError(`${verb} must return an array (or iterable) of rows, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : `${typeof value} ${String(value)}`;
}
