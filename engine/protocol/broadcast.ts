// A read-only value shipped once to each executor and shared by every task there: the handle the
// driver's session hands out and each executor rebuilds around the fetched value.
// Capture it like any value: `ds.map((r) => ({ ...r, title: titles.value.get(r.itemId) }), { titles })`.

const BROADCAST_MARK = Symbol.for('dataflow.broadcast');

export class Broadcast<T> {
  readonly [BROADCAST_MARK] = true;
  constructor(readonly broadcastId: number, readonly value: T) {}
}
