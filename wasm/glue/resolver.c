/* SPDX-License-Identifier: MIT */
/* CURLRES_HOST: curl's asynchronous resolver backend, answered by the host
 * (curl-src/patches/0001-host-async-resolver.patch selects it). The host
 * looks the name up (dns.lookup or an injected function) and hands curl a
 * descriptor that turns readable when it is done, as the threaded resolver
 * does with its socketpair, so the multi driver waits on it like any
 * socket. */
#include "curl_setup.h"

#ifdef CURLRES_HOST

#include <errno.h>
#include <string.h>
#include <poll.h>

#include "urldata.h"
#include "asyn.h"
#include "hostip.h"
#include "curl_addrinfo.h"
#include "multiif.h"
#include "sendf.h"
#include "host.h"
#include "curl_memory.h"
#include "memdebug.h" /* last */

#define RECORD_SIZE 20
#define MAX_RECORDS 32

/* a zeroed Curl_easy has fd 0, which is never a host descriptor */
static bool pending(struct async_host_ctx *ctx)
{
  return ctx->fd >= HOST_FD_BASE;
}

static void release(struct Curl_easy *data)
{
  struct async_host_ctx *ctx = &data->state.async.host;
  if(pending(ctx))
    host_sock_close(ctx->fd);
  ctx->fd = 0;
}

int Curl_async_global_init(void)
{
  return CURLE_OK;
}

void Curl_async_global_cleanup(void)
{
}

CURLcode Curl_async_get_impl(struct Curl_easy *data, void **impl)
{
  (void)data;
  *impl = NULL;
  return CURLE_OK;
}

void Curl_async_host_shutdown(struct Curl_easy *data)
{
  release(data);
}

void Curl_async_host_destroy(struct Curl_easy *data)
{
  release(data);
}

struct Curl_addrinfo *Curl_async_getaddrinfo(struct Curl_easy *data,
                                             const char *hostname,
                                             int port,
                                             int ip_version,
                                             int *waitp)
{
  int family = AF_INET;
  int fd;
  *waitp = 0;
#ifdef CURLRES_IPV6
  if(ip_version != CURL_IPRESOLVE_V4 && Curl_ipv6works(data))
    family = (ip_version == CURL_IPRESOLVE_V6) ? AF_INET6 : AF_UNSPEC;
#endif
  release(data);
  data->state.async.dns = NULL;
  data->state.async.done = FALSE;
  data->state.async.port = port;
  data->state.async.ip_version = ip_version;
  Curl_safefree(data->state.async.hostname);
  data->state.async.hostname = strdup(hostname);
  if(!data->state.async.hostname)
    return NULL;
  /* WRITEDATA holds the handle's host id (lcw_easy_relays) */
  fd = host_dns_start(hostname, port, family, (int)(intptr_t)data->set.out);
  if(fd < 0) {
    failf(data, "name lookup could not start (errno %d)", -fd);
    return NULL;
  }
  data->state.async.host.fd = fd;
  *waitp = 1;
  return NULL;
}

static struct Curl_addrinfo *to_addrinfo(const unsigned char *rec, int n,
                                         const char *hostname, int port)
{
  struct Curl_addrinfo *head = NULL, *tail = NULL;
  int i;
  for(i = 0; i < n; i++, rec += RECORD_SIZE) {
    struct Curl_addrinfo *ai = Curl_ip2addr(rec[0], rec + 4, hostname, port);
    if(!ai) {
      Curl_freeaddrinfo(head);
      return NULL;
    }
    if(tail)
      tail->ai_next = ai;
    else
      head = ai;
    tail = ai;
  }
  return head;
}

CURLcode Curl_async_is_resolved(struct Curl_easy *data,
                                struct Curl_dns_entry **dns)
{
  struct async_host_ctx *ctx = &data->state.async.host;
  unsigned char buf[RECORD_SIZE * MAX_RECORDS];
  CURLcode result = CURLE_OK;
  int n;

  *dns = NULL;
  if(data->state.async.done) {
    *dns = data->state.async.dns;
    return CURLE_OK;
  }
  if(!pending(ctx))
    return CURLE_FAILED_INIT;
  n = host_dns_result(ctx->fd, buf, sizeof(buf));
  if(n == -EAGAIN)
    return CURLE_OK;
  release(data);
  data->state.async.done = TRUE;
  Curl_resolv_unlink(data, &data->state.async.dns);
  if(n > 0) {
    struct Curl_addrinfo *ai = to_addrinfo(buf, n, data->state.async.hostname,
                                           data->state.async.port);
    if(!ai)
      return CURLE_OUT_OF_MEMORY;
    data->state.async.dns =
      Curl_dnscache_mk_entry(data, ai, data->state.async.hostname, 0,
                             data->state.async.port, FALSE);
    if(!data->state.async.dns)
      result = CURLE_OUT_OF_MEMORY;
    else
      result = Curl_dnscache_add(data, data->state.async.dns);
  }
  if(!result && !data->state.async.dns)
    result = Curl_resolver_error(data);
  if(result)
    Curl_resolv_unlink(data, &data->state.async.dns);
  *dns = data->state.async.dns;
  return result;
}

/* There is no blocking wait in wasm: the answer is whatever is known now. */
CURLcode Curl_async_await(struct Curl_easy *data,
                          struct Curl_dns_entry **entry)
{
  struct Curl_dns_entry *dns = NULL;
  CURLcode result = Curl_async_is_resolved(data, &dns);
#ifdef LCW_TOOL
  /* the tool may block (its poll waits): wait for the lookup to finish */
  while(!result && !data->state.async.done) {
    struct pollfd p;
    p.fd = data->state.async.host.fd;
    p.events = POLLIN;
    p.revents = 0;
    if(poll(&p, 1, 1000) < 0)
      break;
    result = Curl_async_is_resolved(data, &dns);
  }
#endif
  if(!result && !data->state.async.done) {
    failf(data, "blocking name resolution is not available in wasm");
    result = CURLE_COULDNT_RESOLVE_HOST;
  }
  if(entry)
    *entry = dns;
  return result;
}

int Curl_async_getsock(struct Curl_easy *data, curl_socket_t *socks)
{
  struct async_host_ctx *ctx = &data->state.async.host;
  if(!pending(ctx))
    return 0;
  socks[0] = ctx->fd;
  return GETSOCK_READSOCK(0);
}

#endif /* CURLRES_HOST */
