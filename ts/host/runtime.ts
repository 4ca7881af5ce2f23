// SPDX-License-Identifier: MIT
// Loads libcurl.wasm: compiles it once per process, instantiates it with the
// host imports and a WASI provider, and owns that instance's socket table.
import { ABI_VERSION, type LibcurlExports } from './abi.js';
import { defaultWasmNow, readBytes, readDefaultWasm } from './default-wasm.js';
import { WasmLoadError } from './errors.js';
import { defaultLookup, type LookupFunction } from './dns.js';
import { hostImports, RelayRegistry, type BridgeContext } from './imports.js';
import { Heap } from './memory.js';
import { SocketTable } from './sockets.js';
import { builtinWasi, type WasiProvider } from './wasi.js';

export type WasmSource = WebAssembly.Module | BufferSource | URL | string;

export interface RuntimeOptions {
  /** The module, its bytes, or where to read it; default: the packaged libcurl.wasm. */
  module?: WasmSource;
  /** Another WASI implementation; default: the built-in subset (no filesystem). */
  wasi?: WasiProvider;
  /** Resolves host names; default: dns.lookup (so /etc/hosts applies). */
  lookup?: LookupFunction;
  /** Receives text the module writes to stdout/stderr. */
  log?: (fd: 1 | 2, text: string) => void;
  /** Caps the instance's memory (bytes): past it, allocations fail with CURLE_OUT_OF_MEMORY. */
  memoryLimit?: number;
  /**
   * Where TLS runs: `'host'`, the runtime's own node:tls (curl judges the
   * certificates; a connection with options it cannot take, such as a client
   * certificate, runs in mbedTLS), or `'mbedtls'`, in the wasm.
   * @defaultValue the `LIBCURL_WASM_TLS` environment variable, else `'host'` (`'mbedtls'` on Deno and Bun)
   */
  tls?: TlsBackend;
}

/** Where a Runtime's TLS runs (see {@link RuntimeOptions.tls}). */
export type TlsBackend = 'host' | 'mbedtls';

/** The TLS backend a Runtime gets without `tls`: LIBCURL_WASM_TLS, else host (mbedTLS on Deno and Bun). */
function defaultTls(): TlsBackend {
  let env: string | undefined;
  try {
    env = globalThis.process?.env?.LIBCURL_WASM_TLS;
  } catch {
    // Deno without --allow-env refuses to read it
  }
  if (env === 'mbedtls' || env === 'host') return env;
  // Deno's node:tls does not take over a connected net.Socket (its handshake
  // ends with "Client network socket disconnected"); Bun's reports a bare TCP
  // close like close_notify and has none of the internals ./tls-tap.ts tells
  // them apart with, so a connection-delimited body cut short would read as
  // whole: mbedTLS on both
  return 'Deno' in globalThis || 'Bun' in globalThis ? 'mbedtls' : 'host';
}

let defaultModule: Promise<WebAssembly.Module> | undefined;

/** Compiles libcurl.wasm; the default module is compiled once per process. */
export function compileLibcurl(source?: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source === undefined) {
    if (!defaultModule) {
      const now = defaultWasmNow();
      defaultModule = now ? compile(now) : readDefaultWasm().then(compile);
    }
    return defaultModule;
  }
  if (typeof source === 'string' || source instanceof URL) {
    return readBytes(source).then(compile, (err: unknown) => {
      throw err instanceof WasmLoadError
        ? err
        : new WasmLoadError('ERR_WASM_NOT_FOUND', `libcurl.wasm could not be read from ${String(source)}`, { cause: err });
    });
  }
  return compile(source);
}

