/* SPDX-License-Identifier: MIT */
/* A curl vtls backend whose handshake and record layer run in the host's
 * own TLS (node:tls on Node, Deno and Bun; DESIGN.md decision 13): on
 * connect the host upgrades the bridged socket, and from then on the bytes
 * curl reads and writes on that descriptor are plaintext, so the ciphertext
 * never enters the wasm. curl keeps its options and its verdicts: the host
 * reports the chain's verification, the name check, the leaf's public key
 * and the chain's DER, and this file judges them as curl's own backends do.
 *
 * It is mbedTLS's backend with the per-connection functions replaced (init,
 * random, sha256 and the version line stay mbedTLS's, so curl's features
 * and its tool are unchanged), installed as curl's Curl_ssl by
 * lcw_tls_host(1). A connection whose options the host cannot honour
 * (client certificates, CRLs, cipher or curve lists, SSL_CTX_FUNCTION, a
 * CA path or file, a TLS layer below this one) hands itself to mbedTLS
 * before the handshake starts: its backend data is mbedTLS's size and
 * still zeroed then. */
#include "curl_setup.h"
#include <errno.h>
#include <string.h>
#include "urldata.h"
#include "cfilters.h"
#include "sendf.h"
#include "vtls/vtls.h"
#include "vtls/vtls_int.h"
#include "vtls/mbedtls.h"
#include "vtls/x509asn1.h"
#include "host.h"
#include "curl_memory.h"
#include "memdebug.h" /* last */

struct host_tls {
  int fd;      /* the upgraded descriptor, once started */
  int started;
};

static struct Curl_ssl host_ssl;

/* what the host's answer to `what` is, NUL-terminated into buf, or "" */
static const char *info_text(int fd, int what, char *buf, size_t cap)
{
  int n = host_tls_info(fd, what, 0, buf, (unsigned)cap - 1);
  if(n < 0)
    n = 0;
  buf[(size_t)n < cap - 1 ? (size_t)n : cap - 1] = 0;
  return buf;
}

/* Why the host cannot run this connection's TLS, or NULL when it can. */
static const char *unsupported(struct Curl_cfilter *cf,
                               struct Curl_easy *data)
{
  struct ssl_primary_config *pc = Curl_ssl_cf_get_primary_config(cf);
  struct ssl_config_data *sc = Curl_ssl_cf_get_config(cf, data);
  struct Curl_cfilter *below;

  for(below = cf->next; below; below = below->next)
    if(below->cft == &Curl_cft_ssl || below->cft == &Curl_cft_ssl_proxy)
      return "a TLS layer below this one";
  if(pc->clientcert || pc->cert_blob || sc->key || sc->key_blob)
    return "a client certificate";
  if(pc->CRLfile)
    return "a CRL";
  if(pc->issuercert || pc->issuercert_blob)
    return "an issuer certificate";
  if(pc->cipher_list || pc->cipher_list13 || pc->curves ||
     pc->signature_algorithms)
    return "a cipher, curve or signature list";
  if(!pc->ca_info_blob && (pc->CAfile || pc->CApath))
    return "a CA file or path";
  if(sc->fsslctx)
    return "an SSL_CTX_FUNCTION";
  if(pc->version > CURL_SSLVERSION_TLSv1_3 ||
     pc->version == CURL_SSLVERSION_SSLv2 ||
     pc->version == CURL_SSLVERSION_SSLv3 ||
     (pc->version_max != CURL_SSLVERSION_MAX_NONE &&
      pc->version_max != CURL_SSLVERSION_MAX_DEFAULT &&
      pc->version_max < CURL_SSLVERSION_MAX_TLSv1_2))
    return "this SSLVERSION";
  return NULL;
}

static CURLcode start(struct Curl_cfilter *cf, struct Curl_easy *data,
                      struct host_tls *b)
{
  struct ssl_connect_data *connssl = cf->ctx;
  struct ssl_primary_config *pc = Curl_ssl_cf_get_primary_config(cf);
  struct lcw_tls_params p;
  struct alpn_proto_buf alpn;
  curl_socket_t fd = Curl_conn_cf_get_socket(cf, data);
  char err[256];
  int rc;

