// SPDX-License-Identifier: MIT
// A tool socket's receive buffer in shared memory. The main thread's runtime
// socket reads straight into it (net's `onread`, as ts/host/recv-buffer.ts
// does), and the worker's recv copies out of it into wasm memory with no call
// to the main thread: one copy per byte, one wake-up per pause instead of a
// round trip per recv. The main thread moves only the tail, the worker only
// the head (or the main thread, in a proxied recv, while the worker waits).
import type { RecvQueue } from '../host/sockets.js';

/** Control words: free-running byte counters (mod 2^32), and the pause flag. */
const HEAD = 0;
const TAIL = 1;
/** Set by the main thread once the socket is paused; the worker then notifies HEAD as it reads. */
const PAUSED = 2;
const CTRL_BYTES = 16;
/** A read is offered at most this much (the kernel seldom has more at once). */
const READ_MAX = 256 << 10;

/** What the worker gets for a socket: its ring's memory (posted by the main thread when the socket is made). */
export interface RingMessage {
  ring: { fd: number; sab: SharedArrayBuffer };
}

/** The ring's capacity for `highWater`: twice it, a power of two, so a read past the mark still fits. */
export function ringCapacity(highWater: number): number {
  let cap = 1 << 12;
  while (cap < highWater * 2) cap *= 2;
  return cap;
}

/** Main-thread side: the socket's RecvQueue (ts/host/sockets.ts). */
export class SharedRing implements RecvQueue {
  readonly sab: SharedArrayBuffer;
  readonly #ctrl: Int32Array;
  readonly #data: Uint8Array;
  readonly #mask: number;
  readonly #highWater: number;
  /** Chunks of 'data' events that did not fit (accepted sockets only; paused meanwhile). */
  #spill: Uint8Array[] = [];
  #spilled = 0;
  #waiting = false;
  /** What the last region() lent when the ring had no room (see there). */
  #lent: Uint8Array | undefined;
  #spare: Uint8Array | undefined;
  /** Called once the worker has read the ring below half the high-water mark after a pause. */
  onDrained: (() => void) | undefined;

  constructor(capacity: number, highWater: number) {
    this.sab = new SharedArrayBuffer(CTRL_BYTES + capacity);
    this.#ctrl = new Int32Array(this.sab, 0, CTRL_BYTES / 4);
    this.#data = new Uint8Array(this.sab, CTRL_BYTES);
    this.#mask = capacity - 1;
    this.#highWater = highWater;
  }

