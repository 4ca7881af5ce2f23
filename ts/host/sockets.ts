// SPDX-License-Identifier: MIT
// The socket bridge: POSIX non-blocking socket semantics over node:net.
// Every descriptor curl sees (TCP sockets, listeners for FTP active mode,
// UDP sockets in ./udp-socket.ts, pending name lookups) lives in one table, above HOST_FD_BASE. Readiness
// changes are reported to whoever watches the descriptor (the multi driver);
// nothing here polls.
import * as net from 'node:net';
import { HOST_FD_BASE } from './abi.js';
import { ERRNO, errnoFromNode } from './errno.js';
import { readInto } from './read-into.js';
import { RecvBuffer } from './recv-buffer.js';
import { SendBuffer } from './send-buffer.js';
import { MSG_PEEK, POLL, READABLE } from './poll.js';
import type { SockAddr } from './sockaddr.js';
import type { DatagramPeer } from './udp-socket.js';

export { MSG_PEEK, POLL, READABLE };
export const WRITABLE = POLL.OUT | POLL.WRNORM;

export const SOCK = { STREAM: 1, DGRAM: 2 } as const;
export const SOL_SOCKET = 1;
export const SO = { TYPE: 3, ERROR: 4, SNDBUF: 7, RCVBUF: 8, KEEPALIVE: 9, BINDTODEVICE: 25 } as const;
export const IPPROTO_TCP = 6;
export const TCP = { NODELAY: 1, KEEPIDLE: 4, KEEPINTVL: 5, KEEPCNT: 6 } as const;

/** Bytes queued from the network before the runtime socket is paused. */
export const RECV_HIGH_WATER = 1 << 20;
/** Bytes queued towards the network before send answers EAGAIN. */
export const SEND_HIGH_WATER = 1 << 20;

/**
 * Decides whether a connect, or a datagram, may go to `target`; answers a
 * reason to deny it. `peer`: the host a datagram socket already talks with
 * (undefined for a connect and a socket's first datagram).
 */
export type ConnectGuard = (target: SockAddr, owner: number, peer?: DatagramPeer) => string | undefined;

export interface Descriptor {
  readonly fd: number;
  /** POLL bits that hold now. */
  readiness(): number;
  close(): void;
  /** Whether the runtime socket keeps the event loop alive (for those that have one). */
  setRef?(ref: boolean): void;
}

/** A socket whose bytes count against limits: fail() ends it with an errno. */
export interface TrafficSocket {
  fail(errno: number): void;
}

/** A socket's receive buffer: ts/host/recv-buffer.ts, or curl-wasm's shared ring (ts/tool/ring.ts). */
export interface RecvQueue {
  readonly size: number;
  region(): Uint8Array;
  complete(n: number): void;
  push(chunk: Uint8Array): void;
  take(into: Uint8Array, peek: boolean): number;
  clear(): void;
}

export class SocketTable {
  readonly #entries = new Map<number, Descriptor>();
  readonly #watchers = new Map<number, (fd: number) => void>();
  readonly #base: number;
  #next: number;
  #ref = true;
  /** Set by the sandbox; consulted on the address actually connected. */
  guard: ConnectGuard | undefined;
  /** Which easy handle (host id) each socket serves (CURLOPT_OPENSOCKETFUNCTION). */
  readonly owners = new Map<number, number>();
  /**
   * Bytes a TCP socket queues from the network before it is paused. The
   * library's transfers read it on the same thread; curl-wasm's worker reads
   * it a call away (ts/tool/channel.ts), and a deeper queue keeps the main
   * thread reading while the worker writes what it took.
   */
  recvHighWater = RECV_HIGH_WATER;
  /** Makes each TCP socket's receive buffer (curl-wasm's: a ring its worker reads); a RecvBuffer when unset. */
  recvQueue: ((fd: number, socket: TcpSocket) => RecvQueue) | undefined;
  /** Told about bytes moved on a socket: for limits and accounting. */
  onTraffic: ((owner: number, bytesIn: number, bytesOut: number, socket: TrafficSocket) => void) | undefined;

  /** `base`: the first descriptor number, HOST_FD_BASE unless the wasm was built with another (wasm/glue/host.h). */
  constructor(base = HOST_FD_BASE) {
    this.#base = base;
    this.#next = base;
  }

