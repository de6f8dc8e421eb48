// Shipping a user function from the driver to executors. An export of the job bundle travels as
// its name (executors import the same bundle); any other function travels as its source text plus
// explicit captures, after the free-variable check has proved that the captures are all it needs.
//
// Worked example: in a job loaded from its bundle,
//
//   export const isPositive = (r) => r.rating > 0;            .filter(isPositive)
//     → { kind: 'export', bundleHash: '3f9a…', exportName: 'isPositive', label: 'filter' }
//
//   .filter((r) => r.rating > threshold, { threshold: 3.5 })
//     → { kind: 'source', id: 'a1b2…', source: '(r) => r.rating > threshold',
//         captures: { threshold: { kind: 'value', value: 3.5 } },
//         origin: { file: '…/stats.ts', line: 14, column: 13 }, bundleHash: '3f9a…',
//         bundlePosition: { line: 40, column: 28 }, label: 'filter' }
//
//   .filter((r) => r.rating > threshold)        (no captures)
//     → FreeVariableError: filter function at stats.ts:14:13 uses 'threshold', which is defined outside it. …

import { createHash } from 'node:crypto';
import { libraryReferenceOf } from './library.ts';
import { sharedModuleName } from './shared-modules.ts';
import { FreeVariableError, UnshippableError } from './errors.ts';
import { findFreeVariables } from './free-variables.ts';
import type { FreeVariableUse } from './free-variables.ts';
import { isAllowedGlobal } from './js-globals.ts';
import { bundlePositionAt, formatLocation, locationInFunction, originalLocation } from './source-position.ts';
import type { LoadedBundle, ShippedFunction, ShippedValue, SourceLocation } from './types.ts';

export type { ShippedFunction, ShippedValue, SourceLocation } from './types.ts';
export { callSiteOutsideEngine } from './call-site.ts';

/** The marker engine objects (broadcast handles) carry to travel by reference: `{ $broadcast: id }`. */
export const BROADCAST_MARKER: unique symbol = Symbol.for('dataflow.broadcast') as never;

/** Where a shipped broadcast capture keeps its handle alive (driver side only; never serialized). */
const BROADCAST_HANDLE = Symbol('dataflow.broadcastHandle');

export interface ShipContext {
  /** The job bundle loaded in this process, if the job came from `dataflow submit`. */
  bundle?: LoadedBundle;
  /** The operation the function is for, as users write it: 'map', 'filter', 'reduceByKey'… */
  label: string;
  /** Where the user called the operation (see callSiteOutsideEngine); used when the bundle cannot tell. */
  callSite?: SourceLocation;
}

type SourceShipped = Extract<ShippedFunction, { kind: 'source' }>;

/**
 * Turn a user function (and the values it captures) into plain data for executors.
 *
 * @example
 * shipFunction((r) => r.rating * scale, { scale: 2 }, { label: 'map', bundle })
 * // { kind: 'source', source: '(r) => r.rating * scale', captures: { scale: { kind: 'value', value: 2 } }, … }
 */
export function shipFunction(
  fn: Function,
  captures: Record<string, unknown> | undefined,
  context: ShipContext,
): ShippedFunction {
  return ship(fn, captures ?? {}, context, undefined);
}

function ship(
  fn: Function,
  captures: Record<string, unknown>,
  context: ShipContext,
  capturedAs: { name: string; by: string } | undefined,
): ShippedFunction {
  const what = capturedAs ? `function captured as '${capturedAs.name}' by the ${capturedAs.by}` : `${context.label} function`;
  if (typeof fn !== 'function') {
    throw new UnshippableError(`the ${what} is not a function but ${describeType(fn)}. Pass a function.`);
  }

  const library = libraryReferenceOf(fn);
  if (library) {
    if (Object.keys(captures).length > 0) {
      throw new UnshippableError(`the ${what} is library function '${library.exportName}' of ${library.module}, which ships by reference and cannot take captures; wrap it in an inline function that captures it`);
    }
    return { kind: 'library', module: library.module, exportName: library.exportName, label: context.label };
  }

  const exportName = context.bundle ? exportNameOf(context.bundle, fn) : undefined;
  if (context.bundle && exportName !== undefined) {
    if (Object.keys(captures).length > 0) {
      throw new UnshippableError(
        `the ${what} is the job module's export '${exportName}', which executors import by reference; ` +
          `it cannot take captures (${Object.keys(captures).join(', ')}). Read module-level constants directly, ` +
          `or pass an inline function instead.`,
      );
    }
    return { kind: 'export', bundleHash: context.bundle.hash, exportName, label: context.label };
  }

  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new UnshippableError(
      `the ${what} is a built-in or bound function (${fn.name || 'anonymous'}), whose source is not available. ` +
        `Wrap it in an arrow function, e.g. (x) => Math.sqrt(x), and pass bound values as captures.`,
    );
  }
  const names = Object.keys(captures).sort();
  for (const name of names) assertCaptureName(name, what);

  const placed = placeInBundle(source, context);
  const shipped: SourceShipped = {
    kind: 'source',
    id: functionId(source, names),
    source,
    captures: {},
    label: capturedAs ? `${capturedAs.by} capture '${capturedAs.name}'` : context.label,
  };
  if (placed) {
    shipped.bundleHash = placed.bundleHash;
    shipped.bundlePosition = placed.bundlePosition;
    if (placed.origin) shipped.origin = placed.origin;
  } else if (context.callSite) {
    shipped.origin = context.callSite;
  }

  let uses: FreeVariableUse[];
  try {
    uses = findFreeVariables(source);
  } catch (error) {
    throw new UnshippableError(
      `the ${what}${where(shipped)} cannot be parsed as a function expression (${(error as Error).message}). ` +
        `Method shorthand (\`name() { … }\`) and class constructors cannot be shipped; use an arrow function or a function expression.`,
      { cause: error },
    );
  }
  const free = uses.filter((u) => !Object.hasOwn(captures, u.name) && !isAllowedGlobal(u.name));
  if (free.length > 0) throw freeVariableError(free, shipped, context, what, capturedAs !== undefined);

  for (const name of names) shipped.captures[name] = shipValue(name, captures[name], context, what);
  return shipped;
}

