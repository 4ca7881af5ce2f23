// SPDX-License-Identifier: MIT
// Bodies between JS streams and curl's callbacks, without holding a whole
// body anywhere: downloads flow into a ReadableStream that pauses curl when
// its queue is full; uploads are pulled chunk by chunk from any async source.
import { CALLBACK_RETURNS } from '../curl/generated/enums.js';
import { microtask } from '../curl/microtask.js';
import { contentLength, type ResponseHead } from './head.js';

const PAUSE = CALLBACK_RETURNS.CURL_WRITEFUNC_PAUSE;
const READ_PAUSE = CALLBACK_RETURNS.CURL_READFUNC_PAUSE;
const READ_ABORT = CALLBACK_RETURNS.CURL_READFUNC_ABORT;
/** Bytes a response body may queue before curl is paused. */
export const BODY_HIGH_WATER = 1 << 20;
/** Stateless, so one serves every body. */
const BODY_STRATEGY = new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER });
/** A slab that the chunks of a bulk body share (see BodySink's #stage). */
const SLAB_SIZE = 256 << 10;

/** What a BodySink tells its transfer (an object, not two closures per request). */
export interface SinkOwner {
  /** Unpauses curl. */
  resume(): void;
  /** The reader cancelled the body: stop the transfer. */
  cancel(reason: unknown): void;
}

/**
 * The response body: curl writes, the user reads, as a stream or whole.
 * The ReadableStream is made only when someone asks for it: a body read whole
 * (request()'s bytes(), text(), json()) is copied from wasm memory straight
 * into one buffer, without a stream, a reader and a promise per chunk.
 */
export class BodySink {
  #stream: ReadableStream<Uint8Array> | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** Chunks that came before anyone asked for the body. */
  #queue: Uint8Array[] = [];
  #queued = 0;
  #whole: Whole | undefined;
  #paused = false;
  /** Staged bytes (see #stage): one lone write's copy, or #slab[#slabStart, #slabEnd). */
  #single: Uint8Array | undefined;
  #slab: Uint8Array | undefined;
  #slabStart = 0;
  #slabEnd = 0;
  #flushQueued = false;
  /** No more writes are taken (ended, failed or cancelled). */
  #closed = false;
  #ended: 'closed' | 'errored' | undefined;
  #error: unknown;
  readonly #mayPause: boolean;
  readonly #transfer: SinkOwner;

  /** `transfer` unpauses curl and stops the transfer; `mayPause` false: queue whatever comes (the caller bounds it). */
  constructor(mayPause: boolean, transfer: SinkOwner) {
    this.#mayPause = mayPause;
    this.#transfer = transfer;
  }

  /** The body as a stream (made on first use; then whole() is not available). */
  get stream(): ReadableStream<Uint8Array> {
    this.#stream ??= new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          if (!this.#closed) this.#flush();
          this.#controller = c;
          for (const chunk of this.#queue) c.enqueue(chunk);
          this.#queue = [];
          this.#queued = 0;
          if (this.#ended === 'closed') c.close();
          else if (this.#ended === 'errored') c.error(this.#error);
        },
        pull: () => this.#unpause(),
        cancel: (reason) => {
          this.#closed = true;
          this.#transfer.cancel(reason);
        },
      },
      BODY_STRATEGY,
    );
    return this.#stream;
  }

