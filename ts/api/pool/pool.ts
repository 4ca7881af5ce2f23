// SPDX-License-Identifier: MIT
// WorkerPool: N libcurl.wasm instances in worker_threads, for many transfers
// across cores. The module is compiled once here and posted to each worker,
// which instantiates it with its own Session (./pool-worker.ts). A request
// goes to the worker with the fewest in flight; its response comes back whole,
// the body's ArrayBuffer transferred rather than copied; errors come back as
// the library's own classes. A worker that dies fails its requests with
// ERR_POOL_WORKER_EXITED and is replaced.
import type { Worker } from 'node:worker_threads';
import { kPoolWorkers } from '../../curl/symbols.js';
import { tsxWorkerSource, LibcurlWasmError, registerError, compileLibcurl, type WasmSource } from '../host.js';
import { NULL_BODY } from '../fetch.js';
import { CurlResponse } from '../request.js';
import { validateFetchInit, validatePoolOptions, validateRequestOptions, validateUrl } from '../validate.js';
import type { WsConnection, WsConnectOptions } from '../websocket/connection.js';
import {
  checkCloneable,
  reviveError,
  type FromWorker,
  type PoolFetchInit,
  type PoolRequestOptions,
  type PoolSessionOptions,
  type PoolWorkerData,
  type ToWorker,
  type WireBody,
  type WireFetchInit,
  type WireFetched,
  type WireResponse,
} from './wire.js';

export interface WorkerPoolOptions {
  /** Worker threads, each with its own wasm instance. @defaultValue os.availableParallelism() */
  workers?: number;
  /** Options of each worker's Session (what can cross threads: no runtime, lookup or callbacks). */
  session?: PoolSessionOptions;
  /** The module, its bytes or where to read it; compiled once here. Default: the packaged libcurl.wasm. */
  module?: WasmSource;
  /** Caps each worker's wasm memory (bytes). */
  memoryLimit?: number;
}

/**
 * What `pool.request()` answers: the same CurlResponse as request() anywhere,
 * its body already whole (transferred from the worker, not copied), its
 * `info()` final and `threadId` the worker that ran it.
 * @deprecated use CurlResponse.
 */
export type PoolResponse = CurlResponse;

/** A pool that is closed, or a worker that exited with requests in flight. */
export class WorkerPoolError extends LibcurlWasmError {
  declare readonly code: WorkerPoolErrorCode;
  constructor(code: WorkerPoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
registerError(WorkerPoolError, 'WorkerPoolError');

/**
 * `ERR_POOL_CLOSED`, `ERR_POOL_WORKER_EXITED`, `ERR_POOL_NO_WORKERS`,
 * `ERR_POOL_WORKER_MISSING` (no worker script beside the bundle) and
 * `ERR_POOL_WS_UNSUPPORTED` (WorkerPool.ws: a WebSocket cannot cross threads).
 */
export type WorkerPoolErrorCode = 'ERR_POOL_CLOSED' | 'ERR_POOL_WORKER_EXITED' | 'ERR_POOL_NO_WORKERS' | 'ERR_POOL_WORKER_MISSING' | 'ERR_POOL_WS_UNSUPPORTED';

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** Settled on this thread already (aborted); the worker's answer only frees the slot. */
  settled: boolean;
}

interface Slot {
  worker: Worker;
  threadId: number;
  inFlight: Map<number, Pending>;
  /** Answered 'ready' (a slot that dies before that is not replaced: it would die again). */
  started: boolean;
  exitCause?: unknown;
}

/**
 * The Node modules a pool needs, loaded by create() rather than at import, so
 * that the library still loads where worker_threads is missing (an edge
 * runtime importing the inline entry).
 */
interface NodeApis {
  Worker: typeof import('node:worker_threads').Worker;
  availableParallelism: () => number;
  fileExists: (url: URL) => boolean;
}
let nodeApis: Promise<NodeApis> | undefined;
function loadNodeApis(): Promise<NodeApis> {
  nodeApis ??= Promise.all([import('node:worker_threads'), import('node:os'), import('node:fs'), import('node:url')]).then(([wt, os, fs, url]) => ({
    Worker: wt.Worker,
    availableParallelism: os.availableParallelism,
    fileExists: (u: URL) => u.protocol !== 'file:' || fs.existsSync(url.fileURLToPath(u)),
  }));
  return nodeApis;
}

/**
 * Starts a worker: from dist/ the bundled pool-worker.mjs beside this module;
 * from the TypeScript sources (tests, development) an eval worker that
 * registers tsx first (../host/dev-worker.ts).
 */
function spawn({ Worker, fileExists }: NodeApis, data: PoolWorkerData): Worker {
  if (import.meta.url.endsWith('.ts')) {
    return new Worker(tsxWorkerSource(new URL('./worker.ts', import.meta.url).href), { eval: true, workerData: data });
  }
  const entry = new URL('./pool-worker.mjs', import.meta.url);
  if (!fileExists(entry)) {
    throw new WorkerPoolError(
      'ERR_POOL_WORKER_MISSING',
      `WorkerPool: its worker script is missing (${entry.href}). The package ships it as dist/pool-worker.mjs beside the library; a bundle must copy libcurl-wasm/pool-worker.mjs beside itself`,
    );
  }
  return new Worker(entry, { workerData: data });
}

/**
 * libcurl.wasm instances in worker threads, each with its own Session:
 * `request()` and `fetch()` on whichever has the fewest requests in flight.
 * A worker that exits fails its requests in flight (ERR_POOL_WORKER_EXITED)
 * and is replaced.
 */
export class WorkerPool {
  readonly #data: PoolWorkerData;
  readonly #node: NodeApis;
  readonly #slots: Slot[] = [];
  #nextId = 1;
  #rotate = 0;
  #closed = false;

