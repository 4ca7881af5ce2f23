// SPDX-License-Identifier: MIT
// The wasm boundary, typed. wasm/glue/host.h declares the imports in the
// same order; wasm/exports.txt lists the exports. Pointers are numbers.

/** Version of the host ABI this host serves; the module must report it. */
export const ABI_VERSION = 9;
/** Host descriptors start here, clear of WASI file descriptors. */
export const HOST_FD_BASE = 1024;
/**
 * A CA blob that stands for the runtime's own trust store (LCW_RUNTIME_CA in
 * wasm/glue/host.h): the host TLS uses the runtime's default, mbedTLS asks
 * `ca_runtime` for it, each on the first connection that verifies a peer.
 */
export const RUNTIME_CA = 'libcurl-wasm:runtime-ca\n';
/** Where the tool's (and curl's libtests') host descriptors start: below FD_SETSIZE, so fd_set can hold them. */
export const TOOL_HOST_FD_BASE = 512;

/**
 * struct lcw_head (wasm/glue/host.h): an easy handle's header state, which
 * the host allocates and curl holds as HEADERDATA. Byte offsets, and the
 * LCW_HEAD_* mode bits.
 */
export const HEAD_LAYOUT = { id: 0, mode: 4, len: 8, cap: 12, easy: 16, buf: 20 } as const;
export const HEAD_LINES = 1;
export const HEAD_BLOCK = 2;

/** The arguments of `aead_seal` and `aead_open` (wasm/glue/aead.c): pointers and lengths into wasm memory. */
export type AeadArgs = [
  alg: number,
  key: number,
  keyLen: number,
  iv: number,
  ivLen: number,
  ad: number,
  adLen: number,
  input: number,
  len: number,
  out: number,
  tag: number,
  tagLen: number,
];

/** The `curlhost` import module, in host.h order. */
export interface HostImports {
  sock_open(domain: number, type: number, proto: number): number;
  sock_connect(fd: number, addr: number, len: number): number;
  sock_bind(fd: number, addr: number, len: number): number;
  sock_listen(fd: number, backlog: number): number;
  sock_accept(fd: number, addr: number, lenPtr: number): number;
  sock_name(fd: number, peer: number, addr: number, lenPtr: number): number;
  sock_getopt(fd: number, level: number, name: number, val: number, lenPtr: number): number;
  sock_setopt(fd: number, level: number, name: number, val: number, len: number): number;
  sock_recv(fd: number, buf: number, len: number, flags: number): number;
  sock_send(fd: number, buf: number, len: number, flags: number): number;
  sock_sendto(fd: number, buf: number, len: number, flags: number, addr: number, addrLen: number): number;
  sock_recvfrom(fd: number, buf: number, len: number, flags: number, addr: number, addrLenPtr: number): number;
  sock_shutdown(fd: number, how: number): number;
  sock_close(fd: number): number;
  sock_poll(pollfds: number, nfds: number): number;
  mem_limit(): number;
  sock_owner(fd: number, id: number): void;
  dns_start(name: number, port: number, family: number, owner: number): number;
  dns_result(fd: number, buf: number, cap: number): number;
  cb_write(id: number, header: number, ptr: number, len: number): number;
  /**
   * A whole response head, or the next complete lines of one bigger than the
   * handle's buffer; the block that ends a head carries curl's effective URL
   * and the connection's TLS version and cipher (0 without TLS), a part 0 for
   * all three. 0, or -1 to fail the transfer.
   */
  cb_head(id: number, ptr: number, len: number, url: number, tlsVersion: number, tlsCipher: number): number;
  cb_read(id: number, ptr: number, len: number): number;
  cb_seek(id: number, offset: number, origin: number): number;
  cb_progress(id: number, dltotal: number, dlnow: number, ultotal: number, ulnow: number): number;
  cb_debug(id: number, type: number, ptr: number, len: number): void;
  cb_socket(id: number, fd: number, what: number, owner: number): number;
  cb_timer(id: number, timeoutMs: number): number;
  cb_push(id: number, parent: number, easy: number, numHeaders: number, headers: number): number;
  aead_seal(...args: AeadArgs): number;
  aead_open(...args: AeadArgs): number;
  idn_convert(toUnicode: number, name: number, out: number, cap: number): number;
  tls_start(fd: number, params: number): number;
  tls_info(fd: number, what: number, index: number, buf: number, cap: number): number;
  ca_runtime(buf: number, cap: number): number;
  /** The monotonic clock in milliseconds, for clock_gettime (wasm/glue/clock.c). */
  clock_ms(): number;
}