  /**
   * The whole body in one Uint8Array with an ArrayBuffer of its own (a
   * WorkerPool transfers it): sized by the length (or the head's Content-Length) up to
   * PREALLOCATE_MAX and doubled as more arrives.
   */
  whole(length: number | ResponseHead): Uint8Array | Promise<Uint8Array> {
    if (this.#stream) return readWhole(this.#stream, typeof length === 'number' ? length : contentLength(length));
    if (!this.#closed) this.#flush();
    // one chunk already in and the body over: it is the body, answered as is (no promise)
    const only = this.#queue.length === 1 ? this.#queue[0]! : undefined;
    if (this.#ended === 'closed' && only && only.byteLength === only.buffer.byteLength) return only;
    // a head's Content-Length is looked up only here, where it sizes the buffer
    const lengthHint = typeof length === 'number' ? length : contentLength(length);
    const hint = Number.isSafeInteger(lengthHint) && lengthHint > 0 ? Math.min(lengthHint, PREALLOCATE_MAX) : 0;
    const whole = new Whole(this.#ended === 'closed' ? this.#queued : Math.max(hint || 16 << 10, this.#queued));
    for (const chunk of this.#queue) whole.add(chunk);
    this.#queue = [];
    this.#queued = 0;
    if (this.#ended === 'closed') return whole.bytes();
    this.#whole = whole;
    if (this.#ended === 'errored') whole.reject(this.#error);
    else this.#unpause();
    return whole.promise;
  }

  #unpause(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#transfer.resume();
    }
  }

  /** The write callback: takes a copy, or pauses curl (which keeps the bytes). */
  write(view: Uint8Array): number {
    if (this.#closed) return view.length;
    if (this.#whole) {
      this.#whole.add(view);
      return view.length;
    }
    const c = this.#controller;
    const staged = this.#slabEnd - this.#slabStart + (this.#single?.length ?? 0);
    if (this.#mayPause && (c ? (c.desiredSize ?? 1) - staged <= 0 : this.#queued + staged >= BODY_HIGH_WATER)) {
      this.#paused = true;
      return PAUSE;
    }
    this.#stage(view);
    return view.length;
  }

  /**
   * Gathers the writes of one curl call into one chunk, handed on in a
   * microtask (after the call: never inside curl). curl hands the write
   * callback at most CURL_MAX_WRITE_SIZE (16 KiB) at a time, and a chunk per
   * write made a bulk download pay the stream's promises and a buffer per
   * 16 KiB. A lone write (a small body) is copied to a buffer of its size;
   * a second one in the same call moves to a slab that later chunks share.
   */
  #stage(view: Uint8Array): void {
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      microtask(this.#flushTask);
    }
    const single = this.#single;
    if (!single && this.#slabEnd === this.#slabStart) {
      this.#single = view.slice();
      return;
    }
    const need = view.length + (single?.length ?? 0);
    if (!this.#slab || this.#slab.length - this.#slabEnd < need) {
      this.#flushSlab();
      if (need > SLAB_SIZE / 2) {
        if (single) this.#deliver(single);
        this.#single = undefined;
        this.#deliver(view.slice());
        return;
      }
      this.#slab = new Uint8Array(SLAB_SIZE);
      this.#slabStart = this.#slabEnd = 0;
    }
    if (single) {
      this.#slab.set(single, this.#slabEnd);
      this.#slabEnd += single.length;
      this.#single = undefined;
    }
    this.#slab.set(view, this.#slabEnd);
    this.#slabEnd += view.length;
  }

  readonly #flushTask = (): void => {
    this.#flushQueued = false;
    if (!this.#closed) this.#flush();
  };

  /** Hands on what was staged. */
  #flush(): void {
    if (this.#single) {
      this.#deliver(this.#single);
      this.#single = undefined;
    }
    this.#flushSlab();
  }

  #flushSlab(): void {
    if (this.#slabEnd === this.#slabStart) return;
    const chunk = this.#slab!.subarray(this.#slabStart, this.#slabEnd);
    this.#slabStart = this.#slabEnd;
    this.#deliver(chunk);
  }

  #deliver(chunk: Uint8Array): void {
    if (this.#controller) this.#controller.enqueue(chunk);
    else {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#ended = 'closed';
    this.#controller?.close();
    this.#whole?.resolve();
  }

  error(err: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ended = 'errored';
    this.#error = err;
    this.#controller?.error(err);
    this.#whole?.reject(err);
  }
}

/** A body assembled in one buffer as it arrives. */
class Whole {
  #buf: Uint8Array;
  #n = 0;
  readonly promise: Promise<Uint8Array>;
  #settle!: (v: Uint8Array) => void;
  reject!: (err: unknown) => void;

  constructor(size: number) {
    this.#buf = new Uint8Array(size);
    this.promise = new Promise((resolve, reject) => {
      this.#settle = resolve;
      this.reject = reject;
    });
  }

  add(chunk: Uint8Array): void {
    const n = this.#n;
    if (n + chunk.length > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length * 2, n + chunk.length));
      grown.set(this.#buf.subarray(0, n));
      this.#buf = grown;
    }
    this.#buf.set(chunk, n);
    this.#n = n + chunk.length;
  }

  /** What was added, in a buffer of its own length. */
  bytes(): Uint8Array {
    return this.#n === this.#buf.length ? this.#buf : this.#buf.slice(0, this.#n);
  }

  resolve(): void {
    this.#settle(this.bytes());
  }
}

/** The most a Content-Length makes readWhole() allocate before the bytes arrive (a server may lie). */
const PREALLOCATE_MAX = 8 << 20;

/**
 * A whole body in one ArrayBuffer of its own (a WorkerPool transfers it):
 * sized by the Content-Length hint up to PREALLOCATE_MAX, doubled as more
 * arrives, so the chunks die young instead of all living until a final
 * concatenation (which held the body twice).
 */
export async function readWhole(body: ReadableStream<Uint8Array>, lengthHint: number): Promise<Uint8Array> {
  let buf = new Uint8Array(Number.isSafeInteger(lengthHint) && lengthHint > 0 ? Math.min(lengthHint, PREALLOCATE_MAX) : 16 << 10);
  let n = 0;
  for await (const chunk of body) {
    if (n + chunk.length > buf.length) {
      const grown = new Uint8Array(Math.max(buf.length * 2, n + chunk.length));
      grown.set(buf.subarray(0, n));
      buf = grown;
    }
    buf.set(chunk, n);
    n += chunk.length;
  }
  return n === buf.length ? buf : buf.slice(0, n);
}

export type UploadBody = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | Uint8Array;

/**
 * Bytes of the request body read ahead of curl: the source is read while curl
 * sends what it has, so that the read callback finds the next chunk there
 * instead of pausing curl at every chunk boundary (a pause, a promise and an
 * unpause per source chunk). At most this plus one source chunk is held.
 */
const UPLOAD_AHEAD = 512 << 10;

/** The request body: curl's read callback pulls from an async source. */
export class UploadSource {
  /** Reads the next chunk of the source; undefined for bytes in memory. */
  readonly #next: (() => Promise<IteratorResult<unknown>>) | undefined;
  /** Closes the source at once, even while a read of it waits. */
  readonly #close: ((reason: unknown) => void) | undefined;
  /** Chunks read from the source and not yet handed to curl (#queue[0] may be partly sent). */
  #queue: Uint8Array[] = [];
  #queued = 0;
  /** The source is over: read to its end, failed, or closed by cancel(). */
  #done = false;
  #error: unknown;
  #pulling = false;
  #waiting = false;
  #cancelled = false;
  readonly #resume: () => void;
  /** Bytes handed to curl so far. */
  sent = 0;

  constructor(body: UploadBody, resume: () => void) {
    this.#resume = resume;
    if (body instanceof Uint8Array) {
      if (body.length) this.#queue.push(body);
      this.#queued = body.length;
      this.#done = true;
    } else if (typeof (body as ReadableStream).getReader === 'function') {
      // the reader, not the stream's async iterator: its return() would wait
      // for a pending read, where reader.cancel() ends that read
      const reader = (body as ReadableStream<Uint8Array>).getReader();
      this.#next = () => reader.read();
      this.#close = (reason) =>
        reader.cancel(reason).then(
          () => reader.releaseLock(),
          () => reader.releaseLock(),
        );
    } else {
      const iterator = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      this.#next = () => iterator.next();
      // a Node Readable's iterator too would wait for a pending read before
      // destroying the stream: destroy it (no error, which would be emitted)
      const destroy = (body as { destroy?: unknown }).destroy;
      this.#close =
        typeof destroy === 'function' && typeof (body as { pipe?: unknown }).pipe === 'function'
          ? () => destroy.call(body)
          : () => void iterator.return?.().catch?.(noop);
    }
  }
  /** The read callback: fills curl's buffer from the chunks already read, else pauses curl until one comes. */
  read(buf: Uint8Array): number {
    if (this.#error !== undefined || this.#cancelled) return READ_ABORT;
    const queue = this.#queue;
    let n = 0;
    while (n < buf.length && queue.length) {
      const chunk = queue[0]!;
      const k = Math.min(buf.length - n, chunk.length);
      buf.set(k === chunk.length ? chunk : chunk.subarray(0, k), n);
      n += k;
      if (k === chunk.length) queue.shift();
      else queue[0] = chunk.subarray(k);
    }
    this.#queued -= n;
    this.sent += n;
    this.#pull();
    if (n > 0) return n;
    if (this.#done) return 0;
    this.#waiting = true;
    return READ_PAUSE;
  }

  get error(): unknown {
    return this.#error;
  }

  /** Reads the next chunk unless one read is under way, the source is over, or UPLOAD_AHEAD bytes are waiting. */
  #pull(): void {
    if (this.#pulling || this.#done || !this.#next || this.#error !== undefined || this.#queued >= UPLOAD_AHEAD) return;
    this.#pulling = true;
    this.#next().then(
      (r) => {
        this.#pulling = false;
        if (this.#done) return; // cancelled while this read waited
        try {
          if (r.done) this.#done = true;
          else {
            const bytes = toBytes(r.value);
            if (bytes.length) {
              this.#queue.push(bytes);
              this.#queued += bytes.length;
            }
          }
        } catch (err) {
          this.#error = err;
        }
        this.#pull();
        this.#wake();
      },
      (err) => {
        this.#pulling = false;
        if (this.#done) return;
        this.#error = err ?? new Error('upload body failed');
        this.#wake();
      },
    );
  }

  /** Unpauses curl if it waits for this body. */
  #wake(): void {
    if (this.#waiting) {
      this.#waiting = false;
      this.#resume();
    }
  }

  /**
   * Closes the source unless it was read to its end: the transfer ended
   * first (an early answer, a failure, an abort), as undici's fetch does.
   */
  cancel(reason?: unknown): void {
    if (this.#done || !this.#close) return;
    this.#done = this.#cancelled = true;
    this.#queue = [];
    this.#queued = 0;
    this.#close(reason);
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('upload body chunks must be bytes or strings');
}

function noop(): void {}
