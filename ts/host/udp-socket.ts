// SPDX-License-Identifier: MIT
// Datagram sockets over node:dgram, for TFTP: curl's tftp.c opens an
// unconnected UDP socket, bind()s it to any port, sendto()s the server's
// port 69 and recvfrom()s the answers, which come from a new port (the
// server's transfer id). Non-blocking like the stream sockets: recvfrom
// answers EAGAIN on an empty queue, sendto EAGAIN above the high-water mark.
// Under a policy (a guard), the first destination is judged as a connect is;
// after it the socket talks with that one address only: it sends to the
// first port or to a port a datagram came from, and it drops datagrams from
// anywhere else.
import type * as dgram from 'node:dgram';
import { isIP } from 'node:net';
import { nodeDgram } from './builtins.js';
import { ERRNO, errnoFromNode } from './errno.js';
import type { SockAddr } from './sockaddr.js';
import { type Descriptor, MSG_PEEK, POLL, READABLE, RECV_HIGH_WATER, SEND_HIGH_WATER, type SocketTable, WRITABLE } from './sockets.js';

/** Largest UDP payload over IPv4 (65,535 minus the IP and UDP headers). */
const MAX_DATAGRAM = 65_507;

interface Datagram {
  readonly data: Buffer;
  readonly from: SockAddr;
}

/** The host a datagram socket talks with under a policy: its first destination, and the ports it may send to. */
export interface DatagramPeer {
  readonly address: string;
  readonly ports: ReadonlySet<number>;
}

const sockAddr = (info: { address: string; port: number }): SockAddr => ({ family: isIP(info.address) === 6 ? 6 : 4, address: info.address, port: info.port });

/** An AF_INET or AF_INET6 SOCK_DGRAM socket; the runtime socket is made on bind() or the first send. */
export class UdpSocket implements Descriptor {
  readonly fd: number;
  readonly family: 4 | 6;
  readonly #table: SocketTable;
  #sock: dgram.Socket | undefined;
  #local: SockAddr | undefined;
  readonly #queue: Datagram[] = [];
  #queued = 0;
  /** Bytes handed to the runtime and not yet sent. */
  #sending = 0;
  #error = 0; // pending SO_ERROR / errno for the next recvfrom or sendto
  /** Set by fail(): every call answers this errno from then on. */
  #dead = 0;
  #closed = false;
  /** connect()ed: the default destination, and the only source accepted. */
  #peer: SockAddr | undefined;
  /** Under a policy: the host this socket talks with. */
  #talk: { address: string; ports: Set<number> } | undefined;
  /** Bytes moved, for limits and metrics. */
  bytesIn = 0;
  bytesOut = 0;
  /** Datagrams dropped: full queue, or a source the policy does not admit. */
  dropped = 0;

  constructor(fd: number, family: 4 | 6, table: SocketTable) {
    this.fd = fd;
    this.family = family;
    this.#table = table;
  }

