// SPDX-License-Identifier: MIT
// The `curlhost` import module: the socket bridge, DNS, the callback relays,
// the TLS record layer's AEAD, host TLS and curl's IDN conversion, as
// wasm/glue/host.h declares them (same order).
import { aeadOpen, aeadSeal } from './aead.js';
import { ERRNO } from './errno.js';
import { HostTls, readTlsParams } from './tls.js';
import type { HostImports } from './abi.js';
import { DnsQuery, type LookupFunction } from './dns.js';
import { resolverName } from './hostname.js';
import { idnConvert } from './idn.js';
import { runtimeRootBytes } from './roots.js';
import type { Heap } from './memory.js';
import { AF_INET, AF_INET6, ipToBytes, readSockAddr, writeSockAddr, type SockAddr } from './sockaddr.js';
import { IPPROTO_TCP, Listener, POLL, SO, SOCK, SOL_SOCKET, type SocketTable, TcpSocket } from './sockets.js';
import { UdpSocket } from './udp-socket.js';

/** What an easy handle's relays call into (ts/curl implements it). */
export interface EasyRelays {
  write(header: boolean, ptr: number, len: number): number;
  /** A response head as one block (see host_cb_head), its end with the effective URL and TLS names: 0, or -1 to fail the transfer. */
  head(ptr: number, len: number, url: number, tlsVersion: number, tlsCipher: number): number;
  read(ptr: number, len: number): number;
  seek(offset: number, origin: number): number;
  progress(dltotal: number, dlnow: number, ultotal: number, ulnow: number): number;
  debug(type: number, ptr: number, len: number): void;
  /** Records why the host is failing this handle's transfer (policy, limits). */
  fail(reason: unknown): void;
  /** The host name the transfer's connection is for, as curl has it (null before it has one). */
  connectHost(): string | null;
}

/** What a multi handle's relays call into. */
export interface MultiRelays {
  /** 0, or -1: curl fails with CURLM_ABORTED_BY_CALLBACK */
  socket(fd: number, what: number): number;
  timer(timeoutMs: number): number;
  /** CURLMOPT_PUSHFUNCTION: answers CURL_PUSH_* */
  push(parent: number, easy: number, numHeaders: number, headers: number): number;
}

/** Host-side ids for handles: the glue passes them back to the relays. */
export class RelayRegistry {
  readonly easy = new Map<number, EasyRelays>();
  readonly multi = new Map<number, MultiRelays>();
  #next = 1;
  id(): number {
    return this.#next++;
  }
}

export interface BridgeContext {
  heap(): Heap;
  table: SocketTable;
  lookup: LookupFunction;
  relays: RelayRegistry;
  /** Set by the sandbox: may `owner` resolve `hostname`? */
  hostGuard?: ((hostname: string, owner: number) => boolean) | undefined;
  /** Cap on the instance's memory in bytes (0: the module's maximum). */
  memoryLimit: number;
}

const DNS_RECORD = 20;
const CURL_POLL_REMOVE = 4;
const CURL_PUSH_DENY = 1;
const ZERO_ADDR: SockAddr = { family: 4, address: '0.0.0.0', port: 0 };

