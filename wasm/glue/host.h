/* SPDX-License-Identifier: MIT */
/* The host ABI: every function libcurl.wasm imports from module "curlhost".
 * ts/host/abi.ts declares the same list in the same order.
 * Conventions: a negative int result is -errno (WASI errno numbers, which
 * are emscripten's); descriptors the host hands out are >= HOST_FD_BASE so
 * they never collide with WASI file descriptors; 64-bit counts cross as
 * doubles (exact below 2^53). */
#ifndef LCW_HOST_H
#define LCW_HOST_H

#include <stddef.h>

#define LCW_ABI_VERSION 9
#ifdef LCW_TOOL
/* the tool and curl's libtests (wasm/tool/) have WASI files below and use
 * fd_set (curl_multi_fdset, select): their host descriptors start below
 * FD_SETSIZE (1024); ts/host/abi.ts TOOL_HOST_FD_BASE */
#define HOST_FD_BASE 512
#else
#define HOST_FD_BASE 1024
#endif

#define HOST_IMPORT(n) \
  __attribute__((import_module("curlhost"), import_name(#n)))

/* sockets */
HOST_IMPORT(sock_open) int host_sock_open(int domain, int type, int proto);
HOST_IMPORT(sock_connect)
int host_sock_connect(int fd, const void *addr, unsigned len);
HOST_IMPORT(sock_bind) int host_sock_bind(int fd, const void *addr,
                                          unsigned len);
HOST_IMPORT(sock_listen) int host_sock_listen(int fd, int backlog);
HOST_IMPORT(sock_accept) int host_sock_accept(int fd, void *addr,
                                              unsigned *len);
HOST_IMPORT(sock_name) int host_sock_name(int fd, int peer, void *addr,
                                          unsigned *len);
HOST_IMPORT(sock_getopt) int host_sock_getopt(int fd, int level, int name,
                                              void *val, unsigned *len);
HOST_IMPORT(sock_setopt) int host_sock_setopt(int fd, int level, int name,
                                              const void *val, unsigned len);
HOST_IMPORT(sock_recv) int host_sock_recv(int fd, void *buf, unsigned len,
                                          int flags);
HOST_IMPORT(sock_send) int host_sock_send(int fd, const void *buf,
                                          unsigned len, int flags);
/* datagram sockets (TFTP): `addr` NULL sends to the connected peer, or
 * receives without telling the sender; otherwise as sendto(2)/recvfrom(2) */
HOST_IMPORT(sock_sendto) int host_sock_sendto(int fd, const void *buf,
                                              unsigned len, int flags,
                                              const void *addr,
                                              unsigned alen);
HOST_IMPORT(sock_recvfrom) int host_sock_recvfrom(int fd, void *buf,
                                                  unsigned len, int flags,
                                                  void *addr,
                                                  unsigned *alen);
HOST_IMPORT(sock_shutdown) int host_sock_shutdown(int fd, int how);
HOST_IMPORT(sock_close) int host_sock_close(int fd);
HOST_IMPORT(sock_poll) int host_sock_poll(void *pollfds, unsigned nfds);
/* curl-wasm (the tool) only: poll that waits up to timeout_ms (-1: no
 * limit) for readiness, as poll(2) does; the library never blocks */
HOST_IMPORT(sock_wait) int host_sock_wait(void *pollfds, unsigned nfds,
                                          int timeout_ms);
/* the instance's memory cap in bytes (0: the module's own maximum) */
HOST_IMPORT(mem_limit) unsigned host_mem_limit(void);
/* which easy handle (host id) a socket serves, for policy and accounting */
HOST_IMPORT(sock_owner) void host_sock_owner(int fd, int id);

/* name resolution: dns_start answers a descriptor that turns readable when
 * the lookup is done; dns_result then fills `buf` with records of
 * {u8 family, u8 pad[3], u8 addr[16]} and answers their count, or -EAGAIN
 * while pending, or -errno when the name does not resolve. */
HOST_IMPORT(dns_start) int host_dns_start(const char *name, int port,
                                          int family, int owner);
HOST_IMPORT(dns_result) int host_dns_result(int fd, void *buf, unsigned cap);

/* callback relays; `id` is the handle's host-side id */
HOST_IMPORT(cb_write) unsigned host_cb_write(int id, int header,
                                             const char *ptr, unsigned len);
/* a whole response head (status line to blank line) as one block, or the
 * next part of one too big for the handle's buffer (complete lines only);
 * the block that ends a head also carries where it came from: curl's
 * effective URL and the connection's TLS version and cipher (NULL without
 * TLS), all NULL on a part that does not end one. Answers 0, or -1 to fail
 * the transfer (CURL_WRITEFUNC_ERROR) */
HOST_IMPORT(cb_head) int host_cb_head(int id, const char *ptr, unsigned len,
                                      const char *url,
                                      const char *tls_version,
                                      const char *tls_cipher);
HOST_IMPORT(cb_read) unsigned host_cb_read(int id, char *ptr, unsigned len);
HOST_IMPORT(cb_seek) int host_cb_seek(int id, double offset, int origin);
HOST_IMPORT(cb_progress) int host_cb_progress(int id, double dltotal,
                                              double dlnow, double ultotal,
                                              double ulnow);
HOST_IMPORT(cb_debug) void host_cb_debug(int id, int type, const char *ptr,
                                         unsigned len);
/* socket and timer answer 0, or -1 to make curl fail its transfers with
 * CURLM_ABORTED_BY_CALLBACK (the application's callback said so) */
HOST_IMPORT(cb_socket) int host_cb_socket(int id, int fd, int what,
                                         int owner);
HOST_IMPORT(cb_timer) int host_cb_timer(int id, int timeout_ms);
/* CURLMOPT_PUSHFUNCTION: answers CURL_PUSH_OK, _DENY or _ERROROUT */
HOST_IMPORT(cb_push) int host_cb_push(int id, void *parent, void *easy,
                                      unsigned num_headers, void *headers);

/* An easy handle's header state, curl's HEADERDATA (wasm/glue/api.c). The
 * host allocates it with `cap` bytes of buffer, sets `mode`, and installs it
 * again with lcw_easy_relays after curl_easy_reset (which clears HEADERDATA)
 * and curl_easy_duphandle (which copies the pointer): it outlives both.
 * ts/curl/easy.ts HEAD_* has the same layout. */
#define LCW_HEAD_LINES 1 /* each line to cb_write (a HEADERFUNCTION) */
#define LCW_HEAD_BLOCK 2 /* each head to cb_head as one block */
struct lcw_head {
  int id;          /* 0: the handle's host-side id */
  unsigned mode;   /* 4: LCW_HEAD_* bits; 0 drops header lines */
  unsigned len;    /* 8: bytes gathered in buf */
  unsigned cap;    /* 12: size of buf (0: each line crosses alone) */
  void *easy;      /* 16: the handle (set by lcw_easy_relays) */
  char buf[];      /* 20 */
};

/* authenticated encryption in the runtime's native crypto, for the TLS
 * record layer (see wasm/glue/aead.c). `alg` is LCW_AEAD_*; the key is
 * passed with every call and the host keeps no copy. `in` and `out` may be
 * the same buffer. Both answer 0 when done, -ENOSYS when the host does not
 * take the work (mbedTLS then does it in wasm); aead_open answers -EBADMSG
 * when the tag does not verify, and writes `out` only when it does. */
#define LCW_AEAD_AES_GCM 1
#define LCW_AEAD_CHACHA20_POLY1305 2
HOST_IMPORT(aead_seal) int host_aead_seal(int alg, const void *key,
                                          unsigned key_len, const void *iv,
                                          unsigned iv_len, const void *ad,
                                          unsigned ad_len, const void *in,
                                          unsigned len, void *out, void *tag,
                                          unsigned tag_len);
HOST_IMPORT(aead_open) int host_aead_open(int alg, const void *key,
                                          unsigned key_len, const void *iv,
                                          unsigned iv_len, const void *ad,
                                          unsigned ad_len, const void *in,
                                          unsigned len, void *out,
                                          const void *tag, unsigned tag_len);

/* IDN (curl-src/patches/0008-host-idn.patch): `name` (UTF-8) converted to
 * its ACE form (to_unicode 0) or back (1), as ts/host/hostname.ts maps it.
 * Answers the converted length, written NUL-terminated to `out` when it fits
 * in `cap`, or -EINVAL when the name cannot be converted. */
HOST_IMPORT(idn_convert) int host_idn_convert(int to_unicode,
                                              const char *name, char *out,
                                              unsigned cap);
/* TLS in the host's own TLS (wasm/glue/tls.c): tls_start upgrades a
 * connected socket with these parameters (strings NUL-terminated, NULL when
 * absent; alpn in wire format; ca a PEM or DER bundle, NULL: trust
 * nothing); from then on the descriptor carries plaintext and stays
 * unwritable until the handshake has ended. tls_info answers about an
 * upgraded descriptor: LCW_TLS_STATE answers 0 once the handshake is done,
 * -EAGAIN meanwhile, -EPROTO when it failed; the others copy up to `cap`
 * bytes of their answer into `buf` and answer its whole length (0: none;
 * LCW_TLS_CERT answers -ENOENT past the chain's end; a descriptor without
 * TLS answers -ENOENT). The host never refuses a peer: curl judges. */
struct lcw_tls_params {
  const char *sni;          /* server name to send, NULL: none */
  const char *hostname;     /* the name the certificate must match */
  int port;
  const unsigned char *alpn;
  unsigned alpn_len;
  const void *ca;
  unsigned ca_len;
  int min_version;          /* 0x0303 TLS 1.2, 0x0304 TLS 1.3 */
  int max_version;
  int cache_session;        /* resume sessions from the host's cache */
};
#define LCW_TLS_STATE 0
#define LCW_TLS_ERROR 1       /* why the handshake, or a read, failed */
#define LCW_TLS_CHAIN_ERROR 2 /* why the chain does not verify (text) */
#define LCW_TLS_NAME_ERROR 3  /* why the name does not match (text) */
#define LCW_TLS_ALPN 4
#define LCW_TLS_SPKI 5        /* the leaf's SubjectPublicKeyInfo, DER */
#define LCW_TLS_CERT 6        /* chain[index], DER, leaf first */
#define LCW_TLS_VERSION 7
#define LCW_TLS_CIPHER 8
HOST_IMPORT(tls_start) int host_tls_start(int fd,
                                          const struct lcw_tls_params *p);
HOST_IMPORT(tls_info) int host_tls_info(int fd, int what, int index,
                                        void *buf, unsigned cap);
/* The runtime's default trust store as PEM (wasm/glue/ca_cache.c, for a CA
 * blob that is LCW_RUNTIME_CA): copies up to `cap` bytes into `buf` and
 * answers its whole length (0: the runtime has none). Read on the first TLS
 * connection that needs it, so a plain-HTTP request never loads it. */
#define LCW_RUNTIME_CA "libcurl-wasm:runtime-ca\n"
HOST_IMPORT(ca_runtime) int host_ca_runtime(void *buf, unsigned cap);
/* the monotonic clock in milliseconds (fractions for finer ticks), for
 * clock_gettime (wasm/glue/clock.c): libcurl.wasm only */
HOST_IMPORT(clock_ms) double host_clock_ms(void);

#endif
