// SPDX-License-Identifier: MIT
// Typed access to wasm memory. Views are rebuilt when memory grows (growth
// detaches the old ArrayBuffer), so never keep a view across a wasm call.
import type { LibcurlExports } from './abi.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Heap {
  readonly #exports: LibcurlExports;
  #buffer: ArrayBuffer | undefined;
  #u8 = new Uint8Array(0);
  #dv = new DataView(new ArrayBuffer(0));

  constructor(exports: LibcurlExports) {
    this.#exports = exports;
  }

  get u8(): Uint8Array {
    this.#refresh();
    return this.#u8;
  }

  get dv(): DataView {
    this.#refresh();
    return this.#dv;
  }

  #refresh(): void {
    const buffer = this.#exports.memory.buffer;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#u8 = new Uint8Array(buffer);
      this.#dv = new DataView(buffer);
    }
  }

  malloc(size: number): number {
    const ptr = this.#exports.malloc(size);
    if (!ptr) throw new RangeError(`wasm out of memory allocating ${size} bytes`);
    return ptr;
  }

  free(ptr: number): void {
    if (ptr) this.#exports.free(ptr);
  }

  /** A view of wasm memory; valid until the next call into wasm. */
  view(ptr: number, len: number): Uint8Array {
    return this.u8.subarray(ptr, ptr + len);
  }

  i32(ptr: number): number {
    return this.dv.getInt32(ptr, true);
  }
  u32(ptr: number): number {
    return this.dv.getUint32(ptr, true);
  }
  u16(ptr: number): number {
    return this.dv.getUint16(ptr, true);
  }
  f64(ptr: number): number {
    return this.dv.getFloat64(ptr, true);
  }
  i64(ptr: number): bigint {
    return this.dv.getBigInt64(ptr, true);
  }
  setI32(ptr: number, v: number): void {
    this.dv.setInt32(ptr, v, true);
  }
  setU32(ptr: number, v: number): void {
    this.dv.setUint32(ptr, v, true);
  }
  setU16(ptr: number, v: number): void {
    this.dv.setUint16(ptr, v, true);
  }

  /** Reads a NUL-terminated UTF-8 string; null for a NULL pointer. */
  cstring(ptr: number): string | null {
    if (!ptr) return null;
    const u8 = this.u8;
    const end = u8.indexOf(0, ptr);
    return decoder.decode(u8.subarray(ptr, end < 0 ? u8.length : end));
  }

  text(ptr: number, len: number): string {
    return decoder.decode(this.view(ptr, len));
  }

  /** Copies `s` in as a NUL-terminated string; the caller frees it. */
  allocCString(s: string): number {
    // short ASCII (option values, header lines: most strings) is written as
    // it is, without an encoded copy per call
    if (s.length <= 256) {
      const ptr = this.malloc(s.length + 1);
      const u8 = this.u8;
      let i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        u8[ptr + i] = c;
      }
      if (i === s.length) {
        u8[ptr + i] = 0;
        return ptr;
      }
      this.free(ptr);
    }
    const bytes = encoder.encode(s);
    const ptr = this.malloc(bytes.length + 1);
    const u8 = this.u8;
    u8.set(bytes, ptr);
    u8[ptr + bytes.length] = 0;
    return ptr;
  }

  /** Copies `bytes` in; the caller frees the result. */
  allocBytes(bytes: Uint8Array): number {
    const ptr = this.malloc(Math.max(bytes.length, 1));
    this.u8.set(bytes, ptr);
    return ptr;
  }
}
