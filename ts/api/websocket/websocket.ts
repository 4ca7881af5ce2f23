// SPDX-License-Identifier: MIT
// WebSocket over libcurl.wasm: wsConnect() opens a WsConnection (frames as
// an async iterator, see ws-connection.ts), and a WHATWG-shaped WebSocket
// class sits on it: readyState, protocol, binaryType, bufferedAmount,
// send(), close(), open/message/error/close events and the on* properties,
// plus ping() and 'ping'/'pong' events, which browsers do not have.
//
// The upgrade runs with CONNECT_ONLY 2 on a multi handle of the
// connection's own, driven with perform/wait: curl keeps a connect-only
// connection in the pool of the multi that made it, and removing the
// handle from that multi closes the connection, so the handle stays added
// until the end (Multi.run() removes it when the upgrade is done).
import { Easy, setOptions } from '../../curl/easy.js';
import { CURLWS } from '../../curl/generated/enums.js';
import { Multi } from '../../curl/multi.js';
import { latin1 } from '../head.js';
import { defaultSession } from '../session.js';
import { checkHeaderFields, curlOptions } from '../transfer.js';
import { validateUrl, validateWsOptions } from '../validate.js';
import { release, WsConnection, type WsCloseInfo, type WsConnectOptions, type WsMessage, type WsSink } from './connection.js';

/**
 * Opens a WebSocket connection on `options.session` or else the default
 * session; rejects with a CurlEasyError when the upgrade fails. The
 * connection's messages are an async iterator (see WsConnection); for the
 * WHATWG event-target shape use the WebSocket class.
 */
export function ws(url: string | URL, options: WsConnectOptions = {}): Promise<WsConnection> {
  return openWs(url, options);
}

/**
 * Opens a WebSocket connection.
 * @deprecated use `ws(url, options)` or `session.ws(url, options)`.
 */
export function wsConnect(url: string | URL, options: WsConnectOptions = {}): Promise<WsConnection> {
  return openWs(url, options);
}

/** @internal */
export async function openWs(url: string | URL, options: WsConnectOptions, sink?: WsSink, where = 'ws'): Promise<WsConnection> {
  validateUrl(url, where);
  validateWsOptions(options, where);
  const u = new URL(String(url));
  if (u.protocol === 'http:' || u.protocol === 'https:') u.protocol = u.protocol === 'http:' ? 'ws:' : 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new SyntaxError(`not a WebSocket URL: ${u.href}`);
  u.hash = '';
  const protocols = typeof options.protocols === 'string' ? [options.protocols] : [...(options.protocols ?? [])];
  const session = options.session ?? defaultSession();
  const { rt, defaults } = await session.engine();
  const multi = new Multi(rt);
  const easy = new Easy(rt);
  let head: [string, string][] = [];
  rt.transferStarted();
  try {
    setOptions(easy, defaults);
    const fields = Object.entries(options.headers ?? {});
    if (protocols.length) fields.push(['Sec-WebSocket-Protocol', protocols.join(', ')]);
    checkHeaderFields(fields); // they reach the wire: no CR, LF or NUL
    const headers = fields.map(([k, v]) => (v === '' ? `${k};` : `${k}: ${v}`));
    easy
      .setOpt('URL', u.href)
      .setOpt('CONNECT_ONLY', 2)
      .setOpt('WS_OPTIONS', CURLWS.CURLWS_NOAUTOPONG)
      .setOpt('HTTPHEADER', headers)
      .setOpt('HEADERFUNCTION', (d: Uint8Array) => {
        const line = latin1(d).trim();
        const i = line.indexOf(':');
        if (line.startsWith('HTTP/')) head = [];
        else if (i > 0) head.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
      });
    if (options.timeoutMs !== undefined) easy.setOpt('TIMEOUT_MS', options.timeoutMs);
    // string options reach the wire too: no CR, LF or NUL in them
    setOptions(easy, curlOptions(options.curl));
    await handshake(multi, easy, options.signal);
    const protocol = head.find(([k]) => k === 'sec-websocket-protocol')?.[1] ?? '';
    if (protocol && !protocols.includes(protocol)) throw new Error(`the server chose the subprotocol '${protocol}', which was not offered`);
    const fd = easy.getInfo('ACTIVESOCKET') as number;
    if (fd < 0) throw new Error('the upgraded connection has no socket');
    const conn = new WsConnection({ rt, multi, easy, fd, url: u.href, protocol, headers: head, options, sink });
    // the connection holds the session's share: closing the session ends it first
    const detach = session.attach(() => conn.terminate(new Error('the session was closed')));
    void conn.closed.then(detach);
    return conn;
  } catch (err) {
    release(rt, multi, easy);
    throw err;
  }
}

