/* SPDX-License-Identifier: MIT */
/* One parsed CA bundle per instance (curl-src/patches/0003): curl's mbedTLS
 * backend would parse CURLOPT_CAINFO_BLOB for every TLS connection and keep
 * the chain while the connection lives (~310 KB for a runtime's root store).
 * Connections that trust the same bytes share one chain; the last bundle
 * released stays parsed for the next connection, older idle ones are freed.
 * A blob that is LCW_RUNTIME_CA (a Session's default `ca`) stands for the
 * runtime's own trust store, asked of the host on the first connection that
 * verifies a peer with it: a redirect from http to https on the same handle
 * reaches here too, as every new connection does. */
#include <stdlib.h>
#include <string.h>
#include <mbedtls/x509_crt.h>
#include "host.h"

struct ca_entry {
  struct ca_entry *next;
  unsigned char *pem; /* NUL-terminated copy: mbedTLS wants one for PEM */
  size_t len;
  unsigned refs;
  mbedtls_x509_crt chain;
};

static struct ca_entry *entries;

static void drop(struct ca_entry *e)
{
  mbedtls_x509_crt_free(&e->chain);
  free(e->pem);
  free(e);
}

#ifndef LCW_TOOL
/* the runtime's trust store; none (a runtime without TLS of its own) leaves
 * the chain empty, so verification fails as it does without a CA */
static int parse_runtime(mbedtls_x509_crt *chain)
{
  int len = host_ca_runtime(NULL, 0);
  unsigned char *pem;
  int ret;
  if(len <= 0)
    return 0;
  pem = malloc((size_t)len + 1);
  if(!pem)
    return MBEDTLS_ERR_X509_ALLOC_FAILED;
  if(host_ca_runtime(pem, (unsigned)len) != len) {
    free(pem);
    return MBEDTLS_ERR_X509_ALLOC_FAILED;
  }
  pem[len] = 0;
  ret = mbedtls_x509_crt_parse(chain, pem, (size_t)len + 1);
  free(pem);
  return ret;
}
#endif

mbedtls_x509_crt *lcw_ca_acquire(const unsigned char *pem, size_t len,
                                 int *err)
{
  struct ca_entry *e;
  for(e = entries; e; e = e->next) {
    if(e->len == len && !memcmp(e->pem, pem, len)) {
      e->refs++;
      return &e->chain;
    }
  }
  e = calloc(1, sizeof(*e));
  if(!e)
    return NULL;
  e->pem = malloc(len + 1);
  if(!e->pem) {
    free(e);
    return NULL;
  }
  memcpy(e->pem, pem, len);
  e->pem[len] = 0;
  e->len = len;
  mbedtls_x509_crt_init(&e->chain);
#ifndef LCW_TOOL
  /* the tool (wasm/tool/ca.c) hands curl its roots itself */
  if(len == sizeof(LCW_RUNTIME_CA) - 1 && !memcmp(pem, LCW_RUNTIME_CA, len))
    *err = parse_runtime(&e->chain);
  else
#endif
    /* as curl: a negative result fails, a positive one counts skipped
       certs */
    *err = mbedtls_x509_crt_parse(&e->chain, e->pem, len + 1);
  if(*err < 0) {
    drop(e);
    return NULL;
  }
  e->refs = 1;
  e->next = entries;
  entries = e;
  return &e->chain;
}

void lcw_ca_release(mbedtls_x509_crt *chain)
{
  struct ca_entry **p = &entries, *e;
  struct ca_entry *released = NULL;
  for(e = entries; e; e = e->next)
    if(&e->chain == chain)
      released = e;
  if(!released || --released->refs)
    return;
  /* keep this one idle; free every other idle bundle */
  while((e = *p)) {
    if(e != released && !e->refs) {
      *p = e->next;
      drop(e);
    }
    else
      p = &e->next;
  }
}
