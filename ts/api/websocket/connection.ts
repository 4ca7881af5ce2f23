// SPDX-License-Identifier: MIT
// An open WebSocket connection on curl's own WebSocket support (opened by
// wsConnect() in websocket.ts, on a multi handle of its own that keeps the
// easy handle added until the end). The socket is watched here and frames
// move with curl_ws_recv/curl_ws_send; nothing blocks: a send that meets a
// full socket is queued and retried when it turns writable, reads run
// until curl answers CURLE_AGAIN. Pings are answered here
// (CURLWS_NOAUTOPONG): curl's automatic PONG would land in the middle of a
// frame that is only partly sent.
import type { Easy, WsFrameMeta } from '../../curl/easy.js';
import type { CurlOptions } from '../../curl/option-types.js';
import { CURLWS } from '../../curl/generated/enums.js';
import type { Multi } from '../../curl/multi.js';
import { type Runtime, POLL } from '../host.js';
import type { Session } from '../session.js';

const { CURLWS_TEXT, CURLWS_BINARY, CURLWS_CONT, CURLWS_CLOSE, CURLWS_PING, CURLWS_PONG, CURLWS_OFFSET } = CURLWS;
const RECV_CHUNK = 64 << 10;
const SEND_CHUNK = 128 << 10;
/** Messages the iterator holds before reading from the socket stops. */
const QUEUE_HIGH = 64;
/** After the closing handshake, how long to wait for the server to close TCP. */
const LINGER_MS = 1000;
/** Close codes no endpoint sends. */
const RESERVED = [1004, 1005, 1006, 1015];
const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

export type WsFrameType = 'text' | 'binary' | 'ping' | 'pong' | 'close';

/** A complete message or control frame (fragments are assembled). */
export interface WsMessage {
  type: WsFrameType;
  data: Uint8Array;
  /** The decoded text of a 'text' message. */
  text?: string;
  /** A 'close' frame's status code (1005 when it carried none) and reason. */
  code?: number;
  reason?: string;
}

/** How a connection ended. */
export interface WsCloseInfo {
  code: number;
  reason: string;
  /** Whether close frames went both ways. */
  wasClean: boolean;
  /** Why a connection that was open failed or dropped. */
  error?: unknown;
}

export interface WsConnectOptions {
  /** Default: the process-wide session (its trust store, proxy, cookies and curl options apply). */
  session?: Session;
  /** Subprotocols to offer (Sec-WebSocket-Protocol). */
  protocols?: string | readonly string[];
  /** Extra request headers for the upgrade. */
  headers?: Record<string, string>;
  /** Aborts the opening handshake. */
  signal?: AbortSignal;
  /** Time limit for the opening handshake, milliseconds (CURLOPT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** How long close() waits for the peer's close frame; default 5000 ms. */
  closeTimeoutMs?: number;
  /** Largest message accepted; default 100 MiB. A bigger one fails the connection (1009). */
  maxMessageSize?: number;
  /** Any other curl options, applied last. */
  curl?: CurlOptions;
}

/** @internal what the WebSocket class receives instead of the iterator queue */
export interface WsSink {
  message(m: WsMessage): void;
  error(err: unknown): void;
  closed(info: WsCloseInfo): void;
}

interface Outgoing {
  flags: number;
  data: Uint8Array;
  off: number;
  started: boolean;
  counted: boolean;
}

/** @internal removing the handle closes the connection; then the handles go. */
export function release(rt: Runtime, multi: Multi, easy: Easy): void {
  if (multi.handles.includes(easy)) multi.removeHandle(easy);
  easy.close();
  multi.close();
  rt.transferEnded();
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
  return out;
}

/** A close frame's payload: the code big-endian, then the reason in UTF-8. */
export function closePayload(code: number | undefined, reason: string): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const r = encoder.encode(reason);
  if (r.length > 123) throw new SyntaxError('the close reason is longer than 123 bytes');
  return new Uint8Array([code >> 8, code & 0xff, ...r]);
}

