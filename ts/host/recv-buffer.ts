// SPDX-License-Identifier: MIT
// A socket's receive buffer. The runtime socket reads straight into its free
// space (net's `onread` with a buffer function), and curl's recv copies out
// of it: one copy per byte and no Buffer per read, so a download allocates
// nothing per chunk and leaves the garbage collector alone. It starts small
// (most connections carry small messages) and doubles while a stream fills it.
// Once the end is reached it wraps: new bytes go to the free space at the
// front while the older ones are read out (a bip buffer), so a queue that
// stays deep (a paused transfer, a reader slower than the network) is never
// moved; moving it cost a second copy of most bytes on a 256 MiB TLS download.

/**
 * First capacity: a small response fits, and below Node's pool threshold it
 * is a slice of a shared slab, so 10,000 sockets cost about what Node's own
 * reads did (16 KiB each measured +84 MiB peak RSS in bench H).
 */
const INITIAL = 1 << 10;
/** A read is offered at most this much (the kernel seldom has more at once). */
const READ_MAX = 256 << 10;
/** A read is never offered less than this (or half the capacity while small): wrap, compact or grow first. */
const READ_MIN = 8 << 10;
/** Unread bytes this small are moved to the front at every read (cheap), which keeps touched pages few. */
const COMPACT_SMALL = 4 << 10;

export class RecvBuffer {
  #buf: Buffer = Buffer.allocUnsafe(INITIAL);
  /** The older unread bytes are #buf[#head, #tail). */
  #head = 0;
  #tail = 0;
  /** Once wrapped, the newer unread bytes are #buf[0, #wrapEnd), before #head. */
  #wrapped = false;
  #wrapEnd = 0;

  /** Unread bytes. */
  get size(): number {
    return this.#tail - this.#head + (this.#wrapped ? this.#wrapEnd : 0);
  }

  /**
   * The free space the next read may fill (net calls this after every read).
   * It always starts where complete() appends; only complete() and take()
   * move the bounds, so the region stays free until the read lands in it.
   */
  region(): Buffer {
    if (this.#wrapped) {
      if (this.#head - this.#wrapEnd < READ_MIN) this.#grow(this.size + READ_MIN);
      else return this.#buf.subarray(this.#wrapEnd, Math.min(this.#head, this.#wrapEnd + READ_MAX));
    }
    const live = this.#tail - this.#head;
    const min = Math.min(READ_MIN, this.#buf.length / 2);
    if (this.#head > 0 && (live <= COMPACT_SMALL || (this.#buf.length - this.#tail < min && this.#head < min))) {
      // few bytes, or too little room at the front to wrap into: move them
      this.#buf.copyWithin(0, this.#head, this.#tail);
      this.#head = 0;
      this.#tail = live;
    } else if (this.#buf.length - this.#tail < min && this.#head >= min) {
      this.#wrapped = true;
      this.#wrapEnd = 0;
      return this.#buf.subarray(0, Math.min(this.#head, READ_MAX));
    }
    if (this.#buf.length - this.#tail < min) this.#grow(this.#tail - this.#head + READ_MIN);
    return this.#buf.subarray(this.#tail, Math.min(this.#buf.length, this.#tail + READ_MAX));
  }

  /** `n` bytes were read into the last region(). */
  complete(n: number): void {
    if (this.#wrapped) this.#wrapEnd += n;
    else this.#tail += n;
  }

  /** Appends a copy of `chunk` (sockets that emit 'data' events). */
  push(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length; ) {
      const region = this.region();
      const n = Math.min(region.length, chunk.length - at);
      region.set(chunk.subarray(at, at + n));
      this.complete(n);
      at += n;
    }
  }

  /** Copies up to `into.length` unread bytes out; `peek` leaves them unread. */
  take(into: Uint8Array, peek: boolean): number {
    const first = Math.min(into.length, this.#tail - this.#head);
    into.set(this.#buf.subarray(this.#head, this.#head + first));
    let n = first;
    if (this.#wrapped && n < into.length) {
      const second = Math.min(into.length - n, this.#wrapEnd);
      into.set(this.#buf.subarray(0, second), n);
      n += second;
      if (!peek) {
        // the older bytes are all read: the newer ones become the only run, still ending where reads append
        this.#head = second;
        this.#tail = this.#wrapEnd;
        this.#wrapped = false;
      }
    } else if (!peek) {
      this.#head += first;
    }
    return n;
  }

  /** Drops every unread byte. */
  clear(): void {
    if (this.#wrapped) {
      this.#tail = this.#wrapEnd;
      this.#wrapped = false;
    }
    this.#head = this.#tail;
  }

  #grow(need: number): void {
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    const live = this.size;
    this.take(next, false);
    this.#head = 0;
    this.#tail = live;
    this.#buf = next;
  }
}
