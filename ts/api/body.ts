// SPDX-License-Identifier: MIT
// Bodies between JS streams and curl's callbacks, without holding a whole
// body anywhere: downloads flow into a ReadableStream that pauses curl when
// its queue is full; uploads are pulled chunk by chunk from any async source.
import { CALLBACK_RETURNS } from '../curl/generated/enums.js';

const PAUSE = CALLBACK_RETURNS.CURL_WRITEFUNC_PAUSE;
const READ_PAUSE = CALLBACK_RETURNS.CURL_READFUNC_PAUSE;
const READ_ABORT = CALLBACK_RETURNS.CURL_READFUNC_ABORT;
/** Bytes a response body may queue before curl is paused. */
export const BODY_HIGH_WATER = 1 << 20;
/** Stateless, so one serves every body. */
const BODY_STRATEGY = new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER });

/** The response body: curl writes, the user reads. */
export class BodySink {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #paused = false;
  #closed = false;
  readonly #mayPause: boolean;

  /** `resume` unpauses curl; `cancel` stops the transfer; `mayPause` false: queue whatever comes (the caller bounds it). */
  constructor(mayPause: boolean, resume: () => void, cancel: (reason: unknown) => void) {
    this.#mayPause = mayPause;
    this.stream = new ReadableStream<Uint8Array>({
      start: (c) => void (this.#controller = c),
      pull: () => {
        if (this.#paused) {
          this.#paused = false;
          resume();
        }
      },
      cancel: (reason) => {
        this.#closed = true;
        cancel(reason);
      },
    }, BODY_STRATEGY);
  }

  /** The write callback: takes a copy, or pauses curl (which keeps the bytes). */
  write(view: Uint8Array): number {
    if (this.#closed) return view.length;
    if (this.#mayPause && (this.#controller.desiredSize ?? 1) <= 0) {
      this.#paused = true;
      return PAUSE;
    }
    this.#controller.enqueue(view.slice());
    return view.length;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.close();
  }

  error(err: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.error(err);
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

/** The request body: curl's read callback pulls from an async source. */
export class UploadSource {
  readonly #iterator: AsyncIterator<Uint8Array> | undefined;
  #chunk: Uint8Array | undefined;
  #done = false;
  #error: unknown;
  #pulling = false;
  #waiting = false;
  readonly #resume: () => void;
  /** Bytes handed to curl so far. */
  sent = 0;

  constructor(body: UploadBody, resume: () => void) {
    this.#resume = resume;
    if (body instanceof Uint8Array) {
      this.#chunk = body;
      this.#done = true;
    } else {
      this.#iterator = (Symbol.asyncIterator in body ? body : streamIterable(body))[Symbol.asyncIterator]();
    }
  }

  /** The read callback. */
  read(buf: Uint8Array): number {
    if (this.#error !== undefined) return READ_ABORT;
    if (this.#chunk?.length) {
      const n = Math.min(buf.length, this.#chunk.length);
      buf.set(this.#chunk.subarray(0, n));
      this.#chunk = n === this.#chunk.length ? undefined : this.#chunk.subarray(n);
      this.sent += n;
      return n;
    }
    if (this.#done) return 0;
    this.#pull();
    this.#waiting = true;
    return READ_PAUSE;
  }

  get error(): unknown {
    return this.#error;
  }

  #pull(): void {
    if (this.#pulling || !this.#iterator) return;
    this.#pulling = true;
    this.#iterator.next().then(
      (r) => {
        if (r.done) this.#done = true;
        else this.#chunk = toBytes(r.value);
      },
      (err) => void (this.#error = err ?? new Error('upload body failed')),
    ).finally(() => {
      this.#pulling = false;
      if (this.#waiting) {
        this.#waiting = false;
        this.#resume();
      }
    });
  }

  /** Stops reading the source (the transfer ended early). */
  cancel(): void {
    void this.#iterator?.return?.();
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('upload body chunks must be bytes or strings');
}

async function* streamIterable(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
