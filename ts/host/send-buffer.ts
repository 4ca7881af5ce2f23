// SPDX-License-Identifier: MIT
// A socket's send buffer. curl's bytes live in wasm memory that is reused at
// once, so every send is copied; copying into one ring per socket instead of
// a fresh Buffer spares an upload an allocation per chunk (and the GC work
// after it). A socket's writes complete in order, so the ring frees from its
// head as each write's callback runs.

/** First capacity; the ring doubles while more bytes are in flight than fit. */
const INITIAL = 16 << 10;
/**
 * Until a send is this large the socket has no ring: Buffer.from takes small
 * copies from Node's shared pool, and a socket that only sends request heads
 * (most of them) never holds a ring.
 */
const SMALL = 4 << 10;
/** Beyond this the ring stops growing and a send gets a copy of its own. */
const MAX = 4 << 20;

export class SendBuffer {
  #buf = Buffer.alloc(0);
  /** Bytes in flight are #buf[#head, #tail), or, wrapped, [#head, end) and [0, #tail). */
  #head = 0;
  #tail = 0;
  #pending = 0;

  /** A copy of `bytes` to write; call `done` when the write completes (or fails). */
  copy(bytes: Uint8Array): { chunk: Buffer; done: () => void } {
    const len = bytes.length;
    if (this.#buf.length === 0 && len < SMALL) return { chunk: Buffer.from(bytes), done: noop };
    if (this.#pending === 0) this.#head = this.#tail = 0;
    let at = this.#place(len);
    if (at < 0) {
      if (len > MAX / 2) return { chunk: Buffer.from(bytes), done: noop };
      // a larger ring; writes still in flight keep the old one alive
      let cap = Math.max(INITIAL, this.#buf.length * 2);
      while (cap < len * 2) cap *= 2;
      if (cap > MAX) return { chunk: Buffer.from(bytes), done: noop };
      this.#buf = Buffer.allocUnsafe(cap);
      this.#head = this.#tail = this.#pending = 0;
      at = 0;
    }
    const buf = this.#buf;
    const end = at + len;
    buf.set(bytes, at);
    this.#tail = end;
    this.#pending++;
    return {
      chunk: buf.subarray(at, end),
      done: () => {
        if (buf !== this.#buf) return; // a region of a ring given up
        this.#pending--;
        this.#head = end;
      },
    };
  }

  /** Where `len` bytes fit contiguously, or -1. tail never meets head unless empty. */
  #place(len: number): number {
    if (this.#tail >= this.#head) {
      if (this.#buf.length - this.#tail >= len) return this.#tail;
      return this.#head > len ? 0 : -1; // wrap to the front
    }
    return this.#head - this.#tail > len ? this.#tail : -1;
  }
}

const noop = () => {};
