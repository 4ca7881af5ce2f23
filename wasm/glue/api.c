/* SPDX-License-Identifier: MIT */
/* Exports for the host beside libcurl's own: non-variadic setopt/getinfo
 * (a variadic call cannot be made from JS), 64-bit values split in two
 * 32-bit halves, and the callback trampolines that relay to the host. */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <mbedtls/ssl.h>

#include "host.h"

#define ID(p) ((int)(intptr_t)(p))

int lcw_abi_version(void)
{
  return LCW_ABI_VERSION;
}

static curl_off_t join64(uint32_t lo, int32_t hi)
{
  return (curl_off_t)(((uint64_t)(uint32_t)hi << 32) | lo);
}

int lcw_easy_setopt_long(CURL *h, int opt, long v)
{
  return curl_easy_setopt(h, (CURLoption)opt, v);
}

int lcw_easy_setopt_ptr(CURL *h, int opt, void *v)
{
  return curl_easy_setopt(h, (CURLoption)opt, v);
}

int lcw_easy_setopt_off(CURL *h, int opt, uint32_t lo, int32_t hi)
{
  return curl_easy_setopt(h, (CURLoption)opt, join64(lo, hi));
}

/* copy 0: curl keeps pointing at `data`, which the host keeps alive (one
 * CA bundle shared by every handle instead of a copy in each) */
int lcw_easy_setopt_blob(CURL *h, int opt, void *data, size_t len, int copy)
{
  struct curl_blob blob;
  blob.data = data;
  blob.len = len;
  blob.flags = copy ? CURL_BLOB_COPY : CURL_BLOB_NOCOPY;
  return curl_easy_setopt(h, (CURLoption)opt, &blob);
}

/* `out` has room for the widest answer (8 bytes) */
int lcw_easy_getinfo(CURL *h, int info, void *out)
{
  return curl_easy_getinfo(h, (CURLINFO)info, out);
}

/* Several infos in one call (what a response needs is ~20 getinfo calls
 * otherwise, each a crossing): the answer to ids[i] goes to out + 8 * i,
 * zeroed first. Answers the first failure's code; the rest are still read. */
int lcw_easy_getinfos(CURL *h, const int *ids, int n, void *out)
{
  CURLcode first = CURLE_OK;
  int i;
  for(i = 0; i < n; i++) {
    char *slot = (char *)out + 8 * i;
    CURLcode r;
    memset(slot, 0, 8);
    r = curl_easy_getinfo(h, (CURLINFO)ids[i], slot);
    if(r && !first)
      first = r;
  }
  return first;
}

int lcw_multi_setopt_long(CURLM *m, int opt, long v)
{
  return curl_multi_setopt(m, (CURLMoption)opt, v);
}

int lcw_multi_setopt_ptr(CURLM *m, int opt, void *v)
{
  return curl_multi_setopt(m, (CURLMoption)opt, v);
}

int lcw_share_setopt_long(CURLSH *s, int opt, long v)
{
  return curl_share_setopt(s, (CURLSHoption)opt, v);
}

int lcw_ws_send(CURL *h, const void *buf, size_t len, size_t *sent,
                uint32_t frag_lo, int32_t frag_hi, unsigned flags)
{
  return curl_ws_send(h, buf, len, sent, join64(frag_lo, frag_hi), flags);
}

/* --- trampolines: userdata is the host-side id of the handle ---------- */

static size_t write_cb(char *p, size_t size, size_t n, void *ud)
{
  return host_cb_write(ID(ud), 0, p, size * n);
}

static int head_flush(struct lcw_head *h)
{
  unsigned n = h->len;
  h->len = 0;
  return n ? host_cb_head(h->id, h->buf, n, NULL, NULL, NULL) : 0;
}

static void tls_names(CURL *h, const char **version, const char **cipher);

/* The block that ends a head, with the URL and TLS it came from: what the
 * host would otherwise ask for in three more calls per head. */
static int head_end(struct lcw_head *h)
{
  const char *url = NULL, *version = NULL, *cipher = NULL;
  unsigned n = h->len;
  h->len = 0;
  curl_easy_getinfo(h->easy, CURLINFO_EFFECTIVE_URL, &url);
  tls_names(h->easy, &version, &cipher);
  return host_cb_head(h->id, h->buf, n, url, version, cipher);
}

/* A HEADERFUNCTION gets each line (LCW_HEAD_LINES); the response head that
 * fetch() and request() parse is gathered here and crosses to the host once
 * per head (LCW_HEAD_BLOCK), not once per line. curl hands over one whole
 * line per call; a head ends with a blank line. */
static size_t header_cb(char *p, size_t size, size_t n, void *ud)
{
  struct lcw_head *h = ud;
  size_t len = size * n;
  if(h->mode & LCW_HEAD_LINES) {
    size_t r = host_cb_write(h->id, 1, p, len);
    if(r != len)
      return r;
  }
  if(h->mode & LCW_HEAD_BLOCK) {
    int end = (len == 2 && p[0] == '\r' && p[1] == '\n') ||
              (len == 1 && p[0] == '\n');
    if(len > h->cap - h->len) {
      if(head_flush(h))
        return CURL_WRITEFUNC_ERROR;
      if(len > h->cap) /* longer than the buffer: it crosses alone */
        return host_cb_head(h->id, p, len, NULL, NULL, NULL) ?
          CURL_WRITEFUNC_ERROR : len;
    }
    memcpy(h->buf + h->len, p, len);
    h->len += len;
    if(end && head_end(h))
      return CURL_WRITEFUNC_ERROR;
  }
  return len;
}