/**
 * A function's identity for executor-side caching of its compiled form: the same source with the
 * same capture names compiles to the same factory, whatever the captured values.
 */
function functionId(source: string, captureNames: readonly string[]): string {
  return createHash('sha256').update(captureNames.join(',')).update('\n').update(source).digest('hex').slice(0, 16);
}

function exportNameOf(bundle: LoadedBundle, fn: Function): string | undefined {
  for (const [name, value] of Object.entries(bundle.module)) if (value === fn) return name;
  return undefined;
}

/**
 * Find the function's text in the bundle: a function created by bundle code prints exactly the
 * bundle's characters. If the same text appears more than once, take the occurrence that maps
 * closest to the user's call site.
 */
function placeInBundle(
  source: string,
  context: ShipContext,
): { bundleHash: string; bundlePosition: { line: number; column: number }; origin?: SourceLocation } | undefined {
  const bundle = context.bundle;
  if (bundle === undefined) return undefined;
  let best: { bundleHash: string; bundlePosition: { line: number; column: number }; origin?: SourceLocation } | undefined;
  let bestDistance = Infinity;
  for (let at = bundle.code.indexOf(source); at !== -1; at = bundle.code.indexOf(source, at + 1)) {
    const bundlePosition = bundlePositionAt(bundle, at);
    const origin = originalLocation(bundle, bundlePosition.line, bundlePosition.column);
    const callSite = context.callSite;
    const distance =
      callSite && origin && origin.file === callSite.file ? Math.abs(origin.line - callSite.line) : Number.MAX_SAFE_INTEGER;
    if (best === undefined || distance < bestDistance) {
      best = origin ? { bundleHash: bundle.hash, bundlePosition, origin } : { bundleHash: bundle.hash, bundlePosition };
      bestDistance = distance;
    }
    if (callSite === undefined) break;
  }
  return best;
}

function where(shipped: SourceShipped): string {
  return shipped.origin ? ` at ${formatLocation(shipped.origin)}` : '';
}

function freeVariableError(
  free: FreeVariableUse[],
  shipped: SourceShipped,
  context: ShipContext,
  what: string,
  nested: boolean,
): FreeVariableError {
  const names = free.map((u) => u.name);
  const quoted = names.map((n) => `'${n}'`);
  const list = quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)!}`;
  const firstUse = locationInFunction(shipped, context.bundle, free[0]!.line, free[0]!.column);
  const useNote = firstUse ? ` (first use at ${formatLocation(firstUse)})` : '';
  const preview = shipped.origin ? '' : ` \`${shipped.source.length > 60 ? `${shipped.source.slice(0, 57)}...` : shipped.source}\``;
  const fix = nested
    ? `A captured function cannot take captures of its own: export it from the job module so executors import it ` +
      `by reference, or make ${names.length === 1 ? 'it' : 'them'} a parameter and pass the value${names.length === 1 ? '' : 's'} ` +
      `as captures of the outer function.`
    : `Pass ${names.length === 1 ? 'it' : 'them'} explicitly: .${context.label}(fn, { ${names.join(', ')} }), ` +
      `or export the function from the job module so executors import it by reference.`;
  return new FreeVariableError(
    names,
    `${what}${preview}${where(shipped)} uses ${list}${useNote}, which ${names.length === 1 ? 'is' : 'are'} defined ` +
      `outside it. Shipped functions run on executors and see only their parameters, their captures and ` +
      `JavaScript globals. ${fix}`,
  );
}

