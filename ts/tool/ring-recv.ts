// SPDX-License-Identifier: MIT
// The worker's recv and poll for reading, over each socket's shared ring
// (./ring.ts): bytes the main thread has received are copied from the ring
// into wasm memory here, with no call to the main thread; only an empty ring
// (to learn EAGAIN, EOF or an error) and a poll with nothing to read go
// through the channel (./channel.ts). What curl reads is unchanged.
import type { MessagePort } from 'node:worker_threads';
import { receiveMessageOnPort } from 'node:worker_threads';
import { MSG_PEEK, READABLE } from '../host/poll.js';
import { RingReader, type RingMessage } from './ring.js';

type Fn = (...args: number[]) => number;

/** Wraps the proxied sock_recv, sock_wait and sock_close (`proxied`) with the rings the main thread posts on `port`. */
export function ringRecv(port: MessagePort, memory: () => WebAssembly.Memory, proxied: Record<string, Fn>): Record<string, Fn> {
  const rings = new Map<number, RingReader>();
  /** the socket's ring; those made since the last look are posted before the call that made them returns */
  const ring = (fd: number): RingReader | undefined => {
    let r = rings.get(fd);
    if (r) return r;
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const msg = m.message as Partial<RingMessage>;
      if (msg.ring) rings.set(msg.ring.fd, new RingReader(msg.ring.sab));
    }
    r = rings.get(fd);
    return r;
  };
  const pending = (fd: number) => (rings.get(fd)?.size ?? 0) > 0;
  return {
    ...proxied,
    sock_recv(fd, ptr, len, flags) {
      const r = ring(fd);
      if (r && r.size > 0) return r.read(new Uint8Array(memory().buffer, ptr, len), (flags & MSG_PEEK) !== 0);
      return proxied.sock_recv!(fd, ptr, len, flags);
    },
    // poll(2): a descriptor with bytes in its ring is readable now, no round
    // trip; the others are asked again once those bytes are read (curl reads until EAGAIN)
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
      rings.delete(fd);
      return proxied.sock_close!(fd);
    },
  };
}