  add<T extends Descriptor>(make: (fd: number) => T): T {
    const entry = make(this.#next++);
    this.#entries.set(entry.fd, entry);
    return entry;
  }

  /** Puts a new descriptor behind an existing number (listen() does). */
  replace(entry: Descriptor): void {
    this.#entries.get(entry.fd)?.close();
    this.#entries.set(entry.fd, entry);
  }

  get(fd: number): Descriptor | undefined {
    return this.#entries.get(fd);
  }

  tcp(fd: number): TcpSocket | undefined {
    const e = this.#entries.get(fd);
    return e instanceof TcpSocket ? e : undefined;
  }

  close(fd: number): number {
    const entry = this.#entries.get(fd);
    if (!entry) return -ERRNO.BADF;
    this.#entries.delete(fd);
    this.#watchers.delete(fd);
    this.owners.delete(fd);
    entry.close();
    return 0;
  }

  closeAll(): void {
    for (const fd of [...this.#entries.keys()]) this.close(fd);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The open descriptors (for inspection and tests). */
  entries(): Descriptor[] {
    return [...this.#entries.values()];
  }

  /** Calls `onChange(fd)` whenever the readiness of `fd` may have changed. */
  watch(fd: number, onChange: (fd: number) => void): void {
    this.#watchers.set(fd, onChange);
  }

  unwatch(fd: number): void {
    this.#watchers.delete(fd);
  }

  changed(fd: number): void {
    this.#watchers.get(fd)?.(fd);
  }

  readiness(fd: number): number {
    if (fd < this.#base) return READABLE | WRITABLE; // files never block
    return this.#entries.get(fd)?.readiness() ?? POLL.NVAL;
  }

  /** Whether open runtime sockets keep the event loop alive. */
  setRef(ref: boolean): void {
    if (ref === this.#ref) return;
    this.#ref = ref;
    for (const e of this.#entries.values()) e.setRef?.(ref);
  }

  get ref(): boolean {
    return this.#ref;
  }
}

/** A stream socket; `net.Socket` underneath once connected or accepted. */
export class TcpSocket implements Descriptor {
  readonly fd: number;
  readonly family: 4 | 6;
  readonly #table: SocketTable;
  #sock: net.Socket | undefined;
  /** The TCP socket under a TLS one (wrap()), for its options. */
  #raw: net.Socket | undefined;
  /** While it answers true, the socket shows no readiness (a TLS handshake runs). */
  #hold: (() => boolean) | undefined;
  #state: 'new' | 'connecting' | 'connected' | 'failed' = 'new';
  readonly #in: RecvQueue;
  readonly #out = new SendBuffer();
  #paused = false;
  #closed = false;
  #eof = false;
  #error = 0; // pending SO_ERROR / errno for the next recv or send
  #blocked = false;
  #corked = false;
  #noDelay = false;
  #keepAlive = false;
  #keepIdle = 60;
  #peer: SockAddr | undefined;
  #local: SockAddr | undefined;
  /** Port asked for by bind(), for listen(). */
  boundPort = 0;
  /** Address asked for by bind() (curl's FTP active mode binds the control connection's own). */
  boundAddress = '';
  /** bind() was called (FTP active mode: a listener to be). */
  bound = false;
  /** Bytes moved, for limits and metrics. */
  bytesIn = 0;
  bytesOut = 0;

  constructor(fd: number, family: 4 | 6, table: SocketTable, accepted?: net.Socket) {
    this.fd = fd;
    this.family = family;
    this.#table = table;
    this.#in = table.recvQueue?.(fd, this) ?? new RecvBuffer();
    if (accepted) {
      this.#attach(accepted, true);
      this.#state = 'connected';
      this.#addresses();
    }
  }

  connect(target: SockAddr): number {
    if (this.#state !== 'new') return this.#state === 'connected' ? -ERRNO.ISCONN : -ERRNO.ALREADY;
    if (this.#table.guard?.(target, this.#table.owners.get(this.fd) ?? 0) !== undefined) return -ERRNO.ACCES;
    this.#peer = target;
    this.#state = 'connecting';
    // onread: the runtime reads into #in's free space, no Buffer per read
    // allowHalfOpen: the peer's FIN ends reads only, as in a kernel; a send after it
    // still leaves (curl reads the peer's last words and its error, not EPIPE)
    const sock = net.connect({
      allowHalfOpen: true,
      host: target.address,
      port: target.port,
      family: target.family,
      noDelay: this.#noDelay,
      onread: { buffer: this.#region, callback: this.#read },
    });
    this.#attach(sock, false);
    sock.once('connect', () => {
      this.#state = 'connected';
      this.#addresses();
      if (this.#keepAlive) sock.setKeepAlive(true, this.#keepIdle * 1000);
      this.#table.changed(this.fd);
    });
    return -ERRNO.INPROGRESS;
  }

  #attach(sock: net.Socket, copyIn: boolean): void {
    this.#sock = sock;
    if (!this.#table.ref) sock.unref();
    // accepted sockets (FTP active mode) cannot take onread: their chunks are copied in
    if (copyIn) {
      sock.on('data', (chunk: Buffer) => {
        this.#in.push(chunk);
        if (!this.#arrived(chunk.length)) sock.pause();
      });
    }
    // a socket wrapped by wrap() is read and written through its wrapper
    sock.on('end', () => {
      if (sock !== this.#sock) return;
      this.#eof = true;
      this.#table.changed(this.fd);
    });
    sock.on('drain', () => {
      if (sock !== this.#sock) return;
      this.#blocked = false;
      this.#table.changed(this.fd);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      this.#error = errnoFromNode(err.code);
      if (this.#state === 'connecting') this.#state = 'failed';
      this.#table.changed(this.fd);
    });
    sock.on('close', () => {
      this.#eof = true;
      this.#table.changed(this.fd);
    });
  }

  readonly #region = (): Uint8Array => this.#in.region();
  readonly #read = (n: number): boolean => {
    this.#in.complete(n);
    return this.#arrived(n);
  };

  /** `n` bytes arrived in #in; answers false when the runtime socket should pause. */
  #arrived(n: number): boolean {
    if (this.#closed) {
      this.#in.clear(); // nobody reads any more
      return true;
    }
    this.bytesIn += n;
    this.#table.onTraffic?.(this.#table.owners.get(this.fd) ?? 0, n, 0, this);
    this.#table.changed(this.fd);
    if (this.#in.size < this.#table.recvHighWater) return true;
    this.#paused = true;
    return false;
  }

  #addresses(): void {
    const s = this.#sock!;
    if (s.localAddress) this.#local = { family: net.isIP(s.localAddress) === 6 ? 6 : 4, address: s.localAddress, port: s.localPort ?? 0 };
    if (s.remoteAddress) this.#peer = { family: net.isIP(s.remoteAddress) === 6 ? 6 : 4, address: s.remoteAddress, port: s.remotePort ?? 0 };
  }

  readiness(): number {
    switch (this.#state) {
      case 'new':
        return POLL.OUT | POLL.HUP;
      case 'connecting':
        return 0;
      case 'failed':
        return WRITABLE | POLL.ERR | POLL.HUP;
    }
    if (this.#hold?.()) return 0;
    let bits = 0;
    if (this.#in.size > 0 || this.#eof || this.#error) bits |= READABLE;
    if (!this.#blocked || this.#error) bits |= WRITABLE;
    if (this.#error) bits |= POLL.ERR;
    return bits;
  }

  recv(into: Uint8Array, flags: number): number {
    if (this.#state === 'connecting') return -ERRNO.AGAIN;
    if (this.#state !== 'connected') return -(this.#error || ERRNO.NOTCONN);
    if (this.#in.size === 0) {
      if (this.#error) return -this.#error;
      return this.#eof ? 0 : -ERRNO.AGAIN;
    }
    const n = this.#in.take(into, (flags & MSG_PEEK) !== 0);
    this.drained();
    return n;
  }

  /** Resumes a paused socket once its queue is read below half the high-water mark (also called by a queue read elsewhere). */
  drained(): void {
    if (this.#paused && this.#in.size < this.#table.recvHighWater / 2) {
      this.#paused = false;
      this.#sock?.resume();
    }
  }

  send(bytes: Uint8Array): number {
    if (this.#error) return -this.#error;
    if (this.#state !== 'connected' || !this.#sock) return this.#state === 'connecting' ? -ERRNO.AGAIN : -ERRNO.NOTCONN;
    if (this.#sock.writableEnded || this.#sock.destroyed) return -ERRNO.PIPE;
    if (this.#blocked || this.#sock.writableLength >= SEND_HIGH_WATER) {
      this.#blocked = true;
      return -ERRNO.AGAIN;
    }
    this.bytesOut += bytes.length;
    this.#table.onTraffic?.(this.#table.owners.get(this.fd) ?? 0, 0, bytes.length, this);
    // sends of one turn (an upload's chunks, a TLS record per HTTP/2 frame)
    // leave in one writev, not one write(2) each (19% of bench D2's CPU): the
    // socket is corked until the turn's microtasks run
    if (!this.#corked) {
      this.#corked = true;
      this.#sock.cork();
      queueMicrotask(this.#uncork);
    }
    // a copy: the wasm memory behind `bytes` is reused at once
    const { chunk, done } = this.#out.copy(bytes);
    if (!this.#sock.write(chunk, done) && this.#sock.writableLength >= SEND_HIGH_WATER) this.#blocked = true;
    return bytes.length;
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    // close() may have ended the socket meanwhile: end() flushed it then
    this.#sock?.uncork();
  };

  /**
   * Puts a stream over the connected socket (TLS, ts/host/tls.ts): from then
   * on recv and send carry what `make` answers, read into #in as the TCP
   * socket is (./read-into.ts), or copied in from its 'data' events where
   * the runtime cannot do that. The socket shows no readiness while `hold` answers true. Bytes
   * already queued would belong under the new stream: refused with -EPROTO.
   */
  wrap(make: (raw: net.Socket) => net.Socket, hold: () => boolean): number {
    if (this.#state !== 'connected' || !this.#sock || this.#closed) return -ERRNO.NOTCONN;
    if (this.#raw) return -ERRNO.ALREADY;
    if (this.#in.size > 0) return -ERRNO.PROTO;
    this.#raw = this.#sock;
    this.#hold = hold;
    const sock = make(this.#raw);
    this.#attach(sock, !readInto(sock, this.#region, this.#read));
    return 0;
  }

  takeError(): number {
    const e = this.#state === 'connecting' ? 0 : this.#error;
    if (this.#state === 'failed') return e || ERRNO.CONNREFUSED;
    this.#error = 0;
    return e;
  }

  setOption(level: number, name: number, value: number): number {
    if (level === IPPROTO_TCP && name === TCP.NODELAY) {
      this.#noDelay = value !== 0;
      (this.#raw ?? this.#sock)?.setNoDelay(this.#noDelay);
    } else if (level === SOL_SOCKET && name === SO.KEEPALIVE) {
      this.#keepAlive = value !== 0;
      if (this.#state === 'connected') (this.#raw ?? this.#sock)?.setKeepAlive(this.#keepAlive, this.#keepIdle * 1000);
    } else if (level === IPPROTO_TCP && name === TCP.KEEPIDLE) {
      this.#keepIdle = value;
    } else if (level === SOL_SOCKET && name === SO.BINDTODEVICE) {
      // a runtime socket cannot be tied to a device: say so, and curl
      // --interface falls back to binding an address (or fails with 45)
      return -ERRNO.NODEV;
    }
    return 0; // buffer sizes and the rest are the runtime's business
  }

  /** Bytes received and not yet read by curl. */
  get queuedIn(): number {
    return this.#in.size;
  }
  /** Bytes handed to the runtime socket and not yet flushed. */
  get queuedOut(): number {
    return this.#sock?.writableLength ?? 0;
  }
  get noDelay(): boolean {
    return this.#noDelay;
  }
  get keepAlive(): boolean {
    return this.#keepAlive;
  }
  get peer(): SockAddr | undefined {
    return this.#peer;
  }
  get local(): SockAddr | undefined {
    return this.#local;
  }

  /** Ends the connection at once with `errno` (a limit was crossed). */
  fail(errno: number): void {
    this.#error = errno;
    this.#sock?.destroy();
    this.#table.changed(this.fd);
  }

  shutdown(how: number): number {
    if (!this.#sock) return -ERRNO.NOTCONN;
    if (how >= 1) this.#sock.end(); // SHUT_WR or SHUT_RDWR
    return 0;
  }

  setRef(ref: boolean): void {
    // on a destroyed socket node would queue a 'connect' listener per call
    for (const sock of [this.#sock, this.#raw]) {
      if (!sock || sock.destroyed) continue;
      if (ref) sock.ref();
      else sock.unref();
    }
  }

  /**
   * Like POSIX close(): the descriptor is gone at once, but bytes already
   * sent (a WebSocket close frame, a last request) still reach the peer.
   */
  close(): void {
    const sock = this.#sock;
    const raw = this.#raw;
    this.#sock = undefined;
    this.#raw = undefined;
    this.#closed = true;
    this.#in.clear();
    // a TLS socket's end leaves its TCP socket to whoever made it
    if (raw && sock) sock.once('close', () => raw.destroy());
    if (!sock || sock.destroyed) return;
    if (sock.writableLength === 0 || this.#error) {
      sock.destroy();
      return;
    }
    sock.end();
    sock.resume(); // nobody reads any more
    const timer = setTimeout(() => sock.destroy(), 2000);
    timer.unref();
    sock.once('close', () => clearTimeout(timer));
  }
}

/** A listening socket (FTP active mode). */
export class Listener implements Descriptor {
  readonly fd: number;
  readonly #server: net.Server;
  readonly #pending: net.Socket[] = [];
  readonly family: 4 | 6;
  readonly #address: string;
  readonly #port: number;
  /** Listening on the bound address failed after its port was announced. */
  failed = false;
  /** Settles once the socket listens (or failed to): at once on the wildcard address. */
  readonly listening: Promise<void>;

  constructor(fd: number, family: 4 | 6, table: SocketTable, port: number, address = '') {
    this.fd = fd;
    this.family = family;
    this.#server = net.createServer((sock) => {
      this.#pending.push(sock);
      table.changed(fd);
    });
    this.#server.on('error', () => {}); // a failed bind is reported below, not emitted
    const anywhere = address === '' || address === '0.0.0.0' || address === '::';
    // Without a host argument node binds synchronously, and curl asks
    // getsockname() for the port at once. With one, node looks the host up
    // first (a turn later): the port is reserved by a synchronous bind on
    // the wildcard address, released, then bound on the address curl asked
    // for (its control connection's), so no other interface listens.
    if (!anywhere && port === 0) {
      const probe = net.createServer().on('error', () => {});
      probe.listen(0);
      port = (probe.address() as net.AddressInfo | null)?.port ?? 0;
      probe.close();
      if (!port) throw Object.assign(new Error('listen failed'), { code: 'EADDRINUSE' });
    }
    this.#address = anywhere ? (family === 4 ? '0.0.0.0' : '::') : address;
    if (anywhere) {
      this.#server.listen(port);
      // binding failed (EADDRINUSE, EACCES) when there is no address now
      if (!this.#server.address()) {
        this.#server.close();
        throw Object.assign(new Error('listen failed'), { code: 'EADDRINUSE' });
      }
      this.#port = (this.#server.address() as net.AddressInfo).port;
      this.listening = Promise.resolve();
    } else {
      this.#port = port;
      this.listening = new Promise<void>((resolve) => {
        this.#server.once('listening', resolve);
        this.#server.once('error', () => {
          this.failed = true;
          table.changed(fd);
          resolve();
        });
      });
      this.#server.listen(port, address);
    }
    if (!table.ref) this.#server.unref();
  }

  get local(): SockAddr {
    return { family: this.family, address: this.#address, port: this.#port };
  }

  accept(): net.Socket | undefined {
    return this.#pending.shift();
  }

  readiness(): number {
    return this.#pending.length || this.failed ? READABLE : 0;
  }

  setRef(ref: boolean): void {
    if (ref) this.#server.ref();
    else this.#server.unref();
  }

  close(): void {
    this.#server.close();
    for (const s of this.#pending) s.destroy();
  }
}