  #used(): number {
    return (Atomics.load(this.#ctrl, TAIL) - Atomics.load(this.#ctrl, HEAD)) >>> 0;
  }

  get size(): number {
    return this.#used() + this.#spilled;
  }

  region(): Uint8Array {
    const tail = Atomics.load(this.#ctrl, TAIL);
    const at = tail & this.#mask;
    const free = this.#data.length - this.#used();
    // contiguous free space: to the end of the buffer, or to the head
    const n = Math.min(free, this.#data.length - at, READ_MAX);
    // net asks for the next region even after the read that paused the
    // socket, and an empty one is an error (ENOBUFS): a full ring lends a
    // buffer of its own, whose bytes complete() then spills
    this.#lent = this.#spilled > 0 || n === 0 ? (this.#spare ??= new Uint8Array(64 << 10)) : undefined;
    return this.#lent ?? this.#data.subarray(at, at + n);
  }

  complete(n: number): void {
    if (this.#lent) return this.push(this.#lent.subarray(0, n));
    Atomics.store(this.#ctrl, TAIL, (Atomics.load(this.#ctrl, TAIL) + n) | 0);
    this.#watch();
  }

  push(chunk: Uint8Array): void {
    const n = this.#spilled === 0 ? this.#write(chunk) : 0;
    if (n < chunk.length) {
      this.#spill.push(chunk.slice(n)); // a copy: the runtime may reuse a chunk's memory
      this.#spilled += chunk.length - n;
    }
    this.#watch();
  }

  /** Copies what fits of `chunk` at the tail; answers how much. */
  #write(chunk: Uint8Array): number {
    let done = 0;
    while (done < chunk.length) {
      const at = Atomics.load(this.#ctrl, TAIL) & this.#mask;
      const room = this.#data.subarray(at, at + Math.min(this.#data.length - this.#used(), this.#data.length - at));
      if (room.length === 0) break;
      const n = Math.min(room.length, chunk.length - done);
      room.set(chunk.subarray(done, done + n));
      Atomics.store(this.#ctrl, TAIL, (Atomics.load(this.#ctrl, TAIL) + n) | 0);
      done += n;
    }
    return done;
  }

  /** Moves spilled chunks into the ring as room allows. */
  #unspill(): void {
    while (this.#spill.length) {
      const chunk = this.#spill[0]!;
      const n = this.#write(chunk);
      this.#spilled -= n;
      if (n < chunk.length) {
        this.#spill[0] = chunk.subarray(n);
        return;
      }
      this.#spill.shift();
    }
  }

  /** A proxied recv (the worker found the ring empty and waits): as RecvBuffer.take. */
  take(into: Uint8Array, peek: boolean): number {
    this.#unspill();
    return readRing(this.#ctrl, this.#data, this.#mask, into, peek);
  }

  clear(): void {
    this.#spill = [];
    this.#spilled = 0;
    Atomics.store(this.#ctrl, HEAD, Atomics.load(this.#ctrl, TAIL));
    // a closed socket's pending wait ends now, not never (it would hold the ring)
    Atomics.notify(this.#ctrl, HEAD);
  }

  /**
   * Past the high-water mark (where the socket pauses: the table's
   * recvHighWater), flags the ring and waits for the worker's reads, without
   * blocking this thread, until it is below half the mark.
   */
  #watch(): void {
    if (this.#waiting || this.size < this.#highWater) return;
    this.#waiting = true;
    Atomics.store(this.#ctrl, PAUSED, 1);
    const check = (): void => {
      this.#unspill();
      if (this.size >= this.#highWater / 2) {
        const wait = waitAsync(this.#ctrl, HEAD, Atomics.load(this.#ctrl, HEAD));
        if (wait.async) void wait.value.then(check);
        else queueMicrotask(check);
        return;
      }
      Atomics.store(this.#ctrl, PAUSED, 0);
      this.#waiting = false;
      this.onDrained?.();
    };
    check();
  }
}

/** Atomics.waitAsync (V8: Node >= 16, Deno; typed only from lib es2024). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> };
  }
).waitAsync;

function readRing(ctrl: Int32Array, data: Uint8Array, mask: number, into: Uint8Array, peek: boolean): number {
  const head = Atomics.load(ctrl, HEAD);
  const used = (Atomics.load(ctrl, TAIL) - head) >>> 0;
  const n = Math.min(used, into.length);
  const at = head & mask;
  const first = Math.min(n, data.length - at);
  into.set(data.subarray(at, at + first));
  if (first < n) into.set(data.subarray(0, n - first), first);
  if (!peek && n > 0) {
    Atomics.store(ctrl, HEAD, (head + n) | 0);
    if (Atomics.load(ctrl, PAUSED)) Atomics.notify(ctrl, HEAD);
  }
  return n;
}

/** Worker side: reads a socket's ring with no call to the main thread. */
export class RingReader {
  readonly #ctrl: Int32Array;
  readonly #data: Uint8Array;
  readonly #mask: number;

  constructor(sab: SharedArrayBuffer) {
    this.#ctrl = new Int32Array(sab, 0, CTRL_BYTES / 4);
    this.#data = new Uint8Array(sab, CTRL_BYTES);
    this.#mask = this.#data.length - 1;
  }

  get size(): number {
    return (Atomics.load(this.#ctrl, TAIL) - Atomics.load(this.#ctrl, HEAD)) >>> 0;
  }

  read(into: Uint8Array, peek: boolean): number {
    return readRing(this.#ctrl, this.#data, this.#mask, into, peek);
  }
}
