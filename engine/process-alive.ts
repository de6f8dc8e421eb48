// Whether a process still exists, for files that record their owner's pid (a driver's work
// directory, an executor's work-dir lock): part of the ground floor, so both sides use one check.

/**
 * True while process `pid` exists (EPERM: it does, as another user's).
 *
 * @example
 *   if (!isProcessAlive(ownerPid)) await rm(staleDir, { recursive: true });
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
