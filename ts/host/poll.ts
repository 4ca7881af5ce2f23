// SPDX-License-Identifier: MIT
// poll(2) and recv(2) flags as musl defines them for wasm32 (the values curl
// is compiled against): a module of its own so that code which never opens a
// socket (the tool's worker, ../tool/ring-recv.ts) need not load node:net.
export const POLL = {
  IN: 0x001,
  PRI: 0x002,
  OUT: 0x004,
  ERR: 0x008,
  HUP: 0x010,
  NVAL: 0x020,
  RDNORM: 0x040,
  WRNORM: 0x100,
} as const;
export const READABLE = POLL.IN | POLL.RDNORM;
export const MSG_PEEK = 0x2;
