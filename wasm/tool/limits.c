/* SPDX-License-Identifier: MIT */
/* A sandbox's limits inside the tool (curl-src/patches/0010-tool-sandbox-
 * limits.patch): the header and write callbacks hand the host a transfer's
 * head or decoded body bytes so far, and config2setopts() each transfer's
 * final URL and header fields; the host (ts/tool/worker.ts) answers whether
 * they are past the sandbox's bounds, and records which. Without a sandbox
 * it answers "never". */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

/* kind: 0 response heads, 1 decoded body; total: the transfer's bytes */
__attribute__((import_module("curlhost"), import_name("tool_over")))
int host_tool_over(int kind, double total);

/* buf: the URL, then each header line, each ending in a NUL */
__attribute__((import_module("curlhost"), import_name("tool_request")))
int host_tool_request(const char *buf, size_t len);

bool lcw_tool_over(int kind, curl_off_t total);
bool lcw_tool_request(const char *url, const struct curl_slist *headers,
                      const char *useragent, const char *referer);

bool lcw_tool_over(int kind, curl_off_t total)
{
  return host_tool_over(kind, (double)total) != 0;
}

/* appends `a` `b` and a NUL at *at (b may be NULL) */
static void put(char **at, const char *a, const char *b)
{
  size_t n = strlen(a);
  memcpy(*at, a, n);
  *at += n;
  if(b) {
    n = strlen(b);
    memcpy(*at, b, n);
    *at += n;
  }
  *(*at)++ = '\0';
}

/* The fields curl sends for the caller: -H lines (with --json's and
 * --etag-compare's), and -A and -e as the fields they are (not curl's own
 * default User-Agent, as request() does not count curl's own fields). */
bool lcw_tool_request(const char *url, const struct curl_slist *headers,
                      const char *useragent, const char *referer)
{
  static const char ua_default[] = "curl/" LIBCURL_VERSION;
  static const char ua_name[] = "User-Agent: ";
  static const char ref_name[] = "Referer: ";
  const struct curl_slist *h;
  size_t len = strlen(url) + 1;
  char *buf, *at;
  int over;
  if(useragent && !strcmp(useragent, ua_default))
    useragent = NULL;
  for(h = headers; h; h = h->next)
    len += strlen(h->data) + 1;
  if(useragent)
    len += sizeof(ua_name) + strlen(useragent);
  if(referer)
    len += sizeof(ref_name) + strlen(referer);
  at = buf = malloc(len);
  if(!buf)
    return true; /* refused: nothing can be sent unchecked */
  put(&at, url, NULL);
  for(h = headers; h; h = h->next)
    put(&at, h->data, NULL);
  if(useragent)
    put(&at, ua_name, useragent);
  if(referer)
    put(&at, ref_name, referer);
  over = host_tool_request(buf, len);
  free(buf);
  return over != 0;
}
