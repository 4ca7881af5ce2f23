/* SPDX-License-Identifier: MIT */
/* A sandbox's limits inside the tool (curl-src/patches/0010-tool-sandbox-
 * limits.patch): the header and write callbacks hand the host a transfer's
 * head or decoded body bytes so far, and config2setopts() each transfer's
 * final URL, header fields and the options that become fields or reach the
 * wire; the host (ts/tool/worker.ts) answers whether
 * they are past the sandbox's bounds, and records which. Without a sandbox
 * it answers "never". */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

/* kind: 0 response heads, 1 decoded body; total: the transfer's bytes */
__attribute__((import_module("curlhost"), import_name("tool_over")))
int host_tool_over(int kind, double total);

/* buf: the URL, the number of header lines (decimal), each header line,
 * then name and value of each named string (ts/tool/request-check.ts), each
 * ending in a NUL */
__attribute__((import_module("curlhost"), import_name("tool_request")))
int host_tool_request(const char *buf, size_t len);

bool lcw_tool_over(int kind, curl_off_t total);
bool lcw_tool_request(const char *url, const struct curl_slist *headers,
                      const struct curl_slist *cookies,
                      const char *const named[]);

bool lcw_tool_over(int kind, curl_off_t total)
{
  return host_tool_over(kind, (double)total) != 0;
}

/* appends `a` and a NUL at *at */
static void put(char **at, const char *a)
{
  size_t n = strlen(a);
  memcpy(*at, a, n);
  *at += n;
  *(*at)++ = '\0';
}

/* The request as the caller shapes it: -H lines (with --json's and
 * --etag-compare's); -b's cookies joined as curl joins them; and `named`:
 * the options libcurl makes fields of (-A, -e, -r, -u, --oauth2-bearer) and
 * other strings that reach the wire (-X, --request-target,
 * --haproxy-clientip). curl's own default User-Agent is not the caller's,
 * as request() does not count curl's own fields. */
bool lcw_tool_request(const char *url, const struct curl_slist *headers,
                      const struct curl_slist *cookies,
                      const char *const named[])
{
  static const char ua_default[] = "curl/" LIBCURL_VERSION;
  const struct curl_slist *h;
  size_t len = strlen(url) + 1 + 12, i, lines = 0;
  char *buf, *at;
  char count[12];
  int over;
  for(h = headers; h; h = h->next, lines++)
    len += strlen(h->data) + 1;
  if(cookies)
    len += sizeof("cookie");
  for(h = cookies; h; h = h->next)
    len += strlen(h->data) + 1; /* and a ';' or the NUL */
  for(i = 0; named[i]; i += 2)
    if(named[i + 1])
      len += strlen(named[i]) + strlen(named[i + 1]) + 2;
  at = buf = malloc(len);
  if(!buf)
    return true; /* refused: nothing can be sent unchecked */
  put(&at, url);
  snprintf(count, sizeof(count), "%zu", lines);
  put(&at, count);
  for(h = headers; h; h = h->next)
    put(&at, h->data);
  if(cookies) {
    put(&at, "cookie");
    for(h = cookies; h; h = h->next) {
      size_t n = strlen(h->data);
      memcpy(at, h->data, n);
      at += n;
      *at++ = h->next ? ';' : '\0';
    }
  }
  for(i = 0; named[i]; i += 2) {
    const char *value = named[i + 1];
    if(!value ||
       (!strcmp(named[i], "user-agent") && !strcmp(value, ua_default)))
      continue;
    put(&at, named[i]);
    put(&at, value);
  }
  over = host_tool_request(buf, (size_t)(at - buf));
  free(buf);
  return over != 0;
}
