// User-code shipping: bundle a job script, load bundles on driver and executors, ship functions
// (by export name or by source with explicit captures), rebuild them on executors, and map their
// errors back to the job's own source lines.

export type { JobBundle, LoadedBundle, ShippedFunction, ShippedValue, SourceLocation } from './types.ts';
export { bundleJob } from './bundle.ts';
export type { BundleJobOptions } from './bundle.ts';
export { loadBundle } from './load-bundle.ts';
export type { LoadBundleOptions } from './load-bundle.ts';
export { shipFunction, callSiteOutsideEngine, BROADCAST_MARKER } from './ship.ts';
export type { ShipContext } from './ship.ts';
export { materializeFunction, SHIPPED_SCRIPT_PREFIX } from './materialize.ts';
export type { MaterializeResolve, UserFunction } from './materialize.ts';
export { locateUserError } from './error-location.ts';
export type { UserErrorReport } from './error-location.ts';
export { findFreeVariables } from './free-variables.ts';
export type { FreeVariableUse } from './free-variables.ts';
export { isAllowedGlobal } from './js-globals.ts';
export { ENGINE_GLOBAL, SHARED_MODULES_GLOBAL, engineDir, packageFacePath, defaultEngineIndexPath, installHostEngine, installSharedModules } from './host-engine.ts';
export { JobBundleError, BundleLoadError, FreeVariableError, UnshippableError, MaterializeError } from './errors.ts';
