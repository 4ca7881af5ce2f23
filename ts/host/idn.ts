// SPDX-License-Identifier: MIT
// The `idn_convert` import: curl's IDN backend (wasm/glue/idn.c) asks the
// host to convert a host name, in the mapping the sandbox judges names in
// (./idna.ts, under ./hostname.ts).
import { ERRNO } from './errno.js';
import { idnToAscii, idnToUnicode } from './idna.js';
import type { Heap } from './memory.js';

/** Bytes that are not UTF-8 are no name (curl's test 1034). */
const strict = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Converts the NUL-terminated UTF-8 name at `name` to ACE (`toUnicode` 0) or
 * back (1). Answers the result's length in bytes, written NUL-terminated to
 * `out` when it fits in `cap`; -EINVAL when the name cannot be converted.
 */
export function idnConvert(heap: Heap, toUnicode: number, name: number, out: number, cap: number): number {
  const u8 = heap.u8;
  const end = u8.indexOf(0, name);
  if (end < 0) return -ERRNO.INVAL;
  let text: string;
  try {
    text = strict.decode(u8.subarray(name, end));
  } catch {
    return -ERRNO.INVAL;
  }
  const converted = toUnicode ? idnToUnicode(text) : idnToAscii(text);
  if (converted === undefined) return -ERRNO.INVAL;
  const bytes = encoder.encode(converted);
  if (bytes.length < cap) {
    u8.set(bytes, out);
    u8[out + bytes.length] = 0;
  }
  return bytes.length;
}