  private constructor(data: PoolWorkerData, node: NodeApis) {
    this.#data = data;
    this.#node = node;
  }

  /** Starts the workers; resolves once every one has its instance and Session. */
  static async create(options: WorkerPoolOptions = {}): Promise<WorkerPool> {
    validatePoolOptions(options, 'WorkerPool.create');
    const node = await loadNodeApis();
    const n = options.workers ?? node.availableParallelism();
    checkCloneable(options.session?.curl, 'WorkerPool');
    const data: PoolWorkerData = { module: await compileLibcurl(options.module), session: options.session ?? {}, memoryLimit: options.memoryLimit };
    const pool = new WorkerPool(data, node);
    const started = Array.from({ length: n }, () => pool.#start());
    const results = await Promise.allSettled(started);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    return pool;
  }

  /** Starts one worker in a new slot; resolves when it is ready. */
  #start(): Promise<void> {
    let worker: Worker;
    try {
      worker = spawn(this.#node, this.#data);
    } catch (err) {
      return Promise.reject(err);
    }
    const slot: Slot = { worker, threadId: worker.threadId, inFlight: new Map(), started: false };
    this.#slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          slot.started = true;
          this.#ref(slot);
          resolve();
        } else if (m.type === 'fatal') {
          slot.exitCause = reviveError(m.error);
          reject(slot.exitCause);
          void worker.terminate();
        } else {
          this.#answer(slot, m);
        }
      });
      worker.on('error', (err) => {
        slot.exitCause ??= err;
      });
      worker.once('exit', (code) => {
        const cause = slot.exitCause ?? new Error(`the worker exited with code ${code}`);
        reject(cause);
        this.#lost(slot, cause);
      });
    });
  }

  /** A worker exited: its requests fail; a started one is replaced while the pool is open. */
  #lost(slot: Slot, cause: unknown): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    for (const p of slot.inFlight.values()) {
      if (!p.settled)
        p.reject(new WorkerPoolError('ERR_POOL_WORKER_EXITED', `a WorkerPool worker (thread ${slot.threadId}) exited with this request in flight`, { cause }));
    }
    slot.inFlight.clear();
    if (this.#closed || !slot.started) return;
    this.#start().catch(() => {}); // a replacement that cannot start leaves the slot out
  }

  #answer(slot: Slot, m: Extract<FromWorker, { id: number }>): void {
    const p = slot.inFlight.get(m.id);
    if (!p) return;
    slot.inFlight.delete(m.id);
    this.#ref(slot);
    if (p.settled) return;
    if (m.type === 'error') p.reject(reviveError(m.error));
    else p.resolve(m.response);
  }

  /** An idle worker does not keep the process alive; one with requests in flight does. */
  #ref(slot: Slot): void {
    if (slot.inFlight.size > 0) slot.worker.ref();
    else slot.worker.unref();
  }

  /** The worker with the fewest requests in flight (ties taken in turn). */
  #pick(): Slot {
    const n = this.#slots.length;
    if (n === 0) throw new WorkerPoolError('ERR_POOL_NO_WORKERS', 'the WorkerPool has no worker left: replacements failed to start');
    let best: Slot | undefined;
    for (let k = 0; k < n; k++) {
      const s = this.#slots[(this.#rotate + k) % n]!;
      if (!best || s.inFlight.size < best.inFlight.size) best = s;
    }
    this.#rotate = (this.#rotate + 1) % n;
    return best!;
  }

  #send<T>(message: (id: number) => ToWorker, signal: AbortSignal | null | undefined, transfer: Transferable[] = []): Promise<T> {
    if (this.#closed) return Promise.reject(new WorkerPoolError('ERR_POOL_CLOSED', 'this WorkerPool is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    let slot: Slot;
    try {
      slot = this.#pick();
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        pending.settled = true;
        reject(signal!.reason);
        slot.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
      };
      const pending: Pending = {
        settled: false,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as T);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      slot.worker.postMessage(message(id), transfer as never[]);
      slot.inFlight.set(id, pending);
      this.#ref(slot);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * request() on a worker: the same options as request() except those that
   * cannot cross threads (stream bodies, onProgress, onDebug, curl callbacks),
   * which are TypeErrors. Resolves with the whole response.
   */
  async request(url: string | URL, options: PoolRequestOptions = {}): Promise<CurlResponse> {
    validateUrl(url, 'WorkerPool.request');
    validateRequestOptions(options, 'WorkerPool.request');
    const { signal, headers, body, json, ...rest } = options;
    for (const k of ['onProgress', 'onDebug', 'enforced', 'session'] as const) {
      if ((options as Record<string, unknown>)[k] !== undefined) throw new TypeError(`WorkerPool.request: ${k} cannot be sent to a worker thread`);
    }
    checkCloneable(options.curl, 'WorkerPool.request');
    const wire = {
      ...rest,
      headers: headers instanceof Headers ? [...headers] : headers,
      body: json !== undefined ? { json: JSON.stringify(json) } : wireBody(body, 'WorkerPool.request'),
    };
    const r = await this.#send<WireResponse>((id) => ({ type: 'request', id, url: String(url), options: wire }), signal);
    const head = { status: r.status, statusText: r.statusText, httpVersion: r.httpVersion, headers: r.rawHeaders, url: r.url };
    return new CurlResponse(head, { heads: [...r.previous, head], whole: r.body, done: Promise.resolve(), info: () => r.info, threadId: r.threadId });
  }

  /** fetch() on a worker: a real Response whose body was read whole in the worker. */
  async fetch(input: string | URL | Request, init: PoolFetchInit = {}): Promise<Response> {
    validateFetchInit(init, 'WorkerPool.fetch');
    const { curl, timeoutMs, maxRedirects, limits, ...standard } = init;
    for (const k of ['onProgress', 'enforced', 'session'] as const) {
      if ((init as Record<string, unknown>)[k] !== undefined) throw new TypeError(`WorkerPool.fetch: ${k} cannot be sent to a worker thread`);
    }
    if (isStream(standard.body)) throw new TypeError('WorkerPool.fetch: a stream body cannot be sent to a worker thread; pass bytes or text');
    checkCloneable(curl, 'WorkerPool.fetch');
    const request = new Request(input, standard);
    const body = request.body ? await request.arrayBuffer() : null;
    const wire: WireFetchInit = {
      method: request.method,
      headers: [...request.headers],
      body,
      redirect: request.redirect,
      curl,
      timeoutMs,
      maxRedirects,
      limits,
    };
    const signal = init.signal ?? (input instanceof Request ? input.signal : undefined);
    const r = await this.#send<WireFetched>((id) => ({ type: 'fetch', id, url: request.url, init: wire }), signal, body ? [body] : []);
    const response = new Response(NULL_BODY.has(r.status) || request.method === 'HEAD' ? null : r.body, {
      status: r.status,
      statusText: r.statusText,
      headers: r.headers,
    });
    Object.defineProperty(response, 'url', { value: r.url });
    Object.defineProperty(response, 'redirected', { value: r.redirected });
    return response;
  }

  /**
   * Refused: a WebSocket connection is a live socket in one worker's wasm
   * instance, and its messages and sends would each have to cross threads;
   * open WebSockets with `ws()` or `session.ws()` on this thread. Rejects with
   * a WorkerPoolError, code `ERR_POOL_WS_UNSUPPORTED`.
   */
  ws(_url: string | URL, _options?: Omit<WsConnectOptions, 'session'>): Promise<WsConnection> {
    return Promise.reject(
      new WorkerPoolError('ERR_POOL_WS_UNSUPPORTED', 'WorkerPool.ws: a WebSocket cannot cross threads; open it with ws() or session.ws() on this thread'),
    );
  }

  /** Per worker: its threadId and the requests it has in flight. */
  get workers(): { threadId: number; inFlight: number }[] {
    return this.#slots.map((s) => ({ threadId: s.threadId, inFlight: s.inFlight.size }));
  }

  /** @internal */
  get [kPoolWorkers](): Worker[] {
    return this.#slots.map((s) => s.worker);
  }

  /** Rejects every pending request with ERR_POOL_CLOSED and terminates the workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const slots = [...this.#slots];
    for (const slot of slots) {
      for (const p of slot.inFlight.values()) {
        if (!p.settled) p.reject(new WorkerPoolError('ERR_POOL_CLOSED', 'the WorkerPool was closed with this request in flight'));
      }
      slot.inFlight.clear();
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

function isStream(body: unknown): boolean {
  return (
    body instanceof ReadableStream ||
    (typeof body === 'object' &&
      body !== null &&
      !(body instanceof Uint8Array) &&
      (Symbol.asyncIterator in body || typeof (body as { pipe?: unknown }).pipe === 'function'))
  );
}

function wireBody(body: PoolRequestOptions['body'] | unknown, where: string): WireBody {
  if (body === undefined || body === null) return null;
  if (body instanceof URLSearchParams) return { urlSearchParams: body.toString() };
  // structured clone copies a view's whole ArrayBuffer: send only the view's bytes
  if (body instanceof Uint8Array) return body.byteLength === body.buffer.byteLength ? body : body.slice();
  if (typeof body === 'string' || body instanceof ArrayBuffer) return body;
  if (isStream(body)) throw new TypeError(`${where}: a stream body cannot be sent to a worker thread; pass bytes or text`);
  throw new TypeError(`${where}: unsupported body type ${Object.prototype.toString.call(body)}`);
}