static size_t read_cb(char *p, size_t size, size_t n, void *ud)
{
  return host_cb_read(ID(ud), p, size * n);
}

static int seek_cb(void *ud, curl_off_t offset, int origin)
{
  return host_cb_seek(ID(ud), (double)offset, origin);
}

static int xferinfo_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
  return host_cb_progress(ID(ud), (double)dltotal, (double)dlnow,
                          (double)ultotal, (double)ulnow);
}

static int debug_cb(CURL *h, curl_infotype type, char *p, size_t n, void *ud)
{
  (void)h;
  host_cb_debug(ID(ud), (int)type, p, n);
  return 0;
}

/* also says which transfer the socket now serves (CURLOPT_PRIVATE holds
 * the easy handle's id), so that a reused connection's bytes count for the
 * transfer that reuses it */
static int socket_cb(CURL *e, curl_socket_t fd, int what, void *ud, void *sp)
{
  void *owner = NULL;
  (void)sp;
  curl_easy_getinfo(e, CURLINFO_PRIVATE, &owner);
  return host_cb_socket(ID(ud), fd, what, ID(owner));
}

static curl_socket_t opensocket_cb(void *ud, curlsocktype purpose,
                                   struct curl_sockaddr *a)
{
  curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
  (void)purpose;
  if(fd != CURL_SOCKET_BAD)
    host_sock_owner(fd, ID(ud));
  return fd;
}

static int timer_cb(CURLM *m, long ms, void *ud)
{
  (void)m;
  return host_cb_timer(ID(ud), (int)ms);
}

/* Installs every relay on an easy handle; the host decides per call what
 * to do with them (a missing user callback costs one relay call). `head`
 * is the handle's header state (host.h), its HEADERDATA. */
int lcw_easy_relays(CURL *h, int id, struct lcw_head *head)
{
  void *ud = (void *)(intptr_t)id;
  CURLcode r = CURLE_OK;
  head->id = id;
  head->len = 0;
  head->easy = h;
  r = r ? r : curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
  r = r ? r : curl_easy_setopt(h, CURLOPT_WRITEDATA, ud);
  r = r ? r : curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
  r = r ? r : curl_easy_setopt(h, CURLOPT_HEADERDATA, head);
  r = r ? r : curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
  r = r ? r : curl_easy_setopt(h, CURLOPT_READDATA, ud);
  r = r ? r : curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_cb);
  r = r ? r : curl_easy_setopt(h, CURLOPT_SEEKDATA, ud);
  r = r ? r : curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  r = r ? r : curl_easy_setopt(h, CURLOPT_XFERINFODATA, ud);
  r = r ? r : curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
  r = r ? r : curl_easy_setopt(h, CURLOPT_DEBUGDATA, ud);
  r = r ? r : curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
  r = r ? r : curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, ud);
  r = r ? r : curl_easy_setopt(h, CURLOPT_PRIVATE, ud);
  return r;
}

int lcw_multi_relays(CURLM *m, int id)
{
  void *ud = (void *)(intptr_t)id;
  CURLMcode r = CURLM_OK;
  r = r ? r : curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, socket_cb);
  r = r ? r : curl_multi_setopt(m, CURLMOPT_SOCKETDATA, ud);
  r = r ? r : curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, timer_cb);
  r = r ? r : curl_multi_setopt(m, CURLMOPT_TIMERDATA, ud);
  return r;
}

static int push_cb(CURL *parent, CURL *easy, size_t num_headers,
                   struct curl_pushheaders *headers, void *ud)
{
  return host_cb_push(ID(ud), parent, easy, (unsigned)num_headers, headers);
}

/* CURLMOPT_PUSHFUNCTION relays only while the application has one: without
 * it curl refuses pushed streams before duplicating a handle for them */
int lcw_multi_push(CURLM *m, int id, int on)
{
  CURLMcode r = curl_multi_setopt(m, CURLMOPT_PUSHFUNCTION,
                                  on ? push_cb : NULL);
  return r ? r : curl_multi_setopt(m, CURLMOPT_PUSHDATA,
                                   (void *)(intptr_t)id);
}

/* The negotiated TLS version and cipher of the connection a transfer uses,
 * read from mbedTLS itself (valid while the connection is attached, e.g.
 * when the response head arrives); NULL without TLS. */
static mbedtls_ssl_context *tls_of(CURL *h)
{
  struct curl_tlssessioninfo *info = NULL;
  if(curl_easy_getinfo(h, CURLINFO_TLS_SSL_PTR, &info) || !info ||
     info->backend != CURLSSLBACKEND_MBEDTLS)
    return NULL;
  return info->internals;
}

const char *lcw_tls_host_info(CURL *h, int what); /* tls.c */

static void tls_names(CURL *h, const char **version, const char **cipher)
{
  mbedtls_ssl_context *ssl = tls_of(h);
  *version = ssl ? mbedtls_ssl_get_version(ssl) :
    lcw_tls_host_info(h, LCW_TLS_VERSION);
  *cipher = ssl ? mbedtls_ssl_get_ciphersuite(ssl) :
    lcw_tls_host_info(h, LCW_TLS_CIPHER);
}

const char *lcw_tls_version(CURL *h)
{
  const char *version, *cipher;
  tls_names(h, &version, &cipher);
  return version;
}

const char *lcw_tls_cipher(CURL *h)
{
  const char *version, *cipher;
  tls_names(h, &version, &cipher);
  return cipher;
}