/** Drives the upgrade on the connection's own multi, leaving the handle added. */
async function handshake(multi: Multi, easy: Easy, signal: AbortSignal | undefined): Promise<void> {
  const wake = () => multi.wakeup();
  signal?.addEventListener('abort', wake);
  try {
    multi.addHandle(easy);
    for (;;) {
      signal?.throwIfAborted();
      multi.perform();
      const done = multi.infoRead();
      if (done) {
        if (done.error) throw done.error;
        return;
      }
      await multi.poll(1000); // settles on readiness, curl's timeout or wakeup() (abort)
    }
  } finally {
    signal?.removeEventListener('abort', wake);
  }
}

export interface CloseEventInit extends EventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

/** The 'close' event (Node 20 has no global CloseEvent). */
export class CloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;

  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
}

export type WebSocketOptions = Omit<WsConnectOptions, 'protocols' | 'signal'>;
export type BinaryType = 'blob' | 'arraybuffer';
export type Handler = ((this: WebSocket, ev: Event) => unknown) | null;

const encoder = new TextEncoder();
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function syntaxError(message: string): DOMException {
  return new DOMException(message, 'SyntaxError');
}

export class WebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  readonly url: string;
  #readyState = 0;
  #protocol = '';
  #binaryType: BinaryType = 'blob';
  #conn: WsConnection | undefined;
  readonly #abort = new AbortController();
  /** Bytes of Blobs being read, and of sends after the closing started (counted, never sent). */
  #pending = 0;
  #discarded = 0;
  /** close() came while the upgrade was finishing: the close event says 1006. */
  #aborted = false;
  /** Sends wait behind a Blob being read, to keep their order. */
  #chain: Promise<void> | undefined;
  readonly #handlers = new Map<string, { fn: Handler; listener: EventListener }>();

  constructor(url: string | URL, protocols: string | readonly string[] = [], options: WebSocketOptions = {}) {
    super();
    validateWsOptions(options, 'WebSocket');
    let u: URL;
    try {
      u = new URL(String(url));
    } catch {
      throw syntaxError(`Invalid URL: ${String(url)}`);
    }
    if (u.protocol === 'http:') u.protocol = 'ws:';
    else if (u.protocol === 'https:') u.protocol = 'wss:';
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw syntaxError(`The URL's scheme must be ws or wss: ${u.href}`);
    if (u.hash || String(url).endsWith('#')) throw syntaxError('The URL contains a fragment identifier');
    const list = typeof protocols === 'string' ? [protocols] : [...protocols];
    if (list.some((p) => !TOKEN.test(p))) throw syntaxError('A subprotocol is not a valid token');
    if (new Set(list.map((p) => p.toLowerCase())).size !== list.length) throw syntaxError('A subprotocol is listed twice');
    this.url = u.href;
    const sink = { message: (m: WsMessage) => this.#message(m), error: (e: unknown) => this.#error(e), closed: (i: WsCloseInfo) => this.#closed(i) };
    openWs(u.href, { ...options, protocols: list, signal: this.#abort.signal }, sink).then(
      (conn) => {
        this.#conn = conn;
        if (this.#readyState !== WebSocket.CONNECTING) {
          // close() came first
          this.#aborted = true;
          this.#error(this.#abort.signal.reason);
          void conn.close(1000);
          return;
        }
        this.#protocol = conn.protocol;
        this.#readyState = WebSocket.OPEN;
        this.dispatchEvent(new Event('open'));
      },
      (err: unknown) => {
        this.#error(err);
        this.#closed({ code: 1006, reason: '', wasClean: false });
      },
    );
  }

  get readyState(): number {
    return this.#readyState;
  }

  /** The subprotocol the server chose. */
  get protocol(): string {
    return this.#protocol;
  }

  /** Always '' (no extensions are negotiated). */
  get extensions(): string {
    return '';
  }

  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(value: BinaryType) {
    if (value === 'blob' || value === 'arraybuffer') this.#binaryType = value;
  }

  /** Bytes passed to send() and not yet handed to the network. */
  get bufferedAmount(): number {
    return (this.#conn?.bufferedAmount ?? 0) + this.#pending + this.#discarded;
  }

  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    if (this.#readyState === WebSocket.CONNECTING) throw new DOMException('Still in CONNECTING state', 'InvalidStateError');
    const isBlob = typeof Blob !== 'undefined' && data instanceof Blob;
    const size = typeof data === 'string' ? encoder.encode(data).length : isBlob ? (data as Blob).size : (data as ArrayBufferLike | ArrayBufferView).byteLength;
    if (this.#readyState !== WebSocket.OPEN) {
      this.#discarded += size;
      return;
    }
    if (!isBlob && !this.#chain) {
      this.#sendNow(data as string | ArrayBufferLike | ArrayBufferView);
      return;
    }
    this.#pending += size;
    const chain: Promise<void> = (this.#chain ?? Promise.resolve())
      .then(async () => {
        const bytes = isBlob ? new Uint8Array(await (data as Blob).arrayBuffer()) : (data as string | ArrayBufferLike | ArrayBufferView);
        this.#pending -= size;
        if (this.#readyState === WebSocket.OPEN) this.#sendNow(bytes);
        else this.#discarded += size;
      })
      .catch((err: unknown) => this.#fail(err))
      .finally(() => {
        if (this.#chain === chain) this.#chain = undefined;
      });
    this.#chain = chain;
  }

  #sendNow(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (typeof data === 'string') this.#conn!.send(data);
    else if (ArrayBuffer.isView(data)) this.#conn!.send(data, { binary: true });
    else this.#conn!.send(new Uint8Array(data), { binary: true });
  }

  /** Not in WHATWG: sends a PING; the answer fires a 'pong' MessageEvent. */
  ping(data?: string | Uint8Array): void {
    if (this.#readyState !== WebSocket.OPEN) throw new DOMException('The WebSocket is not open', 'InvalidStateError');
    this.#conn!.ping(data);
  }

  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
      throw new DOMException(`The close code must be 1000 or in 3000-4999, not ${code}`, 'InvalidAccessError');
    }
    if (reason !== undefined && encoder.encode(reason).length > 123) throw syntaxError('The close reason is longer than 123 bytes');
    if (this.#readyState === WebSocket.CLOSING || this.#readyState === WebSocket.CLOSED) return;
    if (this.#readyState === WebSocket.CONNECTING) {
      this.#readyState = WebSocket.CLOSING;
      this.#abort.abort(new DOMException('WebSocket was closed before the connection was established', 'AbortError'));
      return;
    }
    this.#readyState = WebSocket.CLOSING;
    void this.#conn!.close(code ?? (reason ? 1000 : undefined), reason ?? '');
  }

  #fail(err: unknown): void {
    if (this.#readyState !== WebSocket.OPEN) return;
    this.#error(err);
    this.#readyState = WebSocket.CLOSING;
    void this.#conn!.close(1011);
  }

  #message(m: WsMessage): void {
    if (this.#readyState !== WebSocket.OPEN) return;
    if (m.type === 'close') return; // the 'close' event reports it
    const init: MessageEventInit = { origin: new URL(this.url).origin };
    if (m.type === 'text') init.data = m.text;
    else if (this.#binaryType === 'blob' && m.type === 'binary') init.data = new Blob([m.data as Uint8Array<ArrayBuffer>]);
    else init.data = m.data.buffer.slice(m.data.byteOffset, m.data.byteOffset + m.data.byteLength);
    this.dispatchEvent(new MessageEvent(m.type === 'text' || m.type === 'binary' ? 'message' : m.type, init));
  }

  #error(err: unknown): void {
    const ev = new Event('error');
    Object.defineProperty(ev, 'error', { value: err, enumerable: true });
    this.dispatchEvent(ev);
  }

  #closed(info: WsCloseInfo): void {
    if (this.#readyState === WebSocket.CLOSED) return;
    this.#readyState = WebSocket.CLOSED;
    const { code, reason, wasClean } = this.#aborted ? { code: 1006, reason: '', wasClean: false } : info;
    this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean }));
  }

  #getHandler(type: string): Handler {
    return this.#handlers.get(type)?.fn ?? null;
  }

  #setHandler(type: string, fn: Handler): void {
    const old = this.#handlers.get(type);
    if (old) this.removeEventListener(type, old.listener);
    this.#handlers.delete(type);
    if (typeof fn !== 'function') return;
    const listener = (ev: Event) => fn.call(this, ev);
    this.#handlers.set(type, { fn, listener });
    this.addEventListener(type, listener);
  }

  get onopen(): Handler {
    return this.#getHandler('open');
  }
  set onopen(fn: Handler) {
    this.#setHandler('open', fn);
  }
  get onmessage(): Handler {
    return this.#getHandler('message');
  }
  set onmessage(fn: Handler) {
    this.#setHandler('message', fn);
  }
  get onerror(): Handler {
    return this.#getHandler('error');
  }
  set onerror(fn: Handler) {
    this.#setHandler('error', fn);
  }
  get onclose(): Handler {
    return this.#getHandler('close');
  }
  set onclose(fn: Handler) {
    this.#setHandler('close', fn);
  }
}
