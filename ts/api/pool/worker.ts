// SPDX-License-Identifier: MIT
// One WorkerPool worker: its own libcurl.wasm instance (instantiated from the
// module the pool compiled, so no second compile) and its own Session. It runs
// request() and fetch() for the pool, reads each body whole and hands its
// ArrayBuffer over (transferred, not copied); a cancel aborts the transfer.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { Runtime } from '../host.js';
import { sessionFetch } from '../fetch.js';
import { plainHead } from '../head.js';
import { sessionRequest, type RequestOptions } from '../request.js';
import { Session } from '../session.js';
import { wireError, type FromWorker, type PoolWorkerData, type ToWorker, type WireBody, type WireRequestOptions } from './wire.js';

const port = parentPort;
if (!port) throw new Error('pool-worker runs inside a WorkerPool worker thread');
const data = workerData as PoolWorkerData;
const post = (m: FromWorker, transfer: Transferable[] = []) => port.postMessage(m, transfer as never[]);

/** Transfers in flight, by the pool's request id. */
const running = new Map<number, AbortController>();

function unwireBody(body: WireBody | undefined): Pick<RequestOptions, 'body' | 'json'> {
  if (body === undefined || body === null) return {};
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer) return { body };
  if ('urlSearchParams' in body) return { body: new URLSearchParams(body.urlSearchParams) };
  return { json: JSON.parse(body.json) as unknown };
}

async function serveRequest(session: Session, id: number, url: string, o: WireRequestOptions, signal: AbortSignal): Promise<void> {
  const { body, ...rest } = o;
  const r = await sessionRequest(session, url, { ...rest, ...unwireBody(body), signal });
  const bytes = await r.bytes(); // an ArrayBuffer of its own, exactly the body: transferred below
  await r.done;
  post(
    {
      type: 'response',
      id,
      response: {
        status: r.status,
        statusText: r.statusText,
        httpVersion: r.httpVersion,
        url: r.url,
        rawHeaders: r.rawHeaders,
        previous: r.previous.map(plainHead), // the heads' fields are getters, which structured clone drops
        body: bytes,
        info: r.info(),
        threadId,
      },
    },
    [bytes.buffer],
  );
}

async function serveFetch(session: Session, id: number, url: string, init: Extract<ToWorker, { type: 'fetch' }>['init'], signal: AbortSignal): Promise<void> {
  const res = await sessionFetch(session, url, { ...init, signal });
  const body = await res.arrayBuffer();
  post(
    {
      type: 'fetched',
      id,
      response: { status: res.status, statusText: res.statusText, url: res.url, redirected: res.redirected, headers: [...res.headers], body, threadId },
    },
    [body],
  );
}

async function start(): Promise<Session> {
  const runtime = await Runtime.create({ module: data.module, memoryLimit: data.memoryLimit });
  const session = new Session({ ...data.session, runtime });
  await session.engine(); // the multi handle and the defaults (CA blob) are ready before the first request
  return session;
}

const ready = start();
ready.then(
  () => post({ type: 'ready', threadId }),
  (err: unknown) => post({ type: 'fatal', error: wireError(err) }),
);

port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') {
    running.get(m.id)?.abort(new DOMException('This operation was aborted', 'AbortError'));
    return;
  }
  const ac = new AbortController();
  running.set(m.id, ac);
  ready
    .then((session) => (m.type === 'request' ? serveRequest(session, m.id, m.url, m.options, ac.signal) : serveFetch(session, m.id, m.url, m.init, ac.signal)))
    .catch((err: unknown) => post({ type: 'error', id: m.id, error: wireError(err) }))
    .finally(() => running.delete(m.id));
});
