// SPDX-License-Identifier: MIT
// JS values to and from the C types of options and infos. Checks happen
// here, before anything reaches wasm.
import type { Runtime } from '../host/runtime.js';
import type { InfoSpec } from './generated/infos.js';

const encoder = new TextEncoder();

/** `long` is 32 bits in wasm32: accept what fits signed or unsigned. */
export function toLong(key: string, value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new TypeError(`curl option ${key} takes an integer that fits 32 bits (or a boolean), got ${describe(value)}`);
  }
  return value | 0;
}

export function toBigInt(key: string, value: unknown): bigint {
  if (typeof value === 'bigint') {
    if (value < -(1n << 63n) || value >= 1n << 63n) throw new TypeError(`curl option ${key}: ${value} does not fit curl_off_t`);
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new TypeError(`curl option ${key} takes an integer (number or bigint), got ${describe(value)}`);
}

export function toBytes(key: string, value: unknown): Uint8Array {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`curl option ${key} takes a string or bytes, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'number' ? String(value) : typeof value;
}

function readList(rt: Runtime, list: number): string[] {
  const out: string[] = [];
  for (let p = list; p; p = rt.heap.u32(p + 4)) out.push(rt.heap.cstring(rt.heap.u32(p)) ?? '');
  return out;
}

/** Decodes the answer curl_easy_getinfo wrote at `out`. */
export function readInfo(rt: Runtime, key: string, spec: InfoSpec, out: number): number | string | null | string[] | string[][] {
  const { heap, exports } = rt;
  switch (spec.type) {
    case 'string':
      return heap.cstring(heap.u32(out));
    case 'long':
    case 'socket':
      return heap.i32(out);
    case 'double':
      return heap.f64(out);
    case 'off_t':
      // two halves, not a BigInt per read (a finished request reads nine);
      // rounded once, as Number(bigint) rounds
      return heap.i32(out + 4) * 2 ** 32 + heap.u32(out);
    case 'slist': {
      const list = heap.u32(out);
      const items = readList(rt, list);
      exports.curl_slist_free_all(list); // the caller owns these lists
      return items;
    }
    case 'ptr':
      if (key === 'CERTINFO') {
        // struct curl_certinfo { int num_of_certs; struct curl_slist **certinfo; }
        const ci = heap.u32(out);
        if (!ci) return [];
        const n = heap.i32(ci);
        const arr = heap.u32(ci + 4);
        return Array.from({ length: n }, (_, i) => readList(rt, heap.u32(arr + i * 4)));
      }
      throw new TypeError(`curl info ${key} is not readable from JavaScript`);
  }
}