/** What libcurl.wasm exports (wasm/exports.txt), as the host calls it. */
export interface LibcurlExports {
  readonly memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  lcw_abi_version(): number;
  lcw_easy_setopt_long(easy: number, opt: number, value: number): number;
  lcw_easy_setopt_ptr(easy: number, opt: number, ptr: number): number;
  lcw_easy_setopt_off(easy: number, opt: number, lo: number, hi: number): number;
  lcw_easy_setopt_blob(easy: number, opt: number, data: number, len: number, copy: number): number;
  lcw_easy_getinfo(easy: number, info: number, out: number): number;
  /** `n` infos whose ids are at `ids` (int32s), each answer in an 8-byte slot at `out`; answers the first failure. */
  lcw_easy_getinfos(easy: number, ids: number, n: number, out: number): number;
  lcw_multi_setopt_long(multi: number, opt: number, value: number): number;
  lcw_multi_setopt_ptr(multi: number, opt: number, ptr: number): number;
  lcw_share_setopt_long(share: number, opt: number, value: number): number;
  lcw_ws_send(easy: number, buf: number, len: number, sentPtr: number, fragLo: number, fragHi: number, flags: number): number;
  /** Installs the callback relays; `head` is the handle's header state (HEAD_LAYOUT), its HEADERDATA. */
  lcw_easy_relays(easy: number, id: number, head: number): number;
  lcw_multi_relays(multi: number, id: number): number;
  lcw_multi_push(multi: number, id: number, on: number): number;
  lcw_tls_version(easy: number): number;
  lcw_tls_cipher(easy: number): number;
  /** 1: new TLS connections use the host's TLS, 0: mbedTLS, -1: no change; answers the previous setting. */
  lcw_tls_host(on: number): number;
  /** Bytes held by live heap allocations (dlmalloc's uordblks). */
  lcw_heap_in_use(): number;
  /** The host name the handle's connection is for (curl's, after CONNECT_TO), or 0. */
  lcw_conn_host(easy: number): number;
  curl_global_init(flags: number): number;
  curl_version(): number;
  curl_version_info(age: number): number;
  curl_easy_init(): number;
  curl_easy_cleanup(easy: number): void;
  curl_easy_reset(easy: number): void;
  curl_easy_duphandle(easy: number): number;
  curl_easy_pause(easy: number, bitmask: number): number;
  curl_easy_strerror(code: number): number;
  curl_easy_option_next(prev: number): number;
  curl_easy_upkeep(easy: number): number;
  curl_easy_send(easy: number, buf: number, len: number, sentPtr: number): number;
  curl_easy_recv(easy: number, buf: number, len: number, nreadPtr: number): number;
  curl_ws_recv(easy: number, buf: number, len: number, recvPtr: number, metaPtr: number): number;
  curl_ws_meta(easy: number): number;
  curl_multi_init(): number;
  curl_multi_cleanup(multi: number): number;
  curl_multi_add_handle(multi: number, easy: number): number;
  curl_multi_remove_handle(multi: number, easy: number): number;
  curl_multi_perform(multi: number, runningPtr: number): number;
  curl_multi_socket_action(multi: number, fd: number, events: number, runningPtr: number): number;
  curl_multi_info_read(multi: number, queuedPtr: number): number;
  curl_multi_timeout(multi: number, msPtr: number): number;
  curl_multi_waitfds(multi: number, fds: number, size: number, countPtr: number): number;
  curl_multi_strerror(code: number): number;
  curl_pushheader_bynum(headers: number, num: number): number;
  curl_pushheader_byname(headers: number, name: number): number;
  curl_share_init(): number;
  curl_share_cleanup(share: number): number;
  curl_share_strerror(code: number): number;
  curl_slist_append(list: number, str: number): number;
  curl_slist_free_all(list: number): void;
}

/** Every export the host relies on, for the artifact check. */
export const REQUIRED_EXPORTS = [
  'memory',
  '_initialize',
  'malloc',
  'free',
  'lcw_abi_version',
  'lcw_easy_setopt_long',
  'lcw_easy_setopt_ptr',
  'lcw_easy_setopt_off',
  'lcw_easy_setopt_blob',
  'lcw_easy_getinfo',
  'lcw_easy_getinfos',
  'lcw_multi_setopt_long',
  'lcw_multi_setopt_ptr',
  'lcw_share_setopt_long',
  'lcw_ws_send',
  'lcw_easy_relays',
  'lcw_multi_relays',
  'lcw_multi_push',
  'lcw_tls_version',
  'lcw_tls_cipher',
  'lcw_tls_host',
  'lcw_heap_in_use',
  'lcw_conn_host',
  'curl_global_init',
  'curl_version',
  'curl_version_info',
  'curl_easy_init',
  'curl_easy_cleanup',
  'curl_easy_reset',
  'curl_easy_duphandle',
  'curl_easy_pause',
  'curl_easy_strerror',
  'curl_easy_option_next',
  'curl_easy_upkeep',
  'curl_easy_send',
  'curl_easy_recv',
  'curl_ws_recv',
  'curl_ws_meta',
  'curl_multi_init',
  'curl_multi_cleanup',
  'curl_multi_add_handle',
  'curl_multi_remove_handle',
  'curl_multi_perform',
  'curl_multi_socket_action',
  'curl_multi_info_read',
  'curl_multi_timeout',
  'curl_multi_waitfds',
  'curl_multi_strerror',
  'curl_pushheader_bynum',
  'curl_pushheader_byname',
  'curl_share_init',
  'curl_share_cleanup',
  'curl_share_strerror',
  'curl_slist_append',
  'curl_slist_free_all',
] as const satisfies readonly (keyof LibcurlExports)[];