  memset(&p, 0, sizeof(p));
  memset(&alpn, 0, sizeof(alpn));
  p.sni = connssl->peer.sni;
  p.hostname = connssl->peer.hostname;
  p.port = connssl->peer.port;
  if(connssl->alpn && !Curl_alpn_to_proto_buf(&alpn, connssl->alpn)) {
    p.alpn = alpn.data;
    p.alpn_len = (unsigned)alpn.len;
  }
  if(pc->ca_info_blob) {
    p.ca = pc->ca_info_blob->data;
    p.ca_len = (unsigned)pc->ca_info_blob->len;
  }
  /* mbedTLS's floor is TLS 1.2: the host keeps it, so both backends agree */
  p.min_version = pc->version == CURL_SSLVERSION_TLSv1_3 ? 0x0304 : 0x0303;
  p.max_version = pc->version_max == CURL_SSLVERSION_MAX_TLSv1_2 ? 0x0303
                                                                 : 0x0304;
  p.cache_session = pc->cache_session;
  infof(data, "host TLS: connecting to %s:%d", connssl->peer.hostname,
        connssl->peer.port);
  rc = host_tls_start(fd, &p);
  if(rc == -EINVAL) {
    failf(data, "Error importing ca cert blob - host TLS: "
          "not a PEM or DER certificate bundle");
    return CURLE_SSL_CERTPROBLEM;
  }
  if(rc < 0) {
    failf(data, "host TLS: %s",
          info_text(fd, LCW_TLS_ERROR, err, sizeof(err))[0] ? err :
          "the connection cannot be upgraded");
    return CURLE_SSL_CONNECT_ERROR;
  }
  b->fd = fd;
  b->started = 1;
  connssl->state = ssl_connection_negotiating;
  connssl->connecting_state = ssl_connect_2;
  return CURLE_OK;
}

/* curl's verdicts on what the host reports; the host never refuses a peer */
static CURLcode judge(struct Curl_cfilter *cf, struct Curl_easy *data,
                      int fd)
{
  struct ssl_connect_data *connssl = cf->ctx;
  struct ssl_primary_config *pc = Curl_ssl_cf_get_primary_config(cf);
  struct ssl_config_data *sc = Curl_ssl_cf_get_config(cf, data);
  const char *pinned = Curl_ssl_cf_is_proxy(cf) ?
    data->set.str[STRING_SSL_PINNEDPUBLICKEY_PROXY] :
    data->set.str[STRING_SSL_PINNEDPUBLICKEY];
  char msg[256];
  CURLcode result = CURLE_OK;

  /* VERIFYPEER and VERIFYHOST are judged separately, as curl's OpenSSL
   * backend does; CURLINFO_SSL_VERIFYRESULT is nonzero when the chain does
   * not verify, whether or not that was asked */
  sc->certverifyresult = info_text(fd, LCW_TLS_CHAIN_ERROR, msg,
                                   sizeof(msg))[0] ? 1 : 0;
  if(pc->verifypeer && sc->certverifyresult) {
    failf(data, "SSL certificate problem: %s", msg);
    return CURLE_PEER_FAILED_VERIFICATION;
  }
  if(pc->verifyhost && info_text(fd, LCW_TLS_NAME_ERROR, msg,
                                 sizeof(msg))[0]) {
    failf(data, "SSL: no alternative certificate subject name matches "
          "target hostname '%s'", connssl->peer.dispname);
    return CURLE_PEER_FAILED_VERIFICATION;
  }

  if(sc->certinfo || pinned) {
    int i, n;
    unsigned char *der = NULL;
    int count = 0;
    while(host_tls_info(fd, LCW_TLS_CERT, count, NULL, 0) > 0)
      count++;
    if(sc->certinfo)
      result = Curl_ssl_init_certinfo(data, count);
    for(i = 0; !result && sc->certinfo && i < count; i++) {
      n = host_tls_info(fd, LCW_TLS_CERT, i, NULL, 0);
      der = malloc((size_t)n);
      if(!der)
        return CURLE_OUT_OF_MEMORY;
      host_tls_info(fd, LCW_TLS_CERT, i, der, (unsigned)n);
      result = Curl_extract_certinfo(data, i, (const char *)der,
                                     (const char *)der + n);
      Curl_safefree(der);
    }
    if(result)
      return result;
    if(pinned) {
      n = host_tls_info(fd, LCW_TLS_SPKI, 0, NULL, 0);
      if(n <= 0) {
        failf(data, "Failed due to missing peer certificate");
        return CURLE_SSL_PINNEDPUBKEYNOTMATCH;
      }
      der = malloc((size_t)n);
      if(!der)
        return CURLE_OUT_OF_MEMORY;
      host_tls_info(fd, LCW_TLS_SPKI, 0, der, (unsigned)n);
      result = Curl_pin_peer_pubkey(data, pinned, der, (size_t)n);
      free(der);
      if(result)
        return result;
    }
  }

  if(connssl->alpn) {
    unsigned char proto[ALPN_NAME_MAX];
    int n = host_tls_info(fd, LCW_TLS_ALPN, 0, proto, sizeof(proto));
    if(n < 0 || n > (int)sizeof(proto))
      n = 0;
    result = Curl_alpn_set_negotiated(cf, data, connssl, proto, (size_t)n);
  }
  return result;
}