export function hostImports(ctx: BridgeContext): HostImports {
  const { table, relays } = ctx;
  const hostTls = new HostTls(table);
  const tcp = (fd: number) => table.tcp(fd);
  const listenNow = (s: TcpSocket): number => {
    try {
      table.replace(new Listener(s.fd, s.family, table, s.boundPort, s.boundAddress));
    } catch {
      return -ERRNO.ADDRINUSE;
    }
    return 0;
  };
  return {
    sock_open(domain, type, _proto) {
      if (domain !== AF_INET && domain !== AF_INET6) return -ERRNO.AFNOSUPPORT;
      const family = domain === AF_INET ? 4 : 6;
      if (type === SOCK.STREAM) return table.add((fd) => new TcpSocket(fd, family, table)).fd;
      // TFTP, and curl's probe for IPv6 support (no runtime socket until bind or send)
      if (type === SOCK.DGRAM) return table.add((fd) => new UdpSocket(fd, family, table)).fd;
      return -ERRNO.PROTONOSUPPORT;
    },
    sock_connect(fd, addr, len) {
      const entry = table.get(fd);
      if (!entry) return -ERRNO.BADF;
      const target = readSockAddr(ctx.heap(), addr, len);
      if (!target) return -ERRNO.AFNOSUPPORT;
      if (entry instanceof TcpSocket || entry instanceof UdpSocket) return entry.connect(target);
      return -ERRNO.NETUNREACH;
    },
    sock_bind(fd, addr, len) {
      const target = readSockAddr(ctx.heap(), addr, len);
      const u = table.get(fd);
      if (u instanceof UdpSocket) return target ? u.bind(target) : -ERRNO.AFNOSUPPORT;
      const s = tcp(fd);
      if (!s || !target) return s ? -ERRNO.AFNOSUPPORT : -ERRNO.BADF;
      s.boundPort = target.port;
      s.boundAddress = target.address;
      s.bound = true;
      return 0;
    },
    sock_listen(fd, _backlog) {
      if (table.get(fd) instanceof Listener) return 0; // getsockname() started it
      const s = tcp(fd);
      return s ? listenNow(s) : -ERRNO.BADF;
    },
    sock_accept(fd, addr, lenPtr) {
      const l = table.get(fd);
      if (!(l instanceof Listener)) return -ERRNO.BADF;
      const sock = l.accept();
      if (!sock) return l.failed ? -ERRNO.CONNABORTED : -ERRNO.AGAIN;
      const s = table.add((nfd) => new TcpSocket(nfd, l.family, table, sock));
      if (addr && lenPtr) writeSockAddr(ctx.heap(), addr, lenPtr, s.peer ?? ZERO_ADDR);
      return s.fd;
    },
    sock_name(fd, peer, addr, lenPtr) {
      let e = table.get(fd);
      // node binds a port only by listening, and curl asks getsockname() for
      // the port of its FTP active-mode socket between bind() and listen()
      if (!peer && e instanceof TcpSocket && e.bound && !e.peer && !e.local) {
        const r = listenNow(e);
        if (r < 0) return r;
        e = table.get(fd);
      }
      let a: SockAddr | undefined;
      if (e instanceof TcpSocket) a = peer ? e.peer : (e.local ?? { ...ZERO_ADDR, family: e.family, address: e.family === 4 ? '0.0.0.0' : '::' });
      else if (e instanceof Listener) a = peer ? undefined : e.local;
      else if (e instanceof UdpSocket) a = peer ? e.peer : e.local;
      else if (!e) return -ERRNO.BADF;
      if (!a) return -ERRNO.NOTCONN;
      writeSockAddr(ctx.heap(), addr, lenPtr, a);
      return 0;
    },
    sock_getopt(fd, level, name, val, lenPtr) {
      const e = table.get(fd);
      if (!e) return -ERRNO.BADF;
      const heap = ctx.heap();
      let v = 0;
      if (level === SOL_SOCKET && name === SO.ERROR) v = e instanceof TcpSocket || e instanceof UdpSocket ? e.takeError() : 0;
      else if (level === SOL_SOCKET && name === SO.TYPE) v = e instanceof UdpSocket ? SOCK.DGRAM : SOCK.STREAM;
      else if (level === SOL_SOCKET && name === SO.KEEPALIVE) v = e instanceof TcpSocket && e.keepAlive ? 1 : 0;
      else if (level === IPPROTO_TCP && name === 1) v = e instanceof TcpSocket && e.noDelay ? 1 : 0;
      else if (level === SOL_SOCKET && (name === SO.SNDBUF || name === SO.RCVBUF)) v = 1 << 20;
      else return -ERRNO.NOPROTOOPT;
      if (heap.u32(lenPtr) < 4) return -ERRNO.INVAL;
      heap.setI32(val, v);
      heap.setU32(lenPtr, 4);
      return 0;
    },
    sock_setopt(fd, level, name, val, len) {
      const e = table.get(fd);
      if (!e) return -ERRNO.BADF;
      const v = len >= 4 ? ctx.heap().i32(val) : 0;
      return e instanceof TcpSocket ? e.setOption(level, name, v) : 0;
    },
    sock_recv(fd, buf, len, flags) {
      const u = table.get(fd);
      if (u instanceof UdpSocket) return u.recvfrom(ctx.heap().view(buf, len), flags).n;
      const s = tcp(fd);
      if (!s) return table.get(fd) ? -ERRNO.NOTCONN : -ERRNO.BADF;
      return s.recv(ctx.heap().view(buf, len), flags);
    },
    sock_send(fd, buf, len, _flags) {
      const u = table.get(fd);
      if (u instanceof UdpSocket) return u.sendto(ctx.heap().view(buf, len), undefined);
      const s = tcp(fd);
      if (!s) return table.get(fd) ? -ERRNO.NOTCONN : -ERRNO.BADF;
      return s.send(ctx.heap().view(buf, len));
    },
    sock_sendto(fd, buf, len, _flags, addr, addrLen) {
      const u = table.get(fd);
      if (!(u instanceof UdpSocket)) return u ? -ERRNO.OPNOTSUPP : -ERRNO.BADF;
      const to = addr ? readSockAddr(ctx.heap(), addr, addrLen) : undefined;
      if (to === null) return -ERRNO.AFNOSUPPORT;
      return u.sendto(ctx.heap().view(buf, len), to);
    },
    sock_recvfrom(fd, buf, len, flags, addr, lenPtr) {
      const u = table.get(fd);
      if (!(u instanceof UdpSocket)) return u ? -ERRNO.OPNOTSUPP : -ERRNO.BADF;
      const { n, from } = u.recvfrom(ctx.heap().view(buf, len), flags);
      if (from && addr && lenPtr) writeSockAddr(ctx.heap(), addr, lenPtr, from);
      return n;
    },
    sock_shutdown(fd, how) {
      const s = tcp(fd);
      return s ? s.shutdown(how) : -ERRNO.BADF;
    },
    sock_close(fd) {
      return table.close(fd);
    },
    sock_poll(pollfds, nfds) {
      const heap = ctx.heap();
      let ready = 0;
      for (let i = 0; i < nfds; i++) {
        const p = pollfds + i * 8;
        const fd = heap.i32(p);
        if (fd < 0) {
          heap.setU16(p + 6, 0);
          continue;
        }
        const events = heap.u16(p + 4);
        const revents = table.readiness(fd) & (events | POLL.ERR | POLL.HUP | POLL.NVAL);
        heap.setU16(p + 6, revents);
        if (revents) ready++;
      }
      return ready;
    },
    mem_limit: () => ctx.memoryLimit,
    sock_owner(fd, id) {
      table.owners.set(fd, id);
    },
    dns_start(name, _port, family, owner) {
      const raw = ctx.heap().cstring(name) ?? '';
      const fam = family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0;
      // the resolver gets the very form the guard judged (UTS #46, lower case)
      const hostname = resolverName(raw);
      const denied = hostname === undefined || ctx.hostGuard?.(raw, owner) === false;
      return table.add((fd) => new DnsQuery(fd, hostname ?? raw, fam, ctx.lookup, table, owner, denied)).fd;
    },
    dns_result(fd, buf, cap) {
      const q = table.get(fd);
      if (!(q instanceof DnsQuery)) return -ERRNO.BADF;
      const answer = q.result();
      if (typeof answer === 'number') return answer;
      const heap = ctx.heap();
      const n = Math.min(answer.length, Math.floor(cap / DNS_RECORD));
      heap.u8.fill(0, buf, buf + n * DNS_RECORD);
      for (let i = 0; i < n; i++) {
        const rec = buf + i * DNS_RECORD;
        heap.u8[rec] = answer[i]!.family === 6 ? AF_INET6 : AF_INET;
        heap.u8.set(ipToBytes(answer[i]!.address), rec + 4);
      }
      return n;
    },
    cb_write: (id, header, ptr, len) => relays.easy.get(id)?.write(header !== 0, ptr, len) ?? len,
    cb_head: (id, ptr, len, url, version, cipher) => relays.easy.get(id)?.head(ptr, len, url, version, cipher) ?? 0,
    cb_read: (id, ptr, len) => relays.easy.get(id)?.read(ptr, len) ?? 0,
    cb_seek: (id, offset, origin) => relays.easy.get(id)?.seek(offset, origin) ?? 2,
    cb_progress: (id, a, b, c, d) => relays.easy.get(id)?.progress(a, b, c, d) ?? 0,
    cb_debug: (id, type, ptr, len) => relays.easy.get(id)?.debug(type, ptr, len),
    cb_socket(id, fd, what, owner) {
      if (owner && what !== CURL_POLL_REMOVE) table.owners.set(fd, owner); // a reused connection changes hands
      return relays.multi.get(id)?.socket(fd, what) ?? 0;
    },
    cb_timer: (id, ms) => relays.multi.get(id)?.timer(ms) ?? 0,
    cb_push: (id, parent, easy, n, headers) => relays.multi.get(id)?.push(parent, easy, n, headers) ?? CURL_PUSH_DENY,
    aead_seal: (...args) => aeadSeal(ctx.heap(), ...args),
    aead_open: (...args) => aeadOpen(ctx.heap(), ...args),
    idn_convert: (toUnicode, name, out, cap) => idnConvert(ctx.heap(), toUnicode, name, out, cap),
    tls_start(fd, params) {
      const s = tcp(fd);
      return s ? hostTls.start(s, readTlsParams(ctx.heap(), params)) : -ERRNO.BADF;
    },
    tls_info: (fd, what, index, buf, cap) => hostTls.info(ctx.heap(), tcp(fd), what, index, buf, cap),
    ca_runtime(buf, cap) {
      const pem = runtimeRootBytes();
      if (buf && cap >= pem.length) ctx.heap().u8.set(pem, buf);
      return pem.length;
    },
    // performance.now() is monotonic; a double crosses without a BigInt or a write to memory
    clock_ms: () => performance.now(),
  };
}