export class WsConnection implements AsyncIterable<WsMessage> {
  readonly url: string;
  /** The subprotocol the server chose, or ''. */
  readonly protocol: string;
  /** The upgrade response's headers, names in lower case. */
  readonly headers: [string, string][];
  /** Settles when the connection is over, however it ended. */
  readonly closed: Promise<WsCloseInfo>;
  readonly #rt: Runtime;
  readonly #multi: Multi;
  readonly #easy: Easy;
  readonly #fd: number;
  readonly #sink: WsSink;
  readonly #options: WsConnectOptions;
  #resolveClosed!: (info: WsCloseInfo) => void;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #out: Outgoing[] = [];
  #buffered = 0;
  readonly #recvBuf = new Uint8Array(RECV_CHUNK);
  #msg: Uint8Array[] = [];
  #msgSize = 0;
  #ctl: Uint8Array[] = [];
  #closeSent = false;
  #closeReceived: { code: number; reason: string } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #scheduled = false;
  #sending = false;
  #reading = false;
  #lingering = false;
  // the iterator's side
  readonly #queue: WsMessage[] = [];
  readonly #wakers: (() => void)[] = [];
  #end: WsCloseInfo | undefined;

  /** @internal use wsConnect() */
  constructor(init: {
    rt: Runtime;
    multi: Multi;
    easy: Easy;
    fd: number;
    url: string;
    protocol: string;
    headers: [string, string][];
    options: WsConnectOptions;
    sink: WsSink | undefined;
  }) {
    ({ rt: this.#rt, multi: this.#multi, easy: this.#easy, fd: this.#fd, options: this.#options } = init);
    ({ url: this.url, protocol: this.protocol, headers: this.headers } = init);
    this.#sink = init.sink ?? {
      message: (m) => void (this.#queue.push(m), this.#wake()),
      error: () => {}, // the iterator throws it at the end
      closed: (info) => void ((this.#end = info), this.#wake()),
    };
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#rt.sockets.watch(this.#fd, () => this.#schedule());
    this.#schedule(); // frames may have come with the upgrade response
  }

  /** 'open', 'closing' (a close frame went or came), 'closed'. */
  get state(): 'open' | 'closing' | 'closed' {
    return this.#state;
  }

  /** Payload bytes of messages queued and not yet handed to the socket. */
  get bufferedAmount(): number {
    return this.#buffered;
  }

  /** Sends a message: a string as text, bytes as binary (unless `binary` says otherwise). */
  send(data: string | Uint8Array | ArrayBuffer | ArrayBufferView, options: { binary?: boolean } = {}): void {
    const bytes =
      typeof data === 'string'
        ? encoder.encode(data)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data.slice(0))
          : new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.#live();
    this.#enqueue((options.binary ?? typeof data !== 'string') ? CURLWS_BINARY : CURLWS_TEXT, bytes, true);
  }

  /** Sends a PING; the answer arrives as a 'pong' frame. */
  ping(data: string | Uint8Array = new Uint8Array(0)): void {
    const bytes = typeof data === 'string' ? encoder.encode(data) : data.slice();
    if (bytes.length > 125) throw new RangeError('a ping carries at most 125 bytes');
    this.#live();
    this.#enqueue(CURLWS_PING, bytes, false);
  }

  /**
   * Starts the closing handshake (code 1000-4999 but 1004-1006 and 1015);
   * settles when the connection is over.
   */
  close(code?: number, reason = ''): Promise<WsCloseInfo> {
    if (code !== undefined && !(Number.isInteger(code) && code >= 1000 && code <= 4999 && !RESERVED.includes(code))) {
      throw new RangeError(`${code} is not a close code an endpoint may send`);
    }
    if (this.#state === 'open') {
      const payload = closePayload(code ?? (reason ? 1000 : undefined), reason);
      this.#state = 'closing';
      this.#sendClose(payload);
      this.#arm(this.#options.closeTimeoutMs ?? 5000);
      this.#schedule(); // reading resumes if the iterator had stopped it
    }
    return this.closed;
  }

  #live(): void {
    if (this.#state !== 'open') throw new DOMException(`the WebSocket is ${this.#state}`, 'InvalidStateError');
  }

  #sendClose(payload: Uint8Array): void {
    this.#closeSent = true;
    this.#enqueue(CURLWS_CLOSE, payload, false);
  }

  #enqueue(flags: number, data: Uint8Array, counted: boolean): void {
    this.#out.push({ flags, data, off: 0, started: false, counted });
    if (counted) this.#buffered += data.length;
    this.#flush();
  }

  #schedule(): void {
    if (this.#scheduled || this.#state === 'closed') return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#state === 'closed') return;
      const r = this.#rt.sockets.readiness(this.#fd);
      if (this.#out.length && r & (POLL.OUT | POLL.ERR)) this.#flush();
      this.#drain(); // also TLS records mbedTLS holds already
    });
  }

