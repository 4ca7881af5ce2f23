// SPDX-License-Identifier: MIT
// Name resolution for curl's CURLRES_HOST backend (wasm/glue/resolver.c).
// A lookup is a descriptor that turns readable when the answer is in, so a
// slow name never stalls other transfers.
import { nodeDns } from './builtins.js';
import { ERRNO } from './errno.js';
import { READABLE, type Descriptor, type SocketTable } from './sockets.js';

export interface LookupAddress {
  address: string;
  family: number;
}

/** node:net's `lookup` option: dns.lookup itself fits. */
/** What a lookup reports on failure (node's ErrnoException fits; declared here so the types need no `@types/node`). */
export interface LookupError extends Error {
  code?: string | undefined;
}

export type LookupFunction = (
  hostname: string,
  options: { family: 0 | 4 | 6; all: true },
  callback: (err: LookupError | null, addresses: LookupAddress[]) => void,
) => void;

export const defaultLookup: LookupFunction = (hostname, options, callback) => nodeDns().lookup(hostname, { ...options, order: 'verbatim' }, callback);

export class DnsQuery implements Descriptor {
  readonly fd: number;
  readonly hostname: string;
  #answer: LookupAddress[] | undefined;
  #error = 0;
  #closed = false;

  constructor(
    fd: number,
    hostname: string,
    family: 0 | 4 | 6,
    lookup: LookupFunction,
    table: SocketTable,
    readonly owner = 0,
    denied = false,
  ) {
    this.fd = fd;
    this.hostname = hostname;
    let settled = false;
    if (denied) {
      this.#error = ERRNO.ACCES;
      return; // readable at once: curl reads the failure
    }
    const done = (err: LookupError | null, addresses?: LookupAddress[]) => {
      if (settled || this.#closed) return;
      settled = true;
      if (err || !addresses?.length) this.#error = ERRNO.NOENT;
      else this.#answer = addresses.filter((a) => a.family === 4 || a.family === 6);
      if (this.#answer?.length === 0) this.#error = ERRNO.NOENT;
      table.changed(fd);
    };
    try {
      lookup(hostname, { family, all: true }, done);
    } catch (err) {
      queueMicrotask(() => done(err as LookupError));
    }
  }

  get settled(): boolean {
    return this.#answer !== undefined || this.#error !== 0;
  }

  /** The addresses, or -errno (-EAGAIN while pending). */
  result(): LookupAddress[] | number {
    if (this.#error) return -this.#error;
    return this.#answer ?? -ERRNO.AGAIN;
  }

  readiness(): number {
    return this.settled ? READABLE : 0;
  }

  close(): void {
    this.#closed = true;
  }
}
