/* SPDX-License-Identifier: MIT */
/* The tool's default trust store (curl-src/patches/0006-tool-default-ca.patch):
 * the runtime's root certificates as PEM, asked of the host once
 * (curlhost.ca_roots, answered by ts/tool/cli.ts) and kept for every
 * transfer; with --ca-native and --cacert, that file's bytes are appended,
 * since a CAINFO_BLOB replaces CAINFO in curl's mbedTLS backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

/* copies the PEM into buf when it fits in cap; returns its length */
__attribute__((import_module("curlhost"), import_name("ca_roots")))
size_t host_ca_roots(char *buf, size_t cap);

static char *roots;
static size_t roots_len;

static CURLcode load_roots(void)
{
  size_t len;
  if(roots)
    return CURLE_OK;
  len = host_ca_roots(NULL, 0);
  roots = malloc(len + 1);
  if(!roots)
    return CURLE_OUT_OF_MEMORY;
  roots_len = host_ca_roots(roots, len);
  roots[roots_len] = '\0';
  return CURLE_OK;
}

/* appends the file's bytes after the roots, in a buffer the caller frees */
static CURLcode with_file(struct curl_blob *blob, const char *path)
{
  FILE *f = fopen(path, "rb");
  size_t cap = roots_len + 65536, len = roots_len, n;
  char *buf, *grown;
  if(!f)
    return CURLE_SSL_CACERT_BADFILE;
  buf = malloc(cap + 1);
  if(!buf) {
    fclose(f);
    return CURLE_OUT_OF_MEMORY;
  }
  memcpy(buf, roots, roots_len);
  buf[len++] = '\n';
  while((n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if(len == cap) {
      grown = realloc(buf, cap * 2 + 1);
      if(!grown) {
        free(buf);
        fclose(f);
        return CURLE_OUT_OF_MEMORY;
      }
      buf = grown;
      cap *= 2;
    }
  }
  fclose(f);
  blob->data = buf;
  blob->len = len;
  blob->flags = CURL_BLOB_COPY;
  return CURLE_OK;
}

CURLcode lcw_tool_ca_blob(struct curl_blob *blob, const char *also)
{
  CURLcode result = load_roots();
  blob->data = NULL;
  blob->len = 0;
  blob->flags = CURL_BLOB_NOCOPY;
  if(result)
    return result;
  if(also)
    return with_file(blob, also);
  blob->data = roots_len ? roots : NULL;
  blob->len = roots_len;
  return CURLE_OK;
}

void lcw_tool_ca_blob_free(struct curl_blob *blob)
{
  if(blob->flags == CURL_BLOB_COPY)
    free(blob->data);
  blob->data = NULL;
}
