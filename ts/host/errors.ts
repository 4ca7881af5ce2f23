// SPDX-License-Identifier: MIT
// The one base of every error the library throws: a stable string `code`,
// always a `cause` when there is one, and `instanceof` that holds across the
// ESM and CJS copies of the package (both may be loaded in one process).
// Each class is registered under a literal name; an instance carries the
// names of its class chain under a Symbol.for key, which both copies share.

const BRAND = Symbol.for('libcurl-wasm.error');
/** Class -> its registered name (per copy of the package; the names are what cross). */
const NAMES = new WeakMap<object, string>();
const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

/**
 * Base of every error libcurl-wasm throws (CurlError, PolicyDenied,
 * LimitExceeded, WorkerPoolError, WasmLoadError, ProcessExit). `code` is a
 * stable string: curl's C name for curl's failures (`CURLE_COULDNT_CONNECT`),
 * `ERR_*` for the library's own.
 *
 * @example
 * ```ts
 * try { await fetch(url) } catch (e) { if (e.cause instanceof LibcurlWasmError) console.log(e.cause.code) }
 * ```
 */
export class LibcurlWasmError extends Error {
  declare readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'code', { value: code, enumerable: true, configurable: true, writable: true });
    const names: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
      const name = NAMES.get(c);
      if (name !== undefined) names.push(name);
    }
    Object.defineProperty(this, BRAND, { value: names });
  }

  // `instanceof` by the registered names, so it holds across the ESM and CJS copies
  static [Symbol.hasInstance](value: unknown): boolean {
    const name = NAMES.get(this);
    if (name === undefined) return ordinaryInstanceOf.call(this, value); // a caller's own subclass
    if (typeof value !== 'object' || value === null) return false;
    const names = (value as Record<symbol, unknown>)[BRAND];
    return Array.isArray(names) ? names.includes(name) : false;
  }
}

/**
 * Registers an error class under a literal name: its `name` (which survives
 * minifiers that rename classes) and its brand for `instanceof`.
 * @internal
 */
export function registerError(cls: abstract new (...args: never[]) => Error, name: string): void {
  NAMES.set(cls, name);
  Object.defineProperty(cls.prototype, 'name', { value: name, configurable: true, writable: true });
}
registerError(LibcurlWasmError, 'LibcurlWasmError');

/** The wasm module could not be read, compiled or started (`ERR_WASM_NOT_FOUND`, `ERR_WASM_COMPILE`, `ERR_WASM_ABI`, `ERR_WASM_INIT`). */
export class WasmLoadError extends LibcurlWasmError {
  declare readonly code: 'ERR_WASM_NOT_FOUND' | 'ERR_WASM_COMPILE' | 'ERR_WASM_ABI' | 'ERR_WASM_INIT';
  constructor(code: WasmLoadError['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
registerError(WasmLoadError, 'WasmLoadError');
