// SPDX-License-Identifier: MIT
// What is in flight, for close() to wait for or abort, without a Set. V8
// rehashes a Set (or Map) that is added to and deleted from all the time into
// a new table every few dozen calls, and leaves the old table holding the
// entries it had and pointing at the new one (for iterators that outlive a
// rehash: OrderedHashTable::Rehash). Once one old table has been promoted,
// that chain keeps every entry any later table held alive through every
// scavenge until the next full GC: with 100 requests in flight (bench D) 2.3 MB
// survived each scavenge instead of 0.6 MB, and V8 grew the young generation
// to its maximum for it.

/** Members in the slots of one array; a slot is reused once its member leaves. */
export class Roster<T> {
  readonly #slots: (T | undefined)[] = [];
  readonly #free: number[] = [];

  /** Adds `item`; the answer is its slot, for {@link delete}. */
  add(item: T): number {
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slots[slot] = item;
    return slot;
  }

  /** The member in `slot`. */
  get(slot: number): T | undefined {
    return this.#slots[slot];
  }

  delete(slot: number): void {
    if (this.#slots[slot] === undefined) return;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
  }

  /** The members now (a copy: members may leave while the caller walks it). */
  values(): T[] {
    return this.#slots.filter((x): x is T => x !== undefined);
  }
}
