// SPDX-License-Identifier: MIT
// WASI preview1 errno values: emscripten's libc uses these numbers for errno
// (system/lib/libc/musl/arch/emscripten/bits/errno.h maps E* to WASI).
export const ERRNO = {
  SUCCESS: 0,
  ACCES: 2,
  ADDRINUSE: 3,
  ADDRNOTAVAIL: 4,
  AFNOSUPPORT: 5,
  AGAIN: 6,
  ALREADY: 7,
  BADF: 8,
  BADMSG: 9,
  CONNABORTED: 13,
  CONNREFUSED: 14,
  CONNRESET: 15,
  DESTADDRREQ: 17,
  HOSTUNREACH: 23,
  INPROGRESS: 26,
  INVAL: 28,
  IO: 29,
  ISCONN: 30,
  MSGSIZE: 35,
  NETDOWN: 38,
  NETUNREACH: 40,
  NODEV: 43,
  NOENT: 44,
  NOMEM: 48,
  NOPROTOOPT: 50,
  NOSYS: 52,
  NOTCONN: 53,
  NOTSOCK: 57,
  NOTSUP: 58,
  OPNOTSUPP: 58,
  PERM: 63,
  PIPE: 64,
  PROTO: 65,
  PROTONOSUPPORT: 66,
  TIMEDOUT: 73,
} as const;

/** Maps a Node system error code (err.code) to a WASI errno. */
export function errnoFromNode(code: string | undefined): number {
  switch (code) {
    case 'ECONNREFUSED':
      return ERRNO.CONNREFUSED;
    case 'ECONNRESET':
      return ERRNO.CONNRESET;
    case 'ECONNABORTED':
      return ERRNO.CONNABORTED;
    case 'EPIPE':
      return ERRNO.PIPE;
    case 'ETIMEDOUT':
      return ERRNO.TIMEDOUT;
    case 'EHOSTUNREACH':
      return ERRNO.HOSTUNREACH;
    case 'ENETUNREACH':
      return ERRNO.NETUNREACH;
    case 'ENETDOWN':
      return ERRNO.NETDOWN;
    case 'EADDRINUSE':
      return ERRNO.ADDRINUSE;
    case 'EADDRNOTAVAIL':
      return ERRNO.ADDRNOTAVAIL;
    case 'EACCES':
      return ERRNO.ACCES;
    case 'EPERM':
      return ERRNO.PERM;
    case 'EMSGSIZE':
      return ERRNO.MSGSIZE;
    default:
      return ERRNO.IO;
  }
}
