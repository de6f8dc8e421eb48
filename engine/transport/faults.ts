// Faults injected on purpose into this process's connections (the executor's `--chaos`): outgoing
// frames held back by a random delay (order kept), and connections to chosen peer roles dropped at
// random sends. Off unless installed; a seeded generator makes a failing run replayable.

export interface ConnectionFaults {
  /** Chance, per outgoing frame, that the connection is dropped instead (peers in `dropRoles` only). */
  dropProbability: number;
  /** Peer roles whose connections may be dropped, e.g. ['driver', 'block-server']. */
  dropRoles: readonly string[];
  /** Each outgoing frame waits a uniform random time in [min, max] ms before it is written. */
  delayMs: { min: number; max: number } | undefined;
  /** A number in [0, 1): the seeded generator shared with the rest of the chaos switch. */
  random: () => number;
}

let installed: ConnectionFaults | undefined;

/** Installs (or with undefined removes) the faults for every connection of this thread. */
export function installConnectionFaults(faults: ConnectionFaults | undefined): void {
  installed = faults;
}

/** True when faults are installed in this thread (connections then consult nextFrameFault). */
export function installedFaults(): boolean {
  return installed !== undefined;
}

/** What a connection to a peer of `role` should do with its next outgoing frame. */
export function nextFrameFault(role: string): { drop: boolean; delayMs: number } {
  const f = installed;
  if (f === undefined) return { drop: false, delayMs: 0 };
  const drop = f.dropProbability > 0 && f.dropRoles.includes(role) && f.random() < f.dropProbability;
  const delayMs = f.delayMs === undefined ? 0 : f.delayMs.min + Math.floor(f.random() * (f.delayMs.max - f.delayMs.min + 1));
  return { drop, delayMs };
}
