// SPDX-License-Identifier: MIT
// struct sockaddr_in / sockaddr_in6 as emscripten's musl lays them out.
import { isIP } from 'node:net';
import type { Heap } from './memory.js';

export const AF_INET = 2;
export const AF_INET6 = 10;

export interface SockAddr {
  readonly family: 4 | 6;
  readonly address: string;
  readonly port: number;
}

export function readSockAddr(heap: Heap, ptr: number, len: number): SockAddr | null {
  const family = heap.u16(ptr);
  const port = (heap.u8[ptr + 2]! << 8) | heap.u8[ptr + 3]!;
  if (family === AF_INET && len >= 16) {
    return { family: 4, address: Array.from(heap.view(ptr + 4, 4)).join('.'), port };
  }
  if (family === AF_INET6 && len >= 28) {
    return { family: 6, address: ipv6ToString(heap.view(ptr + 8, 16)), port };
  }
  return null;
}

/** Writes `addr` at `ptr`, honouring the caller's buffer size at `lenPtr`. */
export function writeSockAddr(heap: Heap, ptr: number, lenPtr: number, addr: SockAddr): void {
  const bytes = new Uint8Array(addr.family === 4 ? 16 : 28);
  const dv = new DataView(bytes.buffer);
  dv.setUint16(0, addr.family === 4 ? AF_INET : AF_INET6, true);
  dv.setUint16(2, addr.port, false);
  bytes.set(ipToBytes(addr.address), addr.family === 4 ? 4 : 8);
  const room = heap.u32(lenPtr);
  heap.u8.set(bytes.subarray(0, Math.min(room, bytes.length)), ptr);
  heap.setU32(lenPtr, bytes.length);
}

export function ipToBytes(address: string): Uint8Array {
  if (isIP(address) === 4) return Uint8Array.from(address.split('.').map(Number));
  const out = new Uint8Array(16);
  let text = address.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    out.set(ipToBytes(v4[1]!), 12);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    if (v4 && i >= 6) return;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

export function ipv6ToString(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // compress the longest run of zero groups, as inet_ntop does
  let best = -1,
    bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