function compile(bytes: BufferSource): Promise<WebAssembly.Module> {
  return WebAssembly.compile(bytes).catch((err: unknown) => {
    throw new WasmLoadError('ERR_WASM_COMPILE', `libcurl.wasm did not compile: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  });
}

/** One libcurl.wasm instance with its own memory and sockets. */
export class Runtime {
  /** @internal the wasm instance's exports */
  readonly exports: LibcurlExports;
  /** @internal */
  readonly heap: Heap;
  /** @internal */
  readonly sockets: SocketTable;
  /** @internal */
  readonly relays: RelayRegistry;
  /** @internal the bridge's context: where a sandbox installs its guards. */
  readonly bridge: BridgeContext;
  /** Transfers in flight across this instance's multi handles. */
  #active = 0;
  /** >0 while a wasm call that can run user callbacks is on the stack. */
  #depth = 0;

  private constructor(exports: LibcurlExports, bridge: BridgeContext) {
    this.exports = exports;
    this.heap = new Heap(exports);
    this.bridge = bridge;
    this.sockets = bridge.table;
    this.relays = bridge.relays;
    this.sockets.setRef(false);
  }

  static async create(options: RuntimeOptions = {}): Promise<Runtime> {
    const module = await compileLibcurl(options.module);
    const wasi = options.wasi ?? builtinWasi({ log: options.log });
    const sockets = new SocketTable();
    const relays = new RelayRegistry();
    let heap: Heap | undefined;
    const bridge: BridgeContext = {
      heap: () => heap!,
      table: sockets,
      lookup: options.lookup ?? defaultLookup,
      relays,
      memoryLimit: options.memoryLimit ?? 0,
    };
    const curlhost = hostImports(bridge);
    const instance = await WebAssembly.instantiate(module, {
      curlhost: curlhost as unknown as WebAssembly.ModuleImports,
      wasi_snapshot_preview1: wasi.imports(module) as WebAssembly.ModuleImports,
    });
    const exports = instance.exports as unknown as LibcurlExports;
    wasi.start(instance);
    const abi = exports.lcw_abi_version();
    if (abi !== ABI_VERSION) throw new WasmLoadError('ERR_WASM_ABI', `libcurl.wasm speaks host ABI ${abi}, this host ${ABI_VERSION}`);
    const runtime = new Runtime(exports, bridge);
    heap = runtime.heap;
    const rc = exports.curl_global_init(3); // CURL_GLOBAL_ALL
    if (rc !== 0) throw new WasmLoadError('ERR_WASM_INIT', `curl_global_init failed with CURLcode ${rc}`);
    runtime.tls = options.tls ?? defaultTls();
    return runtime;
  }

  /** Where new TLS connections run; existing connections keep theirs. */
  get tls(): TlsBackend {
    return this.exports.lcw_tls_host(-1) ? 'host' : 'mbedtls';
  }

  set tls(backend: TlsBackend) {
    if (backend !== 'host' && backend !== 'mbedtls') throw new TypeError(`Runtime: tls must be 'host' or 'mbedtls', not ${JSON.stringify(backend)}`);
    this.exports.lcw_tls_host(backend === 'host' ? 1 : 0);
  }

  /** curl_version(): e.g. "libcurl/8.14.1 mbedTLS/3.6.6 zlib/1.3.1 ...". */
  get version(): string {
    return this.heap.cstring(this.exports.curl_version()) ?? '';
  }

  /**
   * The instance's memory: `size` is the wasm memory (it only ever grows),
   * `inUse` the bytes held by live allocations inside it.
   */
  get memory(): { size: number; inUse: number } {
    return { size: this.exports.memory.buffer.byteLength, inUse: this.exports.lcw_heap_in_use() };
  }

  /** @internal runs a wasm call during which curl may call user callbacks. */
  inCurl<T>(call: () => T): T {
    this.#depth++;
    try {
      return call();
    } finally {
      this.#depth--;
    }
  }

  /** @internal throws when called from inside a curl callback, where freeing a handle would pull memory from under curl. */
  assertNotInCallback(what: string): void {
    if (this.#depth > 0) throw new TypeError(`${what} cannot be called from inside a curl callback; do it once the callback has returned`);
  }

  /** @internal counts transfers in flight; sockets keep the process alive only then. */
  transferStarted(): void {
    if (this.#active++ === 0) this.sockets.setRef(true);
  }

  /** @internal */
  transferEnded(): void {
    if (--this.#active === 0) this.sockets.setRef(false);
  }

  /** Transfers in flight on this instance. */
  get activeTransfers(): number {
    return this.#active;
  }
}

let shared: Promise<Runtime> | undefined;

/** The process-wide default instance, created on first use. */
export function defaultRuntime(): Promise<Runtime> {
  shared ??= Runtime.create();
  return shared;
}
