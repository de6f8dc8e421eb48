// The global names a shipped function may use without capturing them: the standard JavaScript
// built-ins and the globals every Node process has. Not the CommonJS or process-specific ones
// (`require`, `module`, `__dirname`, `process`): on an executor they are absent or mean something else.

const STANDARD_BUILTINS = [
  'globalThis', 'undefined', 'NaN', 'Infinity', 'isNaN', 'isFinite', 'parseFloat', 'parseInt',
  'encodeURI', 'encodeURIComponent', 'decodeURI', 'decodeURIComponent', 'escape', 'unescape', 'eval',
  'Object', 'Function', 'Boolean', 'Symbol', 'Number', 'BigInt', 'Math', 'Date', 'String', 'RegExp', 'JSON',
  'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Promise', 'Proxy', 'Reflect',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray',
  'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array',
  'BigUint64Array', 'Intl', 'console', 'structuredClone', 'queueMicrotask', 'setTimeout', 'clearTimeout',
  'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'TextEncoder', 'TextDecoder', 'URL',
  'URLSearchParams', 'AbortController', 'AbortSignal', 'atob', 'btoa', 'performance', 'crypto', 'fetch', 'Buffer',
  'Blob', 'Event', 'EventTarget',
];

const FORBIDDEN = new Set(['process', 'require', 'module', 'exports', '__dirname', '__filename']);

const allowed = new Set<string>([...STANDARD_BUILTINS, ...Object.getOwnPropertyNames(globalThis)]);
for (const name of FORBIDDEN) allowed.delete(name);

/**
 * True if a shipped function may read `name` as a global.
 *
 * @example
 * isAllowedGlobal('Math')    // true
 * isAllowedGlobal('process') // false: capture what you need from it instead
 */
export function isAllowedGlobal(name: string): boolean {
  return allowed.has(name);
}