const RESERVED_WORDS = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval').split(' '),
);

function assertCaptureName(name: string, what: string): void {
  if (!/^[A-Za-z_$][\w$]*$/.test(name) || RESERVED_WORDS.has(name)) {
    throw new UnshippableError(
      `capture name '${name}' of the ${what} is not a usable variable name; captures become variables inside ` +
        `the function, so name them as the function refers to them (letters, digits, _ and $, not a keyword).`,
    );
  }
}

function shipValue(name: string, value: unknown, context: ShipContext, what: string): ShippedValue {
  if (typeof value === 'function') {
    return { kind: 'function', fn: ship(value, {}, { ...context }, { name, by: what }) };
  }
  const broadcastId = broadcastIdOf(value);
  if (broadcastId !== undefined) {
    // The shipped form also holds the handle itself, under a symbol that v8.serialize skips: the
    // session frees a broadcast once its handle is unreachable, and a plan capturing it must keep it.
    const shipped: ShippedValue = { kind: 'broadcast', $broadcast: broadcastId };
    Object.defineProperty(shipped, BROADCAST_HANDLE, { value, enumerable: false });
    return shipped;
  }
  const moduleName = sharedModuleName(value);
  if (moduleName !== undefined) return { kind: 'module', name: moduleName };
  checkPlainData(value, name, name, what, new Set());
  return { kind: 'value', value };
}

/** The id of a broadcast handle: an object marked with Symbol.for('dataflow.broadcast') and a numeric broadcastId. */
function broadcastIdOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const marked = (value as Record<symbol, unknown>)[BROADCAST_MARKER];
  const id = (value as { broadcastId?: unknown }).broadcastId;
  return marked && typeof id === 'number' ? id : undefined;
}

/**
 * Check that a captured value arrives on executors unchanged through v8.serialize: primitives
 * (not symbols), arrays, plain objects, Map, Set, Date, RegExp, typed arrays and ArrayBuffers.
 * v8.serialize would accept a class instance but drop its prototype, so we refuse it here.
 */
function checkPlainData(value: unknown, capture: string, at: string, what: string, seen: Set<object>): void {
  const fail = (problem: string, fix: string): never => {
    throw new UnshippableError(
      `capture '${capture}' of the ${what} cannot be shipped: ${at === capture ? 'it' : at} is ${problem}. ${fix}`,
    );
  };
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'string':
    case 'bigint':
      return;
    case 'symbol':
      return fail('a symbol', 'Symbols cannot be copied between processes; pass a string instead.');
    case 'function':
      return fail(
        `a function (${describeType(value)})`,
        'Only top-level captures can be functions; pass the function as its own capture.',
      );
  }
  if (value === null || seen.has(value as object)) return;
  const obj = value as object;
  seen.add(obj);
  if (broadcastIdOf(obj) !== undefined) {
    return fail('a broadcast handle', 'Pass broadcast handles as top-level captures: .map(fn, { model }).');
  }
  if (ArrayBuffer.isView(obj)) {
    if (typeof SharedArrayBuffer !== 'undefined' && obj.buffer instanceof SharedArrayBuffer) {
      return fail('a view of a SharedArrayBuffer', 'Copy it into an ordinary typed array: new Float64Array(view).');
    }
    return;
  }
  if (obj instanceof ArrayBuffer || obj instanceof Date || obj instanceof RegExp || obj instanceof Error) return;
  if (Array.isArray(obj)) {
    obj.forEach((v, i) => checkPlainData(v, capture, `${at}[${i}]`, what, seen));
    return;
  }
  if (obj instanceof Map) {
    for (const [k, v] of obj) {
      checkPlainData(k, capture, `a key of ${at}`, what, seen);
      checkPlainData(v, capture, `${at}.get(${JSON.stringify(String(k))})`, what, seen);
    }
    return;
  }
  if (obj instanceof Set) {
    for (const v of obj) checkPlainData(v, capture, `an element of ${at}`, what, seen);
    return;
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    return fail(
      `an instance of ${describeType(obj)}`,
      'Class instances arrive on executors as plain objects without their methods. Pass plain data ' +
        '(numbers, strings, arrays, typed arrays, plain objects, Map, Set), or broadcast large read-only values ' +
        'and capture the broadcast handle.',
    );
  }
  for (const [key, v] of Object.entries(obj)) checkPlainData(v, capture, `${at}.${key}`, what, seen);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return value.name ? `function ${value.name}` : 'an anonymous function';
  if (typeof value !== 'object') return typeof value;
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor;
  return ctor?.name ? `class ${ctor.name}` : 'an object';
}