static CURLcode host_connect(struct Curl_cfilter *cf, struct Curl_easy *data,
                             bool *done)
{
  struct ssl_connect_data *connssl = cf->ctx;
  struct host_tls *b = connssl->backend;
  CURLcode result;
  char msg[256];
  int rc;

  *done = FALSE;
  if(connssl->state == ssl_connection_complete) {
    *done = TRUE;
    return CURLE_OK;
  }
  if(!b->started) {
    const char *why = unsupported(cf, data);
    if(why) {
      infof(data, "host TLS: %s needs mbedTLS, which takes this connection",
            why);
      connssl->ssl_impl = &Curl_ssl_mbedtls;
      return Curl_ssl_mbedtls.do_connect(cf, data, done);
    }
    result = start(cf, data, b);
    if(result)
      return result;
  }
  rc = host_tls_info(b->fd, LCW_TLS_STATE, 0, NULL, 0);
  if(rc == -EAGAIN) {
    /* the host keeps the descriptor unwritable until the handshake ends */
    connssl->io_need = CURL_SSL_IO_NEED_SEND;
    return CURLE_OK;
  }
  connssl->io_need = CURL_SSL_IO_NEED_NONE;
  if(rc < 0) {
    failf(data, "TLS connect error: %s",
          info_text(b->fd, LCW_TLS_ERROR, msg, sizeof(msg)));
    return CURLE_SSL_CONNECT_ERROR;
  }
  result = judge(cf, data, b->fd);
  if(result)
    return result;
  infof(data, "SSL connection using %s / %s",
        info_text(b->fd, LCW_TLS_VERSION, msg, 64),
        info_text(b->fd, LCW_TLS_CIPHER, msg + 64, sizeof(msg) - 64));
  connssl->state = ssl_connection_complete;
  connssl->connecting_state = ssl_connect_done;
  *done = TRUE;
  return CURLE_OK;
}

/* plaintext: the host decrypts into the descriptor's receive queue. An
 * end of stream the host reports a TLS error for came without close_notify:
 * a truncation, failed as curl's OpenSSL backend does with OpenSSL 3
 * (mbedTLS fails it too) */
static ssize_t host_recv(struct Curl_cfilter *cf, struct Curl_easy *data,
                         char *buf, size_t len, CURLcode *err)
{
  struct ssl_connect_data *connssl = cf->ctx;
  struct host_tls *b = connssl->backend;
  char msg[256];
  ssize_t n = Curl_conn_cf_recv(cf->next, data, buf, len, err);
  if(n == 0) {
    if(info_text(b->fd, LCW_TLS_ERROR, msg, sizeof(msg))[0]) {
      failf(data, "OpenSSL SSL_read: %s, errno 0", msg);
      *err = CURLE_RECV_ERROR;
      return -1;
    }
    connssl->peer_closed = TRUE;
  }
  return n;
}

static ssize_t host_send(struct Curl_cfilter *cf, struct Curl_easy *data,
                         const void *mem, size_t len, CURLcode *err)
{
  return Curl_conn_cf_send(cf->next, data, mem, len, FALSE, err);
}

/* the host sends close_notify when the descriptor closes */
static CURLcode host_shutdown(struct Curl_cfilter *cf, struct Curl_easy *data,
                              bool send_shutdown, bool *done)
{
  (void)cf;
  (void)data;
  (void)send_shutdown;
  *done = TRUE;
  return CURLE_OK;
}

/* decrypted bytes wait in the bridge, where the socket's readiness shows
 * them */
static bool host_data_pending(struct Curl_cfilter *cf,
                              const struct Curl_easy *data)
{
  (void)cf;
  (void)data;
  return FALSE;
}

static void *host_internals(struct ssl_connect_data *connssl, CURLINFO info)
{
  (void)connssl;
  (void)info;
  return NULL;
}

static void host_close(struct Curl_cfilter *cf, struct Curl_easy *data)
{
  struct ssl_connect_data *connssl = cf->ctx;
  (void)data;
  memset(connssl->backend, 0, sizeof(struct host_tls));
}

/* 1: new TLS connections run in the host's TLS; 0: in mbedTLS. Answers
 * the previous setting. */
int lcw_tls_host(int on)
{
  int was = Curl_ssl == &host_ssl;
  if(!host_ssl.do_connect) {
    host_ssl = Curl_ssl_mbedtls;
    host_ssl.shut_down = host_shutdown;
    host_ssl.data_pending = host_data_pending;
    host_ssl.do_connect = host_connect;
    host_ssl.get_internals = host_internals;
    host_ssl.close = host_close;
    host_ssl.recv_plain = host_recv;
    host_ssl.send_plain = host_send;
  }
  if(on >= 0)
    Curl_ssl = on ? &host_ssl : &Curl_ssl_mbedtls;
  return was;
}

/* The TLS version or cipher of a transfer's host-TLS connection (NULL
 * otherwise), for lcw_tls_version/lcw_tls_cipher and the head's end; one
 * buffer each, so both answers hold at once. A connection without TLS in
 * its filters is not asked about (a host call per head for plain HTTP). */
const char *lcw_tls_host_info(CURL *h, int what)
{
  static char bufs[2][64];
  char *buf = bufs[what == LCW_TLS_CIPHER];
  struct Curl_easy *data = h;
  if(!data || !data->conn ||
     data->conn->sock[FIRSTSOCKET] == CURL_SOCKET_BAD ||
     !Curl_conn_is_ssl(data->conn, FIRSTSOCKET))
    return NULL;
  info_text(data->conn->sock[FIRSTSOCKET], what, buf, 64);
  return buf[0] ? buf : NULL;
}
