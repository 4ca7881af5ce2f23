// SPDX-License-Identifier: MIT
// A socket's receive buffer. The runtime socket reads straight into its free
// space (net's `onread` with a buffer function), and curl's recv copies out
// of it: one copy per byte and no Buffer per read, so a download allocates
// nothing per chunk and leaves the garbage collector alone. It starts small
// (most connections carry small messages) and doubles while a stream fills it.

/**
 * First capacity: a small response fits, and below Node's pool threshold it
 * is a slice of a shared slab, so 10,000 sockets cost about what Node's own
 * reads did (16 KiB each measured +84 MiB peak RSS in bench H).
 */
const INITIAL = 1 << 10;
/** A read is offered at most this much (the kernel seldom has more at once). */
const READ_MAX = 256 << 10;
/** A read is never offered less than this (or half the capacity while small): compact or grow first. */
const READ_MIN = 8 << 10;
/** Unread bytes this small are moved to the front at every read (cheap), which keeps touched pages few. */
const COMPACT_SMALL = 4 << 10;

export class RecvBuffer {
  #buf: Buffer = Buffer.allocUnsafe(INITIAL);
  /** Unread bytes are #buf[#head, #tail). */
  #head = 0;
  #tail = 0;

  /** Unread bytes. */
  get size(): number {
    return this.#tail - this.#head;
  }

  /**
   * The free space the next read may fill (net calls this after every read).
   * Only complete() and take() move the bounds, so the region stays free
   * until the read lands in it.
   */
  region(): Buffer {
    const live = this.#tail - this.#head;
    if (this.#head > 0 && (live <= COMPACT_SMALL || this.#buf.length - this.#tail < READ_MIN)) {
      this.#buf.copyWithin(0, this.#head, this.#tail);
      this.#head = 0;
      this.#tail = live;
    }
    if (this.#buf.length - this.#tail < Math.min(READ_MIN, this.#buf.length / 2)) this.#grow(this.#tail + READ_MIN);
    return this.#buf.subarray(this.#tail, Math.min(this.#buf.length, this.#tail + READ_MAX));
  }

  /** `n` bytes were read into the last region(). */
  complete(n: number): void {
    this.#tail += n;
  }

  /** Appends a copy of `chunk` (sockets that emit 'data' events). */
  push(chunk: Uint8Array): void {
    if (this.#buf.length - this.#tail < chunk.length) {
      this.#buf.copyWithin(0, this.#head, this.#tail);
      this.#tail -= this.#head;
      this.#head = 0;
      if (this.#buf.length - this.#tail < chunk.length) this.#grow(this.#tail + chunk.length);
    }
    this.#buf.set(chunk, this.#tail);
    this.#tail += chunk.length;
  }

  /** Copies up to `into.length` unread bytes out; `peek` leaves them unread. */
  take(into: Uint8Array, peek: boolean): number {
    const n = Math.min(into.length, this.#tail - this.#head);
    into.set(this.#buf.subarray(this.#head, this.#head + n));
    if (!peek) this.#head += n;
    return n;
  }

  /** Drops every unread byte. */
  clear(): void {
    this.#head = this.#tail;
  }

  #grow(need: number): void {
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.#buf.copy(next, 0, this.#head, this.#tail);
    this.#tail -= this.#head;
    this.#head = 0;
    this.#buf = next;
  }
}