  #runtime(): dgram.Socket {
    if (this.#sock) return this.#sock;
    const sock = nodeDgram().createSocket({ type: this.family === 4 ? 'udp4' : 'udp6' });
    this.#sock = sock;
    if (!this.#table.ref) sock.unref();
    sock.on('message', (data, info) => this.#arrived(data, info));
    sock.on('listening', () => {
      this.#local = sockAddr(sock.address());
    });
    sock.on('error', (err: NodeJS.ErrnoException) => this.#pending(errnoFromNode(err.code)));
    return sock;
  }

  #arrived(data: Buffer, info: dgram.RemoteInfo): void {
    if (this.#closed || this.#dead) return;
    const from = sockAddr(info);
    const admitted = this.#peer
      ? from.address === this.#peer.address && from.port === this.#peer.port
      : !this.#table.guard || from.address === this.#talk?.address;
    // a full queue drops, as a kernel's receive buffer does
    if (!admitted || this.#queued + data.length > RECV_HIGH_WATER) {
      this.dropped++;
      return;
    }
    this.#talk?.ports.add(from.port);
    this.#queue.push({ data, from });
    this.#queued += data.length;
    this.bytesIn += data.length;
    this.#table.onTraffic?.(this.#table.owners.get(this.fd) ?? 0, data.length, 0, this);
    this.#table.changed(this.fd);
  }

  /** An error the next call reports once (a send the runtime failed), as SO_ERROR does. */
  #pending(errno: number): void {
    this.#error ||= errno;
    this.#table.changed(this.fd);
  }

  bind(target: SockAddr): number {
    if (this.#sock) return -ERRNO.INVAL;
    if (target.family !== this.family) return -ERRNO.AFNOSUPPORT;
    this.#runtime().bind({ port: target.port, address: target.address, exclusive: true });
    this.#local = target;
    return 0;
  }

  /** POSIX connect() on a datagram socket: a default destination and a source filter, judged as a destination. */
  connect(target: SockAddr): number {
    const denied = this.#judge(target);
    if (denied) return denied;
    this.#peer = target;
    return 0;
  }

  /** 0, or -errno when `target` may not be sent to. */
  #judge(target: SockAddr): number {
    if (target.family !== this.family) return -ERRNO.AFNOSUPPORT;
    const guard = this.#table.guard;
    if (!guard) return 0;
    const owner = this.#table.owners.get(this.fd) ?? 0;
    if (guard(target, owner, this.#talk) !== undefined) return -ERRNO.ACCES;
    this.#talk ??= { address: target.address, ports: new Set([target.port]) };
    return 0;
  }

  sendto(bytes: Uint8Array, to: SockAddr | undefined): number {
    if (this.#dead) return -this.#dead;
    if (this.#error) return -this.takeError();
    const target = to ?? this.#peer;
    if (!target) return -ERRNO.DESTADDRREQ;
    if (bytes.length > MAX_DATAGRAM) return -ERRNO.MSGSIZE;
    if (this.#sending >= SEND_HIGH_WATER) return -ERRNO.AGAIN;
    const denied = to ? this.#judge(to) : 0;
    if (denied) {
      // tftp.c only logs a failed first sendto and waits for an answer: the
      // socket fails for good, so its polls and recvfroms end the retries at once
      this.fail(-denied);
      return denied;
    }
    const data = Buffer.from(bytes); // a copy: the wasm memory is reused at once
    this.#sending += data.length;
    this.bytesOut += data.length;
    this.#table.onTraffic?.(this.#table.owners.get(this.fd) ?? 0, 0, data.length, this);
    this.#runtime().send(data, target.port, target.address, (err) => {
      this.#sending -= data.length;
      if (err) this.#pending(errnoFromNode((err as NodeJS.ErrnoException).code));
      else this.#table.changed(this.fd);
    });
    return bytes.length;
  }

  /** One datagram into `into` (the rest of a longer one is discarded, as recvfrom(2) does), and where it came from. */
  recvfrom(into: Uint8Array, flags: number): { n: number; from?: SockAddr } {
    if (this.#dead) return { n: -this.#dead };
    const d = this.#queue[0];
    if (!d) return { n: this.#error ? -this.takeError() : -ERRNO.AGAIN };
    if (!(flags & MSG_PEEK)) {
      this.#queue.shift();
      this.#queued -= d.data.length;
    }
    const n = Math.min(into.length, d.data.length);
    into.set(d.data.subarray(0, n));
    return { n, from: d.from };
  }

  readiness(): number {
    if (this.#dead) return READABLE | WRITABLE | POLL.ERR;
    let bits = 0;
    if (this.#queue.length || this.#error) bits |= READABLE;
    if (this.#sending < SEND_HIGH_WATER || this.#error) bits |= WRITABLE;
    if (this.#error) bits |= POLL.ERR;
    return bits;
  }

  takeError(): number {
    if (this.#dead) return this.#dead;
    const e = this.#error;
    this.#error = 0;
    return e;
  }

  /** Ends the socket's use at once with `errno` (a limit was crossed, a destination refused). */
  fail(errno: number): void {
    this.#dead ||= errno;
    this.#queue.length = 0;
    this.#queued = 0;
    this.#table.changed(this.fd); // the runtime socket stays until close(): what was sent still leaves
  }

  /** The bound address; the wildcard until the runtime socket has one. */
  get local(): SockAddr {
    return this.#local ?? { family: this.family, address: this.family === 4 ? '0.0.0.0' : '::', port: 0 };
  }

  get peer(): SockAddr | undefined {
    return this.#peer;
  }
  /** Datagrams received and not yet read by curl. */
  get queuedIn(): number {
    return this.#queue.length;
  }

  setRef(ref: boolean): void {
    if (ref) this.#sock?.ref();
    else this.#sock?.unref();
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    const sock = this.#sock;
    this.#sock = undefined;
    try {
      sock?.close();
    } catch {
      // never bound and never sent: nothing runs
    }
  }
}