  /** Hands queued frames to curl, a chunk at a time, until it answers EAGAIN. */
  #flush(): void {
    if (this.#sending || this.#state === 'closed') return;
    this.#sending = true;
    clearTimeout(this.#retry);
    try {
      for (let f = this.#out[0]; f; f = this.#out[0]) {
        const chunk = f.data.subarray(f.off, f.off + SEND_CHUNK);
        const split = !f.started && f.data.length > SEND_CHUNK; // one frame, handed over in pieces
        const n = this.#easy.wsSend(chunk, split ? f.flags | CURLWS_OFFSET : f.flags, split ? f.data.length : 0);
        f.started = true; // from here on curl takes calls as the rest of this frame
        if (n === null) break;
        f.off += n;
        if (f.counted) this.#buffered -= n;
        if (f.off === f.data.length) this.#out.shift();
        else if (n < chunk.length) break;
      }
    } catch (err) {
      this.#sending = false;
      this.#lost(err);
      return;
    }
    this.#sending = false;
    // EAGAIN with the socket writable: TLS waits for input, or curl for itself
    if (this.#out.length && this.#rt.sockets.readiness(this.#fd) & POLL.OUT) this.#retry = setTimeout(() => this.#flush(), 10);
    this.#progress();
  }

  #drain(): void {
    if (this.#reading) return;
    this.#reading = true;
    try {
      while (this.#state !== 'closed' && !(this.#state === 'open' && this.#queue.length >= QUEUE_HIGH)) {
        let r: { nread: number; meta: WsFrameMeta } | null;
        try {
          r = this.#easy.wsRecv(this.#recvBuf);
        } catch (err) {
          return this.#lost(err);
        }
        if (!r) break;
        this.#piece(r.meta, this.#recvBuf.slice(0, r.nread));
      }
    } finally {
      this.#reading = false;
    }
  }

  #piece(meta: WsFrameMeta, bytes: Uint8Array): void {
    const { flags, bytesleft } = meta;
    if (flags & (CURLWS_CLOSE | CURLWS_PING | CURLWS_PONG)) {
      this.#ctl.push(bytes);
      if (bytesleft > 0) return;
      const data = concat(this.#ctl.splice(0));
      if (flags & CURLWS_CLOSE) this.#peerClose(data);
      else if (flags & CURLWS_PING) {
        if (this.#state === 'open') this.#enqueue(CURLWS_PONG, data, false);
        this.#emit({ type: 'ping', data });
      } else this.#emit({ type: 'pong', data });
      return;
    }
    const max = this.#options.maxMessageSize ?? 100 << 20;
    this.#msg.push(bytes);
    if ((this.#msgSize += bytes.length) > max) return this.#fail(new RangeError(`a message exceeds ${max} bytes`), 1009);
    if (bytesleft > 0 || flags & CURLWS_CONT) return;
    const data = concat(this.#msg.splice(0));
    this.#msgSize = 0;
    if (this.#state !== 'open') return; // the closing handshake has started
    if (flags & CURLWS_BINARY) return this.#emit({ type: 'binary', data }); // every fragment carries the type
    let text: string;
    try {
      text = utf8.decode(data);
    } catch {
      return this.#fail(new TypeError('a text message is not valid UTF-8'), 1007);
    }
    this.#emit({ type: 'text', data, text });
  }

  #peerClose(data: Uint8Array): void {
    const code = data.length >= 2 ? (data[0]! << 8) | data[1]! : 1005;
    const reason = new TextDecoder().decode(data.subarray(2));
    this.#closeReceived = { code, reason };
    this.#emit({ type: 'close', data, code, reason });
    if (!this.#closeSent) {
      this.#state = 'closing';
      this.#sendClose(closePayload(code === 1005 ? undefined : code, '')); // echo the code
      this.#arm(this.#options.closeTimeoutMs ?? 5000);
    }
    this.#progress();
  }

  /** Once close frames went both ways: wait briefly for the server to close TCP. */
  #progress(): void {
    if (this.#state === 'closing' && this.#closeReceived && this.#closeSent && !this.#out.length && !this.#lingering) {
      this.#lingering = true;
      this.#arm(LINGER_MS);
    }
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#finish(this.#outcome()), ms);
  }

  #outcome(error?: unknown): WsCloseInfo {
    const r = this.#closeReceived;
    if (!r) return { code: 1006, reason: '', wasClean: false, ...(error === undefined ? {} : { error }) };
    return { code: r.code, reason: r.reason, wasClean: this.#closeSent && !this.#out.length };
  }

  /** The socket ended or failed: an error only for a connection that was open. */
  #lost(err: unknown): void {
    if (this.#state === 'closed') return;
    const error = this.#state === 'open' ? new Error('the WebSocket connection was lost', { cause: err }) : undefined;
    if (error) this.#emit({ error });
    this.#finish(this.#outcome(error));
  }

  /** Ends the connection at once, as if it were lost (1006); the session uses it when it closes. */
  terminate(reason: unknown): void {
    this.#lost(reason);
  }

  /** Fails the connection from this side: a close frame if possible, then closed (1006). */
  #fail(err: unknown, code: number): void {
    if (this.#state === 'closed') return;
    this.#emit({ error: err });
    if (!this.#closeSent) {
      this.#state = 'closing';
      this.#sendClose(closePayload(code, ''));
    }
    this.#finish({ code: 1006, reason: '', wasClean: false, error: err });
  }

  #finish(info: WsCloseInfo): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    clearTimeout(this.#retry);
    this.#rt.sockets.unwatch(this.#fd);
    release(this.#rt, this.#multi, this.#easy);
    this.#out = [];
    this.#resolveClosed(info);
    this.#sink.closed(info);
  }

  /** Hands a frame or an error to the sink; a listener's exception is not the connection's. */
  #emit(m: WsMessage | { error: unknown }): void {
    try {
      if ('error' in m) this.#sink.error(m.error);
      else this.#sink.message(m);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  /**
   * Messages and control frames as they arrive, fragments assembled; ends
   * after the connection closes, throws when it dropped. Leaving the loop
   * does not close the connection. While nobody reads, reading from the
   * socket stops after a few messages.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<WsMessage, void, undefined> {
    for (;;) {
      const m = this.#queue.shift();
      if (m) {
        if (this.#queue.length === QUEUE_HIGH - 1) this.#schedule(); // reading resumes
        yield m;
      } else if (this.#end) {
        const { error } = this.#end;
        this.#end = { ...this.#end, error: undefined }; // thrown once
        if (error !== undefined) throw error;
        return;
      } else await new Promise<void>((resolve) => this.#wakers.push(resolve));
    }
  }

  #wake(): void {
    for (const w of this.#wakers.splice(0)) w();
  }
}
