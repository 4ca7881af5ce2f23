// SPDX-License-Identifier: MIT
// Read-ahead for the tool's sockets, in the worker. Every proxied recv is a
// round trip to the main thread (./channel.ts), which costs more than the
// copy: curl asks for its buffer size at a time (100 KiB for the tool, 5-byte
// headers and then records for TLS). So a recv asks the main thread for all it
// has queued (up to the channel's data area), keeps what curl did not take,
// and answers the next recvs, and polls for reading, from here. Bytes move
// from one queue to the other in order, so what curl reads is unchanged.
import { MSG_PEEK, READABLE } from '../host/poll.js';
import { DATA_OFFSET, DATA_SIZE, type RawCall } from './channel.js';

type Fn = (...args: number[]) => number;

/** Bytes received from the main thread that curl has not read yet. */
interface Queue {
  buf: Uint8Array;
  start: number;
  end: number;
}

/** Wraps the proxied sock_recv, sock_wait and sock_close (`proxied`) with the read-ahead. */
export function readAhead(raw: RawCall, sab: SharedArrayBuffer, memory: () => WebAssembly.Memory, proxied: Record<string, Fn>): Record<string, Fn> {
  const data = new Uint8Array(sab);
  const queues = new Map<number, Queue>();
  const pending = (fd: number) => {
    const q = queues.get(fd);
    return q !== undefined && q.end > q.start;
  };
  return {
    ...proxied,
    sock_recv(fd, ptr, len, flags) {
      const peek = (flags & MSG_PEEK) !== 0;
      let q = queues.get(fd);
      if (!q || q.end === q.start) {
        const n = raw('sock_recv', [fd, DATA_OFFSET, DATA_SIZE - 64, flags & ~MSG_PEEK]);
        if (n <= 0) return n;
        const got = data.subarray(DATA_OFFSET, DATA_OFFSET + n);
        if (n <= len && !peek) {
          new Uint8Array(memory().buffer).set(got, ptr);
          return n;
        }
        // the channel's data area is reused by the next call: keep the bytes here
        if (!q || q.buf.length < n) q = { buf: new Uint8Array(Math.max(n, 64 << 10)), start: 0, end: 0 };
        q.buf.set(got);
        q.start = 0;
        q.end = n;
        queues.set(fd, q);
      }
      const n = Math.min(len, q.end - q.start);
      new Uint8Array(memory().buffer).set(q.buf.subarray(q.start, q.start + n), ptr);
      if (!peek) q.start += n;
      return n;
    },
    // poll(2): a descriptor with bytes here is readable now, no round trip;
    // the others are asked again once those bytes are read (curl reads until EAGAIN)
    sock_wait(pollfds, nfds, timeoutMs) {
      const dv = new DataView(memory().buffer);
      let ready = 0;
      for (let i = 0; i < nfds; i++) {
        const p = pollfds + i * 8;
        if (dv.getUint16(p + 4, true) & READABLE && pending(dv.getInt32(p, true))) ready++;
      }
      if (!ready) return proxied.sock_wait!(pollfds, nfds, timeoutMs);
      for (let i = 0; i < nfds; i++) {
        const p = pollfds + i * 8;
        const events = dv.getUint16(p + 4, true);
        dv.setUint16(p + 6, pending(dv.getInt32(p, true)) ? events & READABLE : 0, true);
      }
      return ready;
    },
    sock_close(fd) {
      queues.delete(fd);
      return proxied.sock_close!(fd);
    },
  };
}
